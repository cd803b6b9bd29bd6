// YAML 1.1 scalar resolution as PyYAML (and so MLflow) does it: the implicit resolvers of
// yaml/resolver.py, so `yes`/`on` are booleans, `1e-3` (no dot) is a string, `0777` is octal 511.
/** Thrown when a text leaves the subset the fast path handles. */
export class Bail extends Error {}
export const bail = (): never => {
  throw new Bail();
};

const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);
const TRUES = new Set(['yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const FALSES = new Set(['no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);

// PyYAML's resolver patterns; each part is read one way (no backtracking on long scalars).
const INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const FLOAT =
  /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const TIMESTAMP =
  /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/;

/** Python's int() of a sexagesimal/base-prefixed YAML 1.1 int, as PyYAML's construct_yaml_int. */
function yamlInt(s: string): number {
  let v = s.replace(/_/g, '');
  let sign = 1;
  if (v[0] === '-') sign = -1;
  if (v[0] === '-' || v[0] === '+') v = v.slice(1);
  if (v === '0') return 0;
  if (v.startsWith('0b')) return sign * parseInt(v.slice(2), 2);
  if (v.startsWith('0x')) return sign * parseInt(v.slice(2), 16);
  if (v[0] === '0') return sign * parseInt(v, 8);
  if (v.includes(':')) return sign * v.split(':').reduce((acc, d) => acc * 60 + Number(d), 0);
  return sign * Number(v);
}

function yamlFloat(s: string): number {
  let v = s.replace(/_/g, '').toLowerCase();
  let sign = 1;
  if (v[0] === '-') sign = -1;
  if (v[0] === '-' || v[0] === '+') v = v.slice(1);
  if (v === '.inf') return sign * Infinity;
  if (v === '.nan') return NaN;
  if (v.includes(':')) return sign * v.split(':').reduce((acc, d) => acc * 60 + Number(d), 0);
  return sign * Number(v);
}

/**
 * YAML 1.1 resolution of a plain scalar, as PyYAML does it. Timestamps stay text (the rules that
 * read these values want strings; PyYAML would give a date).
 */
export function resolvePlain(s: string): string | number | boolean | null {
  if (NULLS.has(s)) return null;
  const c = s.charCodeAt(0);
  if ((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46) {
    if (INT.test(s)) return yamlInt(s);
    if (FLOAT.test(s)) return yamlFloat(s);
    if (TIMESTAMP.test(s)) return s;
    return s;
  }
  if (TRUES.has(s)) return true;
  if (FALSES.has(s)) return false;
  return s;
}
