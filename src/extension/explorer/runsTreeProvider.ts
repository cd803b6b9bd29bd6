import * as vscode from 'vscode';
import { COMMANDS } from '../commandIds';
import { formatBytes } from '../../engine/explorer/formatting';
import { loadNextPage, type PagedList } from '../../engine/explorer/pagedList';
import { describeRun, formatMetric, formatTimestamp, RunPager, tagValue } from '../../engine/explorer/runListing';
import { MlflowApiError } from '../../engine/mlflow/mlflowRestClient';
import type { MlflowExperiment, MlflowRun } from '../../engine/mlflow/mlflowTypes';
import { getOutputChannel } from '../outputChannel';
import { errorText, messageNode, RUN_STATUS_ICONS, type ExplorerNode } from './explorerNodes';
import { EMBEDDED_ID, type TrackingConnections, type UsableConnection } from './trackingConnections';

type Node = ExplorerNode;
const ACTIVE_RUN_REFRESH_MS = 5000;

/**
 * The Runs view: connection → experiments → runs (newest first, paged, nested under their parent)
 * → params, metrics, tags, artifacts, logged models. Failures become message nodes with a retry.
 */
export class RunsTreeProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly experiments = new Map<string, PagedList<MlflowExperiment>>();
  private readonly pagers = new Map<string, RunPager>();
  private readonly filters = new Map<string, string>();
  /** Experiments whose deleted runs are shown too (to restore them). */
  private readonly showingDeleted = new Set<string>();
  private readonly experimentNodes = new Map<string, Node>();
  private readonly refreshTimers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly connections: TrackingConnections) {}

  refresh(node?: Node): void {
    if (!node || node.type === 'connection') {
      for (const key of [...this.pagers.keys()]) if (!node || key.startsWith(`${node.id}/`)) this.pagers.delete(key);
      for (const key of [...this.experiments.keys()]) if (!node || key === node.id) this.experiments.delete(key);
    } else if (node.type === 'experiment') {
      this.pagers.delete(node.id);
    }
    this.changed.fire(node);
  }

  getFilter(experimentNodeId: string): string | undefined {
    return this.filters.get(experimentNodeId);
  }

  setFilter(node: Node, filter: string | undefined): void {
    if (node.type !== 'experiment') return;
    if (filter) this.filters.set(node.id, filter);
    else this.filters.delete(node.id);
    this.refresh(node);
  }

  toggleDeleted(node: Node): void {
    if (node.type !== 'experiment') return;
    if (!this.showingDeleted.delete(node.id)) this.showingDeleted.add(node.id);
    this.refresh(node);
  }

  async loadMore(node: Node): Promise<void> {
    if (node.type === 'loadMore') {
      const parent = node.parent;
      if (parent.type === 'experiment') {
        await this.pagers
          .get(parent.id)
          ?.loadNextPage()
          .catch(() => undefined);
        this.changed.fire(parent);
      } else if (parent.type === 'connection' && parent.connection.client) {
        await this.loadExperimentPage(parent.connection, parent.id).catch(() => undefined);
        this.changed.fire(parent);
      }
    }
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.type) {
      case 'connection': {
        const c = node.connection;
        const item = new vscode.TreeItem(c.label, vscode.TreeItemCollapsibleState.Expanded);
        item.iconPath = new vscode.ThemeIcon(c.kind === 'databricks' ? 'cloud' : c.kind === 'embedded' ? 'vm' : 'server');
        item.description = c.problem && c.kind === 'embedded' ? c.problem : c.resolved?.trackingUri;
        item.contextValue = `mlflow.connection${c.kind === 'embedded' ? '.embedded' : ''}`;
        item.tooltip = c.resolved ? `${c.label}\n${c.resolved.trackingUri}` : c.problem;
        const signIn = c.kind === 'databricks' ? this.connections.signInOf(c.id) : undefined;
        if (signIn?.user) {
          item.description = `${c.resolved?.trackingUri ?? ''} · signed in as ${signIn.user}`;
        } else if (signIn?.problem) {
          item.description = `${c.resolved?.trackingUri ?? ''} · not signed in`;
          item.iconPath = new vscode.ThemeIcon('warning');
          item.contextValue = 'mlflow.connection.signedOut';
          item.tooltip = `${c.label}: not signed in.\n${signIn.problem}\nRetry (↻ on this row), or Sign in to Databricks… from its menu.`;
        }
        return withId(item, node);
      }
      case 'experiment': {
        const item = new vscode.TreeItem(node.experiment.name, vscode.TreeItemCollapsibleState.Collapsed);
        const filter = this.filters.get(node.id);
        item.iconPath = new vscode.ThemeIcon(filter ? 'filter' : 'beaker');
        const pager = this.pagers.get(node.id);
        const count = pager ? `${pager.runs.length}${pager.hasMore ? '+' : ''} runs` : '';
        item.description = [filter ? `filter: ${filter}` : '', count].filter(Boolean).join(' · ');
        item.tooltip = `Experiment ${node.experiment.name} (id ${node.experiment.experiment_id})${filter ? `\nFilter: ${filter}` : ''}`;
        item.contextValue = filter ? 'mlflow.experiment.filtered' : 'mlflow.experiment';
        if (this.showingDeleted.has(node.id)) item.description = [item.description, 'with deleted runs'].filter(Boolean).join(' · ');
        return withId(item, node);
      }
      case 'run': {
        const keyMetric = vscode.workspace.getConfiguration('mlflow').get<string>('keyMetric') || undefined;
        const { label, description } = describeRun(node.run, keyMetric);
        const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Collapsed);
        item.description = description;
        item.iconPath = RUN_STATUS_ICONS[node.run.info.status] ?? new vscode.ThemeIcon('circle-outline');
        const deleted = node.run.info.lifecycle_stage === 'deleted';
        item.contextValue = deleted ? 'mlflow.run.deleted' : 'mlflow.run';
        if (deleted) {
          item.description = `deleted · ${description}`;
          item.iconPath = new vscode.ThemeIcon('trash', new vscode.ThemeColor('disabledForeground'));
        }
        item.tooltip = runTooltip(node.run);
        return withId(item, node);
      }
      case 'group': {
        const counts: Record<string, number | undefined> = {
          params: node.run.data.params?.length ?? 0,
          metrics: node.run.data.metrics?.length ?? 0,
          tags: node.run.data.tags?.length ?? 0,
        };
        const titles = { params: 'Parameters', metrics: 'Metrics', tags: 'Tags', artifacts: 'Artifacts', children: 'Child runs', models: 'Logged models' };
        const icons = { params: 'symbol-parameter', metrics: 'graph-line', tags: 'tag', artifacts: 'files', children: 'list-tree', models: 'package' };
        const item = new vscode.TreeItem(titles[node.group], vscode.TreeItemCollapsibleState.Collapsed);
        item.iconPath = new vscode.ThemeIcon(icons[node.group]);
        if (counts[node.group] !== undefined) item.description = String(counts[node.group]);
        return withId(item, node);
      }
      case 'leaf': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.description = node.description;
        item.tooltip = node.tooltip ?? `${node.label}: ${node.description ?? ''}`;
        if (node.icon) item.iconPath = new vscode.ThemeIcon(node.icon);
        item.contextValue = node.contextValue ?? 'mlflow.value';
        return withId(item, node);
      }
      case 'artifact': {
        const name = node.file.path.split('/').pop() ?? node.file.path;
        const item = new vscode.TreeItem(name, node.file.is_dir ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.iconPath = node.file.is_dir ? vscode.ThemeIcon.Folder : vscode.ThemeIcon.File;
        item.resourceUri = vscode.Uri.parse(`mlflow-artifact:/${name}`);
        if (!node.file.is_dir) {
          item.description = node.file.file_size !== undefined ? formatBytes(node.file.file_size) : undefined;
          item.command = { command: COMMANDS.openArtifact, title: 'Open Artifact', arguments: [node] };
          item.contextValue = 'mlflow.artifactFile';
        } else {
          item.contextValue = 'mlflow.artifactFolder';
        }
        return withId(item, node);
      }
      case 'loadMore': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('more');
        item.command = { command: COMMANDS.loadMore, title: 'Load More', arguments: [node] };
        return withId(item, node);
      }
      case 'message': {
        const item = new vscode.TreeItem(node.message, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon(
          node.severity === 'error' ? 'warning' : 'info',
          node.severity === 'error' ? new vscode.ThemeColor('problemsWarningIcon.foreground') : undefined,
        );
        item.tooltip = node.message + (node.retry ? '\nClick to retry.' : '');
        item.command = node.action ?? (node.retry ? { command: COMMANDS.retry, title: 'Retry', arguments: [node.retry] } : undefined);
        item.contextValue = node.retry ? 'mlflow.error' : 'mlflow.message';
        return withId(item, node);
      }
      default:
        return new vscode.TreeItem('?');
    }
  }

  /** Parents of the nodes handed out, so TreeView.reveal can walk up. */
  private readonly parents = new Map<string, Node | undefined>();

  getParent(node: Node): Node | undefined {
    return this.parents.get(node.id);
  }

  async getChildren(node?: Node): Promise<Node[]> {
    const children = await this.computeChildren(node);
    for (const child of children) this.parents.set(child.id, node);
    return children;
  }

  /**
   * The node of a run, for TreeView.reveal: its experiment is filtered to that run when the run is
   * not among the loaded pages, so revealing never pages through thousands of runs.
   */
  async findRunNode(connectionId: string, runId: string): Promise<Node | undefined> {
    const root = (await this.getChildren()).find((n) => n.type === 'connection' && n.connection.id === connectionId);
    if (!root || root.type !== 'connection' || !root.connection.client) return undefined;
    const run = await root.connection.client.getRun(runId);
    const experiments = await this.getChildren(root);
    const experiment = experiments.find((n) => n.type === 'experiment' && n.experiment.experiment_id === run.info.experiment_id);
    if (!experiment) return undefined;
    const find = (nodes: Node[]) => nodes.find((n) => n.type === 'run' && n.run.info.run_id === runId);
    let found = find(await this.getChildren(experiment));
    if (!found) {
      this.setFilter(experiment, `attributes.run_id = '${runId}'`);
      found = find(await this.getChildren(experiment));
    }
    return found;
  }

  private async computeChildren(node?: Node): Promise<Node[]> {
    if (!node) return this.roots();
    try {
      switch (node.type) {
        case 'connection':
          return await this.experimentChildren(node);
        case 'experiment':
          return await this.runChildren(node);
        case 'run':
          return this.runGroups(node);
        case 'group':
          return await this.groupChildren(node);
        case 'artifact':
          return await this.artifactChildren(node.connection, node.run, node.file.path, node.id);
        default:
          return [];
      }
    } catch (err) {
      if (node.type === 'connection') this.connections.reportHealth(node.connection.id, !(err instanceof MlflowApiError && err.httpStatus === undefined));
      getOutputChannel().error(`${describeNode(node)}: ${err instanceof MlflowApiError && err.detail ? err.detail : String(err)}`);
      return [messageNode(node.id, errorText(err), node)];
    }
  }

  private roots(): Node[] {
    const configured = vscode.workspace.getConfiguration('mlflow');
    const all = this.connections.all();
    // With nothing configured and no auto-start, the view stays empty and shows its welcome content.
    if (all.length === 1 && all[0].id === EMBEDDED_ID && !this.connections.embeddedUrl && !configured.get<boolean>('embeddedServer.autoStart')) return [];
    return all.map((connection) => ({ type: 'connection', id: `conn:${connection.id}`, connection }));
  }

  private loadExperimentPage(connection: UsableConnection, key: string): Promise<void> {
    return loadNextPage(this.experiments, key, (pageToken) =>
      connection.client.searchExperiments({ maxResults: 200, pageToken, orderBy: ['last_update_time DESC'] }),
    );
  }

  private async experimentChildren(node: Extract<Node, { type: 'connection' }>): Promise<Node[]> {
    const c = node.connection;
    if (c.kind === 'embedded' && !c.client) {
      if (c.problem === 'not started' && vscode.workspace.getConfiguration('mlflow').get<boolean>('embeddedServer.autoStart')) {
        void this.connections.startEmbedded();
        return [messageNode(node.id, 'Starting the local MLflow server…')];
      }
      return [
        messageNode(node.id, c.problem === 'not started' ? 'Local server not started: click to start it' : (c.problem ?? 'not started'), undefined, {
          command: COMMANDS.startLocalServer,
          title: 'Start Local MLflow Server',
        }),
      ];
    }
    if (!c.client) return [messageNode(node.id, c.problem ?? 'This connection cannot be used.', node)];
    if (!this.experiments.has(node.id)) await this.loadExperimentPage(c, node.id);
    this.connections.reportHealth(c.id, true);
    const state = this.experiments.get(node.id)!;
    const children: Node[] = state.items.map((experiment) => {
      const id = `${node.id}/exp:${experiment.experiment_id}`;
      const existing = this.experimentNodes.get(id);
      const fresh: Node = { type: 'experiment', id, connection: c, experiment };
      if (existing && existing.type === 'experiment') existing.experiment = experiment;
      const result = existing ?? fresh;
      this.experimentNodes.set(id, result);
      return result;
    });
    if (children.length === 0) return [messageNode(node.id, 'No experiments yet.')];
    if (state.nextPageToken) children.push({ type: 'loadMore', id: `${node.id}/more`, parent: node, label: 'Load more experiments…' });
    return children;
  }

  private pagerFor(node: Extract<Node, { type: 'experiment' }>): RunPager {
    let pager = this.pagers.get(node.id);
    if (!pager) {
      const pageSize = vscode.workspace.getConfiguration('mlflow').get<number>('runsPageSize') ?? 100;
      pager = new RunPager(node.connection.client, node.experiment.experiment_id, {
        filter: this.filters.get(node.id),
        pageSize,
        viewType: this.showingDeleted.has(node.id) ? 'ALL' : 'ACTIVE_ONLY',
      });
      this.pagers.set(node.id, pager);
    }
    return pager;
  }

  private async runChildren(node: Extract<Node, { type: 'experiment' }>): Promise<Node[]> {
    const pager = this.pagerFor(node);
    if (pager.runs.length === 0 && pager.hasMore) {
      try {
        await pager.loadNextPage();
      } catch (err) {
        this.pagers.delete(node.id);
        const filter = this.filters.get(node.id);
        if (filter && err instanceof MlflowApiError && err.errorCode === 'INVALID_PARAMETER_VALUE') {
          return [
            messageNode(node.id, `Bad filter "${filter}": ${errorText(err)}`, undefined, {
              command: COMMANDS.filterRuns,
              title: 'Edit Filter',
              arguments: [node],
            }),
          ];
        }
        throw err;
      }
    }
    this.scheduleActiveRefresh(node, pager);
    const children: Node[] = pager.topLevel().map((run) => runNode(node.connection, run, node.id));
    if (children.length === 0 && !pager.hasMore) {
      return [messageNode(node.id, this.filters.has(node.id) ? 'No runs match the filter.' : 'No runs in this experiment.')];
    }
    if (pager.hasMore) children.push({ type: 'loadMore', id: `${node.id}/more`, parent: node, label: `Load more runs… (${pager.runs.length} loaded)` });
    return children;
  }

  /** Runs still running refresh by themselves until they end. */
  private scheduleActiveRefresh(node: Extract<Node, { type: 'experiment' }>, pager: RunPager): void {
    clearTimeout(this.refreshTimers.get(node.id));
    if (pager.active().length === 0) return;
    this.refreshTimers.set(
      node.id,
      setTimeout(async () => {
        this.refreshTimers.delete(node.id);
        const loaded = pager.runs.length;
        const fresh = new RunPager(node.connection.client, node.experiment.experiment_id, pager.options);
        try {
          while (fresh.hasMore && fresh.runs.length < loaded) await fresh.loadNextPage();
          this.pagers.set(node.id, fresh);
          this.changed.fire(node);
        } catch {
          this.scheduleActiveRefresh(node, pager);
        }
      }, ACTIVE_RUN_REFRESH_MS),
    );
  }

  private runGroups(node: Extract<Node, { type: 'run' }>): Node[] {
    const base = { connection: node.connection, run: node.run, pagerKey: node.pagerKey };
    const groups: Node[] = [];
    if (this.pagers.get(node.pagerKey)?.childrenOf(node.run.info.run_id).length) {
      groups.push({ type: 'group', id: `${node.id}/children`, group: 'children', ...base });
    }
    groups.push(
      { type: 'group', id: `${node.id}/params`, group: 'params', ...base },
      { type: 'group', id: `${node.id}/metrics`, group: 'metrics', ...base },
      { type: 'group', id: `${node.id}/tags`, group: 'tags', ...base },
      { type: 'group', id: `${node.id}/artifacts`, group: 'artifacts', ...base },
      { type: 'group', id: `${node.id}/models`, group: 'models', ...base },
    );
    return groups;
  }

  private async groupChildren(node: Extract<Node, { type: 'group' }>): Promise<Node[]> {
    const run = node.run;
    switch (node.group) {
      case 'children':
        return (this.pagers.get(node.pagerKey)?.childrenOf(run.info.run_id) ?? []).map((child) => runNode(node.connection, child, node.pagerKey));
      case 'params':
        return keyValueLeaves(node.id, run.data.params, 'symbol-parameter');
      case 'metrics':
        return sortByKey(run.data.metrics ?? []).map((m) => ({
          type: 'leaf',
          id: `${node.id}/${m.key}`,
          label: m.key,
          description: formatMetric(m.value),
          tooltip: `${m.key} = ${m.value} (latest, step ${m.step})`,
          icon: 'graph-line',
          copyValue: String(m.value),
        }));
      case 'tags':
        return keyValueLeaves(node.id, run.data.tags, 'tag');
      case 'artifacts':
        return this.artifactChildren(node.connection, run, undefined, node.id);
      case 'models': {
        const page = await node.connection.client.searchLoggedModels({
          experimentIds: [run.info.experiment_id],
          filter: `source_run_id = '${run.info.run_id}'`,
          maxResults: 50,
        });
        if (page.items.length === 0) return [messageNode(node.id, 'No models logged by this run.')];
        return page.items.map((model) => ({
          type: 'leaf',
          id: `${node.id}/${model.info.model_id}`,
          label: model.info.name,
          description: [model.info.model_type, model.info.registrations?.map((r) => `${r.name} v${r.version}`).join(', ')].filter(Boolean).join(' · '),
          tooltip: `Logged model ${model.info.model_id}\nmodels:/${model.info.model_id}`,
          icon: 'package',
          contextValue: 'mlflow.loggedModel',
          copyValue: `models:/${model.info.model_id}`,
          owner: node.connection,
        }));
      }
    }
  }

  private async artifactChildren(connection: UsableConnection, run: MlflowRun, path: string | undefined, parentId: string): Promise<Node[]> {
    const listing = await connection.client.listArtifacts(run.info.run_id, path);
    if (listing.files.length === 0) return [messageNode(parentId, path ? 'Empty folder.' : 'No artifacts.')];
    return [...listing.files]
      .sort((a, b) => Number(b.is_dir) - Number(a.is_dir) || a.path.localeCompare(b.path))
      .map((file) => ({ type: 'artifact', id: `${parentId}/${file.path}`, connection, run, file }));
  }

  dispose(): void {
    for (const timer of this.refreshTimers.values()) clearTimeout(timer);
    this.changed.dispose();
  }
}

