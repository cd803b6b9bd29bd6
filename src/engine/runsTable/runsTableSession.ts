// What one runs table does with the server, without VS Code: the webview's query compiled to
// MLflow's filter and order_by, its pages read in order (RunsTablePager), the columns discovered as
// rows arrive, a parent's children read. The panel (src/extension/runsTable/runsTablePanel.ts)
// posts what this returns; the benchmark drives the same code with the real webview bundle.
import type { MlflowRestClient } from '../mlflow/mlflowRestClient';
import type { RunViewType } from '../mlflow/mlflowTypes';
import { compileOrderBy, compileTableFilter, type RunsTableQuery, type TableQueryText } from './runsSearchExpression';
import { ColumnDiscovery, toRow, type RunsTableColumn, type RunsTableRow } from './runsTableColumns';
import { RunsTablePager, type LoadedPage } from './runsTablePager';

/** Most child runs shown under an expanded parent (one runs/search). */
export const MAX_CHILDREN = 1000;
/** Most child runs read to learn which runs are parents; past it every run keeps its ▸ (expanding finds out). */
export const MAX_PARENT_SCAN = 20_000;
const PARENT_SCAN_PAGE = 1000;
/**
 * Pages read ahead of the one asked for. Two, so that while the webview paints page N and asks for
 * N+1 (already read), the server is already reading N+2: a fast scroll never waits for a round trip.
 */
export const READ_AHEAD = 2;
/** Rows of the first page read (and painted) before the rest of it: a tall screen's worth. */
const FIRST_SLICE = 100;

/** The webview's query in MLflow's terms, with the errors of what did not compile. */
interface CompiledQuery {
  filter: string;
  orderBy: string[];
  errors: Record<string, string>;
  stars?: readonly string[];
  runViewType: RunViewType;
}

interface ActiveQuery {
  id: number;
  spec: RunsTableQuery;
  /** The starred runs the query was limited to (starredOnly). */
  stars?: readonly string[];
  pager: RunsTablePager;
  abort: AbortController;
}

export class RunsTableSession {
  private readonly discovery = new ColumnDiscovery();
  private cols: RunsTableColumn[];
  private active: ActiveQuery | undefined;
  /** A query started before the webview asked for it (see prefetch). */
  private prefetched: { filter: string; orderBy: string[]; query: ActiveQuery } | undefined;

  constructor(
    private readonly client: () => Pick<MlflowRestClient, 'searchRuns'>,
    readonly experimentIds: string[],
    private readonly pageSize: () => number,
  ) {
    this.cols = this.discovery.columns(experimentIds.length > 1);
  }

  get columns(): RunsTableColumn[] {
    return this.cols;
  }

  /** The query shown, if any. */
  get query(): { id: number; pager: RunsTablePager; signal: AbortSignal } | undefined {
    return this.active && { id: this.active.id, pager: this.active.pager, signal: this.active.abort.signal };
  }

  /** A new query (the previous one's requests are aborted): what it compiled to, and whether it can match nothing at all. */
  start(spec: RunsTableQuery, starred?: readonly string[]): { filter: string; orderBy: string[]; errors: Record<string, string>; empty: boolean } {
    this.active?.abort.abort();
    const compiled = this.compile(spec, starred);
    const early = this.prefetched;
    this.prefetched = undefined;
    if (
      early &&
      early.filter === compiled.filter &&
      early.orderBy.join('\n') === compiled.orderBy.join('\n') &&
      early.query.pager.spec.runViewType === compiled.runViewType
    ) {
      // The same query was started while the webview loaded: its first page is already on its way.
      this.active = { ...early.query, id: spec.queryId, spec };
    } else {
      early?.query.abort.abort();
      const pager = this.pager(compiled);
      this.active = { id: spec.queryId, spec, stars: compiled.stars, pager, abort: new AbortController() };
    }
    return { filter: compiled.filter, orderBy: compiled.orderBy, errors: compiled.errors, empty: compiled.stars !== undefined && compiled.stars.length === 0 };
  }

