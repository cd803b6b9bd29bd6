import * as vscode from 'vscode';
import { COMMANDS } from '../commandIds';
import { parseTrackingUri } from '../../engine/connections/trackingUri';
import { registerGuardedCommand } from '../guardedCommand';
import { signInToDatabricks } from './databricksSignIn';
import { errorText, type ExplorerNode } from './explorerNodes';
import { openRunArtifact } from './openArtifact';
import { registerRegistryCommands } from './registryCommands';
import { RegistryTreeProvider } from './registryTreeProvider';
import { RunsTreeProvider } from './runsTreeProvider';
import { EMBEDDED_ID, TrackingConnections } from './trackingConnections';

/** Registers the Runs and Model Registry views, the status bar item and every explorer command. */
export function registerExplorer(context: vscode.ExtensionContext): {
  connections: TrackingConnections;
  runs: RunsTreeProvider;
  registry: RegistryTreeProvider;
  runsView: vscode.TreeView<ExplorerNode>;
} {
  const connections = new TrackingConnections(context);
  const runs = new RunsTreeProvider(connections);
  const registry = new RegistryTreeProvider(connections);
  const runsView = vscode.window.createTreeView<ExplorerNode>('mlflow.runs', { treeDataProvider: runs, showCollapseAll: true, canSelectMany: true });
  const registryView = vscode.window.createTreeView('mlflow.models', { treeDataProvider: registry, showCollapseAll: true });
  const refreshAll = () => {
    runs.refresh();
    registry.refresh();
  };
  context.subscriptions.push(
    connections,
    runs,
    registry,
    runsView,
    registryView,
    connections.onDidChange(refreshAll),
    registerGuardedCommand(COMMANDS.refreshExplorer, refreshAll),
    registerGuardedCommand(COMMANDS.retry, (node: ExplorerNode) => {
      if (node.type === 'connection') void connections.reload();
      runs.refresh(node);
      registry.refresh(node);
    }),
    registerGuardedCommand(COMMANDS.loadMore, async (node: ExplorerNode) => {
      await runs.loadMore(node);
      await registry.loadMore(node);
    }),
    registerGuardedCommand(COMMANDS.setTrackingUri, async () => {
      const current = vscode.workspace.getConfiguration('mlflow').get<string>('trackingUri') ?? '';
      const value = await vscode.window.showInputBox({
        title: 'MLflow tracking URI',
        prompt: 'An MLflow server URL (http://127.0.0.1:5000), databricks, or databricks://<profile>. Empty: the embedded local server.',
        value: current,
        validateInput: validateTrackingUri,
      });
      if (value === undefined) return;
      await vscode.workspace.getConfiguration('mlflow').update('trackingUri', value.trim(), vscode.ConfigurationTarget.Workspace);
    }),
    registerGuardedCommand(COMMANDS.addConnection, async () => {
      const uri = await vscode.window.showInputBox({
        title: 'Add MLflow tracking server (1/3): tracking URI',
        prompt: 'http(s)://host:port, databricks, or databricks://<profile> (from ~/.databrickscfg)',
        validateInput: (text) => (text.trim() ? validateTrackingUri(text) : 'Enter a tracking URI.'),
      });
      if (!uri) return;
      const name = await vscode.window.showInputBox({ title: 'Add MLflow tracking server (2/3): name', prompt: 'A name for the tree (optional)' });
      if (name === undefined) return;
      if (/^https?:/.test(uri.trim())) {
        const token = await vscode.window.showInputBox({
          title: 'Add MLflow tracking server (3/3): token',
          prompt: 'Bearer token, if the server needs one (kept in VS Code secret storage, never in settings). Leave empty for none.',
          password: true,
        });
        if (token === undefined) return;
        if (token) await connections.setToken(uri.trim(), token);
      }
      const config = vscode.workspace.getConfiguration('mlflow');
      const list = config.get<{ name?: string; trackingUri: string }[]>('connections') ?? [];
      await config.update(
        'connections',
        [...list.filter((c) => c.trackingUri !== uri.trim()), { name: name || undefined, trackingUri: uri.trim() }],
        vscode.ConfigurationTarget.Global,
      );
    }),
    registerGuardedCommand(COMMANDS.signInToDatabricks, () => signInToDatabricks(connections)),
    registerGuardedCommand(COMMANDS.removeConnection, async (node?: ExplorerNode) => {
      if (node?.type !== 'connection') return;
      const id = node.connection.id;
      const config = vscode.workspace.getConfiguration('mlflow');
      const list = config.get<{ name?: string; trackingUri: string }[]>('connections') ?? [];
      if (list.some((c) => c.trackingUri === id)) {
        await config.update(
          'connections',
          list.filter((c) => c.trackingUri !== id),
          vscode.ConfigurationTarget.Global,
        );
      } else if (config.get<string>('trackingUri') === id) {
        await config.update('trackingUri', '', vscode.ConfigurationTarget.Workspace);
      } else {
        void vscode.window.showInformationMessage(`${node.connection.label} comes from MLFLOW_TRACKING_URI; unset it in the environment to remove it.`);
        return;
      }
      await connections.setToken(id, undefined);
    }),
    registerGuardedCommand(COMMANDS.setConnectionToken, async (node?: ExplorerNode) => {
      const id = node?.type === 'connection' ? node.connection.id : connections.active()?.id;
      if (!id || id === EMBEDDED_ID) return;
      const token = await vscode.window.showInputBox({
        title: `Token for ${id}`,
        prompt: 'Bearer token (kept in secret storage). Empty removes it.',
        password: true,
      });
      if (token === undefined) return;
      await connections.setToken(id, token || undefined);
    }),
    registerGuardedCommand(COMMANDS.switchConnection, async () => {
      const picked = await vscode.window.showQuickPick(
        connections
          .all()
          .map((c) => ({ label: c.label, description: c.resolved?.trackingUri ?? c.problem, id: c.id, picked: c.id === connections.active()?.id })),
        { title: 'MLflow: active tracking connection (used to launch runs)' },
      );
      if (picked) await connections.setActive(picked.id);
    }),
    registerGuardedCommand(COMMANDS.startLocalServer, () =>
      vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Starting the local MLflow server…' }, () =>
        connections.startEmbedded(),
      ),
    ),
    registerGuardedCommand(COMMANDS.stopLocalServer, () => connections.stopEmbedded()),
    registerGuardedCommand(COMMANDS.filterRuns, async (node?: ExplorerNode) => {
      if (node?.type !== 'experiment') return;
      const filter = await vscode.window.showInputBox({
        title: `Filter runs of ${node.experiment.name}`,
        prompt: "MLflow search syntax, e.g. metrics.rmse < 0.5 and params.alpha = '0.1' and attributes.status = 'FINISHED'. Empty clears.",
        value: runs.getFilter(node.id) ?? '',
      });
      if (filter === undefined) return;
      runs.setFilter(node, filter.trim() || undefined);
    }),
    registerGuardedCommand(COMMANDS.revealRun, async (node?: ExplorerNode) => {
      const target =
        node?.type === 'modelVersion'
          ? { connection: node.connection, runId: node.version.run_id }
          : node?.type === 'leaf' && node.contextValue === 'mlflow.sourceRun'
            ? sourceRunOf(node)
            : undefined;
      if (!target?.runId) return;
      const runNode = await runs.findRunNode(target.connection.id, target.runId);
      if (!runNode) {
        void vscode.window.showWarningMessage(`Run ${target.runId} is not in the Runs view of ${target.connection.label}.`);
        return;
      }
      await runsView.reveal(runNode, { select: true, focus: true, expand: true });
    }),
    registerGuardedCommand(COMMANDS.toggleDeletedRuns, (node?: ExplorerNode) => node && runs.toggleDeleted(node)),
    registerGuardedCommand(COMMANDS.clearRunFilter, (node?: ExplorerNode) => node && runs.setFilter(node, undefined)),
    registerGuardedCommand(COMMANDS.copyRunId, (node?: ExplorerNode) => node?.type === 'run' && copy(node.run.info.run_id, 'run id')),
    registerGuardedCommand(COMMANDS.copyRunUri, (node?: ExplorerNode) => node?.type === 'run' && copy(`runs:/${node.run.info.run_id}/`, 'run URI')),
    registerGuardedCommand(
      COMMANDS.copyValue,
      (node?: ExplorerNode) => node?.type === 'leaf' && node.copyValue !== undefined && copy(node.copyValue, node.label),
    ),
    registerGuardedCommand(COMMANDS.copyModelUri, async (node?: ExplorerNode) => {
      if (node?.type === 'modelVersion') {
        const v = node.version;
        const options = [`models:/${v.name}/${v.version}`, ...(v.aliases ?? []).map((a) => `models:/${v.name}@${a}`)];
        if (v.run_id) options.push(`runs:/${v.run_id}/model`);
        const picked = options.length === 1 ? options[0] : await vscode.window.showQuickPick(options, { title: 'Copy model URI' });
        if (picked) await copy(picked, 'model URI');
      } else if (node?.type === 'registeredModel') {
        await copy(`models:/${node.model.name}/latest`, 'model URI');
      }
    }),
    registerGuardedCommand(COMMANDS.openInWebUi, async (node?: ExplorerNode) => {
      if (!node) return;
      let url: string | undefined;
      if (node.type === 'run') url = node.connection.resolved?.webUiUrl(node.run.info.experiment_id, node.run.info.run_id);
      else if (node.type === 'experiment') url = node.connection.resolved?.webUiUrl(node.experiment.experiment_id);
      else if (node.type === 'connection') url = node.connection.resolved?.webUiUrl();
      else if (node.type === 'registeredModel') url = node.connection.resolved?.modelUiUrl(node.model.name);
      else if (node.type === 'modelVersion') url = node.connection.resolved?.modelUiUrl(node.version.name, node.version.version);
      if (url) await vscode.env.openExternal(vscode.Uri.parse(url));
    }),
    registerGuardedCommand(COMMANDS.deleteRun, async (node?: ExplorerNode) => {
      if (node?.type !== 'run') return;
      const name = node.run.info.run_name ?? node.run.info.run_id;
      const answer = await vscode.window.showWarningMessage(
        `Delete run "${name}" (${node.run.info.run_id})? It moves to the deleted runs of its experiment and can be restored.`,
        { modal: true },
        'Delete Run',
      );
      if (answer !== 'Delete Run') return;
      await node.connection.client.deleteRun(node.run.info.run_id);
      runs.refresh();
    }),
    registerGuardedCommand(COMMANDS.restoreRun, async (node?: ExplorerNode) => {
      if (node?.type !== 'run') return;
      await node.connection.client.restoreRun(node.run.info.run_id);
      runs.refresh();
    }),
    registerGuardedCommand(COMMANDS.openArtifact, async (node?: ExplorerNode) => {
      if (node?.type !== 'artifact' || node.file.is_dir) return;
      await openRunArtifact(context, node.connection.client, node.run.info.run_id, node.file.path);
    }),
  );
  context.subscriptions.push(...registerRegistryCommands(registry));
  void connections.reload();
  return { connections, runs, registry, runsView };
}

/** The connection and run of a "Source run" leaf of the registry tree (its id is <version id>/run). */
function sourceRunOf(
  node: Extract<ExplorerNode, { type: 'leaf' }>,
): { connection: import('./trackingConnections').UsableConnection; runId?: string } | undefined {
  return node.owner ? { connection: node.owner, runId: node.copyValue } : undefined;
}

async function copy(text: string, what: string): Promise<void> {
  await vscode.env.clipboard.writeText(text);
  vscode.window.setStatusBarMessage(`Copied ${what}: ${text}`, 3000);
}

function validateTrackingUri(text: string): string | undefined {
  if (!text.trim()) return undefined;
  try {
    const target = parseTrackingUri(text);
    if (target.kind === 'local-store') return 'That is a local store, not a server: use an http(s):// server (or leave empty for the embedded local server).';
    if (target.kind === 'databricks-secret-scope') return 'Secret-scope URIs only work inside Databricks; use databricks://<profile>.';
    return undefined;
  } catch (err) {
    return errorText(err);
  }
}
