import * as vscode from 'vscode';
import { isActive } from '../../engine/compare/runSelection';
import { firstSentence, isCancelled, MlflowApiError, type MlflowRestClient } from '../../engine/mlflow/mlflowRestClient';
import { groupRuns } from '../../engine/runsTable/runGroups';
import { columnFromId, compileTableFilter, DEFAULT_RUNS_TABLE_QUERY } from '../../engine/runsTable/runsSearchExpression';
import { toRow, type RunsTableColumn, type RunsTableRow } from '../../engine/runsTable/runsTableColumns';
import { RunsTableSession } from '../../engine/runsTable/runsTableSession';
import { runsTableToCsv } from '../../engine/runsTable/runsTableCsv';
import { RunsTablePager } from '../../engine/runsTable/runsTablePager';
import {
  validateFromRunsTable,
  type FromRunsTableMessage,
  type RunsTableAction,
  type RunsTableLayout,
  type RunsTableQuery,
  type ToRunsTableMessage,
} from '../../../webview/contract';
import { COMMANDS } from '../commandIds';
import { ComparePanel } from '../compare/comparePanel';
import type { ExplorerNode } from '../explorer/explorerNodes';
import { copyToClipboard, dispatchMessage, type MessageHandlers, MessagingPanel, type PanelDeps, validatedMessage } from '../messagingPanel';
import { getOutputChannel } from '../outputChannel';
import { RunDetailsPanel } from '../runDetails/runDetailsPanel';
import { connectionClient } from '../runPicking';
import { webviewHtml, webviewPanelOptions } from '../webviewHtml';

export const RUNS_TABLE_VIEW_TYPE = 'mlflow.runsTable';
/** workspaceState: starred run ids per connection. */
const STARS_KEY = 'mlflow.runsTable.starred';
/** workspaceState: column layout per connection and experiment set. */
const LAYOUT_KEY = 'mlflow.runsTable.layout';
const POLL_MS = 5000;
/** Most runs read for select-all, group-by and CSV export. */
const ALL_RUNS_LIMIT = 50_000;
/** Page size of those full reads (runs/search's largest). */
const ALL_RUNS_PAGE = 1000;
/** Most runs a single action (compare, details, open) takes. */
const MAX_OPENED = 20;

/**
 * One runs table: answers the webview's queries (compiled to MLflow's search syntax, sorted and
 * filtered by the server, read page by page), discovers the columns as pages arrive, and acts on
 * the selected runs. Several can be open at once, on different experiments.
 */
export class RunsTablePanel extends MessagingPanel<ToRunsTableMessage> {
  private static readonly open = new Set<RunsTablePanel>();
  private readonly session: RunsTableSession;
  private experimentNames: Record<string, string> = {};
  /** The query whose parent runs were read (once per query, after its whole first page). */
  private parentsRead = -1;
  /** The answer to the webview's last `ready` or `retry` (init): its other messages wait for it. */
  private initialising: Promise<unknown> = Promise.resolve();
  /** The experiments' names being read (started with the panel; again on retry). */
  private names: Promise<string[]> | undefined;
  /** Runs shown as RUNNING: re-read until they end. */
  private readonly running = new Set<string>();
  private poll: NodeJS.Timeout | undefined;
  private allRows: { queryId: number; rows: Promise<{ rows: RunsTableRow[]; truncated: boolean }> } | undefined;

  static all(): readonly RunsTablePanel[] {
    return [...RunsTablePanel.open];
  }

  static create(deps: PanelDeps, connectionId: string, experimentIds: string[], title?: string): RunsTablePanel {
    const panel = vscode.window.createWebviewPanel(RUNS_TABLE_VIEW_TYPE, title ?? 'Runs', vscode.ViewColumn.Active, webviewPanelOptions(deps.context));
    return new RunsTablePanel(panel, deps, connectionId, experimentIds);
  }

