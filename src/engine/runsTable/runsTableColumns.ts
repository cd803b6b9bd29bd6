// The runs table's column model: the fixed attribute columns (run name, status, start, duration,
// user, source, git commit; the experiment when several are shown), then every param, metric and tag
// seen in the loaded runs. A row is a run flattened for the table. No imports but types: the
// webview bundle includes this file.
import type { MlflowRun } from '../mlflow/mlflowTypes';

export type ColumnKind = 'attribute' | 'param' | 'metric' | 'tag';
export type ColumnType = 'text' | 'number' | 'time' | 'duration' | 'status';

export interface RunsTableColumn {
  /** `attributes.run_name`, `metrics.val_loss`, `params.lr`, `tags.team`; `attributes.duration` and `attributes.experiment` are the table's own. */
  id: string;
  kind: ColumnKind;
  /** The key within its kind: `run_name`, `val_loss`, `mlflow.source.name`. */
  key: string;
  label: string;
  type: ColumnType;
  /** The server can sort by it (MLflow's order_by). */
  sortable: boolean;
  /** The server can filter by it (MLflow's search syntax). */
  filterable: boolean;
}

/** A run flattened for the table: what the webview paints and the CSV export writes. */
export interface RunsTableRow {
  runId: string;
  experimentId: string;
  name: string;
  status: string;
  lifecycleStage: string;
  startTime?: number;
  endTime?: number;
  user?: string;
  parentRunId?: string;
  params: Record<string, string>;
  /** Latest value of each metric; NaN stays NaN. */
  metrics: Record<string, number>;
  /** Tags, `mlflow.*` ones only for the fixed columns (source, git commit). */
  tags: Record<string, string>;
}

export const SOURCE_TAG = 'mlflow.source.name';
export const GIT_COMMIT_TAG = 'mlflow.source.git.commit';
const PARENT_TAG = 'mlflow.parentRunId';
const RUN_NAME_TAG = 'mlflow.runName';
const USER_TAG = 'mlflow.user';
/** The `mlflow.*` tags a row keeps (the others are MLflow's bookkeeping, shown in the run's details). */
const KEPT_SYSTEM_TAGS = new Set([SOURCE_TAG, GIT_COMMIT_TAG]);

/** The fixed columns, in their order; the Experiment column only when the table shows several experiments. */
export function attributeColumns(severalExperiments: boolean): RunsTableColumn[] {
  const attr = (key: string, label: string, type: ColumnType, sortable = true, filterable = true): RunsTableColumn => ({
    id: `attributes.${key}`,
    kind: 'attribute',
    key,
    label,
    type,
    sortable,
    filterable,
  });
  const tag = (key: string, label: string): RunsTableColumn => ({ id: `tags.${key}`, kind: 'tag', key, label, type: 'text', sortable: true, filterable: true });
  return [
    attr('run_name', 'Run name', 'text'),
    ...(severalExperiments ? [attr('experiment', 'Experiment', 'text', false, false)] : []),
    attr('status', 'Status', 'status'),
    attr('start_time', 'Start', 'time'),
    attr('duration', 'Duration', 'duration', false, false),
    attr('user_id', 'User', 'text'),
    tag(SOURCE_TAG, 'Source'),
    tag(GIT_COMMIT_TAG, 'Git commit'),
  ];
}

export function paramColumn(key: string): RunsTableColumn {
  return { id: `params.${key}`, kind: 'param', key, label: key, type: 'text', sortable: true, filterable: true };
}
export function metricColumn(key: string): RunsTableColumn {
  return { id: `metrics.${key}`, kind: 'metric', key, label: key, type: 'number', sortable: true, filterable: true };
}
export function tagColumn(key: string): RunsTableColumn {
  return { id: `tags.${key}`, kind: 'tag', key, label: key, type: 'text', sortable: true, filterable: true };
}

/** The params, metrics and tags seen so far; grows as pages load (keys never disappear while a table is open). */
export class ColumnDiscovery {
  private readonly params = new Set<string>();
  private readonly metrics = new Set<string>();
  private readonly tags = new Set<string>();

  /** Adds the keys of `rows`; true when a new key was seen. */
  add(rows: readonly RunsTableRow[]): boolean {
    const before = this.params.size + this.metrics.size + this.tags.size;
    for (const row of rows) {
      for (const k in row.params) this.params.add(k);
      for (const k in row.metrics) this.metrics.add(k);
      for (const k in row.tags) if (!KEPT_SYSTEM_TAGS.has(k)) this.tags.add(k);
    }
    return this.params.size + this.metrics.size + this.tags.size !== before;
  }

  /** Attribute columns, then metrics, params and tags, each sorted by key. */
  columns(severalExperiments: boolean): RunsTableColumn[] {
    const sorted = (s: Set<string>) => [...s].sort((a, b) => a.localeCompare(b));
    return [
      ...attributeColumns(severalExperiments),
      ...sorted(this.metrics).map(metricColumn),
      ...sorted(this.params).map(paramColumn),
      ...sorted(this.tags).map(tagColumn),
    ];
  }
}

