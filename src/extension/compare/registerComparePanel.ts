import * as vscode from 'vscode';
import { COMMANDS } from '../commandIds';
import { previousRun, siblingRuns } from '../../engine/compare/runSelection';
import { parentRunId } from '../../engine/explorer/runListing';
import type { MlflowRestClient } from '../../engine/mlflow/mlflowRestClient';
import type { MlflowRun } from '../../engine/mlflow/mlflowTypes';
import { validatePanelState } from '../../../webview/contract';
import { registerGuardedCommand, reportFailure } from '../guardedCommand';
import { registerPanelSerializer } from '../panelSerializer';
import { connectionReady, pickRuns, runNodesOf } from '../runPicking';
import { COMPARE_VIEW_TYPE, ComparePanel } from './comparePanel';
import type { OpenPanels, PanelDeps, PanelRegistrationDeps } from '../messagingPanel';

export type ComparePanels = OpenPanels<ComparePanel>;

/**
 * Registers the "Compare runs" panel: the commands `mlflow.compareRuns` (Runs tree multi-selection,
 * passed by the context menu or read from `runsView` when run from the palette; else a run picker),
 * `mlflow.compareWithParentChildren` and `mlflow.compareWithPrevious` (a run node), and the serializer
 * that restores open panels after a window reload. The commands return the panel they open (or undefined).
 */
export function registerComparePanel(context: vscode.ExtensionContext, deps: PanelRegistrationDeps): ComparePanels {
  const panelDeps = { connections: deps.connections, context };
  context.subscriptions.push(
    registerGuardedCommand(COMMANDS.compareRuns, async (clicked?: unknown, selected?: unknown): Promise<ComparePanel | undefined> => {
      // From the palette there are no arguments: the Runs view's current selection stands in.
      const fromTree = clicked === undefined && deps.runsView ? runNodesOf(undefined, deps.runsView.selection) : runNodesOf(clicked, selected);
      // Runs selected across connections (a local run and its Databricks twin) share one panel.
      if (fromTree.length >= 2)
        return ComparePanel.createOf(
          panelDeps,
          fromTree.map((n) => ({ connectionId: n.connection.id, runId: n.run.info.run_id })),
        );
      const picked = await pickRuns(deps.connections, { what: 'Compare runs', many: true, min: 2, preselect: fromTree[0] });
      return picked ? ComparePanel.create(panelDeps, picked.connectionId, picked.runIds) : undefined;
    }),
    registerGuardedCommand(COMMANDS.addToComparison, (clicked?: unknown, selected?: unknown): ComparePanel | undefined => {
      const fromTree = clicked === undefined && deps.runsView ? runNodesOf(undefined, deps.runsView.selection) : runNodesOf(clicked, selected);
      if (fromTree.length === 0) {
        void vscode.window.showInformationMessage('Add to Comparison: select runs in the Runs view (of any tracking server) first.');
        return undefined;
      }
      const refs = fromTree.map((n) => ({ connectionId: n.connection.id, runId: n.run.info.run_id }));
      const panel = ComparePanel.current();
      if (!panel) {
        if (refs.length >= 2) return ComparePanel.createOf(panelDeps, refs);
        void vscode.window.showInformationMessage(
          'Add to Comparison: no comparison is open. Compare some runs first (Compare Selected Runs), then add this one.',
        );
        return undefined;
      }
      const added = panel.addRuns(refs);
      if (added === 0) void vscode.window.showInformationMessage('Add to Comparison: the selected runs are already in the comparison.');
      return panel;
    }),
    registerGuardedCommand(COMMANDS.compareWithParentChildren, async (node?: unknown): Promise<ComparePanel | undefined> => {
      const run = runNodesOf(node, undefined)[0];
      if (!run) {
        void vscode.window.showInformationMessage("Compare with parent's children: run it on a run of the Runs view.");
        return undefined;
      }
      const { parentId, runs } = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'MLflow: finding child runs…' }, () =>
        siblingRuns(run.connection.client, run.run),
      );
      if (runs.length < 2) {
        void vscode.window.showInformationMessage(
          runs.length === 0 ? `Run ${parentId} has no child runs to compare.` : `Run ${parentId} has only one child run: nothing to compare it with.`,
        );
        return undefined;
      }
      return ComparePanel.create(
        panelDeps,
        run.connection.id,
        runs.map((r) => r.info.run_id),
      );
    }),
    registerGuardedCommand(COMMANDS.compareWithPrevious, async (node?: unknown): Promise<ComparePanel | undefined> => {
      const run = runNodesOf(node, undefined)[0];
      if (!run) {
        void vscode.window.showInformationMessage('Compare with previous run: run it on a run of the Runs view.');
        return undefined;
      }
      return compareWithPrevious(panelDeps, run.connection.id, run.connection.client, run.run);
    }),
    registerPanelSerializer(COMPARE_VIEW_TYPE, 'Compare runs', validatePanelState, deps.connections, async (panel, state) => {
      const refs = state.runs ?? state.runIds.map((runId) => ({ connectionId: state.connectionId, runId }));
      // The first connection is waited for by the serializer; the others here (they load after a reload too).
      for (const id of new Set(refs.map((r) => r.connectionId))) if (id !== state.connectionId) await connectionReady(deps.connections, id);
      new ComparePanel(panel, panelDeps, refs);
    }),
  );
  return { all: () => ComparePanel.all() };
}

/**
 * Opens a compare panel of `run` and the run of its experiment that started just before it (at the
 * same level: see previousRun); says so when there is none. Also used by the run details panel.
 */
export async function compareWithPrevious(deps: PanelDeps, connectionId: string, client: MlflowRestClient, run: MlflowRun): Promise<ComparePanel | undefined> {
  try {
    const previous = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'MLflow: finding the previous run…' }, () =>
      previousRun(client, run),
    );
    const name = run.info.run_name || run.info.run_id;
    if (!previous) {
      const where = parentRunId(run) ? "among its parent's child runs" : 'in its experiment';
      void vscode.window.showInformationMessage(`Run ${name} is the first run ${where}: there is no earlier run to compare it with.`);
      return undefined;
    }
    return ComparePanel.create(deps, connectionId, [previous.info.run_id, run.info.run_id]);
  } catch (err) {
    return reportFailure('Compare with previous run', err);
  }
}
