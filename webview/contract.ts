// The one message contract between the extension and its webviews. Both ends validate every
// message they receive with the validators below (a webview is a separate, less trusted context,
// and a stale webview restored after an update may speak an older dialect).
// Plain TypeScript, no DOM and no Node: compiled into the extension and bundled into webviews.

// ---------------------------------------------------------------- wire shapes of the compare panel

// The comparison's shapes are the engine's (src/engine/compare/compareRuns.ts), sent as they are:
// one definition, so the two ends cannot drift apart. Type-only: nothing of the engine is bundled.
export type { ComparedRun as CompareRun, DiffRow, MetricRow, RunComparison as Comparison } from '../src/engine/compare/compareRuns';
import type { RunComparison as Comparison } from '../src/engine/compare/compareRuns';
export type { HistoryColumns } from '../src/engine/compare/historyColumns';
export type { ImageArtifact, LoggedImage, RunImages } from '../src/engine/compare/runImages';
import type { RunImages } from '../src/engine/compare/runImages';
import type { HistoryColumns } from '../src/engine/compare/historyColumns';

/**
 * A metric's history for one run, in columns (src/engine/compare/historyColumns.ts): `steps`,
 * `timestamps` (ms) and `values` are Float64Arrays of one length. Histories are the bulk of the
 * traffic: VS Code's postMessage transfers typed arrays as binary, and checking them is a type and
 * length test instead of a walk over every point. Values keep NaN and ±Infinity.
 */
export interface HistorySeries extends HistoryColumns {
  runId: string;
  metricKey: string;
  /** Fewer points than the server holds (server- or client-side sampling). */
  sampled: boolean;
  /** Min and max over the whole history when known exactly; else over the points sent. */
  min?: number;
  max?: number;
  exact: boolean;
}

export interface HistoryError {
  metricKey: string;
  runId?: string;
  message: string;
}

/** Steps from startStep to endStep, both included: a zoomed chart's range. */
export interface StepRange {
  startStep: number;
  endStep: number;
}

/**
 * The Charts tab's layout, remembered per connection and experiment set (workspaceState): sections
 * (metric-name prefixes, see webview/compare/chartSections.ts) collapsed and metrics whose card is hidden.
 */
export interface ChartLayout {
  collapsedSections: string[];
  hiddenMetrics: string[];
  /** Charts of y-axis expressions over metrics (`val_loss - train_loss`), in the order added. */
  expressions?: string[];
  /** Metric cards in the order the user put them (cards not listed follow in their own order). */
  order?: string[];
  /** Metric key → its card's height in pixels, as the user sized it. */
  heights?: Record<string, number>;
}

// ---------------------------------------------------------------- messages

/** Extension → webview. */
export type ToWebviewMessage =
  /** `refreshing`: some runs are still RUNNING and the panel polls them; `missing`: run ids not found. */
  | { type: 'runs'; connectionId: string; connectionLabel: string; comparison: Comparison; refreshing: boolean; missing: string[]; layout?: ChartLayout }
  | { type: 'loading'; what: string }
  /**
   * The series of `metricKeys` (one message per metric, as each arrives; a metric without series
   * has none for these runs, or failed: see `errors`). With `range`: the detail of a zoomed chart.
   */
  | { type: 'histories'; requestId: number; metricKeys: string[]; series: HistorySeries[]; errors: HistoryError[]; source: 'bulk' | 'per-run'; range?: StepRange }
  | { type: 'error'; message: string; retry: 'runs' | 'histories' | 'none'; requestId?: number }
  | { type: 'notice'; message: string }
  /** The Images tab: each run's logged images and image artifacts (`errors`: runs whose listing failed). */
  | { type: 'images'; runs: RunImages[]; errors: { runId: string; message: string }[] }
  /** One image's bytes (a listed path of a run), or why not. */
  | { type: 'image'; runId: string; path: string; mime?: string; bytes?: Uint8Array; error?: string };