  constructor(
    panel: vscode.WebviewPanel,
    private readonly deps: PanelDeps,
    readonly connectionId: string,
    readonly experimentIds: string[],
    /** The query the webview will ask for first (a restored table's saved one). */
    firstQuery: Omit<RunsTableQuery, 'queryId'> = DEFAULT_RUNS_TABLE_QUERY,
  ) {
    super(panel);
    RunsTablePanel.open.add(this);
    this.session = new RunsTableSession(
      () => this.client().client,
      experimentIds,
      () => this.pageSize(),
    );
    // The experiments' names and the first page are read while the webview loads.
    try {
      void this.session.prefetch(firstQuery, this.starred());
      this.names = this.readNames();
    } catch {
      // No such connection any more: the webview's ready message gets the error (init).
    }
    panel.webview.options = webviewPanelOptions(deps.context);
    panel.iconPath = vscode.Uri.joinPath(deps.context.extensionUri, 'media', 'mlflow.svg');
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => void this.handleMessage(raw)),
      panel.onDidChangeViewState(() => {
        if (panel.visible && this.running.size > 0 && !this.poll) this.schedulePoll();
      }),
    );
    panel.webview.html = webviewHtml(panel.webview, deps.context.extensionUri, { bundle: 'runsTable', title: panel.title, loading: 'Loading runs…' });
  }

  /** The query the table shows (tests and the bench read it). */
  get currentQuery(): { filter: string; orderBy: string[] } | undefined {
    const query = this.session.query;
    return query ? { filter: query.pager.spec.filter ?? '', orderBy: query.pager.spec.orderBy ?? [] } : undefined;
  }

  async handleMessage(raw: unknown): Promise<void> {
    const message = validatedMessage('Runs table', validateFromRunsTable, raw);
    if (!message) return;
    try {
      // The webview sends its first query right after `ready`, not after init: what answers it must follow
      // init (a webview reloaded when shown again says `ready` again).
      if (message.type === 'ready' || message.type === 'retry') {
        const init = dispatchMessage(this.handlers, message);
        this.initialising = init.catch(() => undefined);
        await init;
      } else {
        await this.initialising;
        await dispatchMessage(this.handlers, message);
      }
    } catch (err) {
      if (this.disposed || isCancelled(err)) return;
      const text = err instanceof Error ? err.message : String(err);
      getOutputChannel().error(`Runs table (${message.type}): ${text}`);
      this.post({ type: 'notice', message: `${text.split('\n')[0]}` });
    }
  }

  private readonly handlers: MessageHandlers<FromRunsTableMessage> = {
    ready: () => this.start(false),
    retry: () => this.start(true),
    query: (m) => this.runQuery(m),
    page: (m) => this.sendPage(m.queryId, m.index),
    groupBy: (m) => this.sendGroups(m.queryId, m.columnId),
    children: (m) => this.sendChildren(m.queryId, m.parentRunId),
    selectAll: (m) => this.sendSelection(m.queryId),
    action: (m) => this.act(m.action, m.runIds),
    star: (m) => this.star(m.runIds, m.starred),
    saveLayout: (m) => this.deps.context.workspaceState.update(this.layoutKey(), m.layout),
    exportCsv: (m) => this.exportCsv(m.queryId, m.columnIds, m.runIds, m.to),
    copy: (m) => copyToClipboard(m.text, (notice) => this.post(notice)),
  };

  private async start(retry: boolean): Promise<void> {
    await this.init(retry);
    this.markReady();
  }

  private client(): { client: MlflowRestClient; label: string } {
    return connectionClient(this.deps.connections, this.connectionId);
  }

  private layoutKey(): string {
    return `${LAYOUT_KEY}/${this.connectionId}/${[...this.experimentIds].sort().join(',')}`;
  }

  private starred(): string[] {
    return this.deps.context.workspaceState.get<Record<string, string[]>>(STARS_KEY)?.[this.connectionId] ?? [];
  }

  private pageSize(): number {
    const size = vscode.workspace.getConfiguration('mlflow').get<number>('runsTable.pageSize', 200);
    return Math.min(1000, Math.max(20, Math.floor(size)));
  }

  /** The experiments' names, the saved layout and the stars (the webview's first query waits for them). */
  private async init(again: boolean): Promise<void> {
    let label: string;
    try {
      label = this.client().label;
      if (again || !this.names) this.names = this.readNames();
      const experiments = await this.names;
      this.experimentNames = Object.fromEntries(this.experimentIds.map((id, i) => [id, experiments[i]]));
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      this.post({ type: 'error', message: `Could not open the runs table: ${text.split('\n')[0]}`, retry: true });
      return;
    }
    const names = this.experimentIds.map((id) => this.experimentNames[id]);
    this.panel.title = names.length === 1 ? `Runs: ${names[0]}` : `Runs: ${names.length} experiments`;
    const layout = this.deps.context.workspaceState.get<RunsTableLayout>(this.layoutKey()) ?? { hidden: [], pinned: [], widths: {}, order: [] };
    this.post({
      type: 'init',
      connectionId: this.connectionId,
      connectionLabel: label,
      experiments: this.experimentIds.map((id) => ({ id, name: this.experimentNames[id] })),
      layout,
      starred: this.starred(),
      pageSize: this.pageSize(),
    });
  }

  /** The experiments' names (an experiment that cannot be read shows its id). */
  private readNames(): Promise<string[]> {
    const { client } = this.client();
    return Promise.all(
      this.experimentIds.map((id) =>
        client.getExperiment(id).then(
          (e) => e.name,
          () => id,
        ),
      ),
    );
  }

  private async runQuery(spec: RunsTableQuery): Promise<void> {
    this.allRows = undefined;
    const compiled = this.session.start(spec, this.starred());
    this.post({ type: 'query', queryId: spec.queryId, filter: compiled.filter, orderBy: compiled.orderBy, errors: compiled.errors });
    if (compiled.empty) {
      this.post({ type: 'page', queryId: spec.queryId, index: 0, rows: [], last: true, count: { runs: 0, complete: true } });
      return;
    }
    await this.sendPage(spec.queryId, 0, true);
  }

  /** Which of the query's runs have children (read in the background after the first page): the others lose their ▸. */
  private async sendParents(queryId: number): Promise<void> {
    try {
      const answer = await this.session.parents(queryId);
      if (!this.disposed && answer) this.post({ type: 'parents', queryId, runIds: answer.runIds });
    } catch (err) {
      if (this.disposed || isCancelled(err)) return;
      getOutputChannel().warn(`Runs table: could not learn which runs have children: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /**
   * Page `index` of the query; `first`: the query's start, whose first screen of rows may come alone
   * (the webview asks for the rest of page 0 once it painted them).
   */
  private async sendPage(queryId: number, index: number, first = false): Promise<void> {
    const query = this.session.query;
    if (!query || query.id !== queryId) return;
    try {
      const early = (rows: RunsTableRow[], columns: RunsTableColumn[] | undefined) => {
        if (this.disposed) return;
        this.post({ type: 'page', queryId, index: 0, rows, last: false, count: { runs: rows.length, complete: false }, columns, partial: true });
      };
      const answer = await (first ? this.session.firstPage(queryId, early) : this.session.page(queryId, index));
      if (this.disposed || !answer) return;
      this.deps.connections.reportHealth(this.connectionId, true);
      this.post({ type: 'page', queryId, index, rows: answer.page.rows, last: answer.page.last, count: answer.count, columns: answer.columns });
      this.track(answer.page.rows);
      // Once the whole first page is there, which runs have children is read in the background.
      if (index === 0 && this.parentsRead !== queryId) {
        this.parentsRead = queryId;
        void this.sendParents(queryId);
      }
    } catch (err) {
      if (this.disposed || isCancelled(err) || this.session.query?.id !== queryId) return;
      const text = err instanceof Error ? err.message : String(err);
      getOutputChannel().error(
        `Runs table: runs/search (filter ${JSON.stringify(query.pager.spec.filter)}, order_by ${JSON.stringify(query.pager.spec.orderBy)}) failed: ${err instanceof MlflowApiError && err.detail ? err.detail : text}`,
      );
      // A refused filter or key is explained under the filter box; the server's first sentence says what
      // (its own words, without the endpoint the client's message starts with).
      this.post({
        type: 'queryError',
        queryId,
        message: err instanceof MlflowApiError ? `${err.errorCode}: ${firstSentence(err.detail ?? err.message)}` : text.split('\n')[0],
      });
    }
  }

  /** A parent's child runs that match the query, in its order. */
  private async sendChildren(queryId: number, parentRunId: string): Promise<void> {
    const answer = await this.session.children(queryId, parentRunId);
    if (this.disposed || !answer) return;
    if (answer.columns) this.post({ type: 'columns', queryId, columns: answer.columns });
    this.post({ type: 'children', queryId, parentRunId, rows: answer.rows, truncated: answer.truncated });
    this.track(answer.rows);
  }

  /** Every matching run of the current query (read once per query, in pages of 1000). */
  private everyRow(queryId: number): Promise<{ rows: RunsTableRow[]; truncated: boolean }> | undefined {
    const query = this.session.query;
    if (!query || query.id !== queryId) return undefined;
    if (this.allRows?.queryId !== queryId) {
      const { client } = this.client();
      const full = new RunsTablePager(client, { ...query.pager.spec, pageSize: ALL_RUNS_PAGE }, 2);
      const rows = full.all(ALL_RUNS_LIMIT, query.signal);
      this.post({ type: 'notice', message: 'Reading all matching runs…' });
      const entry = { queryId, rows };
      this.allRows = entry;
      rows.catch(() => {
        if (this.allRows === entry) this.allRows = undefined;
      });
    }
    return this.allRows.rows;
  }

  private async sendGroups(queryId: number, columnId: string | undefined): Promise<void> {
    if (!columnId) return;
    const column = this.session.columns.find((c) => c.id === columnId) ?? columnFromId(columnId);
    if (!column || (column.kind !== 'param' && column.kind !== 'tag')) {
      this.post({ type: 'notice', message: `Group by takes a param or tag column, not ${columnId}.` });
      return;
    }
    const all = await this.everyRow(queryId);
    if (!all || this.session.query?.id !== queryId) return;
    const metricKeys = this.session.columns.filter((c) => c.kind === 'metric').map((c) => c.key);
    this.post({ type: 'groups', queryId, columnId, groups: groupRuns(all.rows, column, metricKeys), metricKeys, truncated: all.truncated });
  }

  private async sendSelection(queryId: number): Promise<void> {
    const all = await this.everyRow(queryId);
    if (!all || this.session.query?.id !== queryId) return;
    this.post({ type: 'selection', queryId, runIds: all.rows.map((r) => r.runId), truncated: all.truncated });
  }

  private async act(action: RunsTableAction, runIds: string[]): Promise<void> {
    if (runIds.length === 0) return;
    const deps = { connections: this.deps.connections, context: this.deps.context };
    switch (action) {
      case 'compare':
        if (runIds.length < 2) {
          this.post({ type: 'notice', message: 'Select at least two runs to compare.' });
          return;
        }
        ComparePanel.create(deps, this.connectionId, runIds);
        return;
      case 'details':
        for (const id of runIds.slice(0, MAX_OPENED)) RunDetailsPanel.show(deps, this.connectionId, id);
        return;
      case 'register': {
        // The Runs view's own Register Model command, on the first selected run.
        const connection = this.deps.connections.get(this.connectionId);
        if (!connection?.client) throw new Error(`Register Model: the tracking server ${this.connectionId} is not connected.`);
        if (runIds.length > 1) this.post({ type: 'notice', message: `Registering a model from the first of the ${runIds.length} selected runs.` });
        const run = await connection.client.getRun(runIds[0]);
        const node: Extract<ExplorerNode, { type: 'run' }> = {
          type: 'run',
          id: `runsTable/${this.connectionId}/${run.info.run_id}`,
          connection,
          run,
          pagerKey: '',
        };
        await vscode.commands.executeCommand(COMMANDS.registerModel, node);
        return;
      }
      case 'copyIds':
        await vscode.env.clipboard.writeText(runIds.join('\n'));
        this.post({ type: 'notice', message: `Copied ${runIds.length === 1 ? 'the run id' : `${runIds.length} run ids`}.` });
        return;
      case 'openUi': {
        const connection = this.deps.connections.get(this.connectionId);
        const rows = await this.rowsOf(runIds.slice(0, MAX_OPENED));
        for (const row of rows) {
          const url = connection?.resolved?.webUiUrl(row.experimentId, row.runId);
          if (url) await vscode.env.openExternal(vscode.Uri.parse(url));
        }
        return;
      }
      case 'delete':
      case 'restore': {
        const verb = action === 'delete' ? 'Delete' : 'Restore';
        if (action === 'delete') {
          const what = runIds.length === 1 ? `run ${runIds[0]}` : `${runIds.length} runs`;
          const answer = await vscode.window.showWarningMessage(
            `Delete ${what}? They move to the deleted runs of their experiment and can be restored.`,
            { modal: true },
            'Delete',
          );
          if (answer !== 'Delete') return;
        }
        const { client } = this.client();
        const failures: string[] = [];
        for (const id of runIds) {
          await (action === 'delete' ? client.deleteRun(id) : client.restoreRun(id)).catch((err: unknown) =>
            failures.push(`${id}: ${err instanceof Error ? err.message : String(err)}`),
          );
        }
        if (failures.length > 0) getOutputChannel().error(`Runs table: ${verb} failed for ${failures.join('; ')}`);
        this.post({
          type: 'notice',
          message: `${verb === 'Delete' ? 'Deleted' : 'Restored'} ${runIds.length - failures.length} of ${runIds.length} runs.${failures.length ? ' See the MLflow output for the others.' : ''}`,
        });
        this.post({ type: 'invalidate' });
        return;
      }
    }
  }

  /** Rows of these runs: one runs/search with run_id IN, in chunks of 100. */
  private async rowsOf(runIds: string[]): Promise<RunsTableRow[]> {
    const { client } = this.client();
    const rows: RunsTableRow[] = [];
    for (let i = 0; i < runIds.length; i += 100) {
      const chunk = runIds.slice(i, i + 100);
      const page = await client.searchRuns({
        experimentIds: this.experimentIds,
        filter: compileTableFilter([], { runIds: chunk }).filter,
        maxResults: chunk.length,
        runViewType: 'ALL',
      });
      rows.push(...page.items.map(toRow));
    }
    return rows;
  }

  private async star(runIds: string[], starred: boolean): Promise<void> {
    const all = { ...(this.deps.context.workspaceState.get<Record<string, string[]>>(STARS_KEY) ?? {}) };
    const set = new Set(all[this.connectionId] ?? []);
    for (const id of runIds) {
      if (starred) set.add(id);
      else set.delete(id);
    }
    all[this.connectionId] = [...set];
    await this.deps.context.workspaceState.update(STARS_KEY, all);
    for (const panel of RunsTablePanel.open) if (panel.connectionId === this.connectionId) panel.post({ type: 'starred', runIds: [...set] });
  }

  private async exportCsv(queryId: number, columnIds: string[], runIds: string[] | undefined, to: 'file' | 'clipboard'): Promise<void> {
    const columns = columnIds
      .map((id) => this.session.columns.find((c) => c.id === id) ?? columnFromId(id))
      .filter((c): c is RunsTableColumn => c !== undefined);
    let rows: RunsTableRow[];
    if (runIds) {
      const order = new Map(runIds.map((id, i) => [id, i]));
      rows = (await this.rowsOf(runIds)).sort((a, b) => order.get(a.runId)! - order.get(b.runId)!);
    } else {
      const all = await this.everyRow(queryId);
      if (!all) return;
      rows = all.rows;
    }
    const csv = runsTableToCsv(columns, rows, this.experimentNames);
    if (to === 'clipboard') {
      await vscode.env.clipboard.writeText(csv);
      this.post({ type: 'notice', message: `Copied ${rows.length} runs as CSV.` });
      return;
    }
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const name = `mlflow-runs-${
      Object.values(this.experimentNames)
        .join('-')
        .replace(/[^\w.-]+/g, '_')
        .slice(0, 60) || 'table'
    }.csv`;
    const target = await vscode.window.showSaveDialog({
      title: 'Export the runs table as CSV',
      defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
      filters: { CSV: ['csv'] },
      saveLabel: 'Export',
    });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, Buffer.from(csv, 'utf8'));
    this.post({ type: 'notice', message: `Exported ${rows.length} runs to ${vscode.workspace.asRelativePath(target)}.` });
  }

  /** Remembers the RUNNING runs just shown; finished ones stop being polled. */
  private track(rows: readonly RunsTableRow[]): void {
    for (const row of rows) {
      if (isActive({ info: { status: row.status } })) this.running.add(row.runId);
      else this.running.delete(row.runId);
    }
    if (this.running.size > 0 && !this.poll) this.schedulePoll();
  }

  private schedulePoll(): void {
    clearTimeout(this.poll);
    this.poll = setTimeout(() => {
      this.poll = undefined;
      if (this.disposed || !this.panel.visible || this.running.size === 0) return;
      const ids = [...this.running].slice(0, 500);
      this.rowsOf(ids)
        .then((rows) => {
          if (this.disposed) return;
          this.post({ type: 'rowsUpdated', rows });
          const seen = new Set(rows.map((r) => r.runId));
          for (const id of ids) if (!seen.has(id)) this.running.delete(id);
          this.track(rows);
        })
        .catch((err: unknown) => getOutputChannel().warn(`Runs table: refreshing running runs failed: ${err instanceof Error ? err.message : String(err)}`))
        .finally(() => {
          if (this.running.size > 0 && !this.poll) this.schedulePoll();
        });
    }, POLL_MS);
  }

  protected disposeResources(): void {
    RunsTablePanel.open.delete(this);
    clearTimeout(this.poll);
    this.session.dispose();
  }
}
