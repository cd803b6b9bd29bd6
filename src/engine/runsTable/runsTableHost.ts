// The runs table's side of the webview's protocol, without VS Code: init (the experiments' names,
// the saved layout, the stars), the queries and their pages, the parent runs, a parent's children,
// groups and select-all over every matching run. The panel (src/extension/runsTable/runsTablePanel.ts)
// gives it the webview's messages and its ports (posting, the connection, workspace state, the log)
// and keeps what needs VS Code (actions, stars, CSV files, polling); the benchmark drives this same
// code with the real webview bundle in Chromium.
import type { FromRunsTableMessage, RunsTableLayout, RunsTableQuery, ToRunsTableMessage } from '../../../webview/contract';
import { firstSentence, isCancelled, MlflowApiError, type MlflowRestClient } from '../mlflow/mlflowRestClient';
import { groupRuns } from './runGroups';
import { columnFromId, compileTableFilter, DEFAULT_RUNS_TABLE_QUERY } from './runsSearchExpression';
import { toRow, type RunsTableColumn, type RunsTableRow } from './runsTableColumns';
import { RunsTablePager } from './runsTablePager';
import { RunsTableSession } from './runsTableSession';

/** Most runs read for select-all, group-by and CSV export. */
const ALL_RUNS_LIMIT = 50_000;
/** Page size of those full reads (runs/search's largest). */
const ALL_RUNS_PAGE = 1000;

/** A runs table's tab title: the experiment's name, or how many experiments (just "Runs" while their names are unknown). */
export function runsTableTitle(names: readonly string[] | undefined): string {
  if (!names?.length) return 'Runs';
  return names.length === 1 ? `Runs: ${names[0]}` : `Runs: ${names.length} experiments`;
}

export interface RunsTableHostPorts {
  /** The tracking server's connection id (the webview keeps it in its state). */
  connectionId: string;
  /** The connection's client and label; throws when the connection is gone (init reports it). */
  client(): { client: MlflowRestClient; label: string };
  post(message: ToRunsTableMessage): void;
  /** True once the table is closed: nothing more is posted. */
  closed(): boolean;
  layout(): RunsTableLayout;
  starred(): string[];
  pageSize(): number;
  /** The experiments' names are known (init). */
  named?(names: string[]): void;
  /** Rows the webview was sent (`page`: a page answered by the server). */
  shown?(rows: readonly RunsTableRow[], page: boolean): void;
  log: { error(text: string): void; warn(text: string): void };
}

/** The webview's messages the host answers; the others (actions, stars, layout, CSV, copy) are the panel's. */
export type RunsTableHostMessage = Extract<FromRunsTableMessage, { type: 'ready' | 'retry' | 'query' | 'page' | 'groupBy' | 'children' | 'selectAll' }>;

export class RunsTableHost {
  readonly session: RunsTableSession;
  private names: Promise<string[]> | undefined;
  private experimentNamesById: Record<string, string> = {};
  /** The answer to the webview's last `ready` or `retry` (init): its other messages wait for it. */
  private initialising: Promise<unknown> = Promise.resolve();
  /** The query whose parent runs were read (once per query, after its whole first page). */
  private parentsRead = -1;
  /** Reads started in the background (which runs are parents). */
  private readonly background = new Set<Promise<unknown>>();
  private allRows: { queryId: number; rows: Promise<{ rows: RunsTableRow[]; truncated: boolean }> } | undefined;

  /**
   * Starts reading the first page of `firstQuery` (the query the webview will ask for first: a
   * restored table's saved one) and, unless `knownNames` gives them (the Runs view and the picker
   * know them), the experiments' names, while the webview loads.
   */
  constructor(
    private readonly ports: RunsTableHostPorts,
    readonly experimentIds: string[],
    firstQuery: Omit<RunsTableQuery, 'queryId'> = DEFAULT_RUNS_TABLE_QUERY,
    knownNames?: readonly string[],
  ) {
    this.session = new RunsTableSession(
      () => this.ports.client().client,
      experimentIds,
      () => this.ports.pageSize(),
    );
    if (knownNames?.length === experimentIds.length && knownNames.every((n) => typeof n === 'string' && n)) this.names = Promise.resolve([...knownNames]);
    try {
      void this.session.prefetch(firstQuery, this.ports.starred());
      this.names ??= this.readNames();
    } catch {
      // No such connection any more: the webview's ready message gets the error (init).
    }
  }

  /** Experiment id → name, once init read them (an experiment that cannot be read shows its id). */
  get experimentNames(): Readonly<Record<string, string>> {
    return this.experimentNamesById;
  }

  /**
   * Runs `message` in the protocol's order: the webview sends its first query right after `ready`,
   * not after init, so everything but `ready`/`retry` waits for the last init (a webview reloaded when
   * shown again says `ready` again). `others` gets what the host does not answer, in the same order.
   */
  async receive(
    message: FromRunsTableMessage,
    others: (message: Exclude<FromRunsTableMessage, RunsTableHostMessage>) => unknown = () => undefined,
  ): Promise<void> {
    if (message.type === 'ready' || message.type === 'retry') {
      const init = this.init(message.type === 'retry');
      this.initialising = init.catch(() => undefined);
      await init;
      return;
    }
    await this.initialising;
    switch (message.type) {
      case 'query':
        return this.runQuery(message);
      case 'page':
        return this.sendPage(message.queryId, message.index);
      case 'groupBy':
        return this.sendGroups(message.queryId, message.columnId);
      case 'children':
        return this.sendChildren(message.queryId, message.parentRunId);
      case 'selectAll':
        return this.sendSelection(message.queryId);
      default:
        await others(message);
    }
  }