/** Webview → extension. */
export type FromWebviewMessage =
  | { type: 'ready' }
  /** Metrics in the order to load them (the visible charts first); `range`: only those steps (a zoom). */
  | { type: 'loadHistories'; requestId: number; metricKeys: string[]; maxPoints: number; range?: StepRange }
  | { type: 'setBetter'; metric: string; higherIsBetter: boolean }
  /** The user collapsed or expanded a section, hid or showed a card. */
  | { type: 'saveLayout'; layout: ChartLayout }
  | { type: 'exportCsv'; table: 'params' | 'metrics' | 'tags' | 'all' }
  | { type: 'copy'; text: string }
  | { type: 'retry' }
  /** Lists the runs' images (the Images tab was opened). */
  | { type: 'loadImages' }
  /** The bytes of one image the `images` message listed. */
  | { type: 'loadImage'; runId: string; path: string };

/** A run of a panel and the tracking connection it is read from. */
export interface RunRef {
  connectionId: string;
  runId: string;
}

/**
 * What the compare panel persists (vscode.setState) and its serializer restores: `connectionId` and
 * `runIds` are the first connection's; `runs`, when the runs come from several connections, all of them.
 */
export interface ComparePanelState {
  connectionId: string;
  runIds: string[];
  runs?: RunRef[];
  tab?: string;
  chartMetrics?: string[];
}

// ---------------------------------------------------------------- validators

export type Validation<T> = { ok: true; value: T } | { ok: false; error: string };

/** Checks `value` at `path`; returns an error text or undefined. */
type Check = (value: unknown, path: string) => string | undefined;

const MAX_TEXT = 10_000_000;
const MAX_ITEMS = 1_000_000;

const describe = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'an array' : ArrayBuffer.isView(v) ? (v.constructor?.name ?? 'a typed array') : typeof v;

const str =
  (max = MAX_TEXT): Check =>
  (v, p) =>
    typeof v !== 'string' ? `${p} must be a string, not ${describe(v)}` : v.length > max ? `${p} is longer than ${max} characters` : undefined;
/** Any number, NaN and ±Infinity included: MLflow metrics may be NaN (postMessage keeps them). */
const num: Check = (v, p) => (typeof v !== 'number' ? `${p} must be a number, not ${describe(v)}` : undefined);
const int =
  (min: number, max: number): Check =>
  (v, p) =>
    typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max ? `${p} must be an integer in [${min}, ${max}]` : undefined;
const bool: Check = (v, p) => (typeof v !== 'boolean' ? `${p} must be a boolean, not ${describe(v)}` : undefined);
const oneOf =
  (...allowed: string[]): Check =>
  (v, p) =>
    typeof v === 'string' && allowed.includes(v) ? undefined : `${p} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`;
const optional =
  (check: Check): Check =>
  (v, p) =>
    v === undefined ? undefined : check(v, p);
/** An array slot that may be empty: JSON/structured clone turns `undefined` in arrays into null. */
const orMissing =
  (check: Check): Check =>
  (v, p) =>
    v === undefined || v === null ? undefined : check(v, p);
const arr =
  (item: Check, max = MAX_ITEMS): Check =>
  (v, p) => {
    if (!Array.isArray(v)) return `${p} must be an array, not ${describe(v)}`;
    if (v.length > max) return `${p} has more than ${max} items`;
    for (let i = 0; i < v.length; i++) {
      const e = item(v[i], `${p}[${i}]`);
      if (e) return e;
    }
    return undefined;
  };
/** Bytes (an image): a Uint8Array of at most `max` bytes. */
const bytes =
  (max: number): Check =>
  (v, p) =>
    !(v instanceof Uint8Array) ? `${p} must be a Uint8Array, not ${describe(v)}` : v.length > max ? `${p} has more than ${max} bytes` : undefined;
/** A fixed-length array, e.g. a sparkline's [step, timestamp, value] points. */
const tuple =
  (...items: Check[]): Check =>
  (v, p) => {
    if (!Array.isArray(v) || v.length !== items.length) return `${p} must be an array of ${items.length} items`;
    for (let i = 0; i < items.length; i++) {
      const e = items[i](v[i], `${p}[${i}]`);
      if (e) return e;
    }
    return undefined;
  };