  /**
   * Starts reading the first page of the query the webview will ask for, while the webview is still
   * loading (a new table shows DEFAULT_RUNS_TABLE_QUERY; a restored one its saved query). `start` with
   * the same compiled query adopts it; any other query aborts it.
   */
  prefetch(spec: Omit<RunsTableQuery, 'queryId'>, starred?: readonly string[]): Promise<unknown> {
    this.prefetched?.query.abort.abort();
    const compiled = this.compile({ ...spec, queryId: -1 }, starred);
    if (compiled.stars?.length === 0 || Object.keys(compiled.errors).length > 0) return Promise.resolve();
    const pager = this.pager(compiled);
    const query: ActiveQuery = { id: -1, spec: { ...spec, queryId: -1 }, stars: compiled.stars, pager, abort: new AbortController() };
    this.prefetched = { filter: compiled.filter, orderBy: compiled.orderBy, query };
    // Only the first screen's rows: the rest is read once the table painted them (see firstPage).
    // A failure is seen (and reported) when the webview's query reads the same rows.
    return (pager.firstRows(query.abort.signal) ?? pager.page(0, query.abort.signal)).catch(() => undefined);
  }

  /** A pager over the compiled query, at the table's page size; the first page is read in two slices so the first screen's rows come sooner. */
  private pager(compiled: Pick<CompiledQuery, 'filter' | 'orderBy' | 'runViewType'>): RunsTablePager {
    const pageSize = this.pageSize();
    const firstSlice = Math.min(FIRST_SLICE, Math.floor(pageSize / 2));
    const { filter, orderBy, runViewType } = compiled;
    return new RunsTablePager(this.client(), {
      experimentIds: this.experimentIds,
      filter,
      orderBy,
      ...(firstSlice > 0 ? { pageSize, firstSlice } : { pageSize }),
      runViewType,
    });
  }

  /** The query's filter narrowed to one parent's children, or to child runs (the query's own errors were reported when it started). */
  private relatedFilter(query: ActiveQuery, narrow: Pick<TableQueryText, 'parentRunId' | 'childrenOnly'>): string {
    const { spec } = query;
    return compileTableFilter(this.cols, {
      expression: spec.expression,
      columnFilters: spec.columnFilters,
      runName: spec.runName,
      runIds: query.stars,
      ...narrow,
    }).filter;
  }

  private compile(spec: RunsTableQuery, starred?: readonly string[]): CompiledQuery {
    const stars = spec.starredOnly ? (starred ?? []) : undefined;
    const { filter, errors } = compileTableFilter(this.cols, {
      expression: spec.expression,
      columnFilters: spec.columnFilters,
      runName: spec.runName,
      runIds: stars,
    });
    const order = compileOrderBy(this.cols, spec.sort);
    Object.assign(errors, order.errors);
    const runViewType: RunViewType = spec.lifecycle === 'deleted' ? 'DELETED_ONLY' : spec.lifecycle === 'all' ? 'ALL' : 'ACTIVE_ONLY';
    return { filter, orderBy: order.orderBy, errors, stars, runViewType };
  }

  /**
   * Page `index` of query `queryId` (undefined once another query replaced it), with the columns when
   * its rows brought new keys. The next pages are read ahead meanwhile (READ_AHEAD), so a scroll rarely waits.
   */
  async page(
    queryId: number,
    index: number,
  ): Promise<{ page: LoadedPage; count: { runs: number; complete: boolean }; columns?: RunsTableColumn[] } | undefined> {
    const query = this.active;
    if (!query || query.id !== queryId) return undefined;
    const page = await query.pager.page(index, query.abort.signal);
    if (this.active !== query) return undefined;
    // Reading page index + READ_AHEAD reads the pages before it first (their tokens), in order.
    if (!page.last) query.pager.page(index + READ_AHEAD, query.abort.signal).catch(() => undefined);
    return { page, count: query.pager.count, columns: this.discover(page.rows) };
  }

