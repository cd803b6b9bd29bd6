export type Severity = 'error' | 'warning' | 'info';

/** UTF-16 offsets into the document text; `end` is exclusive. */
export interface TextRange {
  start: number;
  end: number;
}

/** Text edits in the same file. */
export interface ValidationFix {
  title: string;
  edits: { range: TextRange; newText: string }[];
  isPreferred?: boolean;
}

/** A fix that creates a file. */
export interface FileCreation {
  title: string;
  /** Absolute path. */
  path: string;
  content: string;
}

export interface ValidationDiagnostic {
  /** e.g. 'mlproject/unknown-key' */
  code: string;
  severity: Severity;
  message: string;
  range: TextRange;
  fixes?: ValidationFix[];
  createFile?: FileCreation;
}

/** Line starts of one text, computed once, so many offset look-ups cost a binary search each. */
export class LineIndex {
  private readonly starts: number[];

  constructor(readonly text: string) {
    const starts = [0];
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    this.starts = starts;
  }

  get lineCount(): number {
    return this.starts.length;
  }

  /** 0-based line and column (UTF-16 units) of an offset; offsets outside the text are clamped. */
  lineColumn(offset: number): { line: number; column: number } {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, column: o - this.starts[lo] };
  }

  /** Offset of a 0-based line start (clamped). */
  lineStart(line: number): number {
    return this.starts[Math.max(0, Math.min(line, this.starts.length - 1))];
  }
}

let lastIndex: LineIndex | undefined;

/** 0-based line/column; reuses the index of the last text asked about, so loops over one text stay fast. */
export function offsetToLineColumn(text: string, offset: number): { line: number; column: number } {
  if (!lastIndex || lastIndex.text !== text) lastIndex = new LineIndex(text);
  return lastIndex.lineColumn(offset);
}

/** Applies a fix's edits to a text (edits must not overlap); used by tests and the CLI. */
export function applyEdits(text: string, edits: { range: TextRange; newText: string }[]): string {
  const sorted = [...edits].sort((a, b) => b.range.start - a.range.start || b.range.end - a.range.end);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.range.start) + e.newText + out.slice(e.range.end);
  return out;
}

/** Keeps a range inside [0, length] with start <= end, whatever a rule computed. */
export function clampRange(range: TextRange, length: number): TextRange {
  const start = Math.max(0, Math.min(Number.isFinite(range.start) ? range.start : 0, length));
  const end = Math.max(start, Math.min(Number.isFinite(range.end) ? range.end : start, length));
  return { start, end };
}
