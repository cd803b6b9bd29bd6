import { LineIndex, type Severity, type TextRange, type ValidationDiagnostic, type ValidationFix } from './diagnostic';
import { didYouMean } from './didYouMean';
import type { YMap, YNode, YPair, YScalar } from './yamlTree';
import { keyText } from './yamlTree';

/** Collects diagnostics for one document. */
export class Reporter {
  readonly diagnostics: ValidationDiagnostic[] = [];
  private lines?: LineIndex;

  constructor(readonly text: string) {}

  get lineIndex(): LineIndex {
    return (this.lines ??= new LineIndex(this.text));
  }

  add(code: string, severity: Severity, message: string, range: TextRange, extra?: Pick<ValidationDiagnostic, 'fixes' | 'createFile'>): ValidationDiagnostic {
    const d: ValidationDiagnostic = { code, severity, message, range: { start: range.start, end: range.end }, ...extra };
    this.diagnostics.push(d);
    return d;
  }
}

/**
 * Whether the document's root is a mapping, as every file the validators check must be; if not,
 * reports `code` as an error over the root (over the whole text when the document is empty), saying
 * `message(root)`.
 */
export function rootIsMapping(r: Reporter, root: YNode | null, code: string, message: (root: YNode | null) => string): root is YMap {
  if (root?.kind === 'map') return true;
  r.add(code, 'error', message(root), root ? rangeOf(root) : { start: 0, end: r.text.length });
  return false;
}

/** User text quoted in a message, cut to a readable length (a key or value may be 100 KB long). */
export function clip(s: string, max = 60): string {
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

export function rangeOf(node: { start: number; end: number }): TextRange {
  return { start: node.start, end: node.end };
}

/** The range of a key and its value, for messages about the whole entry. */
export function pairRange(pair: YPair): TextRange {
  return { start: pair.key.start, end: pair.value ? Math.max(pair.value.end, pair.key.end) : pair.key.end };
}

/**
 * Where character `index` of a scalar's value sits in the source, when the source spells the value
 * literally (plain or quoted on one line without escapes); otherwise the whole scalar.
 */
export function scalarSubRange(text: string, scalar: YScalar, index: number, length: number): TextRange {
  const value = String(scalar.value ?? '');
  const inner = scalar.style === 'single' || scalar.style === 'double' ? { s: scalar.start + 1, e: scalar.end - 1 } : { s: scalar.start, e: scalar.end };
  if (scalar.style !== 'block' && inner.e - inner.s === value.length && text.slice(inner.s, inner.e) === value) {
    return { start: inner.s + index, end: inner.s + index + length };
  }
  return rangeOf(scalar);
}

const pairIndexes = new WeakMap<YMap, Map<YPair, number>>();
/** The position of a pair in its map, from an index built once per map (a fix per pair stays linear). */
function indexOfPair(map: YMap, pair: YPair): number {
  let index = pairIndexes.get(map);
  if (!index) {
    index = new Map(map.items.map((p, i) => [p, i]));
    pairIndexes.set(map, index);
  }
  return index.get(pair) ?? -1;
}

/** An edit that removes a block-map entry together with its lines (or the entry text in a flow map). */
export function removePairFix(reporter: Reporter, map: YMap, pair: YPair, title: string): ValidationFix {
  const text = reporter.text;
  const idx = reporter.lineIndex;
  const end = pairRange(pair).end;
  if (map.flow) {
    const i = indexOfPair(map, pair);
    const next = map.items[i + 1];
    const prev = map.items[i - 1];
    const range = next ? { start: pair.key.start, end: next.key.start } : prev ? { start: pairRange(prev).end, end } : { start: pair.key.start, end };
    return { title, edits: [{ range, newText: '' }] };
  }
  const start = idx.lineStart(idx.lineColumn(pair.key.start).line);
  // The value's last character decides the last line (block values may end after a newline).
  let last = end;
  while (last > pair.key.end && (text[last - 1] === '\n' || text[last - 1] === '\r' || text[last - 1] === ' ')) last--;
  const nl = text.indexOf('\n', last);
  const stop = nl === -1 ? text.length : nl + 1;
  return { title, edits: [{ range: { start, end: stop }, newText: '' }] };
}

/** Warns about keys outside `known`, suggesting the nearest known key with a replace fix. */
export function checkKnownKeys(
  reporter: Reporter,
  map: YMap,
  known: readonly string[],
  code: string,
  where: string,
  consequence: string,
  listed: readonly string[] = known,
): void {
  const knownSet = new Set(known);
  const knownList = listed.join(', ');
  let unused: string[] | undefined;
  const suggestions = new Map<string, string>();
  for (const pair of map.items) {
    const k = keyText(pair.key);
    if (knownSet.has(k)) continue;
    // Known keys the map does not use yet, computed once per map (a map may hold 40,000 unknown keys).
    if (!unused) {
      const present = new Set(map.items.map((p) => p.key.value));
      unused = listed.filter((c) => !present.has(c));
    }
    let suggestion = suggestions.get(k);
    if (suggestion === undefined) {
      suggestion = didYouMean(k, unused) ?? '';
      suggestions.set(k, suggestion);
    }
    const fixes: ValidationFix[] = suggestion
      ? [{ title: `Change '${clip(k)}' to '${suggestion}'`, edits: [{ range: rangeOf(pair.key), newText: suggestion }], isPreferred: true }]
      : [];
    reporter.add(
      code,
      'warning',
      `Unknown key '${clip(k)}' in ${where}${suggestion ? `: did you mean '${suggestion}'?` : '.'} ${consequence} Known keys: ${knownList}.`,
      rangeOf(pair.key),
      fixes.length ? { fixes } : undefined,
    );
  }
}

/** Reports duplicate keys in every map of a tree: PyYAML keeps the last value without a word. */
export function checkDuplicateKeys(reporter: Reporter, node: YNode | null): void {
  if (!node || node.kind === 'scalar') return;
  if (node.kind === 'seq') {
    for (const i of node.items) checkDuplicateKeys(reporter, i);
    return;
  }
  if (node.items.length === 1) {
    checkDuplicateKeys(reporter, node.items[0].value);
    return;
  }
  // Most maps hold a few keys: a scan of the earlier ones is cheaper than a Map per map (a 5,000-line
  // file has thousands of small maps, re-checked on every edit); larger maps get a Map, so it stays linear.
  const seen = node.items.length > 8 ? new Map<string, YPair>() : undefined;
  const items = node.items;
  for (let i = 0; i < items.length; i++) {
    const pair = items[i];
    const k = keyText(pair.key);
    let first: YPair | undefined;
    if (seen) first = seen.get(k);
    else for (let j = 0; j < i && !first; j++) if (keyText(items[j].key) === k) first = items[j];
    if (first) {
      const idx = reporter.lineIndex;
      reporter.add(
        'yaml/duplicate-key',
        'warning',
        `Duplicate key '${clip(k)}' (first at line ${idx.lineColumn(first.key.start).line + 1}): MLflow's YAML loader keeps only the last value and ignores the earlier one. Remove or rename one of them.`,
        rangeOf(pair.key),
      );
    } else seen?.set(k, pair);
    checkDuplicateKeys(reporter, pair.value);
  }
}

export function isString(node: YNode | null): node is YScalar & { value: string } {
  return node != null && node.kind === 'scalar' && typeof node.value === 'string';
}

/** How a node is described in a message: its Python type and short source. */
export function describe(text: string, node: YNode | null): string {
  if (!node) return 'nothing (null)';
  const src = text.slice(node.start, node.end).trim();
  return src.length > 40 ? `${src.slice(0, 37)}...` : src || '(empty)';
}