/**
 * A Float64Array of at most `max` items. Any float64 is a number (NaN and ±Infinity included, as
 * `num` allows), so the type and the length are the whole check: constant time for any size.
 */
const float64s =
  (max: number): Check =>
  (v, p) =>
    !(v instanceof Float64Array) ? `${p} must be a Float64Array, not ${describe(v)}` : v.length > max ? `${p} has more than ${max} items` : undefined;
const obj =
  (fields: Record<string, Check>): Check =>
  (v, p) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${p} must be an object, not ${describe(v)}`;
    const record = v as Record<string, unknown>;
    for (const [key, check] of Object.entries(fields)) {
      const e = check(record[key], `${p}.${key}`);
      if (e) return e;
    }
    return undefined;
  };

const compareRun = obj({
  runId: str(200),
  name: str(1000),
  experimentId: str(200),
  status: str(50),
  startTime: optional(num),
  endTime: optional(num),
  connectionId: optional(str(2000)),
  server: optional(str(1000)),
});
const diffRow = obj({ key: str(1000), values: arr(orMissing(str())), differs: bool });
const metricRow = obj({
  key: str(1000),
  latest: arr(orMissing(num)),
  min: optional(arr(orMissing(num))),
  max: optional(arr(orMissing(num))),
  extremesExact: optional(arr(bool)),
  best: int(-1, MAX_ITEMS),
  higherIsBetter: bool,
  differs: bool,
});
const comparison = obj({ runs: arr(compareRun), params: arr(diffRow), metrics: arr(metricRow), tags: arr(diffRow) });
/** Most points of one history series (the webview asks for at most MAX_HISTORY_POINTS; the bench sends 50,000). */
const MAX_SERIES_POINTS = 10_000_000;
const historyFields = obj({
  runId: str(200),
  metricKey: str(1000),
  steps: float64s(MAX_SERIES_POINTS),
  timestamps: float64s(MAX_SERIES_POINTS),
  values: float64s(MAX_SERIES_POINTS),
  sampled: bool,
  min: optional(num),
  max: optional(num),
  exact: bool,
});
const historySeries: Check = (v, p) => {
  const e = historyFields(v, p);
  if (e) return e;
  const s = v as HistorySeries;
  return s.timestamps.length !== s.steps.length || s.values.length !== s.steps.length
    ? `${p} has columns of different lengths (steps ${s.steps.length}, timestamps ${s.timestamps.length}, values ${s.values.length})`
    : undefined;
};
const historyError = obj({ metricKey: str(1000), runId: optional(str(200)), message: str(10_000) });
const requestId = int(0, Number.MAX_SAFE_INTEGER);
const stepRangeFields = obj({ startStep: int(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER), endStep: int(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER) });
const stepRange: Check = (v, p) => stepRangeFields(v, p) ?? ((v as StepRange).startStep > (v as StepRange).endStep ? `${p}.startStep must not be after ${p}.endStep` : undefined);

/** An object of any keys, each value checked. */
const record =
  (value: Check, max = MAX_ITEMS): Check =>
  (v, p) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${p} must be an object, not ${describe(v)}`;
    const entries = Object.entries(v);
    if (entries.length > max) return `${p} has more than ${max} entries`;
    for (const [k, item] of entries) {
      const e = value(item, `${p}[${JSON.stringify(k)}]`);
      if (e) return e;
    }
    return undefined;
  };

