import * as vscode from 'vscode';
import { COMMANDS } from '../commandIds';
import { validateRunDetailsState } from '../../../webview/contract';
import { registerGuardedCommand } from '../guardedCommand';
import { registerPanelSerializer } from '../panelSerializer';
import { pickRuns, runNodesOf } from '../runPicking';
import { RUN_DETAILS_VIEW_TYPE, RunDetailsPanel } from './runDetailsPanel';
import type { OpenPanels, PanelRegistrationDeps } from '../messagingPanel';

export type RunDetailsPanels = OpenPanels<RunDetailsPanel>;

/**
 * Registers the "Run details" panel: the command `mlflow.showRunDetails` (a run node of the Runs
 * view, or from the palette the view's selected run, else a run picker; a run id string works too)
 * and the serializer that restores open panels after a window reload. The command returns the panel.
 */
export function registerRunDetails(context: vscode.ExtensionContext, deps: PanelRegistrationDeps): RunDetailsPanels {
  const panelDeps = { connections: deps.connections, context };
  context.subscriptions.push(
    registerGuardedCommand(COMMANDS.showRunDetails, async (clicked?: unknown, runId?: unknown): Promise<RunDetailsPanel | undefined> => {
      // ('<connection id>', '<run id>'): for links and other extensions.
      if (typeof clicked === 'string' && typeof runId === 'string') return RunDetailsPanel.show(panelDeps, clicked, runId);
      const fromTree = clicked === undefined && deps.runsView ? runNodesOf(undefined, deps.runsView.selection) : runNodesOf(clicked, undefined);
      if (fromTree.length === 1) return RunDetailsPanel.show(panelDeps, fromTree[0].connection.id, fromTree[0].run.info.run_id);
      const picked = await pickRuns(deps.connections, { what: 'Show run details', many: false, min: 1, preselect: fromTree[0] });
      return picked ? RunDetailsPanel.show(panelDeps, picked.connectionId, picked.runIds[0]) : undefined;
    }),
    registerPanelSerializer(
      RUN_DETAILS_VIEW_TYPE,
      'Run details',
      validateRunDetailsState,
      deps.connections,
      (panel, state) => new RunDetailsPanel(panel, panelDeps, state.connectionId, state.runId),
    ),
  );
  return { all: () => RunDetailsPanel.all() };
}