function runNode(connection: UsableConnection, run: MlflowRun, pagerKey: string): Node {
  return { type: 'run', id: `${pagerKey}/run:${run.info.run_id}`, connection, run, pagerKey };
}

function withId(item: vscode.TreeItem, node: Node): vscode.TreeItem {
  item.id = node.id;
  return item;
}

function sortByKey<T extends { key: string }>(items: T[]): T[] {
  return [...items].sort((a, b) => a.key.localeCompare(b.key));
}

/** A run's params or tags as leaves in key order: the value beside the key, and what Copy copies. */
function keyValueLeaves(parentId: string, items: { key: string; value: string }[] | undefined, icon: string): Node[] {
  return sortByKey(items ?? []).map((kv) => ({ type: 'leaf', id: `${parentId}/${kv.key}`, label: kv.key, description: kv.value, icon, copyValue: kv.value }));
}

function runTooltip(run: MlflowRun): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  md.appendMarkdown(`**${run.info.run_name ?? run.info.run_id}** — ${run.info.status}\n\n`);
  md.appendMarkdown(`- Run id: \`${run.info.run_id}\`\n`);
  md.appendMarkdown(`- Started: ${formatTimestamp(run.info.start_time)}\n`);
  const user = tagValue(run, 'mlflow.user') ?? run.info.user_id;
  if (user) md.appendMarkdown(`- User: ${user}\n`);
  const commit = tagValue(run, 'mlflow.source.git.commit');
  if (commit) md.appendMarkdown(`- Git commit: \`${commit.slice(0, 12)}\`\n`);
  const source = tagValue(run, 'mlflow.source.name');
  if (source) md.appendMarkdown(`- Source: ${source}\n`);
  return md;
}

function describeNode(node: Node): string {
  switch (node.type) {
    case 'connection':
      return `Listing experiments of ${node.connection.label}`;
    case 'experiment':
      return `Listing runs of experiment ${node.experiment.name}`;
    default:
      return `Loading ${node.id}`;
  }
}
