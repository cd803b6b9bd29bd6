import * as vscode from 'vscode';
import { formatTimestamp } from '../../engine/explorer/runListing';
import { MlflowApiError } from '../../engine/mlflow/mlflowRestClient';
import type { MlflowModelVersion, MlflowRegisteredModel } from '../../engine/mlflow/mlflowTypes';
import { isUnityCatalogModelName } from '../../engine/mlflow/registryCapabilities';
import { getOutputChannel } from '../outputChannel';
import { errorText, messageNode, type ExplorerNode } from './explorerNodes';
import { EMBEDDED_ID, type TrackingConnection, type TrackingConnections } from './trackingConnections';

type Node = ExplorerNode;

const STAGE_ICONS: Record<string, string> = { Production: 'rocket', Staging: 'beaker', Archived: 'archive', None: 'versions' };

/** The Model Registry view: connection → registered models → versions (stage, aliases, source run). */
export class RegistryTreeProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly models = new Map<string, { items: MlflowRegisteredModel[]; nextPageToken?: string }>();

  constructor(private readonly connections: TrackingConnections) {}

  refresh(node?: Node): void {
    if (!node) this.models.clear();
    else if (node.type === 'connection') this.models.delete(node.id);
    this.changed.fire(node);
  }

  dispose(): void {
    this.changed.dispose();
  }

  async loadMore(node: Node): Promise<void> {
    if (node.type !== 'loadMore' || node.parent.type !== 'connection') return;
    await this.loadPage(node.parent.connection, node.parent.id).catch(() => undefined);
    this.changed.fire(node.parent);
  }

  getTreeItem(node: Node): vscode.TreeItem {
    let item: vscode.TreeItem;
    switch (node.type) {
      case 'connection':
        item = new vscode.TreeItem(node.connection.label, vscode.TreeItemCollapsibleState.Expanded);
        item.iconPath = new vscode.ThemeIcon(node.connection.kind === 'databricks' ? 'cloud' : 'server');
        item.contextValue = 'mlflow.registryConnection';
        break;
      case 'registeredModel': {
        const m = node.model;
        item = new vscode.TreeItem(m.name, vscode.TreeItemCollapsibleState.Collapsed);
        item.iconPath = new vscode.ThemeIcon('package');
        const aliases = (m.aliases ?? []).map((a) => `@${a.alias}→v${a.version}`);
        const latest = (m.latest_versions ?? []).filter((v) => v.current_stage && v.current_stage !== 'None').map((v) => `${v.current_stage} v${v.version}`);
        item.description = [...latest, ...aliases].join(' · ');
        item.tooltip = new vscode.MarkdownString(`**${m.name}**${m.description ? `\n\n${m.description}` : ''}\n\nUpdated ${formatTimestamp(m.last_updated_timestamp)}`);
        item.contextValue = 'mlflow.registeredModel';
        break;
      }
      case 'modelVersion': {
        const v = node.version;
        item = new vscode.TreeItem(`Version ${v.version}`, vscode.TreeItemCollapsibleState.Collapsed);
        const stage = v.current_stage && v.current_stage !== 'None' ? v.current_stage : undefined;
        item.description = [stage, ...(v.aliases ?? []).map((a) => `@${a}`), v.status !== 'READY' ? v.status : undefined].filter(Boolean).join(' · ');
        item.iconPath = new vscode.ThemeIcon(STAGE_ICONS[v.current_stage ?? 'None'] ?? 'versions');
        item.tooltip = new vscode.MarkdownString(
          `**${v.name}** version ${v.version}\n\n- Stage: ${v.current_stage ?? 'None'}\n- Aliases: ${(v.aliases ?? []).join(', ') || 'none'}\n- Status: ${v.status ?? ''}\n- Source run: \`${v.run_id ?? '—'}\`\n- Created: ${formatTimestamp(v.creation_timestamp)}`,
        );
        item.contextValue = v.run_id ? 'mlflow.modelVersion.withRun' : 'mlflow.modelVersion';
        break;
      }
      case 'leaf':
        item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.description = node.description;
        item.tooltip = node.tooltip;
        if (node.icon) item.iconPath = new vscode.ThemeIcon(node.icon);
        item.contextValue = node.contextValue ?? 'mlflow.value';
        if (node.contextValue === 'mlflow.sourceRun') item.command = { command: 'mlflow.revealRun', title: 'Show Source Run', arguments: [node] };
        break;
      case 'loadMore':
        item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('more');
        item.command = { command: 'mlflow.loadMore', title: 'Load More', arguments: [node] };
        break;
      case 'message':
        item = new vscode.TreeItem(node.message, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon(node.severity === 'error' ? 'warning' : 'info');
        item.command = node.action ?? (node.retry ? { command: 'mlflow.retry', title: 'Retry', arguments: [node.retry] } : undefined);
        item.tooltip = node.message + (node.retry ? '\nClick to retry.' : '');
        item.contextValue = node.retry ? 'mlflow.error' : 'mlflow.message';
        break;
      default:
        item = new vscode.TreeItem('?');
    }
    item.id = `registry:${node.id}`;
    return item;
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (!node) {
      return this.connections
        .all()
        .filter((c) => c.client || c.id !== EMBEDDED_ID)
        .map((connection) => ({ type: 'connection', id: `conn:${connection.id}`, connection }));
    }
    try {
      switch (node.type) {
        case 'connection':
          return await this.modelChildren(node);
        case 'registeredModel':
          return await this.versionChildren(node.connection, node.model, node.id);
        case 'modelVersion':
          return versionDetails(node);
        default:
          return [];
      }
    } catch (err) {
      getOutputChannel().error(`Model registry (${node.id}): ${err instanceof MlflowApiError && err.detail ? err.detail : String(err)}`);
      return [messageNode(node.id, errorText(err), node)];
    }
  }

  private async loadPage(connection: TrackingConnection, key: string): Promise<void> {
    const state = this.models.get(key) ?? { items: [] };
    const page = await connection.client!.searchRegisteredModels({ maxResults: 100, pageToken: state.nextPageToken, orderBy: ['name ASC'] });
    state.items.push(...page.items);
    state.nextPageToken = page.nextPageToken || undefined;
    this.models.set(key, state);
  }

  private async modelChildren(node: Extract<Node, { type: 'connection' }>): Promise<Node[]> {
    const c = node.connection;
    if (!c.client) return [messageNode(node.id, c.problem ?? 'This connection cannot be used.', node)];
    if (!this.models.has(node.id)) await this.loadPage(c, node.id);
    const state = this.models.get(node.id)!;
    if (state.items.length === 0) return [messageNode(node.id, 'No registered models yet. Register one from a run\'s model.')];
    const children: Node[] = state.items.map((model) => ({ type: 'registeredModel', id: `${node.id}/model:${model.name}`, connection: c, model }));
    if (state.nextPageToken) children.push({ type: 'loadMore', id: `${node.id}/more`, parent: node, label: 'Load more models…' });
    return children;
  }

  private async versionChildren(connection: TrackingConnection, model: MlflowRegisteredModel, parentId: string): Promise<Node[]> {
    const versions: MlflowModelVersion[] = [];
    let pageToken: string | undefined;
    do {
      const page = await connection.client!.searchModelVersions({ filter: `name='${model.name.replace(/'/g, "\\'")}'`, maxResults: 200, pageToken });
      versions.push(...page.items);
      pageToken = page.nextPageToken || undefined;
    } while (pageToken && versions.length < 1000);
    // Aliases come with the registered model; search results may not carry them.
    const aliasesByVersion = new Map<string, string[]>();
    for (const a of model.aliases ?? []) aliasesByVersion.set(a.version, [...(aliasesByVersion.get(a.version) ?? []), a.alias]);
    versions.sort((a, b) => Number(b.version) - Number(a.version));
    if (versions.length === 0) return [messageNode(parentId, 'No versions.')];
    return versions.map((version) => ({
      type: 'modelVersion',
      id: `${parentId}/v${version.version}`,
      connection,
      version: { ...version, aliases: version.aliases?.length ? version.aliases : aliasesByVersion.get(version.version) ?? [] },
    }));
  }
}

