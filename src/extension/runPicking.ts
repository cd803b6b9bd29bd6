import * as vscode from 'vscode';
import { COMMANDS } from './commandIds';
import { collectAll, type MlflowRestClient } from '../engine/mlflow/mlflowRestClient';
import type { MlflowRun } from '../engine/mlflow/mlflowTypes';
import type { ExplorerNode } from './explorer/explorerNodes';
import { EMBEDDED_ID, isUsable, type TrackingConnection, type TrackingConnections, type UsableConnection } from './explorer/trackingConnections';

// Shared by the commands that act on runs (compare, run details): the run nodes a tree command was
// given, the palette's run picker, and waiting for a connection when a panel is restored.

/** Runs listed in the palette's run picker (newest first). */
const PICKER_RUNS = 1000;
/** Experiments listed in the palette's experiment pickers (most recently updated first). */
const PICKER_EXPERIMENTS = 5000;
/** How long a restored panel waits for its connection to be loaded after a window reload. */
const RESTORE_WAIT_MS = 15_000;

export type RunNode = Extract<ExplorerNode, { type: 'run' }>;

function isRunNode(value: unknown): value is RunNode {
  const node = value as Partial<RunNode> | undefined;
  return (
    typeof node === 'object' && node !== null && node.type === 'run' && typeof node.run?.info?.run_id === 'string' && typeof node.connection?.id === 'string'
  );
}

/** The run nodes of a tree command: VS Code passes (clicked, all selected) when canSelectMany. */
export function runNodesOf(clicked: unknown, selected: unknown): RunNode[] {
  const nodes = Array.isArray(selected) && selected.length > 0 ? selected : clicked ? [clicked] : [];
  const runs = nodes.filter(isRunNode);
  const seen = new Set<string>();
  return runs.filter((n) => !seen.has(n.run.info.run_id) && seen.add(n.run.info.run_id));
}

/** The client of a panel's connection, or an error saying why there is none (for the panel to show). */
export function connectionClient(connections: TrackingConnections, connectionId: string): { client: MlflowRestClient; label: string } {
  const connection = connections.get(connectionId);
  if (!connection?.client) {
    const why = connection?.problem ? `: ${connection.problem}` : connection ? '' : ' (it is no longer configured)';
    throw new Error(
      `The tracking server "${connection?.label ?? connectionId}" is not available${why}. Check MLflow's connections in the Runs view, then retry.`,
    );
  }
  return { client: connection.client, label: connection.label };
}

/** Waits until the connection is loaded (after a reload, connections load asynchronously). */
export async function connectionReady(connections: TrackingConnections, id: string): Promise<void> {
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

/** Resolves when some connection has a client, or after a few seconds (the caller then reports none). */
function connectionsLoaded(connections: TrackingConnections, ms = 5000): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    const sub = connections.onDidChange(() => {
      if (connections.all().some((c) => c.client)) done();
    });
    function done() {
      clearTimeout(timer);
      sub.dispose();
      resolve();
    }
  });
}

export interface PickedRuns {
  connectionId: string;
  runIds: string[];
}

export interface PickRunsOptions {
  /** The command's name, first in every title and message ("Compare runs"). */
  what: string;
  /** Several runs (at least `min`), or one. */
  many: boolean;
  min: number;
  /** A run whose server and experiment are used (and which starts picked). */
  preselect?: RunNode;
}

