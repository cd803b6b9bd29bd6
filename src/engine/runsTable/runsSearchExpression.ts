// MLflow's run search syntax, written from the table's state: per-column filters compiled to
// comparisons (`metrics.val_loss < 0.3`, `params.lr = '0.01'`, `attributes.status IN ('RUNNING')`),
// the run-name search, the starred runs, and order_by keys (`metrics.x DESC`). MLflow joins
// comparisons with AND only (no OR, no parentheses); keys that are not plain words go in backticks,
// string values in quotes (mlflow/utils/search_utils.py). No imports: the webview bundle includes this
// file to show the compiled expression as the user types.
import type { ColumnType, RunsTableColumn } from './runsTableColumns';

export type FilterOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE' | 'ILIKE' | 'contains';

export interface ColumnFilter {
  columnId: string;
  op: FilterOp;
  /** What the user typed. */
  value: string;
}

export interface SortKey {
  columnId: string;
  descending: boolean;
}

export type Compiled = { ok: true; expression: string } | { ok: false; error: string };

const ENTITY: Record<RunsTableColumn['kind'], string> = { attribute: 'attributes', param: 'params', metric: 'metrics', tag: 'tags' };

/** The operators a column of this kind and type accepts, as MLflow's search does. */
export function operatorsFor(column: Pick<RunsTableColumn, 'kind' | 'type'>): FilterOp[] {
  if (column.kind === 'metric' || column.type === 'time') return ['<', '<=', '>', '>=', '=', '!='];
  // MLflow takes IN (a list) for run_id only.
  if (column.type === 'status') return ['=', '!='];
  return ['contains', '=', '!=', 'LIKE', 'ILIKE'];
}

/** `metrics.val_loss`, or ``params.`learning rate` `` when the key is not a plain word (MLflow's quoting). */
export function searchIdentifier(column: Pick<RunsTableColumn, 'kind' | 'key'>): string {
  const entity = ENTITY[column.kind];
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(column.key)) return `${entity}.${column.key}`;
  if (column.key.includes('`')) {
    if (column.key.includes('"'))
      throw new Error(`The key ${JSON.stringify(column.key)} has both a backtick and a double quote: MLflow's search syntax cannot name it.`);
    return `${entity}."${column.key}"`;
  }
  return `${entity}.\`${column.key}\``;
}

/** A string value in quotes: single, or double when it holds a single quote (MLflow has no escapes). */
export function quoteValue(value: string): string {
  if (!value.includes("'")) return `'${value}'`;
  if (!value.includes('"')) return `"${value}"`;
  throw new Error(`The value ${JSON.stringify(value)} has both kinds of quotes: MLflow's search syntax cannot write it.`);
}

