import * as vscode from 'vscode';
import { siblingRuns } from '../../engine/compare/runSelection';
import { collectAll, type MlflowRestClient } from '../../engine/mlflow/mlflowRestClient';
import type { MlflowRun } from '../../engine/mlflow/mlflowTypes';
import { validatePanelState } from '../../../webview/contract';
import type { ExplorerNode } from '../explorer/explorerNodes';
import { EMBEDDED_ID, type TrackingConnection, type TrackingConnections } from '../explorer/trackingConnections';
import { getOutputChannel } from '../outputChannel';
import { COMPARE_VIEW_TYPE, ComparePanel } from './comparePanel';

/** Runs listed in the palette's run picker (newest first). */
const PICKER_RUNS = 1000;
/** How long a restored panel waits for its connection to be loaded after a window reload. */
const RESTORE_WAIT_MS = 15_000;

export interface ComparePanels {
  /** The open compare panels (for tests and other features). */
  all(): readonly ComparePanel[];
}

type RunNode = Extract<ExplorerNode, { type: 'run' }>;

/**
 * Registers the "Compare runs" panel: the commands `mlflow.compareRuns` (Runs tree multi-selection,
 * passed by the context menu or read from `runsView` when run from the palette; else a run picker) and `mlflow.compareWithParentChildren`, and the serializer that
 * restores open panels after a window reload. Both commands return the panel they open (or undefined).
 */
export function registerComparePanel(context: vscode.ExtensionContext, deps: { connections: TrackingConnections; runsView?: vscode.TreeView<ExplorerNode> }): ComparePanels {
  const panelDeps = { connections: deps.connections, context };
  context.subscriptions.push(
    vscode.commands.registerCommand('mlflow.compareRuns', async (clicked?: unknown, selected?: unknown): Promise<ComparePanel | undefined> => {
      try {
        // From the palette there are no arguments: the Runs view's current selection stands in.
        const fromTree = clicked === undefined && deps.runsView ? runNodesOf(undefined, deps.runsView.selection) : runNodesOf(clicked, selected);
        if (fromTree.length >= 2) {
          const connectionId = fromTree[0].connection.id;
          if (fromTree.some((n) => n.connection.id !== connectionId)) {
            void vscode.window.showErrorMessage('Compare runs: the selected runs are on different tracking servers. Select runs of one server.');
            return undefined;
          }
          return ComparePanel.create(panelDeps, connectionId, fromTree.map((n) => n.run.info.run_id));
        }
        const picked = await pickRuns(deps.connections, fromTree[0]);
        return picked ? ComparePanel.create(panelDeps, picked.connectionId, picked.runIds) : undefined;
      } catch (err) {
        return reportFailure('Compare runs', err);
      }
    }),
    vscode.commands.registerCommand('mlflow.compareWithParentChildren', async (node?: unknown): Promise<ComparePanel | undefined> => {
      const run = runNodesOf(node, undefined)[0];
      if (!run?.connection.client) {
        void vscode.window.showInformationMessage('Compare with parent\'s children: run it on a run of the Runs view.');
        return undefined;
      }
      try {
        const { parentId, runs } = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Window, title: 'MLflow: finding child runs…' },
          () => siblingRuns(run.connection.client!, run.run),
        );
        if (runs.length < 2) {
          void vscode.window.showInformationMessage(
            runs.length === 0 ? `Run ${parentId} has no child runs to compare.` : `Run ${parentId} has only one child run: nothing to compare it with.`,
          );
          return undefined;
        }
        return ComparePanel.create(panelDeps, run.connection.id, runs.map((r) => r.info.run_id));
      } catch (err) {
        return reportFailure('Compare with parent\'s children', err);
      }
    }),
    vscode.window.registerWebviewPanelSerializer(COMPARE_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
        const valid = validatePanelState(state);
        if (!valid.ok) {
          // Nothing to restore from (the webview never saved its state): close rather than show an empty panel.
          getOutputChannel().warn(`Compare runs: not restoring a panel: ${valid.error}`);
          panel.dispose();
          return;
        }
        await connectionReady(deps.connections, valid.value.connectionId);
        new ComparePanel(panel, panelDeps, valid.value.connectionId, valid.value.runIds);
      },
    }),
  );
  return { all: () => ComparePanel.all() };
}

function isRunNode(value: unknown): value is RunNode {
  const node = value as Partial<RunNode> | undefined;
  return typeof node === 'object' && node !== null && node.type === 'run' && typeof node.run?.info?.run_id === 'string' && typeof node.connection?.id === 'string';
}