const loggedImage = obj({
  key: str(1000),
  step: int(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
  timestamp: num,
  path: str(4000),
  size: optional(num),
  compressedPath: optional(str(4000)),
  compressedSize: optional(num),
});
const runImages = obj({ runId: str(200), logged: arr(loggedImage, 100_000), artifacts: arr(obj({ path: str(4000), size: optional(num) }), 10_000), truncated: bool });
/** Largest image the compare panel sends to its webview. */
export const MAX_IMAGE_BYTES = 20 * 1024 * 1024;
const imageMimes = oneOf('image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/bmp');

const chartLayout = obj({ collapsedSections: arr(str(1000), 1000), hiddenMetrics: arr(str(1000), 10_000), expressions: optional(arr(str(500), 50)),
  order: optional(arr(str(1000), 10_000)),
  heights: optional(record(int(100, 2000), 10_000)),
});

const toWebviewChecks: Record<ToWebviewMessage['type'], Check> = {
  runs: obj({ connectionId: str(2000), connectionLabel: str(1000), comparison, refreshing: bool, missing: arr(str(200)), layout: optional(chartLayout) }),
  loading: obj({ what: str(1000) }),
  histories: obj({ requestId, metricKeys: arr(str(1000), 1000), series: arr(historySeries), errors: arr(historyError), source: oneOf('bulk', 'per-run'), range: optional(stepRange) }),
  error: obj({ message: str(10_000), retry: oneOf('runs', 'histories', 'none'), requestId: optional(requestId) }),
  notice: obj({ message: str(10_000) }),
  images: obj({ runs: arr(runImages, 1000), errors: arr(obj({ runId: str(200), message: str(10_000) }), 1000) }),
  image: obj({ runId: str(200), path: str(4000), mime: optional(imageMimes), bytes: optional(bytes(MAX_IMAGE_BYTES)), error: optional(str(10_000)) }),
};

/** Largest number of points per series a webview may ask for (the server samples at most 2500). */
export const MAX_HISTORY_POINTS = 100_000;

const fromWebviewChecks: Record<FromWebviewMessage['type'], Check> = {
  ready: obj({}),
  loadHistories: obj({ requestId, metricKeys: arr(str(1000), 1000), maxPoints: int(2, MAX_HISTORY_POINTS), range: optional(stepRange) }),
  setBetter: obj({ metric: str(1000), higherIsBetter: bool }),
  saveLayout: obj({ layout: chartLayout }),
  exportCsv: obj({ table: oneOf('params', 'metrics', 'tags', 'all') }),
  copy: obj({ text: str() }),
  retry: obj({}),
  loadImages: obj({}),
  loadImage: obj({ runId: str(200), path: str(4000) }),
};

function validate<T extends { type: string }>(checks: Record<string, Check>, value: unknown, side: string): Validation<T> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, error: `${side} message must be an object, not ${describe(value)}` };
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(checks, type)) {
    return { ok: false, error: `${side} message has unknown type ${JSON.stringify(type)}; known: ${Object.keys(checks).join(', ')}` };
  }
  const error = checks[type](value, `${side}.${type}`);
  return error ? { ok: false, error } : { ok: true, value: value as T };
}

/** Validates a chart layout read back from storage (written by an older version, maybe). */
export function validateChartLayout(value: unknown): Validation<ChartLayout> {
  const error = chartLayout(value, 'layout');
  return error ? { ok: false, error } : { ok: true, value: value as ChartLayout };
}

/** Validates a message a webview received from the extension. */
export function validateToWebview(value: unknown): Validation<ToWebviewMessage> {
  return validate<ToWebviewMessage>(toWebviewChecks, value, 'toWebview');
}

/** Validates a message the extension received from a webview. */
export function validateFromWebview(value: unknown): Validation<FromWebviewMessage> {
  return validate<FromWebviewMessage>(fromWebviewChecks, value, 'fromWebview');
}

const runRef = obj({ connectionId: str(2000), runId: str(200) });
const panelState = obj({ connectionId: str(2000), runIds: arr(str(200), 1000), runs: optional(arr(runRef, 1000)), tab: optional(str(50)), chartMetrics: optional(arr(str(1000), 200)) });

/** Validates state restored by a WebviewPanelSerializer (it was written by an older webview, maybe). */
export function validatePanelState(value: unknown): Validation<ComparePanelState> {
  const error = panelState(value, 'state');
  if (error) return { ok: false, error };
  const state = value as ComparePanelState;
  return state.runIds.length === 0 ? { ok: false, error: 'state.runIds is empty' } : { ok: true, value: state };
}

// ================================================================ run details panel
// Messages of the run details panel (src/extension/runDetails/, webview/runDetails/). Separate from
// the compare panel's: its own message unions, validators and state, sharing only the checks above.
// The details' shapes are the engine's (src/engine/runDetails/runDetails.ts), sent as they are.