/** A time typed as a date ("2026-11-24", "2026-11-24 13:05") or as epoch milliseconds. */
function parseTime(text: string): number | undefined {
  const t = text.trim();
  if (/^\d{10,}$/.test(t)) return Number(t);
  const iso = /^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$/.test(t) ? t.replace(' ', 'T') : undefined;
  if (!iso) return undefined;
  const ms = new Date(iso).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

function parseNumber(text: string): number | undefined {
  const t = text.trim();
  if (t === '' || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return undefined;
  return Number(t);
}

/** One column filter as an MLflow comparison, or why it cannot be one. */
export function compileColumnFilter(column: RunsTableColumn, filter: ColumnFilter): Compiled {
  try {
    if (!column.filterable) return { ok: false, error: `${column.label}: the server cannot filter by this column.` };
    if (!operatorsFor(column).includes(filter.op)) {
      return { ok: false, error: `${column.label}: "${filter.op}" does not apply; use one of ${operatorsFor(column).join(', ')}.` };
    }
    const id = searchIdentifier(column);
    const raw = filter.value.trim();
    if (raw === '') return { ok: false, error: `${column.label}: type a value to compare with.` };
    const type: ColumnType = column.type;
    if (column.kind === 'metric') {
      const n = parseNumber(raw);
      if (n === undefined) return { ok: false, error: `${column.label}: "${raw}" is not a number (metrics compare with numbers, e.g. 0.3 or 1e-4).` };
      return { ok: true, expression: `${id} ${filter.op} ${raw}` };
    }
    if (type === 'time') {
      const ms = parseTime(raw);
      if (ms === undefined) return { ok: false, error: `${column.label}: "${raw}" is not a date (YYYY-MM-DD, YYYY-MM-DD HH:MM) or epoch milliseconds.` };
      return { ok: true, expression: `${id} ${filter.op} ${ms}` };
    }
    if (filter.op === 'contains') return { ok: true, expression: `${id} ILIKE ${quoteValue(`%${raw}%`)}` };
    return { ok: true, expression: `${id} ${filter.op} ${quoteValue(type === 'status' ? raw.toUpperCase() : raw)}` };
  } catch (err) {
    return { ok: false, error: `${column.label}: ${err instanceof Error ? err.message : String(err)}` };
  }
}

export interface TableQueryText {
  /** The user's own search expression, taken as is. */
  expression?: string;
  columnFilters?: readonly ColumnFilter[];
  /** Part of a run name (case-insensitive). */
  runName?: string;
  /** Only these runs (the starred ones). */
  runIds?: readonly string[];
  /** Only the children of this run (MLflow's `mlflow.parentRunId` tag): a parent's expanded rows. */
  parentRunId?: string;
  /** Only child runs (those with a `mlflow.parentRunId` tag): to learn which runs are parents. */
  childrenOnly?: boolean;
}

/**
 * The one filter string sent to runs/search: the typed expression, then each column filter, the
 * run-name search and the starred runs, joined with AND. Column filters that do not compile are
 * left out and returned in `errors` (keyed by column id), so the rest still applies.
 */
export function compileTableFilter(columns: readonly RunsTableColumn[], q: TableQueryText): { filter: string; errors: Record<string, string> } {
  const parts: string[] = [];
  const errors: Record<string, string> = {};
  const typed = q.expression?.trim();
  if (typed) parts.push(typed);
  const byId = new Map(columns.map((c) => [c.id, c]));
  for (const f of q.columnFilters ?? []) {
    const column = byId.get(f.columnId) ?? columnFromId(f.columnId);
    if (!column) {
      errors[f.columnId] = `No column ${f.columnId}.`;
      continue;
    }
    const compiled = compileColumnFilter(column, f);
    if (compiled.ok) parts.push(compiled.expression);
    else errors[f.columnId] = compiled.error;
  }
  const name = q.runName?.trim();
  if (name) {
    try {
      parts.push(`attributes.run_name ILIKE ${quoteValue(`%${name}%`)}`);
    } catch (err) {
      errors['attributes.run_name'] = err instanceof Error ? err.message : String(err);
    }
  }
  if (q.runIds) parts.push(`attributes.run_id IN (${q.runIds.map(quoteValue).join(', ')})`);
  if (q.parentRunId) parts.push(`${searchIdentifier({ kind: 'tag', key: 'mlflow.parentRunId' })} = ${quoteValue(q.parentRunId)}`);
  if (q.childrenOnly) parts.push(`${searchIdentifier({ kind: 'tag', key: 'mlflow.parentRunId' })} IS NOT NULL`);
  return { filter: parts.join(' AND '), errors };
}

/** A column of a param/metric/tag id (`metrics.loss`) not (yet) seen in the loaded runs. */
export function columnFromId(id: string): RunsTableColumn | undefined {
  const match = /^(params|metrics|tags)\.(.+)$/.exec(id);
  if (!match) return undefined;
  const kind = ({ params: 'param', metrics: 'metric', tags: 'tag' } as const)[match[1] as 'params' | 'metrics' | 'tags'];
  return { id, kind, key: match[2], label: match[2], type: kind === 'metric' ? 'number' : 'text', sortable: true, filterable: true };
}

/** order_by for runs/search: one `<identifier> [DESC]` per key, in order; start time (newest first) last as the tie-breaker. */
export function compileOrderBy(columns: readonly RunsTableColumn[], keys: readonly SortKey[]): { orderBy: string[]; errors: Record<string, string> } {
  const orderBy: string[] = [];
  const errors: Record<string, string> = {};
  const byId = new Map(columns.map((c) => [c.id, c]));
  for (const key of keys) {
    const column = byId.get(key.columnId) ?? columnFromId(key.columnId);
    if (!column?.sortable) {
      errors[key.columnId] = `${column?.label ?? key.columnId}: the server cannot sort by this column.`;
      continue;
    }
    try {
      orderBy.push(`${searchIdentifier(column)}${key.descending ? ' DESC' : ''}`);
    } catch (err) {
      errors[key.columnId] = err instanceof Error ? err.message : String(err);
    }
  }
  if (!keys.some((k) => k.columnId === 'attributes.start_time')) orderBy.push('attributes.start_time DESC');
  return { orderBy, errors };
}

/** What the runs table asks the server for (the webview's query; webview/runsTable/runsTableContract.ts checks it). */
export interface RunsTableQuery {
  queryId: number;
  /** The filter box: MLflow's search syntax, taken as is. */
  expression: string;
  columnFilters: ColumnFilter[];
  runName: string;
  sort: SortKey[];
  starredOnly: boolean;
  /** Active runs, deleted ones (to restore them), or both. */
  lifecycle: 'active' | 'deleted' | 'all';
}

/** What a new table shows: active runs, newest first, no filter. */
export const DEFAULT_RUNS_TABLE_QUERY: Omit<RunsTableQuery, 'queryId'> = {
  expression: '',
  columnFilters: [],
  runName: '',
  sort: [],
  starredOnly: false,
  lifecycle: 'active',
};
