// The compare panel's messages (src/extension/compare/, webview/compare/), validated on both ends.
// Each type is derived from its check (webview/shared/contractChecks.ts), so the two cannot differ.
// Plain TypeScript, no DOM and no Node: compiled into the extension and bundled into the webview.
import type { ComparedRun, DiffRow, MetricRow, RunComparison } from '../../src/engine/compare/compareRuns';
import type { ImageArtifact, LoggedImage, RunImages } from '../../src/engine/compare/runImages';
import {
  arr,
  bool,
  bytes,
  record,
  float64s,
  int,
  MAX_ITEMS,
  num,
  obj,
  oneOf,
  optional,
  orMissing,
  refine,
  shapeOf,
  str,
  messageValidator,
  valueValidator,
  type Infer,
  type MessageOf,
} from '../shared/contractChecks';
import { runFields } from '../shared/runChecks';

// The comparison's shapes are the engine's (src/engine/compare/compareRuns.ts), sent as they are:
// one definition, so the two ends cannot drift apart. Type-only: nothing of the engine is bundled.
export type { ComparedRun as CompareRun, DiffRow, MetricRow, RunComparison as Comparison } from '../../src/engine/compare/compareRuns';
export type { ImageArtifact, LoggedImage, RunImages } from '../../src/engine/compare/runImages';

const compareRun = shapeOf<ComparedRun>()(
  obj({
    ...runFields,
    name: str(1000),
    connectionId: optional(str(2000)),
    server: optional(str(1000)),
  }),
);
const diffRow = shapeOf<DiffRow>()(obj({ key: str(1000), values: arr(orMissing(str())), differs: bool }));
const metricRow = shapeOf<MetricRow>()(
  obj({
    key: str(1000),
    latest: arr(orMissing(num)),
    min: optional(arr(orMissing(num))),
    max: optional(arr(orMissing(num))),
    extremesExact: optional(arr(bool)),
    best: int(-1, MAX_ITEMS),
    higherIsBetter: bool,
    differs: bool,
  }),
);
const comparison = shapeOf<RunComparison>()(obj({ runs: arr(compareRun), params: arr(diffRow), metrics: arr(metricRow), tags: arr(diffRow) }));

/** Most points of one history series (the webview asks for at most MAX_HISTORY_POINTS; the bench sends 50,000). */
const MAX_SERIES_POINTS = 10_000_000;
/**
 * A metric's history for one run, in columns (src/engine/compare/historyColumns.ts): `steps`,
 * `timestamps` (ms) and `values` are Float64Arrays of one length. Histories are the bulk of the
 * traffic: VS Code's postMessage transfers typed arrays as binary, and checking them is a type and
 * length test instead of a walk over every point. Values keep NaN and ±Infinity.
 * `sampled`: fewer points than the server holds (server- or client-side sampling); `min`/`max`: over
 * the whole history when `exact`, else over the points sent.
 */
const historySeries = refine(
  obj({
    runId: str(200),
    metricKey: str(1000),
    steps: float64s(MAX_SERIES_POINTS),
    timestamps: float64s(MAX_SERIES_POINTS),
    values: float64s(MAX_SERIES_POINTS),
    sampled: bool,
    min: optional(num),
    max: optional(num),
    exact: bool,
  }),
  (s, p) =>
    s.timestamps.length !== s.steps.length || s.values.length !== s.steps.length
      ? `${p} has columns of different lengths (steps ${s.steps.length}, timestamps ${s.timestamps.length}, values ${s.values.length})`
      : undefined,
);
export type HistorySeries = Infer<typeof historySeries>;

const historyError = obj({ metricKey: str(1000), runId: optional(str(200)), message: str(10_000) });
export type HistoryError = Infer<typeof historyError>;

const requestId = int(0, Number.MAX_SAFE_INTEGER);
/** Steps from startStep to endStep, both included: a zoomed chart's range. */
const stepRange = refine(
  obj({ startStep: int(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER), endStep: int(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER) }),
  (r, p) => (r.startStep > r.endStep ? `${p}.startStep must not be after ${p}.endStep` : undefined),
);
export type StepRange = Infer<typeof stepRange>;

/**
 * The Charts tab's layout, remembered per connection and experiment set (workspaceState): sections
 * (metric-name prefixes, see webview/compare/chartSections.ts) collapsed and metrics whose card is
 * hidden; `expressions`: charts of y-axis expressions over metrics (`val_loss - train_loss`), in the
 * order added; `order`: metric cards in the order the user put them (cards not listed follow in their
 * own order); `heights`: metric key → its card's height in pixels, as the user sized it.
 */
const chartLayout = obj({
  collapsedSections: arr(str(1000), 1000),
  hiddenMetrics: arr(str(1000), 10_000),
  expressions: optional(arr(str(500), 50)),
  order: optional(arr(str(1000), 10_000)),
  heights: optional(record(int(100, 2000), 10_000)),
});
export type ChartLayout = Infer<typeof chartLayout>;

