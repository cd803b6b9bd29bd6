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
    const result = await this.client.searchRuns({
      experimentIds: this.spec.experimentIds,
      filter: this.spec.filter || undefined,
      orderBy: this.spec.orderBy,
      maxResults: this.spec.pageSize,
      pageToken: this.tokens[index],
      runViewType: this.spec.runViewType,
      signal,
    });
    const last = !result.nextPageToken;
    if (last) this.lastIndex = index;
    else if (this.tokens.length === index + 1) this.tokens.push(result.nextPageToken);
    const page: LoadedPage = { index, rows: result.items.map(toRow), last };
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
