// The runs table's messages (src/extension/runsTable/, webview/runsTable/), validated on both ends.
// Each type is derived from its check (webview/shared/contractChecks.ts), so the two cannot differ;
// the shapes of columns, rows, filters and groups are the engine's (src/engine/runsTable/), sent as
// they are, and their checks must name exactly their fields.
// Plain TypeScript, no DOM and no Node: compiled into the extension and bundled into the webview.
import type { MetricSummary, RunGroup } from '../../src/engine/runsTable/runGroups';
import type { ColumnFilter, RunsTableQuery, SortKey } from '../../src/engine/runsTable/runsSearchExpression';
import type { RunsTableColumn, RunsTableRow } from '../../src/engine/runsTable/runsTableColumns';
import {
  arr,
  bool,
  int,
  MAX_ITEMS,
  num,
  obj,
  oneOf,
  optional,
  record,
  shapeOf,
  str,
  messageValidator,
  valueValidator,
  type Infer,
  type MessageOf,
} from '../shared/contractChecks';
import { runFields, runIdCheck } from '../shared/runChecks';

export type { RunsTableColumn, RunsTableRow } from '../../src/engine/runsTable/runsTableColumns';
export type { ColumnFilter, FilterOp, RunsTableQuery, SortKey } from '../../src/engine/runsTable/runsSearchExpression';
export type { RunGroup } from '../../src/engine/runsTable/runGroups';

const MAX_ROWS = 5000;
const runId = runIdCheck;
const runIds = (max: number) => arr(runId, max);
const columnId = str(1100);
const tableColumn = shapeOf<RunsTableColumn>()(
  obj({
    id: columnId,
    kind: oneOf('attribute', 'param', 'metric', 'tag'),
    key: str(1000),
    label: str(1000),
    type: oneOf('text', 'number', 'time', 'duration', 'status'),
    sortable: bool,
    filterable: bool,
  }),
);
const tableRow = shapeOf<RunsTableRow>()(
  obj({
    ...runFields,
    name: str(1000),
    lifecycleStage: str(50),
    user: optional(str(1000)),
    parentRunId: optional(str(200)),
    params: record(str(), 100_000),
    metrics: record(num, 100_000),
    tags: record(str(), 100_000),
  }),
);
const metricSummary = shapeOf<MetricSummary>()(obj({ count: int(0, MAX_ITEMS), min: optional(num), mean: optional(num), max: optional(num) }));
const runGroup = shapeOf<RunGroup>()(obj({ value: optional(str()), count: int(0, MAX_ITEMS), metrics: record(metricSummary), rows: arr(tableRow, MAX_ROWS) }));

/**
 * How the user laid the columns out; kept per experiment (set of experiments) in the workspace.
 * `widths`: column id → width in pixels; `order`: column ids in the order the user put them
 * (columns not listed follow in their own order).
 */
const layout = obj({ hidden: arr(columnId, 100_000), pinned: arr(columnId, 1000), widths: record(int(16, 5000), 100_000), order: arr(columnId, 100_000) });
export type RunsTableLayout = Infer<typeof layout>;

const queryId = int(0, Number.MAX_SAFE_INTEGER);
const filterOp = oneOf('=', '!=', '<', '<=', '>', '>=', 'LIKE', 'ILIKE', 'contains');
const columnFilter = shapeOf<ColumnFilter>()(obj({ columnId, op: filterOp, value: str(10_000) }));
const sortKey = shapeOf<SortKey>()(obj({ columnId, descending: bool }));
const queryFields = {
  expression: str(100_000),
  columnFilters: arr(columnFilter, 1000),
  runName: str(1000),
  sort: arr(sortKey, 50),
  starredOnly: bool,
  lifecycle: oneOf('active', 'deleted', 'all'),
};
const query = shapeOf<RunsTableQuery>()(obj({ queryId, ...queryFields }));
const errorsByColumn = record(str(10_000), 10_000);

/** `register`: MLflow's Register Model (the Runs view's own command) on the one selected run. */
const action = oneOf('compare', 'details', 'register', 'copyIds', 'openUi', 'delete', 'restore');
export type RunsTableAction = Infer<typeof action>;

