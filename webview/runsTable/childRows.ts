// Parent runs expanded in the runs table: their child runs are drawn right under them. The table's
// own rows (RowWindow, by index in the server's order) stay as they are; this maps what is drawn at
// a position of the grid ("display index") to a table row or to a child of an expanded parent.
// No DOM.
import type { RunsTableRow } from '../contract';

export type DisplayRow =
  /** The table's row at `index` (RowWindow's index). */
  | { kind: 'run'; index: number }
  /** A child run drawn under its expanded parent. */
  | { kind: 'child'; parentRunId: string; row: RunsTableRow; last: boolean };

interface Expansion {
  parentRunId: string;
  /** The parent's index among the table's rows. */
  at: number;
  children: RunsTableRow[];
}

export class ChildRows {
  /** Expanded parents, by their index among the table's rows. */
  private expansions: Expansion[] = [];
  /** Parents whose children were asked for and not answered yet (their index). */
  private readonly pending = new Map<string, number>();
  /** Runs read as having no child run (matching the filter): no expander. */
  readonly leaves = new Set<string>();

  /** Rows drawn on top of the table's own. */
  get extra(): number {
    let n = 0;
    for (const e of this.expansions) n += e.children.length;
    return n;
  }

  /** Expanded parents (and those being read), in table order. */
  get expanded(): string[] {
    return [...this.expansions.map((e) => e.parentRunId), ...this.pending.keys()];
  }

  isOpen(parentRunId: string): boolean {
    return this.pending.has(parentRunId) || this.expansions.some((e) => e.parentRunId === parentRunId);
  }

  /** Some parent's children are still being read. */
  get reading(): boolean {
    return this.pending.size > 0;
  }

  isPending(parentRunId: string): boolean {
    return this.pending.has(parentRunId);
  }

  /** The parent at table index `at` is being expanded: its children are asked for. */
  request(parentRunId: string, at: number): void {
    this.pending.set(parentRunId, at);
  }

  /** The children came: drawn under the parent (false when the parent was collapsed meanwhile, or has none). */
  receive(parentRunId: string, children: RunsTableRow[]): boolean {
    const at = this.pending.get(parentRunId);
    if (at === undefined) return false;
    this.pending.delete(parentRunId);
    if (children.length === 0) {
      this.leaves.add(parentRunId);
      return false;
    }
    this.expansions = [...this.expansions.filter((e) => e.parentRunId !== parentRunId), { parentRunId, at, children }].sort((a, b) => a.at - b.at);
    return true;
  }

  collapse(parentRunId: string): void {
    this.pending.delete(parentRunId);
    this.expansions = this.expansions.filter((e) => e.parentRunId !== parentRunId);
  }

  /** A new query: the table's rows are others. */
  clear(): void {
    this.expansions = [];
    this.pending.clear();
    this.leaves.clear();
  }

  /** Replaces child rows read again (running runs). */
  update(rows: readonly RunsTableRow[]): boolean {
    const byId = new Map(rows.map((r) => [r.runId, r]));
    let changed = false;
    for (const e of this.expansions) {
      e.children = e.children.map((c) => {
        const fresh = byId.get(c.runId);
        if (fresh) changed = true;
        return fresh ?? c;
      });
    }
    return changed;
  }

  /** What is drawn at display position `display`. */
  at(display: number): DisplayRow {
    let offset = 0;
    for (const e of this.expansions) {
      const parent = e.at + offset;
      if (display <= parent) break;
      if (display <= parent + e.children.length) {
        const i = display - parent - 1;
        return { kind: 'child', parentRunId: e.parentRunId, row: e.children[i], last: i === e.children.length - 1 };
      }
      offset += e.children.length;
    }
    return { kind: 'run', index: display - offset };
  }

  /** The display position of the table's row `index`. */
  displayOf(index: number): number {
    let offset = 0;
    for (const e of this.expansions) {
      if (e.at >= index) break;
      offset += e.children.length;
    }
    return index + offset;
  }

  /** The table's rows drawn between two display positions (a child counts as its parent). */
  tableRange(firstDisplay: number, lastDisplay: number): [number, number] {
    const index = (d: number) => {
      const r = this.at(d);
      return r.kind === 'run' ? r.index : (this.expansions.find((e) => e.parentRunId === r.parentRunId)?.at ?? 0);
    };
    return [index(firstDisplay), index(lastDisplay)];
  }
}
