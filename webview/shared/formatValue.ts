/** A number as the panels show it: integers as they are, others to 6 significant digits (exponent when tiny or huge), NaN and ±∞ by name, missing as ''. */
export function formatValue(value: number | undefined | null): string {
  if (value === undefined || value === null) return '';
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞';
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  const abs = Math.abs(value);
  return abs !== 0 && (abs < 1e-4 || abs >= 1e9) ? value.toExponential(4) : String(Number(value.toPrecision(6)));
}

/**
 * A count with its thousands grouped by commas, as the panels' English text has them: `12,345`.
 * Not toLocaleString: its first call loads the locale's number data, some 20 ms on the first paint.
 */
export function formatCount(count: number): string {
  const digits = String(Math.trunc(Math.abs(count)));
  let out = '';
  for (let end = digits.length; end > 0; end -= 3) out = digits.slice(Math.max(0, end - 3), end) + (out ? `,${out}` : '');
  return count < 0 ? `-${out}` : out;
}