export type { KeyValue, RunDetails, RunDetailsProblem, RunMetric, RunModelVersion, RunOverview, SparkPoint } from '../src/engine/runDetails/runDetailsTypes';
import type { RunDetails } from '../src/engine/runDetails/runDetailsTypes';
import type { MlflowFileInfo } from '../src/engine/mlflow/mlflowTypes';

/** Extension → run details webview. */
export type ToRunDetailsMessage =
  /** `refreshing`: the run is still running and the panel re-reads it. */
  | { type: 'details'; connectionId: string; connectionLabel: string; details: RunDetails; refreshing: boolean }
  | { type: 'loading'; what: string }
  /** The run could not be loaded; `retry`: a Retry button makes sense. */
  | { type: 'error'; message: string; retry: boolean }
  /** The files of an artifact folder the webview asked for (`error` when listing failed). */
  | { type: 'artifacts'; path: string; files: MlflowFileInfo[]; error?: string }
  | { type: 'notice'; message: string };

/** Run details webview → extension. */
export type FromRunDetailsMessage =
  | { type: 'ready' }
  | { type: 'retry' }
  /** Opens (or downloads) an artifact file listed by the panel. */
  | { type: 'openArtifact'; path: string }
  /** Lists an artifact folder listed by the panel. */
  | { type: 'listArtifacts'; path: string }
  /** Opens the run's git commit page (the URL the extension computed; the webview sends none). */
  | { type: 'openCommit' }
  | { type: 'compareWithPrevious' }
  | { type: 'copy'; text: string };

/** What the run details panel persists (vscode.setState) and its serializer restores. */
export interface RunDetailsPanelState {
  connectionId: string;
  runId: string;
}

/** A relative artifact path: no leading slash, no backslash, no `.`/`..` segments, no NUL. */
const artifactPath: Check = (v, p) => {
  const e = str(4000)(v, p);
  if (e) return e;
  const s = v as string;
  if (s === '' || s.startsWith('/') || s.includes('\\') || s.includes('\0') || s.split('/').some((seg) => seg === '..' || seg === '.' || seg === '')) {
    return `${p} must be a relative artifact path without "..", "." or empty segments`;
  }
  return undefined;
};

const keyValue = obj({ key: str(1000), value: str() });
const fileInfo = obj({ path: str(4000), is_dir: bool, file_size: optional(num) });
const runOverview = obj({
  runId: str(200),
  runName: optional(str(1000)),
  status: str(50),
  lifecycleStage: str(50),
  experimentId: str(200),
  experimentName: optional(str(1000)),
  startTime: optional(num),
  endTime: optional(num),
  durationMs: optional(num),
  user: optional(str(1000)),
  sourceName: optional(str()),
  sourceType: optional(str(100)),
  entryPoint: optional(str(1000)),
  parentRunId: optional(str(200)),
  artifactUri: optional(str()),
  gitCommit: optional(str(200)),
  gitRepoUrl: optional(str(4000)),
  gitBranch: optional(str(1000)),
  gitCommitUrl: optional(str(4000)),
  gitHost: optional(oneOf('github', 'gitlab', 'bitbucket', 'azure')),
});
const runMetric = obj({
  key: str(1000),
  latest: orMissing(num),
  latestText: str(100),
  step: num,
  timestamp: num,
  min: optional(num),
  max: optional(num),
  exact: bool,
  history: arr(tuple(num, num, orMissing(num)), 100_000),
});
const runModelVersion = obj({
  name: str(1000),
  version: str(50),
  stage: optional(str(50)),
  aliases: arr(str(1000), 1000),
  status: optional(str(100)),
  source: optional(str()),
  creationTimestamp: optional(num),
});
const runDetails = obj({
  overview: runOverview,
  params: arr(keyValue),
  metrics: arr(runMetric),
  tags: arr(keyValue),
  systemTags: arr(keyValue),
  artifacts: arr(fileInfo),
  modelVersions: arr(runModelVersion),
  problems: arr(obj({ section: oneOf('experiment', 'metrics', 'artifacts', 'models'), message: str(10_000) })),
});

