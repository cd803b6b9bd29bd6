// YAML 1.1 scalar resolution as PyYAML (and so MLflow) does it.
/** Thrown when a text leaves the subset the fast path handles. */
export class Bail extends Error {}
export const bail = (): never => {
  throw new Bail();
};

const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);
const TRUES = new Set(['yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const FALSES = new Set(['no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);

/** YAML 1.1 resolution of a plain scalar, as PyYAML does it; exotic numbers make the fast path give up. */
export function resolvePlain(s: string): string | number | boolean | null {
  const c = s.charCodeAt(0);
  if (NULLS.has(s)) return null;
  if ((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46) {
    if (/^[-+]?(?:0|[1-9]\d*)$/.test(s)) return Number(s);
    if (/^[-+]?\d+\.\d*$|^[-+]?\.\d+$/.test(s)) return Number(s);
    // Octal, hex, binary, sexagesimal, underscores, exponents, .inf/.nan, dates: leave them to the library.
    if (/^[-+]?(?:0[0-7_xob]|\.(?:inf|nan)|[\d_.]*[eE]|\d[\d_]*(?::[0-5]?\d)+|[\d.]*_)|^\d{4}-\d\d?-\d\d?/i.test(s)) bail();
    return s;
  }
  if (TRUES.has(s)) return true;
  if (FALSES.has(s)) return false;
  return s;
}

