import { Bail, bail, resolvePlain } from './yamlScalars';
import { parseYamlWithLibrary, type ParsedYaml, type YMap, type YNode, type YScalar, type YSeq } from './yamlTree';

/**
 * A fast parser for the block-YAML subset that MLproject and environment files are written in
 * (block maps and sequences, one-line plain/quoted scalars and flow collections, comments). It is
 * ~10x cheaper than building the `yaml` package's document, which matters for large MLproject files
 * validated on every keystroke. Anything outside the subset (anchors, tags, block scalars,
 * multi-line scalars or flow collections, directives, tabs, syntax errors) makes it give up, and the
 * `yaml` package parses the text instead, so results never depend on which parser ran.
 */
export function parseYaml(text: string): ParsedYaml {
  const fast = parseBlockSubset(text);
  return fast ? { root: fast, errors: [] } : parseYamlWithLibrary(text);
}

const DOUBLE_ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  '\t': '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\x85',
  _: '\xa0',
  L: '\u2028',
  P: '\u2029',
};

/** The fast path alone: undefined when the text is outside the subset (exported for tests). */
export function parseBlockSubset(text: string): YNode | null | undefined {
  try {
    return new FastParser(text).parseDocument();
  } catch (e) {
    if (e instanceof Bail) return undefined;
    throw e;
  }
}

class FastParser {
  /** Start offset of the current line (the next one to read). */
  private lineStart = 0;
  private readonly n: number;

  constructor(private readonly text: string) {
    this.n = text.length;
    if (text.charCodeAt(0) === 0xfeff) bail();
    // A lone CR is a line break to YAML but not to this parser's line scanning: leave it to the library.
    for (let r = text.indexOf('\r'); r !== -1; r = text.indexOf('\r', r + 1)) if (text.charCodeAt(r + 1) !== 10) bail();
  }

  parseDocument(): YNode | null {
    this.skipBlankLines();
    if (this.lineStart >= this.n) return null;
    const indent = this.indentOf(this.lineStart);
    if (indent !== 0) bail();
    const first = this.text.charCodeAt(this.lineStart);
    // Directives, document markers, block scalars, anchors, tags, complex keys: not in the subset.
    if (first === 37 /* % */ || this.text.startsWith('---', this.lineStart) || this.text.startsWith('...', this.lineStart)) bail();
    let node: YNode;
    if (first === 123 || first === 91) {
      // A one-line flow collection as the whole document ({name: x, entry_points: {...}}).
      node = this.parseInline(this.lineStart, false);
      this.finishLine(node.end);
    } else node = this.parseBlockAt(0);
    this.skipBlankLines();
    if (this.lineStart < this.n) bail();
    return node;
  }

  /** Offset where the line's content starts (after spaces); bails on tabs in indentation. */
  private indentOf(lineStart: number): number {
    let i = lineStart;
    const t = this.text;
    while (i < this.n && t.charCodeAt(i) === 32) i++;
    if (t.charCodeAt(i) === 9) bail();
    return i - lineStart;
  }

  /** The last line end found, so the many scalars of one long line (a flow map) do not each search to its end. */
  private eolFrom = -1;
  private eol = -1;

  private lineEnd(from: number): number {
    if (from >= this.eolFrom && from <= this.eol) return this.eol;
    const nl = this.text.indexOf('\n', from);
    this.eolFrom = from;
    this.eol = nl === -1 ? this.n : nl;
    return this.eol;
  }

  private nextLine(from: number): number {
    const nl = this.text.indexOf('\n', from);
    return nl === -1 ? this.n : nl + 1;
  }

  /** Moves lineStart past empty and comment-only lines. */
  private skipBlankLines(): void {
    const t = this.text;
    while (this.lineStart < this.n) {
      let i = this.lineStart;
      while (i < this.n && t.charCodeAt(i) === 32) i++;
      let c = t.charCodeAt(i);
      if (c === 9) {
        // Whether a tab on an otherwise blank line is an indentation error depends on context
        // ("a:\n\t\nb: 1" is one, "a: 1\n\t# c" is not): leave such lines to the library.
        while (i < this.n && (t.charCodeAt(i) === 32 || t.charCodeAt(i) === 9)) i++;
        c = t.charCodeAt(i);
        if (c !== 35) bail();
      }
      if (i >= this.n || c === 10 || c === 35 /* # */ || (c === 13 && t.charCodeAt(i + 1) === 10)) this.lineStart = this.nextLine(i);
      else {
        // "---" / "..." at column 0 end the document (or start another): not in the subset.
        if (i === this.lineStart && (c === 45 || c === 46) && (t.startsWith('---', i) || t.startsWith('...', i))) bail();
        return;
      }
    }
  }