const toRunDetailsChecks: Record<ToRunDetailsMessage['type'], Check> = {
  details: obj({ connectionId: str(2000), connectionLabel: str(1000), details: runDetails, refreshing: bool }),
  loading: obj({ what: str(1000) }),
  error: obj({ message: str(10_000), retry: bool }),
  artifacts: obj({ path: str(4000), files: arr(fileInfo), error: optional(str(10_000)) }),
  notice: obj({ message: str(10_000) }),
};

const fromRunDetailsChecks: Record<FromRunDetailsMessage['type'], Check> = {
  ready: obj({}),
  retry: obj({}),
  openArtifact: obj({ path: artifactPath }),
  listArtifacts: obj({ path: artifactPath }),
  openCommit: obj({}),
  compareWithPrevious: obj({}),
  copy: obj({ text: str() }),
};

/** Validates a message the run details webview received from the extension. */
export function validateToRunDetails(value: unknown): Validation<ToRunDetailsMessage> {
  return validate<ToRunDetailsMessage>(toRunDetailsChecks, value, 'toRunDetails');
}

/** Validates a message the extension received from the run details webview. */
export function validateFromRunDetails(value: unknown): Validation<FromRunDetailsMessage> {
  return validate<FromRunDetailsMessage>(fromRunDetailsChecks, value, 'fromRunDetails');
}

const runDetailsState = obj({ connectionId: str(2000), runId: str(200) });

/** Validates the state a run details panel's serializer restores. */
export function validateRunDetailsState(value: unknown): Validation<RunDetailsPanelState> {
  const error = runDetailsState(value, 'state');
  if (error) return { ok: false, error };
  const state = value as RunDetailsPanelState;
  return state.runId === '' ? { ok: false, error: 'state.runId is empty' } : { ok: true, value: state };
}

// ================================================================ runs table panel
// Messages of the runs table (src/extension/runsTable/, webview/runsTable/). The shapes of columns,
// rows, filters and groups are the engine's (src/engine/runsTable/), sent as they are.

export type { RunsTableColumn, RunsTableRow } from '../src/engine/runsTable/runsTableColumns';
export type { ColumnFilter, FilterOp, RunsTableQuery, SortKey } from '../src/engine/runsTable/runsSearchExpression';
import type { RunsTableQuery } from '../src/engine/runsTable/runsSearchExpression';
export type { MetricSummary, RunGroup } from '../src/engine/runsTable/runGroups';
import type { RunsTableColumn, RunsTableRow } from '../src/engine/runsTable/runsTableColumns';
import type { RunGroup } from '../src/engine/runsTable/runGroups';

/** How the user laid the columns out; kept per experiment (set of experiments) in the workspace. */
export interface RunsTableLayout {
  hidden: string[];
  pinned: string[];
  /** Column id → width in pixels. */
  widths: Record<string, number>;
  /** Column ids in the order the user put them (columns not listed follow in their own order). */
  order: string[];
}


/** `register`: MLflow's Register Model (the Runs view's own command) on the one selected run. */
export type RunsTableAction = 'compare' | 'details' | 'register' | 'copyIds' | 'openUi' | 'delete' | 'restore';

/** Extension → runs table webview. */
export type ToRunsTableMessage =
  | { type: 'init'; connectionId: string; connectionLabel: string; experiments: { id: string; name: string }[]; layout: RunsTableLayout; starred: string[]; pageSize: number }
  /** The query as sent to runs/search (after compiling); `errors`: column filters or sort keys left out, by column id. */
  | { type: 'query'; queryId: number; filter: string; orderBy: string[]; errors: Record<string, string> }
  | { type: 'columns'; queryId: number; columns: RunsTableColumn[] }
  /** `count`: rows known to match so far; `complete` once the last page was read. */
  | { type: 'page'; queryId: number; index: number; rows: RunsTableRow[]; last: boolean; count: { runs: number; complete: boolean } }
  /** The server refused the query (a bad filter, an unknown key): shown under the filter box. */
  | { type: 'queryError'; queryId: number; message: string }
  /** Runs still running, read again: replaced in place. */
  | { type: 'rowsUpdated'; rows: RunsTableRow[] }
  | { type: 'groups'; queryId: number; columnId: string; groups: RunGroup[]; metricKeys: string[]; truncated: boolean }
  /** A parent run's children matching the query's filter, in its order (`truncated`: more than were sent). */
  | { type: 'children'; queryId: number; parentRunId: string; rows: RunsTableRow[]; truncated: boolean }
  /** Exactly the query's runs that have child runs matching it (sent once all child runs were read): only they keep their ▸. */
  | { type: 'parents'; queryId: number; runIds: string[] }
  /** Every run matching the query (select all matching). */
  | { type: 'selection'; queryId: number; runIds: string[]; truncated: boolean }
  | { type: 'starred'; runIds: string[] }
  /** The runs changed on the server (deleted, restored): the webview asks its query again. */
  | { type: 'invalidate' }
  | { type: 'loading'; what: string }
  | { type: 'error'; message: string; retry: boolean }
  | { type: 'notice'; message: string };

