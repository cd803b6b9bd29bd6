import * as vscode from 'vscode';
import { COMMANDS } from '../commandIds';
import {
  describeServedEntity,
  endpointStateText,
  getServingEndpoint,
  listServingEndpoints,
  servedEntitiesOf,
  type ServingEndpoint,
} from '../../engine/databricks/servingEndpoints';
import { describeActivity, listModelVersionActivities, listTransitionRequests } from '../../engine/databricks/transitionRequests';
import { loadNextPage, type PagedList } from '../../engine/explorer/pagedList';
import { formatTimestamp } from '../../engine/explorer/runListing';
import { MlflowApiError } from '../../engine/mlflow/mlflowRestClient';
import type { MlflowModelVersion, MlflowRegisteredModel } from '../../engine/mlflow/mlflowTypes';
import { isUnityCatalogModelName, registryCapabilities, registryCapabilityText } from '../../engine/mlflow/registryCapabilities';
import { getOutputChannel } from '../outputChannel';
import { errorText, messageNode, type ExplorerNode } from './explorerNodes';
import { EMBEDDED_ID, type TrackingConnection, type TrackingConnections, type UsableConnection } from './trackingConnections';

type Node = ExplorerNode;

const STAGE_ICONS: Record<string, string> = { Production: 'rocket', Staging: 'beaker', Archived: 'archive', None: 'versions' };

const ENDPOINT_ICONS: Record<string, vscode.ThemeIcon> = {
  READY: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  UPDATING: new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.blue')),
  FAILED: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  NOT_READY: new vscode.ThemeIcon('circle-outline', new vscode.ThemeColor('disabledForeground')),
};

/** Databricks workspace registries (not Unity Catalog) have transition requests, activities and serving endpoints. */
export function hasWorkspaceRegistryWorkflow(connection: TrackingConnection, modelName?: string): boolean {
  return connection.kind === 'databricks' && !connection.resolved?.unityCatalog && !(modelName !== undefined && isUnityCatalogModelName(modelName));
}

function endpointIcon(endpoint: ServingEndpoint): vscode.ThemeIcon {
  const update = endpoint.state?.config_update;
  if (update === 'UPDATE_FAILED') return ENDPOINT_ICONS.FAILED;
  if (update === 'IN_PROGRESS') return ENDPOINT_ICONS.UPDATING;
  return endpoint.state?.ready === 'READY' ? ENDPOINT_ICONS.READY : ENDPOINT_ICONS.NOT_READY;
}

