// The rows the runs table holds: pages of rows by index, only those near the viewport (memory is
// bounded by what is on screen plus a few pages, whatever the number of runs), and which pages to
// ask for next (the ones in view, plus one ahead so scrolling rarely waits). No DOM.
import type { RunsTableRow } from '../contract';

export class RowWindow {
  private readonly pages = new Map<number, RunsTableRow[]>();
  private readonly requested = new Set<number>();
  /** Pages of which only the first rows came (the first screen of page 0): asked for again in full. */
  private readonly partial = new Set<number>();
  /** Rows known to match so far; `complete` once the last page came. */
  count = 0;
  complete = false;

  constructor(
    readonly pageSize: number,
    /** Pages kept on each side of the ones in view. */
    private readonly keepAround = 2,
  ) {}

  /** Rows the scroll area is sized for: every known row, plus one page of placeholders while more may follow. */
  get rowCount(): number {
    return this.complete ? this.count : this.count + this.pageSize;
  }

  get loadedPages(): number {
    return this.pages.size;
  }

  row(index: number): RunsTableRow | undefined {
    return this.pages.get(Math.floor(index / this.pageSize))?.[index % this.pageSize];
  }

  /**
   * Holds page `index`; true when it only adds rows after the ones held for it (the same runs first:
   * the rows drawn stay as they are).
   */
  put(index: number, rows: RunsTableRow[], last: boolean, count: { runs: number; complete: boolean }, partial = false): boolean {
    const before = this.pages.get(index);
    const grows = before !== undefined && before.length <= rows.length && before.every((r, i) => r.runId === rows[i].runId);
    this.pages.set(index, rows);
    this.requested.delete(index);
    if (partial) this.partial.add(index);
    else this.partial.delete(index);
    this.count = Math.max(this.count, count.runs);
    if (last || count.complete) {
      this.complete = true;
      this.count = count.runs;
    }
    return grows;
  }

  /** Page `index` is on its way without being asked for (the extension sends a query's first page with it). */
  expect(index: number): void {
    this.requested.add(index);
  }

  /** Replaces rows (a running run read again) wherever they are loaded. */
  update(rows: readonly RunsTableRow[]): boolean {
    const byId = new Map(rows.map((r) => [r.runId, r]));
    let changed = false;
    for (const page of this.pages.values()) {
      for (let i = 0; i < page.length; i++) {
        const fresh = byId.get(page[i].runId);
        if (fresh) {
          page[i] = fresh;
          changed = true;
        }
      }
    }
    return changed;
  }

  /**
   * The pages to ask for so rows `first`..`last` are there, with one page of prefetch ahead, and
   * drops the pages far from them. Pages past the end are never asked.
   */
  need(first: number, last: number): number[] {
    const firstPage = Math.max(0, Math.floor(first / this.pageSize));
    const lastPage = Math.floor(Math.max(first, last) / this.pageSize) + 1;
    const maxPage = this.complete ? Math.ceil(this.count / this.pageSize) - 1 : Infinity;
    for (const index of [...this.pages.keys()]) {
      if (index < firstPage - this.keepAround || index > lastPage + this.keepAround) {
        this.pages.delete(index);
        this.partial.delete(index);
      }
    }
    const wanted: number[] = [];
    for (let p = firstPage; p <= Math.min(lastPage, maxPage); p++) {
      if ((!this.pages.has(p) || this.partial.has(p)) && !this.requested.has(p)) {
        this.requested.add(p);
        wanted.push(p);
      }
    }
    return wanted;
  }

  /** Index of a loaded run, or -1. */
  indexOf(runId: string): number {
    for (const [index, page] of this.pages) {
      const i = page.findIndex((r) => r.runId === runId);
      if (i >= 0) return index * this.pageSize + i;
    }
    return -1;
  }
}