/** Runs table webview → extension. */
export type FromRunsTableMessage =
  | { type: 'ready' }
  | { type: 'retry' }
  | ({ type: 'query' } & RunsTableQuery)
  | { type: 'page'; queryId: number; index: number }
  /** Group the query's runs by a param or tag column (or stop grouping: no columnId). */
  | { type: 'groupBy'; queryId: number; columnId?: string }
  /** The child runs of a parent row (expanding it). */
  | { type: 'children'; queryId: number; parentRunId: string }
  | { type: 'selectAll'; queryId: number }
  | { type: 'action'; action: RunsTableAction; runIds: string[] }
  | { type: 'star'; runIds: string[]; starred: boolean }
  | { type: 'saveLayout'; layout: RunsTableLayout }
  /** CSV of the query's runs (only `runIds` when given) with these columns, to a file or the clipboard. */
  | { type: 'exportCsv'; queryId: number; columnIds: string[]; runIds?: string[]; to: 'file' | 'clipboard' }
  | { type: 'copy'; text: string };

/** What the runs table persists (vscode.setState) and its serializer restores. */
export interface RunsTablePanelState {
  connectionId: string;
  experimentIds: string[];
  query?: Omit<RunsTableQuery, 'queryId'>;
  groupBy?: string;
  /** Where the user was: the scroll offset, the selected runs, the expanded parent runs and groups. */
  view?: { scrollTop: number; selected: string[]; expanded: string[]; openGroups: string[] };
}

const MAX_ROWS = 5000;
const runId = str(200);
const runIds = (max: number) => arr(runId, max);
const columnId = str(1100);
const tableColumn = obj({
  id: columnId,
  kind: oneOf('attribute', 'param', 'metric', 'tag'),
  key: str(1000),
  label: str(1000),
  type: oneOf('text', 'number', 'time', 'duration', 'status'),
  sortable: bool,
  filterable: bool,
});
const tableRow = obj({
  runId,
  experimentId: str(200),
  name: str(1000),
  status: str(50),
  lifecycleStage: str(50),
  startTime: optional(num),
  endTime: optional(num),
  user: optional(str(1000)),
  parentRunId: optional(str(200)),
  params: record(str(), 100_000),
  metrics: record(num, 100_000),
  tags: record(str(), 100_000),
});
const metricSummary = obj({ count: int(0, MAX_ITEMS), min: optional(num), mean: optional(num), max: optional(num) });
const runGroup = obj({ value: optional(str()), count: int(0, MAX_ITEMS), metrics: record(metricSummary), rows: arr(tableRow, MAX_ROWS) });
const layout = obj({ hidden: arr(columnId, 100_000), pinned: arr(columnId, 1000), widths: record(int(16, 5000), 100_000), order: arr(columnId, 100_000) });
const queryId = int(0, Number.MAX_SAFE_INTEGER);
const filterOp = oneOf('=', '!=', '<', '<=', '>', '>=', 'LIKE', 'ILIKE', 'contains');
const columnFilter = obj({ columnId, op: filterOp, value: str(10_000) });
const sortKey = obj({ columnId, descending: bool });
const queryFields = {
  expression: str(100_000),
  columnFilters: arr(columnFilter, 1000),
  runName: str(1000),
  sort: arr(sortKey, 50),
  starredOnly: bool,
  lifecycle: oneOf('active', 'deleted', 'all'),
};
const errorsByColumn = record(str(10_000), 10_000);