const loggedImage = shapeOf<LoggedImage>()(
  obj({
    key: str(1000),
    step: int(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    timestamp: num,
    path: str(4000),
    size: optional(num),
    compressedPath: optional(str(4000)),
    compressedSize: optional(num),
  }),
);
const imageArtifact = shapeOf<ImageArtifact>()(obj({ path: str(4000), size: optional(num) }));
const runImages = shapeOf<RunImages>()(obj({ runId: str(200), logged: arr(loggedImage, 100_000), artifacts: arr(imageArtifact, 10_000), truncated: bool }));
/** Largest image the compare panel sends to its webview. */
export const MAX_IMAGE_BYTES = 20 * 1024 * 1024;
const imageMimes = oneOf('image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/bmp');

/** A run of a panel and the tracking connection it is read from. */
const runRef = obj({ connectionId: str(2000), runId: str(200) });
export type RunRef = Infer<typeof runRef>;

/** Largest number of points per series a webview may ask for (the server samples at most 2500). */
const MAX_HISTORY_POINTS = 100_000;

/** Extension → webview. */
const toWebviewChecks = {
  /** `refreshing`: some runs are still RUNNING and the panel polls them; `missing`: run ids not found. */
  runs: obj({ connectionId: str(2000), connectionLabel: str(1000), comparison, refreshing: bool, missing: arr(str(200)), layout: optional(chartLayout) }),
  loading: obj({ what: str(1000) }),
  /**
   * The series of `metricKeys` (one message per metric, as each arrives; a metric without series
   * has none for these runs, or failed: see `errors`). With `range`: the detail of a zoomed chart.
   */
  histories: obj({
    requestId,
    metricKeys: arr(str(1000), 1000),
    series: arr(historySeries),
    errors: arr(historyError),
    source: oneOf('bulk', 'per-run'),
    range: optional(stepRange),
  }),
  error: obj({ message: str(10_000), retry: oneOf('runs', 'histories', 'none'), requestId: optional(requestId) }),
  notice: obj({ message: str(10_000) }),
  /** The Images tab: each run's logged images and image artifacts (`errors`: runs whose listing failed). */
  images: obj({ runs: arr(runImages, 1000), errors: arr(obj({ runId: str(200), message: str(10_000) }), 1000) }),
  /** One image's bytes (a listed path of a run), or why not. */
  image: obj({ runId: str(200), path: str(4000), mime: optional(imageMimes), bytes: optional(bytes(MAX_IMAGE_BYTES)), error: optional(str(10_000)) }),
};
export type ToWebviewMessage = MessageOf<typeof toWebviewChecks>;

/** Webview → extension. */
const fromWebviewChecks = {
  ready: obj({}),
  /**
   * Metrics in the order to load them (the visible charts first); `range`: only those steps (a zoom,
   * or the new steps of running runs). `zoom`: the chart whose drag-zoom asks for the range's detail
   * (its card key: a metric key, or `expr:` and an expression's text, which asks for every metric the
   * expression reads); a newer zoom of the same chart cancels this one.
   */
  loadHistories: refine(
    obj({
      requestId,
      metricKeys: arr(str(1000), 1000),
      maxPoints: int(2, MAX_HISTORY_POINTS),
      range: optional(stepRange),
      zoom: optional(str(2000)),
    }),
    (m, p) => (m.zoom !== undefined && !m.range ? `${p}.zoom needs a range (the zoomed steps)` : undefined),
  ),
  setBetter: obj({ metric: str(1000), higherIsBetter: bool }),
  /** The user collapsed or expanded a section, hid or showed a card. */
  saveLayout: obj({ layout: chartLayout }),
  exportCsv: obj({ table: oneOf('params', 'metrics', 'tags', 'all') }),
  copy: obj({ text: str() }),
  retry: obj({}),
  /** Lists the runs' images (the Images tab was opened). */
  loadImages: obj({}),
  /** The bytes of one image the `images` message listed. */
  loadImage: obj({ runId: str(200), path: str(4000) }),
};
export type FromWebviewMessage = MessageOf<typeof fromWebviewChecks>;

/**
 * What the compare panel persists (vscode.setState) and its serializer restores: `connectionId` and
 * `runIds` are the first connection's; `runs`, when the runs come from several connections, all of them.
 */
const panelState = obj({
  connectionId: str(2000),
  runIds: arr(str(200), 1000),
  runs: optional(arr(runRef, 1000)),
  tab: optional(str(50)),
  chartMetrics: optional(arr(str(1000), 200)),
});
export type ComparePanelState = Infer<typeof panelState>;

/** Validates a chart layout read back from storage (written by an older version, maybe). */
export const validateChartLayout = valueValidator(chartLayout, 'layout');

/** Validates a message a webview received from the extension. */
export const validateToWebview = messageValidator(toWebviewChecks, 'toWebview');

/** Validates a message the extension received from a webview. */
export const validateFromWebview = messageValidator(fromWebviewChecks, 'fromWebview');

/** Validates state restored by a WebviewPanelSerializer (it was written by an older webview, maybe). */
export const validatePanelState = valueValidator(panelState, 'state', (state) => (state.runIds.length === 0 ? 'state.runIds is empty' : undefined));