/** The Model Registry view: connection → registered models → versions (stage, aliases, source run). */
export class RegistryTreeProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly models = new Map<string, PagedList<MlflowRegisteredModel>>();
  /** The nodes handed to VS Code, by id: a refresh must fire the very object the tree holds. */
  private readonly shown = new Map<string, Node>();

  constructor(private readonly connections: TrackingConnections) {}

  refresh(node?: Node): void {
    if (!node) {
      this.models.clear();
      this.shown.clear();
    } else if (node.type === 'connection') this.models.delete(node.id);
    this.changed.fire(node ? (this.shown.get(node.id) ?? node) : undefined);
  }

  /**
   * Re-reads one model version (its stage may have moved) and refreshes only its node: its label,
   * its transition requests and its activity. With `siblingsToo` (an approval that archived other
   * versions), its registered model's node is refreshed instead.
   */
  async refreshVersion(versionNode: Extract<Node, { type: 'modelVersion' }>, siblingsToo = false): Promise<void> {
    const shown = this.shown.get(versionNode.id);
    const target = (shown?.type === 'modelVersion' ? shown : versionNode) as Extract<Node, { type: 'modelVersion' }>;
    const fresh = await target.connection.client.getModelVersion(target.version.name, target.version.version).catch(() => undefined);
    if (fresh) target.version = { ...fresh, aliases: fresh.aliases?.length ? fresh.aliases : target.version.aliases };
    const parent = siblingsToo ? this.shown.get(target.id.replace(/\/v[^/]+$/, '')) : undefined;
    this.changed.fire(parent ?? target);
  }

  /**
   * Re-reads one registered model and refreshes only its node (stages and aliases in its description)
   * and its versions. A model that appeared (registered) or is gone (deleted) joins or leaves its
   * connection's list, and only that list is redrawn.
   */
  async refreshModel(connection: UsableConnection, name: string): Promise<void> {
    const connectionId = `conn:${connection.id}`;
    const state = this.models.get(connectionId);
    let fresh: MlflowRegisteredModel | undefined;
    try {
      fresh = await connection.client.getRegisteredModel(name);
    } catch (err) {
      if (!(err instanceof MlflowApiError && err.errorCode === 'RESOURCE_DOES_NOT_EXIST')) throw err;
    }
    const shown = this.shown.get(`${connectionId}/model:${name}`);
    const index = state?.items.findIndex((m) => m.name === name) ?? -1;
    if (fresh && shown?.type === 'registeredModel' && index >= 0) {
      shown.model = fresh;
      state!.items[index] = fresh;
      this.changed.fire(shown);
      return;
    }
    if (state) {
      if (index >= 0) state.items.splice(index, 1);
      // A new model goes where the name-sorted list has it (or comes with a later page).
      if (fresh) {
        const at = state.items.findIndex((m) => m.name > name);
        if (at >= 0) state.items.splice(at, 0, fresh);
        else if (!state.nextPageToken) state.items.push(fresh);
      }
    }
    this.changed.fire(this.shown.get(connectionId));
  }

  /** The node with this id as the tree holds it, if shown. */
  shownNode(id: string): Node | undefined {
    return this.shown.get(id);
  }

  dispose(): void {
    this.changed.dispose();
  }

  async loadMore(node: Node): Promise<void> {
    if (node.type !== 'loadMore' || node.parent.type !== 'connection' || !node.parent.connection.client) return;
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
        if (node.connection.resolved) {
          const caps = registryCapabilities({ registryUri: node.connection.resolved.unityCatalog ? 'databricks-uc' : undefined });
          item.description = registryCapabilityText(caps, node.connection.kind === 'databricks');
          item.tooltip = `${node.connection.label}: ${item.description}. ${
            caps.unityCatalog
              ? 'Models have three-part names (catalog.schema.model); use aliases such as @champion.'
              : 'Stages (None/Staging/Production/Archived) still work here but are deprecated in favour of aliases.'
          }`;
        }
        break;
      case 'registeredModel': {
        const m = node.model;
        item = new vscode.TreeItem(m.name, vscode.TreeItemCollapsibleState.Collapsed);
        item.iconPath = new vscode.ThemeIcon('package');
        const aliases = (m.aliases ?? []).map((a) => `@${a.alias}→v${a.version}`);
        const latest = (m.latest_versions ?? []).filter((v) => v.current_stage && v.current_stage !== 'None').map((v) => `${v.current_stage} v${v.version}`);
        item.description = [...latest, ...aliases].join(' · ');
        item.tooltip = new vscode.MarkdownString(
          `**${m.name}**${m.description ? `\n\n${m.description}` : ''}\n\nUpdated ${formatTimestamp(m.last_updated_timestamp)}`,
        );
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
        item.contextValue =
          (v.run_id ? 'mlflow.modelVersion.withRun' : 'mlflow.modelVersion') + (hasWorkspaceRegistryWorkflow(node.connection, v.name) ? '.requests' : '');
        break;
      }
      case 'versionWorkflow':
        item = new vscode.TreeItem(node.group === 'requests' ? 'Transition Requests' : 'Activity', vscode.TreeItemCollapsibleState.Collapsed);
        item.iconPath = new vscode.ThemeIcon(node.group === 'requests' ? 'git-pull-request' : 'history');
        item.contextValue = node.group === 'requests' ? 'mlflow.transitionRequests' : 'mlflow.versionActivity';
        break;
      case 'transitionRequest': {
        const r = node.request;
        item = new vscode.TreeItem(`→ ${r.to_stage ?? '?'}`, vscode.TreeItemCollapsibleState.None);
        item.description = [r.user_id, formatTimestamp(r.creation_timestamp), r.comment ? `“${r.comment}”` : undefined].filter(Boolean).join(' · ');
        item.iconPath = new vscode.ThemeIcon('git-pull-request');
        item.tooltip = new vscode.MarkdownString(
          `Request to move **${node.versionNode.version.name}** version ${node.versionNode.version.version} to **${r.to_stage}**\n\n- Requested by: ${r.user_id ?? '?'}\n- At: ${formatTimestamp(r.creation_timestamp)}\n- Comment: ${r.comment ?? '—'}\n- You may: ${(r.available_actions ?? []).map((a) => a.replace(/_TRANSITION_REQUEST$/, '').toLowerCase()).join(', ') || 'nothing'}`,
        );
        item.contextValue = 'mlflow.transitionRequest';
        break;
      }
      case 'servingEndpoints':
        item = new vscode.TreeItem('Serving Endpoints', vscode.TreeItemCollapsibleState.Collapsed);
        item.iconPath = new vscode.ThemeIcon('broadcast');
        item.contextValue = 'mlflow.servingEndpoints';
        break;
      case 'servingEndpoint': {
        const e = node.endpoint;
        const served = servedEntitiesOf(e);
        item = new vscode.TreeItem(e.name, served.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.description = endpointStateText(e);
        item.iconPath = endpointIcon(e);
        item.tooltip = new vscode.MarkdownString(
          `**${e.name}**: ${endpointStateText(e)}\n\n- Serves: ${served.map(describeServedEntity).join(', ') || '—'}\n- Creator: ${e.creator ?? '—'}\n- Updated: ${formatTimestamp(e.last_updated_timestamp)}`,
        );
        item.contextValue = 'mlflow.servingEndpoint';
        break;
      }
      case 'leaf':
        item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.description = node.description;
        item.tooltip = node.tooltip;
        if (node.icon) item.iconPath = new vscode.ThemeIcon(node.icon);
        item.contextValue = node.contextValue ?? 'mlflow.value';
        if (node.contextValue === 'mlflow.sourceRun') item.command = { command: COMMANDS.revealRun, title: 'Show Source Run', arguments: [node] };
        break;
      case 'loadMore':
        item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('more');
        item.command = { command: COMMANDS.loadMore, title: 'Load More', arguments: [node] };
        break;
      case 'message':
        item = new vscode.TreeItem(node.message, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon(node.severity === 'error' ? 'warning' : 'info');
        item.command = node.action ?? (node.retry ? { command: COMMANDS.retry, title: 'Retry', arguments: [node.retry] } : undefined);
        item.tooltip = node.message + (node.retry ? '\nClick to retry.' : '');
        item.contextValue = node.retry ? 'mlflow.error' : 'mlflow.message';
        break;
      default:
        item = new vscode.TreeItem('?');
    }
    item.id = `registry:${node.id}`;
    this.shown.set(node.id, node);
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
          return hasWorkspaceRegistryWorkflow(node.connection, node.version.name)
            ? [
                { type: 'versionWorkflow', id: `${node.id}/requests`, connection: node.connection, versionNode: node, group: 'requests' },
                { type: 'versionWorkflow', id: `${node.id}/activity`, connection: node.connection, versionNode: node, group: 'activity' },
                ...versionDetails(node),
              ]
            : versionDetails(node);
        case 'versionWorkflow':
          return await this.workflowChildren(node);
        case 'servingEndpoints':
          return await this.endpointChildren(node);
        case 'servingEndpoint': {
          // The list has no per-entity deployment state; `get` has it (and why a deployment failed).
          const detailed = await getServingEndpoint(node.connection.client, node.endpoint.name);
          return servedEntitiesOf(detailed).map((entity, i): Node => ({
            type: 'leaf',
            id: `${node.id}/entity:${entity.name ?? i}`,
            label: entity.name ?? describeServedEntity(entity),
            description: [describeServedEntity(entity), entity.state?.deployment?.replace(/^DEPLOYMENT_/, '')].filter(Boolean).join(' · '),
            tooltip: entity.state?.deployment_state_message || undefined,
            icon: 'package',
            copyValue: entity.entity_name && entity.entity_version ? `models:/${entity.entity_name}/${entity.entity_version}` : undefined,
            contextValue: entity.entity_name && entity.entity_version ? 'mlflow.servedEntity' : undefined,
          }));
        }
        default:
          return [];
      }
    } catch (err) {
      getOutputChannel().error(`Model registry (${node.id}): ${err instanceof MlflowApiError && err.detail ? err.detail : String(err)}`);
      return [messageNode(node.id, errorText(err), node)];
    }
  }

  private loadPage(connection: UsableConnection, key: string): Promise<void> {
    return loadNextPage(this.models, key, (pageToken) => connection.client.searchRegisteredModels({ maxResults: 100, pageToken, orderBy: ['name ASC'] }));
  }

  private async modelChildren(node: Extract<Node, { type: 'connection' }>): Promise<Node[]> {
    const c = node.connection;
    if (!c.client) return [messageNode(node.id, c.problem ?? 'This connection cannot be used.', node)];
    if (!this.models.has(node.id)) await this.loadPage(c, node.id);
    const state = this.models.get(node.id)!;
    const endpoints: Node[] = c.kind === 'databricks' ? [{ type: 'servingEndpoints', id: `${node.id}/endpoints`, connection: c }] : [];
    if (state.items.length === 0) return [...endpoints, messageNode(node.id, "No registered models yet. Register one from a run's model.")];
    const children: Node[] = [
      ...endpoints,
      ...state.items.map((model): Node => ({ type: 'registeredModel', id: `${node.id}/model:${model.name}`, connection: c, model })),
    ];
    if (state.nextPageToken) children.push({ type: 'loadMore', id: `${node.id}/more`, parent: node, label: 'Load more models…' });
    return children;
  }

  private async workflowChildren(node: Extract<Node, { type: 'versionWorkflow' }>): Promise<Node[]> {
    const client = node.connection.client;
    const ref = { name: node.versionNode.version.name, version: node.versionNode.version.version };
    if (node.group === 'requests') {
      const requests = await listTransitionRequests(client, ref);
      if (requests.length === 0) return [messageNode(node.id, 'No open requests. Request one with MLflow: Request Stage Transition….')];
      return requests.map((request, i) => ({
        type: 'transitionRequest',
        id: `${node.id}/${request.id ?? `${request.to_stage}:${request.user_id}:${i}`}`,
        connection: node.connection,
        versionNode: node.versionNode,
        request,
      }));
    }
    const activities = await listModelVersionActivities(client, ref);
    if (activities.length === 0) return [messageNode(node.id, 'No activity recorded yet.')];
    return activities
      .slice()
      .reverse()
      .map((a, i) => ({
        type: 'leaf',
        id: `${node.id}/${a.id ?? i}`,
        label: describeActivity(a),
        description: formatTimestamp(a.creation_timestamp),
        tooltip: [a.activity_type, a.system_comment].filter(Boolean).join(': '),
        icon: ACTIVITY_ICONS[a.activity_type ?? ''] ?? 'history',
        copyValue: describeActivity(a),
      }));
  }

  private async endpointChildren(node: Extract<Node, { type: 'servingEndpoints' }>): Promise<Node[]> {
    const endpoints = await listServingEndpoints(node.connection.client);
    if (endpoints.length === 0) return [messageNode(node.id, 'No serving endpoints in this workspace.')];
    return endpoints
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((endpoint) => ({ type: 'servingEndpoint', id: `${node.id}/${endpoint.name}`, connection: node.connection, endpoint }));
  }

  private async versionChildren(connection: UsableConnection, model: MlflowRegisteredModel, parentId: string): Promise<Node[]> {
    const versions: MlflowModelVersion[] = [];
    let pageToken: string | undefined;
    do {
      const page = await connection.client.searchModelVersions({ filter: `name='${model.name.replace(/'/g, "\\'")}'`, maxResults: 200, pageToken });
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
      version: { ...version, aliases: version.aliases?.length ? version.aliases : (aliasesByVersion.get(version.version) ?? []) },
    }));
  }
}