const toRunsTableChecks: Record<ToRunsTableMessage['type'], Check> = {
  init: obj({ connectionId: str(2000), connectionLabel: str(1000), experiments: arr(obj({ id: str(200), name: str(1000) }), 1000), layout, starred: runIds(MAX_ITEMS), pageSize: int(1, MAX_ROWS) }),
  query: obj({ queryId, filter: str(200_000), orderBy: arr(str(2000), 60), errors: errorsByColumn }),
  columns: obj({ queryId, columns: arr(tableColumn, 100_000) }),
  page: obj({ queryId, index: int(0, MAX_ITEMS), rows: arr(tableRow, MAX_ROWS), last: bool, count: obj({ runs: int(0, Number.MAX_SAFE_INTEGER), complete: bool }) }),
  queryError: obj({ queryId, message: str(10_000) }),
  rowsUpdated: obj({ rows: arr(tableRow, MAX_ROWS) }),
  groups: obj({ queryId, columnId, groups: arr(runGroup, 100_000), metricKeys: arr(str(1000), 100_000), truncated: bool }),
  children: obj({ queryId, parentRunId: runId, rows: arr(tableRow, MAX_ROWS), truncated: bool }),
  parents: obj({ queryId, runIds: runIds(MAX_ITEMS) }),
  selection: obj({ queryId, runIds: runIds(MAX_ITEMS), truncated: bool }),
  starred: obj({ runIds: runIds(MAX_ITEMS) }),
  invalidate: obj({}),
  loading: obj({ what: str(1000) }),
  error: obj({ message: str(10_000), retry: bool }),
  notice: obj({ message: str(10_000) }),
};

const fromRunsTableChecks: Record<FromRunsTableMessage['type'], Check> = {
  ready: obj({}),
  retry: obj({}),
  query: obj({ queryId, ...queryFields }),
  page: obj({ queryId, index: int(0, MAX_ITEMS) }),
  groupBy: obj({ queryId, columnId: optional(columnId) }),
  children: obj({ queryId, parentRunId: runId }),
  selectAll: obj({ queryId }),
  action: obj({ action: oneOf('compare', 'details', 'register', 'copyIds', 'openUi', 'delete', 'restore'), runIds: runIds(MAX_ITEMS) }),
  star: obj({ runIds: runIds(100_000), starred: bool }),
  saveLayout: obj({ layout }),
  exportCsv: obj({ queryId, columnIds: arr(columnId, 100_000), runIds: optional(runIds(MAX_ITEMS)), to: oneOf('file', 'clipboard') }),
  copy: obj({ text: str() }),
};

/** Validates a message the runs table webview received from the extension. */
export function validateToRunsTable(value: unknown): Validation<ToRunsTableMessage> {
  return validate<ToRunsTableMessage>(toRunsTableChecks, value, 'toRunsTable');
}

/** Validates a message the extension received from the runs table webview. */
export function validateFromRunsTable(value: unknown): Validation<FromRunsTableMessage> {
  return validate<FromRunsTableMessage>(fromRunsTableChecks, value, 'fromRunsTable');
}

const tableView = obj({ scrollTop: num, selected: runIds(MAX_ROWS), expanded: runIds(1000), openGroups: arr(str(), 1000) });
const runsTableState = obj({ connectionId: str(2000), experimentIds: arr(str(200), 1000), query: optional(obj(queryFields)), groupBy: optional(columnId), view: optional(tableView) });

/** Validates the state a runs table's serializer restores. */
export function validateRunsTableState(value: unknown): Validation<RunsTablePanelState> {
  const error = runsTableState(value, 'state');
  if (error) return { ok: false, error };
  const state = value as RunsTablePanelState;
  return state.experimentIds.length === 0 ? { ok: false, error: 'state.experimentIds is empty' } : { ok: true, value: state };
}
