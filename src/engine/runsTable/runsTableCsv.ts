import { csvField } from '../compare/comparisonCsv';
import { cellValue, type RunsTableColumn, type RunsTableRow } from './runsTableColumns';

/**
 * The table as CSV (RFC 4180, CRLF), one row per run and one column per visible column, the run id
 * first. Cells go through the compare panel's csvField, so a value starting with = + - @ cannot run
 * as a spreadsheet formula. Times are ISO 8601 (UTC), durations seconds, metrics full precision.
 */
export function runsTableToCsv(
  columns: readonly RunsTableColumn[],
  rows: readonly RunsTableRow[],
  experimentNames?: Readonly<Record<string, string>>,
  now = Date.now(),
): string {
  const lines = [['run_id', ...columns.map((c) => c.id)].map(csvField).join(',')];
  for (const row of rows) {
    const cells = columns.map((c) => {
      const v = cellValue(row, c, experimentNames, now);
      if (v === undefined) return '';
      if (c.type === 'time') return new Date(Number(v)).toISOString();
      if (c.type === 'duration') return String(Number(v) / 1000);
      if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
      return v;
    });
    lines.push([row.runId, ...cells].map(csvField).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}