  private isSeqItemAt(i: number): boolean {
    const t = this.text;
    if (t.charCodeAt(i) !== 45) return false;
    const c = t.charCodeAt(i + 1);
    return i + 1 >= this.n || c === 32 || c === 10 || c === 13;
  }

  private parseBlockAt(indent: number): YMap | YSeq {
    const at = this.lineStart + indent;
    return this.isSeqItemAt(at) ? this.parseSeq(indent) : this.parseMap(indent, at);
  }

  /** After a value on a line: only spaces and a comment may follow; returns the next line start. */
  private finishLine(i: number): void {
    const t = this.text;
    while (i < this.n && t.charCodeAt(i) === 32) i++;
    const c = t.charCodeAt(i);
    if (i < this.n && c !== 10 && !(c === 13 && t.charCodeAt(i + 1) === 10) && c !== 35) bail();
    if (c === 35 && t.charCodeAt(i - 1) !== 32) bail();
    this.lineStart = this.nextLine(i);
  }

  /** A block map whose first key starts at `firstKey` (possibly after "- "), others at `indent`. */
  private parseMap(indent: number, firstKey: number): YMap {
    const items: YMap['items'] = [];
    let keyAt = firstKey;
    let end = firstKey;
    for (;;) {
      const key = this.parseKey(keyAt);
      let i = key.after;
      const t = this.text;
      while (i < this.n && t.charCodeAt(i) === 32) i++;
      const c = t.charCodeAt(i);
      let value: YNode | null;
      if (i >= this.n || c === 10 || c === 35 || (c === 13 && t.charCodeAt(i + 1) === 10)) {
        if (c === 35 && t.charCodeAt(i - 1) !== 32) bail();
        this.lineStart = this.nextLine(i);
        this.skipBlankLines();
        value = null;
        if (this.lineStart < this.n) {
          const childIndent = this.indentOf(this.lineStart);
          if (childIndent > indent) value = this.parseBlockAt(childIndent);
          else if (childIndent === indent && this.isSeqItemAt(this.lineStart + indent)) value = this.parseSeq(indent);
        }
      } else {
        value = this.parseInline(i, false);
        this.finishLine(value.end);
      }
      items.push({ key: key.node, value });
      end = this.lineStart;
      this.skipBlankLines();
      if (this.lineStart >= this.n) break;
      const next = this.indentOf(this.lineStart);
      if (next > indent) bail(); // a continuation line or bad indentation
      if (next < indent) break;
      keyAt = this.lineStart + indent;
      if (this.isSeqItemAt(keyAt)) break; // the parent (a map value at the same indent) decides
    }
    return { kind: 'map', flow: false, items, start: firstKey, end: Math.min(end, this.n) };
  }

  private parseSeq(indent: number): YSeq {
    const items: YSeq['items'] = [];
    const start = this.lineStart + indent;
    let end = start;
    for (;;) {
      const dash = this.lineStart + indent;
      let i = dash + 1;
      const t = this.text;
      while (i < this.n && t.charCodeAt(i) === 32) i++;
      const c = t.charCodeAt(i);
      if (i >= this.n || c === 10 || c === 35 || (c === 13 && t.charCodeAt(i + 1) === 10)) {
        if (c === 35 && t.charCodeAt(i - 1) !== 32) bail();
        this.lineStart = this.nextLine(i);
        this.skipBlankLines();
        let value: YNode | null = null;
        if (this.lineStart < this.n) {
          const childIndent = this.indentOf(this.lineStart);
          if (childIndent > indent) value = this.parseBlockAt(childIndent);
        }
        items.push(value);
      } else if (this.isSeqItemAt(i)) {
        items.push(this.parseSeq(i - this.lineStart)); // "- - x": a nested sequence at this column
      } else if (this.looksLikeKey(i)) {
        items.push(this.parseMap(i - this.lineStart, i));
      } else {
        const value = this.parseInline(i, false);
        this.finishLine(value.end);
        items.push(value);
      }
      end = this.lineStart;
      this.skipBlankLines();
      if (this.lineStart >= this.n) break;
      const next = this.indentOf(this.lineStart);
      if (next > indent) bail();
      if (next < indent || !this.isSeqItemAt(this.lineStart + indent)) break;
    }
    return { kind: 'seq', flow: false, items, start, end: Math.min(end, this.n) };
  }

