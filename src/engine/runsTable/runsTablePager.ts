import type { MlflowRestClient } from '../mlflow/mlflowRestClient';
import type { RunViewType } from '../mlflow/mlflowTypes';
import { toRow, type RunsTableRow } from './runsTableColumns';

export interface RunsTableQuerySpec {
  experimentIds: string[];
  filter?: string;
  orderBy?: string[];
  /** Runs per page (runs/search's max_results). */
  pageSize: number;
  runViewType?: RunViewType;
  /**
   * Read the first page in two requests, the first of this many runs (less than pageSize), so a
   * table can paint its first screen before the rest of the page is even asked for (see `firstRows`).
   */
  firstSlice?: number;
}

export interface LoadedPage {
  index: number;
  rows: RunsTableRow[];
  /** No page after this one. */
  last: boolean;
}

/**
 * One search of the runs table, read page by page with runs/search's page tokens. Page n needs the
 * token page n-1 returned, so pages are read in order; tokens are kept (a few bytes each) so an
 * evicted page is read again in one request. Only the `maxCachedPages` most recently used pages
 * are kept: memory is bounded by what is on screen plus a few pages, whatever the number of runs.
 */
export class RunsTablePager {
  /** tokens[i]: the page token that reads page i (undefined for page 0); absent until known. */
  private readonly tokens: (string | undefined)[] = [undefined];
  private readonly cache = new Map<number, LoadedPage>();
  private readonly inFlight = new Map<number, Promise<LoadedPage>>();
  /** Index of the last page, once a page came back without a next token. */
  private lastIndex: number | undefined;
  /** The first page's first slice of rows and the token of the rest, once its read started (spec.firstSlice). */
  private slice: Promise<{ rows: RunsTableRow[]; next?: string }> | undefined;
  /** Rows in the pages read so far, counted once per page (rows before the furthest page read). */
  private counted = 0;
  private furthest = -1;

  constructor(
    private readonly client: Pick<MlflowRestClient, 'searchRuns'>,
    readonly spec: RunsTableQuerySpec,
    private readonly maxCachedPages = 12,
  ) {}

  /** Rows known to match so far, and whether that is all of them. */
  get count(): { runs: number; complete: boolean } {
    return { runs: this.counted, complete: this.lastIndex !== undefined };
  }

  get pageCount(): number | undefined {
    return this.lastIndex === undefined ? undefined : this.lastIndex + 1;
  }

  /**
   * The first spec.firstSlice rows of page 0, read on their own (once): the rest of the page is read
   * only when page 0 is asked for. `more`: page 0 has more rows than these. Undefined when the page
   * is not read in slices, or is read already.
   */
  firstRows(signal?: AbortSignal): Promise<{ rows: RunsTableRow[]; more: boolean }> | undefined {
    return this.readSlice(signal)?.then((head) => ({ rows: head.rows, more: head.next !== undefined }));
  }

  /** The first slice's read (started once; read again if it failed), or undefined when page 0 is not read in slices or is read already. */
  private readSlice(signal?: AbortSignal): Promise<{ rows: RunsTableRow[]; next?: string }> | undefined {
    const size = this.spec.firstSlice;
    if (size === undefined || size <= 0 || size >= this.spec.pageSize || this.cache.has(0)) return undefined;
    this.slice ??= this.search(size, undefined, signal).then(
      (r) => ({ rows: r.items.map(toRow), next: r.nextPageToken }),
      (err: unknown) => {
        // Asked again, it is read again.
        this.slice = undefined;
        throw err;
      },
    );
    return this.slice;
  }

  private search(maxResults: number, pageToken: string | undefined, signal?: AbortSignal) {
    return this.client.searchRuns({
      experimentIds: this.spec.experimentIds,
      filter: this.spec.filter || undefined,
      orderBy: this.spec.orderBy,
      maxResults,
      pageToken,
      runViewType: this.spec.runViewType,
      signal,
    });
  }

  /** Once no read of this pager is on its way (the benchmark waits for a quiet server); whether any was. */
  async idle(): Promise<boolean> {
    let waited = false;
    while (this.inFlight.size > 0) {
      waited = true;
      await Promise.allSettled([...this.inFlight.values()]);
    }
    return waited;
  }

  /** Whether page `index` is read and kept. */
  has(index: number): boolean {
    return this.cache.has(index);
  }

  /** A page of rows, reading the pages before it first when their tokens are not known yet. */
  async page(index: number, signal?: AbortSignal): Promise<LoadedPage> {
    if (this.lastIndex !== undefined && index > this.lastIndex) return { index, rows: [], last: true };
    const cached = this.cache.get(index);
    if (cached) {
      this.cache.delete(index);
      this.cache.set(index, cached);
      return cached;
    }
    const pending = this.inFlight.get(index);
    if (pending) return pending;
    const promise = this.read(index, signal).finally(() => this.inFlight.delete(index));
    this.inFlight.set(index, promise);
    return promise;
  }

  private async read(index: number, signal?: AbortSignal): Promise<LoadedPage> {
    if (index > 0 && index >= this.tokens.length) {
      // The token of this page is the next token of the page before.
      const before = await this.page(index - 1, signal);
      if (before.last) return { index, rows: [], last: true };
    }
    let rows: RunsTableRow[];
    let nextPageToken: string | undefined;
    const head = index === 0 ? this.readSlice(signal) : undefined;
    if (head) {
      // Page tokens carry the offset, so the rest of page 0 is the next request of pageSize - slice runs.
      const slice = await head;
      rows = slice.rows;
      nextPageToken = slice.next;
      if (nextPageToken) {
        const rest = await this.search(this.spec.pageSize - rows.length, nextPageToken, signal);
        rows = rows.concat(rest.items.map(toRow));
        nextPageToken = rest.nextPageToken;
      }
    } else {
      const result = await this.search(this.spec.pageSize, this.tokens[index], signal);
      rows = result.items.map(toRow);
      nextPageToken = result.nextPageToken;
    }
    const last = !nextPageToken;
    if (last) this.lastIndex = index;
    else if (this.tokens.length === index + 1) this.tokens.push(nextPageToken);
    const page: LoadedPage = { index, rows, last };
    if (index > this.furthest) {
      this.furthest = index;
      this.counted = index * this.spec.pageSize + page.rows.length;
    }
    this.cache.set(index, page);
    while (this.cache.size > this.maxCachedPages) this.cache.delete(this.cache.keys().next().value!);
    return page;
  }

  /** Pages through every matching run (for select-all and group-by), at most `limit` rows. */
  async all(limit: number, signal?: AbortSignal): Promise<{ rows: RunsTableRow[]; truncated: boolean }> {
    const rows: RunsTableRow[] = [];
    for (let i = 0; ; i++) {
      const p = await this.page(i, signal);
      rows.push(...p.rows);
      if (p.last) return { rows: rows.slice(0, limit), truncated: rows.length > limit };
      if (rows.length >= limit) return { rows: rows.slice(0, limit), truncated: true };
    }
  }
}
