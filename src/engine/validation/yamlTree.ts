import { isMap, isPair, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import type { TextRange } from './diagnostic';
import { resolvePlain } from './yamlScalars';

/**
 * A small YAML tree with source offsets, independent of the parser that built it, so the rules do
 * not care whether the fast block parser or the `yaml` package produced it.
 */
export type YNode = YMap | YSeq | YScalar;

export interface YScalar {
  kind: 'scalar';
  /** Parsed with the YAML 1.1 schema, as PyYAML (and so MLflow) reads it. */
  value: string | number | boolean | null;
  /** 'plain' | 'single' | 'double' | 'block' */
  style: 'plain' | 'single' | 'double' | 'block';
  start: number;
  end: number;
}

export interface YPair {
  key: YScalar;
  /** null when the key has no value at all (`key:`); then MLflow sees None. */
  value: YNode | null;
}

export interface YMap {
  kind: 'map';
  flow: boolean;
  items: YPair[];
  start: number;
  end: number;
}

export interface YSeq {
  kind: 'seq';
  flow: boolean;
  items: (YNode | null)[];
  start: number;
  end: number;
}

export interface YamlSyntaxError {
  message: string;
  range: TextRange;
  code: string;
}

export interface ParsedYaml {
  root: YNode | null;
  errors: YamlSyntaxError[];
}

export function getPair(map: YMap, key: string): YPair | undefined {
  // The last one wins, as in PyYAML.
  for (let i = map.items.length - 1; i >= 0; i--) if (map.items[i].key.value === key) return map.items[i];
  return undefined;
}

export function keyText(key: YScalar): string {
  return key.value === null ? 'null' : String(key.value);
}

/** Python's type name for a node, for messages that quote MLflow's TypeErrors. */
export function pythonTypeName(node: YNode | null): string {
  if (!node) return 'NoneType';
  if (node.kind === 'map') return 'dict';
  if (node.kind === 'seq') return 'list';
  const v = node.value;
  if (v === null) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) && !/[.eE]|inf|nan/i.test(String(v)) ? 'int' : 'float';
  return 'str';
}

function scalarStyle(type: string | undefined): YScalar['style'] {
  if (type === 'QUOTE_SINGLE') return 'single';
  if (type === 'QUOTE_DOUBLE') return 'double';
  if (type === 'BLOCK_LITERAL' || type === 'BLOCK_FOLDED') return 'block';
  return 'plain';
}

function convert(node: unknown, fallbackAt: number): YNode | null {
  if (node == null) return null;
  const n = node as YamlNode;
  const range = n.range ?? [fallbackAt, fallbackAt, fallbackAt];
  if (isMap(n)) {
    const items: YPair[] = [];
    for (const p of n.items) {
      if (!isPair(p)) continue;
      const k = convert(p.key, range[0]);
      const key: YScalar =
        k && k.kind === 'scalar'
          ? k
          : { kind: 'scalar', value: k ? JSON.stringify(k.kind) : null, style: 'plain', start: k?.start ?? range[0], end: k?.end ?? range[0] };
      items.push({ key, value: convert(p.value, key.end) });
    }
    return { kind: 'map', flow: Boolean(n.flow), items, start: range[0], end: range[1] };
  }
  if (isSeq(n)) {
    return { kind: 'seq', flow: Boolean(n.flow), items: n.items.map((i) => convert(i, range[0])), start: range[0], end: range[1] };
  }
  if (isScalar(n)) {
    const v = n.value;
    // An absent value (`key:`) has an empty range: keep it as null so rules point at the key.
    if (v === null && range[0] === range[1]) return null;
    let value = v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : String(v);
    // Plain scalars are resolved as PyYAML does (the yaml package's 1.1 schema also takes y/n as
    // booleans and "1e3" as a float, which PyYAML reads as text).
    if (n.type === 'PLAIN' && typeof n.source === 'string') value = resolvePlain(n.source);
    return { kind: 'scalar', value, style: scalarStyle(n.type), start: range[0], end: range[1] };
  }
  // Aliases and other nodes: keep the position, treat as an opaque string.
  return { kind: 'scalar', value: String((n as { source?: unknown }).source ?? ''), style: 'plain', start: range[0], end: range[1] };
}

/** Parses with the `yaml` package (YAML 1.1 schema, duplicate keys allowed as PyYAML does). */
export function parseYamlWithLibrary(text: string): ParsedYaml {
  const doc = parseDocument(text, { version: '1.1', uniqueKeys: false, prettyErrors: false, strict: false });
  const errors = doc.errors.map((e) => ({
    message: e.message.split('\n')[0],
    range: { start: e.pos[0], end: Math.max(e.pos[1], e.pos[0]) },
    code: e.code,
  }));
  return { root: convert(doc.contents, 0), errors };
}