/** Palette flow: server (when several) → experiment → run(s), searchable by name or id. */
export async function pickRuns(connections: TrackingConnections, o: PickRunsOptions): Promise<PickedRuns | undefined> {
  const connection: TrackingConnection | undefined = o.preselect?.connection ?? (await pickConnection(connections, o.what));
  const client = connection?.client;
  if (!connection || !client) return undefined;
  const experimentId = o.preselect?.run.info.experiment_id ?? (await pickExperiment(client, o.what));
  if (!experimentId) return undefined;
  const runs = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'MLflow: listing runs…' }, () =>
    collectAll(
      (pageToken) => client.searchRuns({ experimentIds: [experimentId], orderBy: ['attributes.start_time DESC'], maxResults: PICKER_RUNS, pageToken }),
      PICKER_RUNS,
    ),
  );
  if (runs.length < o.min) {
    const needed = o.min === 1 ? '' : `; at least ${o.min} are needed`;
    void vscode.window.showInformationMessage(
      `${o.what}: the experiment has ${runs.length === 0 ? 'no runs' : `only ${runs.length === 1 ? 'one run' : `${runs.length} runs`}`}${needed}.`,
    );
    return undefined;
  }
  const preselected = o.preselect?.run.info.run_id;
  const items = runs.map((run) => ({ ...runItem(run), picked: run.info.run_id === preselected, runId: run.info.run_id }));
  const options = { matchOnDescription: true, matchOnDetail: true };
  if (!o.many) {
    const chosen = await vscode.window.showQuickPick(items, { ...options, title: `${o.what}: pick a run (type a name or a run id)` });
    return chosen ? { connectionId: connection.id, runIds: [chosen.runId] } : undefined;
  }
  const chosen = await vscode.window.showQuickPick(items, {
    ...options,
    title: `${o.what}: pick ${o.min} or more (type a name or a run id)`,
    canPickMany: true,
  });
  if (!chosen) return undefined;
  if (chosen.length < o.min) {
    void vscode.window.showWarningMessage(`${o.what}: pick at least ${o.min} runs.`);
    return undefined;
  }
  return { connectionId: connection.id, runIds: chosen.map((c) => c.runId) };
}

/** The connection to use from the palette: the only one, else a pick; says so when none is connected. */
export async function pickConnection(connections: TrackingConnections, what: string): Promise<UsableConnection | undefined> {
  // Run from the palette right after start-up, the connections may still be loading.
  if (!connections.all().some((c) => c.client)) await connectionsLoaded(connections);
  const usable = connections.all().filter(isUsable);
  if (usable.length === 0) {
    const action = await vscode.window.showErrorMessage(`${what}: no MLflow tracking server is connected.`, 'Set Tracking URI', 'Start Local Server');
    if (action === 'Set Tracking URI') void vscode.commands.executeCommand(COMMANDS.setTrackingUri);
    if (action === 'Start Local Server') void vscode.commands.executeCommand(COMMANDS.startLocalServer);
    return undefined;
  }
  return usable.length === 1
    ? usable[0]
    : (
        await vscode.window.showQuickPick(
          usable.map((c) => ({ label: c.label, description: c.resolved.trackingUri, connection: c })),
          { title: `${what}: tracking server` },
        )
      )?.connection;
}

/** One or several experiments of a server, picked by name or id. */
export async function pickExperiments(client: MlflowRestClient, what: string): Promise<{ id: string; name: string }[] | undefined> {
  const items = await experimentItems(client, what);
  const picked =
    items && (await vscode.window.showQuickPick(items, { title: `${what}: experiments (tick one or more)`, matchOnDescription: true, canPickMany: true }));
  return picked && picked.length > 0 ? picked.map((p) => ({ id: p.id, name: p.label })) : undefined;
}

async function pickExperiment(client: MlflowRestClient, what: string): Promise<string | undefined> {
  const items = await experimentItems(client, what);
  return items && (await vscode.window.showQuickPick(items, { title: `${what}: experiment`, matchOnDescription: true }))?.id;
}

/** The server's experiments (most recently updated first) as pick items; says so and gives undefined when there are none. */
async function experimentItems(client: MlflowRestClient, what: string): Promise<{ label: string; description: string; id: string }[] | undefined> {
  const experiments = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'MLflow: listing experiments…' }, () =>
    collectAll((pageToken) => client.searchExperiments({ pageToken, orderBy: ['last_update_time DESC'] }), PICKER_EXPERIMENTS),
  );
  if (experiments.length === 0) {
    void vscode.window.showInformationMessage(`${what}: the tracking server has no experiments yet.`);
    return undefined;
  }
  return experiments.map((e) => ({ label: e.name, description: `id ${e.experiment_id}`, id: e.experiment_id }));
}

function runItem(run: MlflowRun): { label: string; description: string; detail?: string } {
  const metrics = (run.data.metrics ?? [])
    .slice(0, 4)
    .map((m) => `${m.key}=${Number(m.value).toPrecision(4)}`)
    .join('  ');
  const started = run.info.start_time ? new Date(Number(run.info.start_time)).toLocaleString() : '';
  return {
    label: run.info.run_name || run.info.run_id,
    description: `${run.info.run_id}  ${run.info.status.toLowerCase()}  ${started}`,
    detail: metrics || undefined,
  };
}