  /** The experiments' names, the saved layout and the stars (the webview's first query waits for them). */
  private async init(again: boolean): Promise<void> {
    let label: string;
    try {
      label = this.ports.client().label;
      if (again || !this.names) this.names = this.readNames();
      const experiments = await this.names;
      this.experimentNamesById = Object.fromEntries(this.experimentIds.map((id, i) => [id, experiments[i]]));
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      this.post({ type: 'error', message: `Could not open the runs table: ${text.split('\n')[0]}`, retry: true });
      return;
    }
    const names = this.experimentIds.map((id) => this.experimentNamesById[id]);
    this.ports.named?.(names);
    this.post({
      type: 'init',
      connectionId: this.ports.connectionId,
      connectionLabel: label,
      experiments: this.experimentIds.map((id, i) => ({ id, name: names[i] })),
      layout: this.ports.layout(),
      starred: this.ports.starred(),
      pageSize: this.ports.pageSize(),
    });
  }

  /** The experiments' names (an experiment that cannot be read shows its id). */
  private readNames(): Promise<string[]> {
    const { client } = this.ports.client();
    return Promise.all(
      this.experimentIds.map((id) =>
        client.getExperiment(id).then(
          (e) => e.name,
          () => id,
        ),
      ),
    );
  }

  private post(message: ToRunsTableMessage): void {
    if (!this.ports.closed()) this.ports.post(message);
  }

  private async runQuery(spec: RunsTableQuery): Promise<void> {
    this.allRows = undefined;
    const compiled = this.session.start(spec, this.ports.starred());
    this.post({ type: 'query', queryId: spec.queryId, filter: compiled.filter, orderBy: compiled.orderBy, errors: compiled.errors });
    if (compiled.empty) {
      this.post({ type: 'page', queryId: spec.queryId, index: 0, rows: [], last: true, count: { runs: 0, complete: true } });
      return;
    }
    await this.sendPage(spec.queryId, 0, true);
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
        this.post({ type: 'page', queryId, index: 0, rows, last: false, count: { runs: rows.length, complete: false }, columns, partial: true });
      };
      const answer = await (first ? this.session.firstPage(queryId, early) : this.session.page(queryId, index));
      if (this.ports.closed() || !answer) return;
      this.post({ type: 'page', queryId, index, rows: answer.page.rows, last: answer.page.last, count: answer.count, columns: answer.columns });
      this.ports.shown?.(answer.page.rows, true);
      // Once the whole first page is there, which runs have children is read in the background.
      if (index === 0 && this.parentsRead !== queryId) {
        this.parentsRead = queryId;
        const parents = this.sendParents(queryId).finally(() => this.background.delete(parents));
        this.background.add(parents);
      }
    } catch (err) {
      if (this.ports.closed() || isCancelled(err) || this.session.query?.id !== queryId) return;
      const text = err instanceof Error ? err.message : String(err);
      this.ports.log.error(
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

  /** Which of the query's runs have children (read in the background after the first page): the others lose their ▸. */
  private async sendParents(queryId: number): Promise<void> {
    try {
      const answer = await this.session.parents(queryId);
      if (answer) this.post({ type: 'parents', queryId, runIds: answer.runIds });
    } catch (err) {
      if (this.ports.closed() || isCancelled(err)) return;
      this.ports.log.warn(`Runs table: could not learn which runs have children: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** A parent's child runs that match the query, in its order. */
  private async sendChildren(queryId: number, parentRunId: string): Promise<void> {
    const answer = await this.session.children(queryId, parentRunId);
    if (this.ports.closed() || !answer) return;
    if (answer.columns) this.post({ type: 'columns', queryId, columns: answer.columns });
    this.post({ type: 'children', queryId, parentRunId, rows: answer.rows, truncated: answer.truncated });
    this.ports.shown?.(answer.rows, false);
  }

  /** Every matching run of the current query (read once per query, in pages of 1000). */
  everyRow(queryId: number): Promise<{ rows: RunsTableRow[]; truncated: boolean }> | undefined {
    const query = this.session.query;
    if (!query || query.id !== queryId) return undefined;
    if (this.allRows?.queryId !== queryId) {
      const { client } = this.ports.client();
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

  /** Rows of these runs: one runs/search with run_id IN, in chunks of 100. */
  async rowsOf(runIds: string[]): Promise<RunsTableRow[]> {
    const { client } = this.ports.client();
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

  /** Once no read of the table is on its way (the benchmark waits for a quiet server between measurements). */
  async idle(): Promise<void> {
    for (;;) {
      const background = [...this.background];
      await Promise.allSettled(background);
      if (!(await this.session.idle()) && background.length === 0) return;
    }
  }

  dispose(): void {
    this.session.dispose();
  }
}