function versionDetails(node: Extract<Node, { type: 'modelVersion' }>): Node[] {
  const v = node.version;
  const unityCatalog = isUnityCatalogModelName(v.name) || node.connection.resolved?.unityCatalog;
  const leaves: Node[] = [];
  const leaf = (key: string, label: string, description: string | undefined, icon: string, extra: Partial<Extract<Node, { type: 'leaf' }>> = {}) =>
    leaves.push({ type: 'leaf', id: `${node.id}/${key}`, label, description, icon, copyValue: description, ...extra });
  if (!unityCatalog) leaf('stage', 'Stage', v.current_stage ?? 'None', 'layers');
  leaf('aliases', 'Aliases', (v.aliases ?? []).map((a) => `@${a}`).join(', ') || 'none', 'symbol-key');
  leaf('status', 'Status', v.status, 'pulse');
  if (v.run_id) leaf('run', 'Source run', v.run_id, 'debug-start', { contextValue: 'mlflow.sourceRun', tooltip: `Run ${v.run_id}: click to show it in the Runs view`, owner: node.connection });
  if (v.source) leaf('source', 'Source', v.source, 'link');
  leaf('uri', 'Model URI', `models:/${v.name}/${v.version}`, 'copy', { contextValue: 'mlflow.modelUri' });
  for (const tag of v.tags ?? []) leaf(`tag:${tag.key}`, tag.key, tag.value, 'tag');
  if (v.description) leaf('description', 'Description', v.description, 'note');
  return leaves;
}