const ACTIVITY_ICONS: Record<string, string> = {
  REQUESTED_TRANSITION: 'git-pull-request',
  APPROVED_REQUEST: 'check',
  REJECTED_REQUEST: 'close',
  CANCELLED_REQUEST: 'circle-slash',
  APPLIED_TRANSITION: 'layers',
  SYSTEM_TRANSITION: 'archive',
  NEW_COMMENT: 'comment',
};

function versionDetails(node: Extract<Node, { type: 'modelVersion' }>): Node[] {
  const v = node.version;
  const unityCatalog = isUnityCatalogModelName(v.name) || node.connection.resolved?.unityCatalog;
  const leaves: Node[] = [];
  const leaf = (key: string, label: string, description: string | undefined, icon: string, extra: Partial<Extract<Node, { type: 'leaf' }>> = {}) =>
    leaves.push({ type: 'leaf', id: `${node.id}/${key}`, label, description, icon, copyValue: description, ...extra });
  if (!unityCatalog) leaf('stage', 'Stage', v.current_stage ?? 'None', 'layers');
  leaf('aliases', 'Aliases', (v.aliases ?? []).map((a) => `@${a}`).join(', ') || 'none', 'symbol-key');
  leaf('status', 'Status', v.status, 'pulse');
  if (v.run_id)
    leaf('run', 'Source run', v.run_id, 'debug-start', {
      contextValue: 'mlflow.sourceRun',
      tooltip: `Run ${v.run_id}: click to show it in the Runs view`,
      owner: node.connection,
    });
  if (v.source) leaf('source', 'Source', v.source, 'link');
  leaf('uri', 'Model URI', `models:/${v.name}/${v.version}`, 'copy', { contextValue: 'mlflow.modelUri' });
  for (const tag of v.tags ?? []) leaf(`tag:${tag.key}`, tag.key, tag.value, 'tag');
  if (v.description) leaf('description', 'Description', v.description, 'note');
  return leaves;
}