/** A run as a table row. */
export function toRow(run: MlflowRun): RunsTableRow {
  const params: Record<string, string> = {};
  for (const p of run.data.params ?? []) params[p.key] = p.value;
  const metrics: Record<string, number> = {};
  for (const m of run.data.metrics ?? []) metrics[m.key] = Number(m.value);
  const tags: Record<string, string> = {};
  let parentRunId: string | undefined;
  let tagName: string | undefined;
  let tagUser: string | undefined;
  for (const t of run.data.tags ?? []) {
    if (t.key === PARENT_TAG) parentRunId = t.value;
    else if (t.key === RUN_NAME_TAG) tagName = t.value;
    else if (t.key === USER_TAG) tagUser = t.value;
    if (!t.key.startsWith('mlflow.') || KEPT_SYSTEM_TAGS.has(t.key)) tags[t.key] = t.value;
  }
  const info = run.info;
  return {
    runId: info.run_id,
    experimentId: info.experiment_id,
    name: info.run_name || tagName || '',
    status: info.status,
    lifecycleStage: info.lifecycle_stage,
    startTime: info.start_time === undefined ? undefined : Number(info.start_time),
    endTime: info.end_time === undefined || info.end_time === null ? undefined : Number(info.end_time),
    user: info.user_id || tagUser || undefined,
    parentRunId,
    params,
    metrics,
    tags,
  };
}

/** Duration of a run; a running one counts up to `now`. */
export function runDurationMs(row: Pick<RunsTableRow, 'startTime' | 'endTime' | 'status'>, now = Date.now()): number | undefined {
  if (!row.startTime) return undefined;
  const end = row.endTime ?? (row.status === 'RUNNING' ? now : undefined);
  return end === undefined ? undefined : Math.max(0, end - row.startTime);
}

/** The raw value of a cell (numbers for metrics, times and durations), undefined when the run has none. */
export function cellValue(
  row: RunsTableRow,
  column: RunsTableColumn,
  experimentNames?: Readonly<Record<string, string>>,
  now?: number,
): string | number | undefined {
  switch (column.kind) {
    case 'param':
      return row.params[column.key];
    case 'metric':
      return row.metrics[column.key];
    case 'tag':
      return row.tags[column.key];
    case 'attribute':
      switch (column.key) {
        case 'run_name':
          return row.name || row.runId;
        case 'experiment':
          return experimentNames?.[row.experimentId] ?? row.experimentId;
        case 'status':
          return row.status;
        case 'start_time':
          return row.startTime;
        case 'duration':
          return runDurationMs(row, now);
        case 'user_id':
          return row.user;
        case 'run_id':
          return row.runId;
      }
      return undefined;
  }
}

/** How the user laid the columns out (the webview contract's RunsTableLayout, widths aside). */
export interface ColumnOrder {
  hidden: readonly string[];
  pinned: readonly string[];
  /** Column ids in the user's order; columns not listed follow in the model's order. */
  order: readonly string[];
}

/** The columns shown, in the user's order, the pinned ones first. */
export function visibleColumns(columns: readonly RunsTableColumn[], layout: ColumnOrder): RunsTableColumn[] {
  const hidden = new Set(layout.hidden);
  const order = new Map(layout.order.map((id, i) => [id, i]));
  const position = new Map(columns.map((c, i) => [c.id, i]));
  const rank = (c: RunsTableColumn) => order.get(c.id) ?? layout.order.length + position.get(c.id)!;
  const shown = columns.filter((c) => !hidden.has(c.id)).sort((a, b) => rank(a) - rank(b));
  const pinned = new Set(layout.pinned);
  return [...shown.filter((c) => pinned.has(c.id)), ...shown.filter((c) => !pinned.has(c.id))];
}

/**
 * The order after moving column `id` next to `target` (before it, or after it with `after`), as a
 * drag in the header or the keyboard does it; `ids` is the order shown. Unknown ids change nothing.
 */
export function moveColumn(ids: readonly string[], id: string, target: string, after = false): string[] {
  if (id === target || !ids.includes(id) || !ids.includes(target)) return [...ids];
  const rest = ids.filter((c) => c !== id);
  const at = rest.indexOf(target) + (after ? 1 : 0);
  return [...rest.slice(0, at), id, ...rest.slice(at)];
}

/** The order after moving column `id` by `delta` places among `ids` (Alt+Arrow on a header). */
export function shiftColumn(ids: readonly string[], id: string, delta: number): string[] {
  const i = ids.indexOf(id);
  const j = Math.max(0, Math.min(ids.length - 1, i + delta));
  if (i < 0 || i === j) return [...ids];
  return moveColumn(ids, id, ids[j], j > i);
}