  /** Whether the character at i may follow "-", "?" or ":" at the start of a plain scalar (ns-plain-safe). */
  private isPlainSafe(i: number, inFlow: boolean): boolean {
    if (i >= this.n) return false;
    const c = this.text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 0xfeff) return false;
    return !(inFlow && (c === 44 || c === 91 || c === 93 || c === 123 || c === 125));
  }

  /** Whether the text at i is `key:` (followed by space or end of line) on this line. */
  private looksLikeKey(i: number): boolean {
    const t = this.text;
    const c = t.charCodeAt(i);
    if (c === 34 || c === 39) {
      const q = c === 34 ? this.parseDouble(i) : this.parseSingle(i);
      let j = q.end;
      while (t.charCodeAt(j) === 32) j++;
      return t.charCodeAt(j) === 58;
    }
    if (c === 123 || c === 91) return false;
    const eol = this.lineEnd(i);
    for (let j = i; j < eol; j++) {
      const d = t.charCodeAt(j);
      if (d === 35 && t.charCodeAt(j - 1) === 32) return false;
      if (d === 58) {
        const e = t.charCodeAt(j + 1);
        if (j + 1 >= eol || e === 32 || e === 13) return true;
      }
    }
    return false;
  }

  private parseKey(i: number): { node: YScalar; after: number } {
    const t = this.text;
    const c = t.charCodeAt(i);
    let node: YScalar;
    if (c === 34 || c === 39) {
      node = c === 34 ? this.parseDouble(i) : this.parseSingle(i);
      let j = node.end;
      while (t.charCodeAt(j) === 32) j++;
      if (t.charCodeAt(j) !== 58) bail();
      const e = t.charCodeAt(j + 1);
      if (j + 1 < this.n && e !== 32 && e !== 10 && e !== 13) bail(); // "key":value is flow-only
      return { node, after: j + 1 };
    }
    if (isIndicator(c) || ((c === 45 || c === 63 || c === 58) && !this.isPlainSafe(i + 1, false))) bail();
    const eol = this.lineEnd(i);
    for (let j = i; j < eol; j++) {
      const d = t.charCodeAt(j);
      if (d === 35 && t.charCodeAt(j - 1) === 32) break;
      if (d === 9) bail(); // tabs around keys: leave the whitespace rules to the library
      if (d === 58) {
        const e = t.charCodeAt(j + 1);
        if (j + 1 >= eol || e === 32 || e === 13) {
          let k = j;
          while (k > i && t.charCodeAt(k - 1) === 32) k--;
          if (k === i) bail();
          const raw = t.slice(i, k);
          return { node: { kind: 'scalar', value: resolvePlain(raw), style: 'plain', start: i, end: k }, after: j + 1 };
        }
      }
    }
    return bail();
  }

  /** A value on one line: quoted or plain scalar, or a flow collection. */
  private parseInline(i: number, inFlow: boolean): YNode {
    const t = this.text;
    const c = t.charCodeAt(i);
    if (c === 34) return this.parseDouble(i);
    if (c === 39) return this.parseSingle(i);
    if (c === 123) return this.parseFlowMap(i);
    if (c === 91) return this.parseFlowSeq(i);
    // "-", "?" and ":" start a plain scalar only when a "safe" character follows; otherwise they are
    // indicators (a sequence entry, an explicit key, a value) even at the end of a line or before "]".
    if (isIndicator(c) || ((c === 45 || c === 63 || c === 58) && !this.isPlainSafe(i + 1, inFlow))) bail();
    const eol = this.lineEnd(i);
    let j = i;
    let end = i;
    for (; j < eol; j++) {
      const d = t.charCodeAt(j);
      if (d === 35 && (t.charCodeAt(j - 1) === 32 || t.charCodeAt(j - 1) === 9)) break;
      if (d === 58) {
        const e = t.charCodeAt(j + 1);
        if (j + 1 >= eol || e === 32 || e === 13 || (inFlow && (e === 44 || e === 93 || e === 125))) {
          if (inFlow) break;
          bail(); // "a: b: c"
        }
      }
      if (inFlow && (d === 44 || d === 93 || d === 125 || d === 91 || d === 123)) break;
      if (d === 9) bail();
      if (d !== 32 && d !== 13) end = j + 1;
    }
    if (end === i) bail();
    const raw = t.slice(i, end);
    return { kind: 'scalar', value: resolvePlain(raw), style: 'plain', start: i, end };
  }

  private parseSingle(i: number): YScalar {
    const t = this.text;
    const eol = this.lineEnd(i);
    let j = i + 1;
    let out = '';
    for (;;) {
      const k = t.indexOf("'", j);
      if (k === -1 || k >= eol) bail();
      out += t.slice(j, k);
      if (t.charCodeAt(k + 1) === 39) {
        out += "'";
        j = k + 2;
        continue;
      }
      return { kind: 'scalar', value: out, style: 'single', start: i, end: k + 1 };
    }
  }

  private parseDouble(i: number): YScalar {
    const t = this.text;
    const eol = this.lineEnd(i);
    let j = i + 1;
    let out = '';
    let chunk = j;
    for (; j < eol; j++) {
      const c = t.charCodeAt(j);
      if (c === 34) {
        out += t.slice(chunk, j);
        return { kind: 'scalar', value: out, style: 'double', start: i, end: j + 1 };
      }
      if (c === 92) {
        out += t.slice(chunk, j);
        const e = t[j + 1];
        if (e === 'x' || e === 'u' || e === 'U') {
          const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
          const hex = t.slice(j + 2, j + 2 + len);
          if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) bail();
          out += String.fromCodePoint(parseInt(hex, 16));
          j += 1 + len;
        } else if (e !== undefined && e in DOUBLE_ESCAPES) {
          out += DOUBLE_ESCAPES[e];
          j += 1;
        } else bail();
        chunk = j + 1;
      }
    }
    return bail();
  }

  private skipFlowSpace(i: number): number {
    const t = this.text;
    while (t.charCodeAt(i) === 32) i++;
    const c = t.charCodeAt(i);
    if (i >= this.n || c === 10 || c === 13 || c === 35 || c === 9) bail(); // multi-line flow or comments inside
    return i;
  }

  private parseFlowSeq(start: number): YSeq {
    const t = this.text;
    const items: YSeq['items'] = [];
    let i = this.skipFlowSpace(start + 1);
    if (t.charCodeAt(i) === 93) return { kind: 'seq', flow: true, items, start, end: i + 1 };
    for (;;) {
      const c = t.charCodeAt(i);
      if (c === 44 || c === 93) bail();
      // A single "key: value" pair inside [...] is a one-pair map in YAML: not in the subset.
      const item = this.parseInline(i, true);
      i = this.skipFlowSpace(item.end);
      if (t.charCodeAt(i) === 58) bail();
      items.push(item);
      const d = t.charCodeAt(i);
      if (d === 93) return { kind: 'seq', flow: true, items, start, end: i + 1 };
      if (d !== 44) bail();
      i = this.skipFlowSpace(i + 1);
      if (t.charCodeAt(i) === 93) return { kind: 'seq', flow: true, items, start, end: i + 1 };
    }
  }

  private parseFlowMap(start: number): YMap {
    const t = this.text;
    const items: YMap['items'] = [];
    let i = this.skipFlowSpace(start + 1);
    if (t.charCodeAt(i) === 125) return { kind: 'map', flow: true, items, start, end: i + 1 };
    for (;;) {
      const c = t.charCodeAt(i);
      if (c === 44 || c === 125 || c === 123 || c === 91 || c === 63) bail();
      const key = this.parseInline(i, true);
      if (key.kind !== 'scalar') bail();
      i = this.skipFlowSpace(key.end);
      let value: YNode | null = null;
      if (t.charCodeAt(i) === 58) {
        const e = t.charCodeAt(i + 1);
        // JSON-like "key":value is allowed after a quoted key only.
        if (e !== 32 && e !== 44 && e !== 125 && (key as YScalar).style === 'plain') bail();
        i = this.skipFlowSpace(i + 1);
        const d = t.charCodeAt(i);
        if (d !== 44 && d !== 125) {
          value = this.parseInline(i, true);
          i = this.skipFlowSpace(value.end);
        }
      }
      items.push({ key: key as YScalar, value });
      const d = t.charCodeAt(i);
      if (d === 125) return { kind: 'map', flow: true, items, start, end: i + 1 };
      if (d !== 44) bail();
      i = this.skipFlowSpace(i + 1);
      if (t.charCodeAt(i) === 125) return { kind: 'map', flow: true, items, start, end: i + 1 };
    }
  }
}

/** Characters that cannot start a plain scalar (besides "-", "?", ":" followed by a space). */
function isIndicator(c: number): boolean {
  // , [ ] { } # & * ! | > ' " % @ `
  return (
    c === 44 ||
    c === 91 ||
    c === 93 ||
    c === 123 ||
    c === 125 ||
    c === 35 ||
    c === 38 ||
    c === 42 ||
    c === 33 ||
    c === 124 ||
    c === 62 ||
    c === 39 ||
    c === 34 ||
    c === 37 ||
    c === 64 ||
    c === 96
  );
}
