import * as vscode from 'vscode';
import { isActive } from '../../engine/compare/runSelection';
import { isCancelled, type MlflowRestClient } from '../../engine/mlflow/mlflowRestClient';
import { columnFromId, DEFAULT_RUNS_TABLE_QUERY } from '../../engine/runsTable/runsSearchExpression';
import type { RunsTableColumn, RunsTableRow } from '../../engine/runsTable/runsTableColumns';
import { runsTableToCsv } from '../../engine/runsTable/runsTableCsv';
import { RunsTableHost, runsTableTitle, type RunsTableHostMessage } from '../../engine/runsTable/runsTableHost';
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
/** Most runs a single action (compare, details, open) takes. */
const MAX_OPENED = 20;

/** The webview's messages the panel answers itself (the host answers the others). */
type PanelMessage = Exclude<FromRunsTableMessage, RunsTableHostMessage>;

/**
 * One runs table: answers the webview's queries (compiled to MLflow's search syntax, sorted and
 * filtered by the server, read page by page), discovers the columns as pages arrive, and acts on
 * the selected runs. Several can be open at once, on different experiments.
 */
export class RunsTablePanel extends MessagingPanel<ToRunsTableMessage> {
  private static readonly open = new Set<RunsTablePanel>();
  private readonly host: RunsTableHost;
  /** Runs shown as RUNNING: re-read until they end. */
  private readonly running = new Set<string>();
  private poll: NodeJS.Timeout | undefined;

  static all(): readonly RunsTablePanel[] {
    return [...RunsTablePanel.open];
  }

  /** `names`: the experiments' names when the caller knows them (the Runs view, the picker): then the table does not read them again. */
  static create(deps: PanelDeps, connectionId: string, experimentIds: string[], names?: readonly string[]): RunsTablePanel {
    const panel = vscode.window.createWebviewPanel(RUNS_TABLE_VIEW_TYPE, runsTableTitle(names), vscode.ViewColumn.Active, webviewPanelOptions(deps.context));
    return new RunsTablePanel(panel, deps, connectionId, experimentIds, DEFAULT_RUNS_TABLE_QUERY, names);
  }

  constructor(
    panel: vscode.WebviewPanel,
    private readonly deps: PanelDeps,
    readonly connectionId: string,
    readonly experimentIds: string[],
    /** The query the webview will ask for first (a restored table's saved one). */
    firstQuery: Omit<RunsTableQuery, 'queryId'> = DEFAULT_RUNS_TABLE_QUERY,
    names?: readonly string[],
  ) {
    super(panel);
    RunsTablePanel.open.add(this);
    // The experiments' names (unless given) and the first page are read while the webview loads.
    this.host = new RunsTableHost(
      {
        connectionId,
        client: () => this.client(),
        post: (message) => this.post(message),
        closed: () => this.disposed,
        layout: () => this.deps.context.workspaceState.get<RunsTableLayout>(this.layoutKey()) ?? { hidden: [], pinned: [], widths: {}, order: [] },
        starred: () => this.starred(),
        pageSize: () => this.pageSize(),
        named: (experimentNames) => {
          this.panel.title = runsTableTitle(experimentNames);
        },
        shown: (rows, page) => {
          if (page) this.deps.connections.reportHealth(this.connectionId, true);
          this.track(rows);
        },
        log: { error: (text) => getOutputChannel().error(text), warn: (text) => getOutputChannel().warn(text) },
      },
      experimentIds,
      firstQuery,
      names,
    );
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
    const query = this.host.session.query;
    return query ? { filter: query.pager.spec.filter ?? '', orderBy: query.pager.spec.orderBy ?? [] } : undefined;
  }

  /** The webview's messages: the table's data through the host (in the protocol's order), the rest here. */
  async handleMessage(raw: unknown): Promise<void> {
    const message = validatedMessage('Runs table', validateFromRunsTable, raw);
    if (!message) return;
    try {
      await this.host.receive(message, (m) => dispatchMessage(this.handlers, m));
      if (message.type === 'ready' || message.type === 'retry') this.markReady();
    } catch (err) {
      if (this.disposed || isCancelled(err)) return;
      const text = err instanceof Error ? err.message : String(err);
      getOutputChannel().error(`Runs table (${message.type}): ${text}`);
      this.post({ type: 'notice', message: `${text.split('\n')[0]}` });
    }
  }

  /** What the host leaves to the panel: actions on runs, stars, the layout, CSV, the clipboard. */
  private readonly handlers: MessageHandlers<PanelMessage> = {
    action: (m) => this.act(m.action, m.runIds),
    star: (m) => this.star(m.runIds, m.starred),
    saveLayout: (m) => this.deps.context.workspaceState.update(this.layoutKey(), m.layout),
    exportCsv: (m) => this.exportCsv(m.queryId, m.columnIds, m.runIds, m.to),
    copy: (m) => copyToClipboard(m.text, (notice) => this.post(notice)),
  };

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
        const rows = await this.host.rowsOf(runIds.slice(0, MAX_OPENED));
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
      .map((id) => this.host.session.columns.find((c) => c.id === id) ?? columnFromId(id))
      .filter((c): c is RunsTableColumn => c !== undefined);
    let rows: RunsTableRow[];
    if (runIds) {
      const order = new Map(runIds.map((id, i) => [id, i]));
      rows = (await this.host.rowsOf(runIds)).sort((a, b) => order.get(a.runId)! - order.get(b.runId)!);
    } else {
      const all = await this.host.everyRow(queryId);
      if (!all) return;
      rows = all.rows;
    }
    const csv = runsTableToCsv(columns, rows, this.host.experimentNames);
    if (to === 'clipboard') {
      await vscode.env.clipboard.writeText(csv);
      this.post({ type: 'notice', message: `Copied ${rows.length} runs as CSV.` });
      return;
    }
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const name = `mlflow-runs-${
      Object.values(this.host.experimentNames)
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
      this.host
        .rowsOf(ids)
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
    this.host.dispose();
  }
}