/** Extension → runs table webview. */
const toRunsTableChecks = {
  init: obj({
    connectionId: str(2000),
    connectionLabel: str(1000),
    experiments: arr(obj({ id: str(200), name: str(1000) }), 1000),
    layout,
    starred: runIds(MAX_ITEMS),
    pageSize: int(1, MAX_ROWS),
  }),
  /** The query as sent to runs/search (after compiling); `errors`: column filters or sort keys left out, by column id. */
  query: obj({ queryId, filter: str(200_000), orderBy: arr(str(2000), 60), errors: errorsByColumn }),
  /** Every column known, when rows read outside a page (a parent's children) brought new ones. */
  columns: obj({ queryId, columns: arr(tableColumn, 100_000) }),
  /**
   * `count`: rows known to match so far; `complete` once the last page was read. `columns`: every
   * column known once these rows were read, when they brought new ones (one message, one render).
   * `partial`: only the first screen's rows of the page, sent at the query's start; the webview asks
   * for the whole page once it painted them.
   */
  page: obj({
    queryId,
    index: int(0, MAX_ITEMS),
    rows: arr(tableRow, MAX_ROWS),
    last: bool,
    count: obj({ runs: int(0, Number.MAX_SAFE_INTEGER), complete: bool }),
    columns: optional(arr(tableColumn, 100_000)),
    partial: optional(bool),
  }),
  /** The server refused the query (a bad filter, an unknown key): shown under the filter box. */
  queryError: obj({ queryId, message: str(10_000) }),
  /** Runs still running, read again: replaced in place. */
  rowsUpdated: obj({ rows: arr(tableRow, MAX_ROWS) }),
  groups: obj({ queryId, columnId, groups: arr(runGroup, 100_000), metricKeys: arr(str(1000), 100_000), truncated: bool }),
  /** A parent run's children matching the query's filter, in its order (`truncated`: more than were sent). */
  children: obj({ queryId, parentRunId: runId, rows: arr(tableRow, MAX_ROWS), truncated: bool }),
  /** Exactly the query's runs that have child runs matching it (sent once all child runs were read): only they keep their ▸. */
  parents: obj({ queryId, runIds: runIds(MAX_ITEMS) }),
  /** Every run matching the query (select all matching). */
  selection: obj({ queryId, runIds: runIds(MAX_ITEMS), truncated: bool }),
  starred: obj({ runIds: runIds(MAX_ITEMS) }),
  /** The runs changed on the server (deleted, restored): the webview asks its query again. */
  invalidate: obj({}),
  loading: obj({ what: str(1000) }),
  error: obj({ message: str(10_000), retry: bool }),
  notice: obj({ message: str(10_000) }),
};
export type ToRunsTableMessage = MessageOf<typeof toRunsTableChecks>;

/** Runs table webview → extension. */
const fromRunsTableChecks = {
  ready: obj({}),
  retry: obj({}),
  query,
  page: obj({ queryId, index: int(0, MAX_ITEMS) }),
  /** Group the query's runs by a param or tag column (or stop grouping: no columnId). */
  groupBy: obj({ queryId, columnId: optional(columnId) }),
  /** The child runs of a parent row (expanding it). */
  children: obj({ queryId, parentRunId: runId }),
  selectAll: obj({ queryId }),
  action: obj({ action, runIds: runIds(MAX_ITEMS) }),
  star: obj({ runIds: runIds(100_000), starred: bool }),
  saveLayout: obj({ layout }),
  /** CSV of the query's runs (only `runIds` when given) with these columns, to a file or the clipboard. */
  exportCsv: obj({ queryId, columnIds: arr(columnId, 100_000), runIds: optional(runIds(MAX_ITEMS)), to: oneOf('file', 'clipboard') }),
  copy: obj({ text: str() }),
};
export type FromRunsTableMessage = MessageOf<typeof fromRunsTableChecks>;

/** Where the user was: the scroll offset, the selected runs, the expanded parent runs and groups. */
const tableView = obj({ scrollTop: num, selected: runIds(MAX_ROWS), expanded: runIds(1000), openGroups: arr(str(), 1000) });
/** What the runs table persists (vscode.setState) and its serializer restores. */
const runsTableState = obj({
  connectionId: str(2000),
  experimentIds: arr(str(200), 1000),
  query: optional(obj(queryFields)),
  groupBy: optional(columnId),
  view: optional(tableView),
});
export type RunsTablePanelState = Infer<typeof runsTableState>;

/** Validates a message the runs table webview received from the extension. */
export const validateToRunsTable = messageValidator(toRunsTableChecks, 'toRunsTable');

/** Validates a message the extension received from the runs table webview. */
export const validateFromRunsTable = messageValidator(fromRunsTableChecks, 'fromRunsTable');

/** Validates the state a runs table's serializer restores. */
export const validateRunsTableState = valueValidator(runsTableState, 'state', (state) =>
  state.experimentIds.length === 0 ? 'state.experimentIds is empty' : undefined,
);