  /**
   * The start of query `queryId`: page 0 as `page` gives it when it is read in full already or fits
   * in the first screen's rows; otherwise those first rows go to `early` (with the columns they
   * bring) and nothing is returned: the rest of page 0 (and the pages ahead) is read when the table
   * asks for it, after painting them, so the server reads nothing else while the table draws its
   * first screen.
   */
  async firstPage(
    queryId: number,
    early: (rows: RunsTableRow[], columns: RunsTableColumn[] | undefined) => void,
  ): Promise<{ page: LoadedPage; count: { runs: number; complete: boolean }; columns?: RunsTableColumn[] } | undefined> {
    const query = this.active;
    if (!query || query.id !== queryId) return undefined;
    const head = query.pager.firstRows(query.abort.signal);
    if (!head) return this.page(queryId, 0);
    const { rows, more } = await head;
    if (this.active !== query) return undefined;
    if (!more) return this.page(queryId, 0);
    early(rows, this.discover(rows));
    return undefined;
  }

  /** A parent's child runs matching the query, in its order (at most MAX_CHILDREN; `truncated` when more match). */
  async children(queryId: number, parentRunId: string): Promise<{ rows: RunsTableRow[]; truncated: boolean; columns?: RunsTableColumn[] } | undefined> {
    const query = this.active;
    if (!query || query.id !== queryId) return undefined;
    const { pager } = query;
    const filter = this.relatedFilter(query, { parentRunId });
    const result = await this.client().searchRuns({
      experimentIds: this.experimentIds,
      filter,
      orderBy: pager.spec.orderBy,
      maxResults: MAX_CHILDREN,
      runViewType: pager.spec.runViewType,
      signal: query.abort.signal,
    });
    if (this.active !== query) return undefined;
    const rows = result.items.map(toRow);
    return { rows, truncated: Boolean(result.nextPageToken), columns: this.discover(rows) };
  }

  /**
   * Which runs have child runs matching the query: every child run is read (only its parent tag is
   * kept). Undefined when the query was replaced, when more than MAX_PARENT_SCAN children match, or
   * when the server cannot search on the tag's presence (`IS NOT NULL`): then every run keeps its ▸.
   */
  async parents(queryId: number): Promise<{ runIds: string[] } | undefined> {
    const query = this.active;
    if (!query || query.id !== queryId) return undefined;
    const { pager } = query;
    const filter = this.relatedFilter(query, { childrenOnly: true });
    const parents = new Set<string>();
    let read = 0;
    let pageToken: string | undefined;
    do {
      let result;
      try {
        result = await this.client().searchRuns({
          experimentIds: this.experimentIds,
          filter,
          maxResults: PARENT_SCAN_PAGE,
          pageToken,
          runViewType: pager.spec.runViewType,
          signal: query.abort.signal,
        });
      } catch (err) {
        if (query.abort.signal.aborted) throw err;
        return undefined;
      }
      if (this.active !== query) return undefined;
      for (const run of result.items) {
        const parent = toRow(run).parentRunId;
        if (parent) parents.add(parent);
      }
      read += result.items.length;
      pageToken = result.nextPageToken;
      if (pageToken && read >= MAX_PARENT_SCAN) return undefined;
    } while (pageToken);
    return { runIds: [...parents] };
  }

  /** Once the reads of the query shown and of the prefetched one are over; whether any was on its way. */
  async idle(): Promise<boolean> {
    const waited = await Promise.all([this.active?.pager.idle(), this.prefetched?.query.pager.idle()]);
    return waited.some(Boolean);
  }

  /** Stops the query's requests. */
  dispose(): void {
    this.active?.abort.abort();
    this.prefetched?.query.abort.abort();
  }

  private discover(rows: readonly RunsTableRow[]): RunsTableColumn[] | undefined {
    if (!this.discovery.add(rows)) return undefined;
    this.cols = this.discovery.columns(this.experimentIds.length > 1);
    return this.cols;
  }
}
