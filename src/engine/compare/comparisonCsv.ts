import type { RunComparison } from './compareRuns';

export type CsvTable = 'params' | 'metrics' | 'tags' | 'all';

/**
 * The comparison as CSV (RFC 4180: CRLF, fields with quotes/commas/newlines quoted), one row per
 * key and one column per run. `all` puts every section in one table with a leading "section" column.
 * Metrics give the latest value, plus min and max columns per run when they are known.
 */
export function comparisonToCsv(comparison: RunComparison, table: CsvTable): string {
  const runNames = comparison.runs.map((r) => `${r.name} (${r.runId})`);
  const rows: string[][] = [];
  const sections = table === 'all' ? (['params', 'metrics', 'tags'] as const) : [table];
  const withSection = table === 'all';
  const hasExtremes = comparison.metrics.some((m) => m.min || m.max);
  const statColumn = withSection || (table === 'metrics' && hasExtremes);
  rows.push([...(withSection ? ['section'] : []), 'key', ...(statColumn ? ['stat'] : []), ...runNames]);
  for (const section of sections) {
    if (section === 'metrics') {
      for (const m of comparison.metrics) {
        const stats: [string, (number | undefined)[] | undefined][] = [['latest', m.latest]];
        if (hasExtremes) stats.push(['min', m.min], ['max', m.max]);
        for (const [stat, values] of stats) {
          const lead = withSection ? ['metrics', m.key] : [m.key];
          rows.push([...lead, ...(statColumn ? [stat] : []), ...comparison.runs.map((_, i) => formatNumber(values?.[i]))]);
        }
      }
    } else {
      for (const row of comparison[section]) {
        const lead = withSection ? [section, row.key] : [row.key];
        rows.push([...lead, ...(statColumn ? [''] : []), ...row.values.map((v) => v ?? '')]);
      }
    }
  }
  return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

function formatNumber(value: number | undefined): string {
  if (value === undefined) return '';
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return String(value);
}

/** A plain number as this module writes them (`-1.5`, `2e-7`, `-Infinity`): spreadsheets read it as a number, never as a formula. */
const PLAIN_NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$|^-?Infinity$/i;

/**
 * One CSV field (RFC 4180 quoting), neutralised against formula injection as OWASP recommends: a
 * value starting with `=`, `+`, `-`, `@`, a tab or a carriage return is what spreadsheets evaluate
 * (`=HYPERLINK(...)`, `-2+3+cmd|...`), so it gets a leading `'` and is kept as text. The one
 * exception is a plain negative number (`-0.25`, `-1e-5`, `-Infinity`): metrics and params are
 * often negative and must stay numbers; anything else after the `-` (`-1+1`, `-A1`) is neutralised.
 */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
