import type { CliIo } from './cliCommand';

/** Left-aligned columns, two spaces apart; the last column is not padded. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  return [line(header), ...rows.map(line)].map((l) => l.trimEnd()).join('\n');
}

/** A timestamp in ms as ISO 8601 to the second; empty when missing. */
export function isoTime(ms: number | string | undefined): string {
  if (ms === undefined || ms === '') return '';
  const n = Number(ms);
  return Number.isFinite(n) && n > 0 ? new Date(n).toISOString().replace(/\.\d{3}Z$/, 'Z') : '';
}

/**
 * A list command's answer: the items as JSON with `--format json`, else a table of a row per item, or
 * the sentence `none` when there are no items (without it, the table's header alone).
 */
export function printList<T>(io: CliIo, format: string, items: readonly T[], table: { header: string[]; row: (item: T) => string[]; none?: string }): void {
  if (format === 'json') return io.out(JSON.stringify(items, null, 2));
  if (items.length === 0 && table.none !== undefined) return io.out(table.none);
  io.out(formatTable(table.header, items.map(table.row)));
}