/** The run nodes of a tree command: VS Code passes (clicked, all selected) when canSelectMany. */
function runNodesOf(clicked: unknown, selected: unknown): RunNode[] {
  const nodes = Array.isArray(selected) && selected.length > 0 ? selected : clicked ? [clicked] : [];
  const runs = nodes.filter(isRunNode);
  const seen = new Set<string>();
  return runs.filter((n) => !seen.has(n.run.info.run_id) && seen.add(n.run.info.run_id));
}

/** Waits until the connection is loaded (after a reload, connections load asynchronously). */
async function connectionReady(connections: TrackingConnections, id: string): Promise<void> {
  if (id === EMBEDDED_ID) void connections.startEmbedded();
  if (connections.get(id)?.client) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, RESTORE_WAIT_MS);
    const sub = connections.onDidChange(() => {
      if (connections.get(id)?.client) done();
    });
    function done() {
      clearTimeout(timer);
      sub.dispose();
      resolve();
    }
  });
}

interface PickedRuns {
  connectionId: string;
  runIds: string[];
}

/** Palette flow: server (when several) → experiment → runs (multi-select, searchable by name or id). */
async function pickRuns(connections: TrackingConnections, preselect?: RunNode): Promise<PickedRuns | undefined> {
  let connection: TrackingConnection | undefined = preselect?.connection;
  if (!connection) {
    const usable = connections.all().filter((c) => c.client);
    if (usable.length === 0) {
      const action = await vscode.window.showErrorMessage('Compare runs: no MLflow tracking server is connected.', 'Set Tracking URI', 'Start Local Server');
      if (action === 'Set Tracking URI') void vscode.commands.executeCommand('mlflow.setTrackingUri');
      if (action === 'Start Local Server') void vscode.commands.executeCommand('mlflow.startLocalServer');
      return undefined;
    }
    connection =
      usable.length === 1
        ? usable[0]
        : (await vscode.window.showQuickPick(usable.map((c) => ({ label: c.label, description: c.resolved?.trackingUri, connection: c })), { title: 'Compare runs: tracking server' }))?.connection;
  }
  const client = connection?.client;
  if (!connection || !client) return undefined;
  const experimentId = preselect?.run.info.experiment_id ?? (await pickExperiment(client));
  if (!experimentId) return undefined;
  const runs = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'MLflow: listing runs…' }, () =>
    collectAll((pageToken) => client.searchRuns({ experimentIds: [experimentId], orderBy: ['attributes.start_time DESC'], maxResults: PICKER_RUNS, pageToken }), PICKER_RUNS),
  );
  if (runs.length < 2) {
    void vscode.window.showInformationMessage(`Compare runs: the experiment has ${runs.length === 0 ? 'no runs' : 'only one run'}; at least two are needed.`);
    return undefined;
  }
  const preselected = preselect?.run.info.run_id;
  const items = runs.map((run) => ({ ...runItem(run), picked: run.info.run_id === preselected, runId: run.info.run_id }));
  const chosen = await vscode.window.showQuickPick(items, {
    title: 'Compare runs: pick two or more (type a name or a run id)',
    canPickMany: true,
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!chosen) return undefined;
  if (chosen.length < 2) {
    void vscode.window.showWarningMessage('Compare runs: pick at least two runs.');
    return undefined;
  }
  return { connectionId: connection.id, runIds: chosen.map((c) => c.runId) };
}

async function pickExperiment(client: MlflowRestClient): Promise<string | undefined> {
  const experiments = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'MLflow: listing experiments…' }, () =>
    collectAll((pageToken) => client.searchExperiments({ pageToken, orderBy: ['last_update_time DESC'] }), 5000),
  );
  if (experiments.length === 0) {
    void vscode.window.showInformationMessage('Compare runs: the tracking server has no experiments yet.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    experiments.map((e) => ({ label: e.name, description: `id ${e.experiment_id}`, id: e.experiment_id })),
    { title: 'Compare runs: experiment', matchOnDescription: true },
  );
  return picked?.id;
}

function runItem(run: MlflowRun): { label: string; description: string; detail?: string } {
  const metrics = (run.data.metrics ?? [])
    .slice(0, 4)
    .map((m) => `${m.key}=${Number(m.value).toPrecision(4)}`)
    .join('  ');
  const started = run.info.start_time ? new Date(Number(run.info.start_time)).toLocaleString() : '';
  return { label: run.info.run_name || run.info.run_id, description: `${run.info.run_id}  ${run.info.status.toLowerCase()}  ${started}`, detail: metrics || undefined };
}

function reportFailure(what: string, err: unknown): undefined {
  const message = err instanceof Error ? err.message : String(err);
  getOutputChannel().error(`${what}: ${message}`);
  void vscode.window.showErrorMessage(`${what}: ${message.split('\n')[0]}`, 'Show Output').then((choice) => {
    if (choice) void vscode.commands.executeCommand('mlflow.showOutput');
  });
  return undefined;
}
