// The "Compare runs" webview: Params | Metrics | Tags | Charts. Receives data from the extension
// (src/extension/compare/comparePanel.ts) through the validated contract; never fetches anything itself.
import 'uplot/dist/uPlot.min.css';
import './compare.css';
import type uPlot from 'uplot';
import { MAX_HISTORY_POINTS, validateToWebview, type Comparison, type FromWebviewMessage, type HistoryError, type HistorySeries, type ToWebviewMessage } from '../contract';
import { receiveValidated } from '../panelMessages';
import { button, checkbox, h, select, slider, stateView, tabs } from './components';
import { historyChart, parallelCoordinates, runColor, scatterChart, themeColors, type XMode } from './charts';
import { diffTable, metricsTable, type TableActions } from './tables';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

type TabId = 'params' | 'metrics' | 'tags' | 'charts';

interface ViewState {
  connectionId?: string;
  runIds?: string[];
  tab: TabId;
  chartMetrics?: string[];
  hideIdentical: boolean;
  /** The tables' key filter (one for Params, Metrics and Tags). */
  keyFilter?: string;
  xMode: XMode;
  log: boolean;
  smoothing: number;
  pcMetric?: string;
  scatterX?: string;
  scatterY?: string;
}

const vscode = acquireVsCodeApi();
const saved = (vscode.getState() ?? {}) as Partial<ViewState>;
const view: ViewState = {
  tab: 'params',
  hideIdentical: false,
  xMode: 'step',
  log: false,
  smoothing: 0,
  ...saved,
};

let comparison: Comparison | undefined;
let connectionLabel = '';
let refreshing = false;
let missing: string[] = [];
let fatal: { message: string } | undefined;
let loadingText: string | undefined = 'Loading runs…';
/** Metric key → its series for every run, as last received. */
const histories = new Map<string, HistorySeries[]>();
let historyErrors: HistoryError[] = [];
let historyFailure: string | undefined;
let historyPending = new Set<string>();
let requestId = 0;
let charts: uPlot[] = [];
let tabsControl: ReturnType<typeof tabs> | undefined;

const app = document.getElementById('app')!;
const status = h('div', { className: 'notice', role: 'status', 'aria-live': 'polite' });

function post(message: FromWebviewMessage): void {
  vscode.postMessage(message);
}

function saveState(): void {
  vscode.setState(view);
}

const actions: TableActions = {
  copy: (text) => post({ type: 'copy', text }),
  exportCsv: (table) => post({ type: 'exportCsv', table }),
  setBetter: (metric, higherIsBetter) => post({ type: 'setBetter', metric, higherIsBetter }),
  get hideIdentical() {
    return view.hideIdentical;
  },
  setHideIdentical: (hide) => {
    view.hideIdentical = hide;
    saveState();
    tabsControl?.rerender();
  },
  get keyFilter() {
    return view.keyFilter;
  },
  setKeyFilter: (text) => {
    view.keyFilter = text;
    saveState();
  },
};

receiveValidated('Compare runs', validateToWebview, receive);

function receive(message: ToWebviewMessage): void {
  switch (message.type) {
    case 'loading':
      if (!comparison) {
        loadingText = message.what;
        fatal = undefined;
        render();
      }
      return;
    case 'runs': {
      const runsChanged = !comparison || comparison.runs.map((r) => r.runId).join() !== message.comparison.runs.map((r) => r.runId).join();
      const wasRefreshing = refreshing;
      comparison = message.comparison;
      connectionLabel = message.connectionLabel;
      refreshing = message.refreshing;
      missing = message.missing;
      fatal = undefined;
      loadingText = undefined;
      view.connectionId = message.connectionId;
      view.runIds = comparison.runs.map((r) => r.runId);
      const keys = comparison.metrics.map((m) => m.key);
      view.chartMetrics = (view.chartMetrics ?? []).filter((k) => keys.includes(k));
      if (view.chartMetrics.length === 0) view.chartMetrics = keys.slice(0, 2);
      saveState();
      // Running runs have grown: their histories are stale.
      if (refreshing || wasRefreshing || runsChanged) histories.clear();
      if (!tabsControl || runsChanged) render();
      else {
        renderHeader();
        if (view.tab === 'charts') {
          if (histories.size === 0) tabsControl.rerender();
        } else tabsControl.rerender();
      }
      if (view.tab === 'charts') requestHistories();
      return;
    }
    case 'histories':
      for (const key of new Set(message.series.map((s) => s.metricKey))) histories.set(key, []);
      for (const s of message.series) histories.get(s.metricKey)!.push(s);
      // A metric nobody logged for these runs still counts as loaded (an empty chart says so).
      for (const key of historyPending) if (!histories.has(key) && !message.errors.some((e) => e.metricKey === key && !e.runId)) histories.set(key, []);
      historyPending = new Set();
      historyErrors = message.errors;
      historyFailure = undefined;
      redrawHistory();
      return;
    case 'error':
      if (message.retry === 'histories') {
        historyPending = new Set();
        historyFailure = message.message;
        redrawHistory();
      } else {
        fatal = { message: message.message };
        comparison = undefined;
        tabsControl = undefined;
        render();
      }
      return;
    case 'notice':
      status.textContent = message.message;
      setTimeout(() => {
        if (status.textContent === message.message) status.textContent = '';
      }, 4000);
      return;
  }
}

const header = h('header', { className: 'header' });

function renderHeader(): void {
  if (!comparison) return header.replaceChildren();
  const parts = [
    h('h1', {}, `${comparison.runs.length} runs`, h('span', { className: 'connection' }, ` on ${connectionLabel}`)),
    refreshing ? h('span', { className: 'badge', title: 'Some runs are still running: the panel re-reads them every few seconds.' }, 'live') : null,
    missing.length ? h('span', { className: 'warning', role: 'note' }, `${missing.length} run(s) not found: ${missing.join(', ')}`) : null,
    h('span', { className: 'spacer' }),
    button('Export all as CSV', () => post({ type: 'exportCsv', table: 'all' }), { secondary: true }),
  ];
  header.replaceChildren(...parts.filter((p): p is HTMLElement => p !== null));
}

function render(): void {
  destroyCharts();
  if (fatal) {
    app.replaceChildren(stateView('error', fatal.message, () => post({ type: 'retry' })), status);
    return;
  }
  if (!comparison) {
    app.replaceChildren(stateView('loading', loadingText ?? 'Loading…'), status);
    return;
  }
  renderHeader();
  tabsControl = tabs(
    [
      { id: 'params', label: `Params (${comparison.params.length})`, render: () => diffTable('params', comparison!, actions) },
      { id: 'metrics', label: `Metrics (${comparison.metrics.length})`, render: () => metricsTable(comparison!, actions) },
      { id: 'tags', label: `Tags (${comparison.tags.length})`, render: () => diffTable('tags', comparison!, actions) },
      { id: 'charts', label: 'Charts', render: () => chartsView() },
    ],
    view.tab,
    (id) => {
      if (view.tab === 'charts' && id !== 'charts') destroyCharts();
      view.tab = id as TabId;
      saveState();
      if (id === 'charts') requestHistories();
    },
  );
  app.replaceChildren(header, tabsControl.root, status);
}

function requestHistories(): void {
  const wanted = (view.chartMetrics ?? []).filter((k) => !histories.has(k));
  if (wanted.length === 0 || !comparison) return;
  if (wanted.every((k) => historyPending.has(k))) return;
  historyPending = new Set(wanted);
  historyFailure = undefined;
  // About two points per pixel of the widest chart; the server samples to at most 2500 anyway.
  const maxPoints = Math.min(MAX_HISTORY_POINTS, Math.max(500, Math.ceil(chartWidth() * 2)));
  post({ type: 'loadHistories', requestId: ++requestId, metricKeys: wanted, maxPoints });
  redrawHistory();
}

function destroyCharts(): void {
  for (const c of [...charts, ...historyCharts]) c.destroy();
  charts = [];
  historyCharts = [];
}

function chartWidth(): number {
  return Math.max(320, (app.clientWidth || window.innerWidth) - 40);
}

function chartsView(): HTMLElement {
  destroyCharts();
  const c = comparison!;
  const keys = c.metrics.map((m) => m.key);
  const selected = new Set(view.chartMetrics ?? []);
  const metricPicker = h(
    'fieldset',
    { className: 'metric-picker' },
    h('legend', {}, 'Metrics'),
    ...keys.map((k) =>
      checkbox(k, selected.has(k), (on) => {
        const next = new Set(view.chartMetrics ?? []);
        if (on) next.add(k);
        else next.delete(k);
        view.chartMetrics = keys.filter((key) => next.has(key));
        saveState();
        requestHistories();
        redrawHistory();
      }),
    ),
  );
  const controls = h(
    'div',
    { className: 'toolbar chart-controls' },
    select(
      'X axis',
      [
        { value: 'step', label: 'Step' },
        { value: 'wall', label: 'Wall time' },
        { value: 'relative', label: 'Relative time' },
      ],
      view.xMode,
      (v) => {
        view.xMode = v as XMode;
        redrawHistory();
      },
    ),
    checkbox('Log scale', view.log, (on) => {
      view.log = on;
      redrawHistory();
    }),
    slider('Smoothing', 0, 0.99, 0.01, view.smoothing, (v) => {
      view.smoothing = v;
      scheduleRedraw();
    }, (v) => v.toFixed(2)),
    h('span', { className: 'hint' }, 'Drag to zoom, double-click to reset.'),
  );
  const chartArea = h('div', { className: 'charts' });
  historyArea = chartArea;
  fillHistoryCharts(chartArea);
  const width = chartWidth();
  return h('div', { className: 'charts-tab' }, h('div', { className: 'chart-head' }, metricPicker, controls), chartArea, relationsView(c, width));
}

let historyArea: HTMLElement | undefined;
let historyCharts: uPlot[] = [];

/** (Re)draws the history charts only: controls keep their focus while the slider moves. */
function fillHistoryCharts(chartArea: HTMLElement): void {
  const drawStarted = performance.now();
  // Layout is read before the DOM is written: reading it after would force a synchronous reflow.
  const width = chartWidth();
  for (const chart of historyCharts) chart.destroy();
  historyCharts = [];
  chartArea.replaceChildren();
  const c = comparison!;
  const keys = c.metrics.map((m) => m.key);
  const selected = new Set(view.chartMetrics ?? []);
  let drawnPoints = 0;
  if (keys.length === 0) chartArea.append(stateView('empty', 'None of these runs logged metrics: nothing to chart.'));
  else if (selected.size === 0) chartArea.append(stateView('empty', 'Pick one or more metrics to chart.'));
  if (historyFailure) chartArea.append(stateView('error', historyFailure, () => requestHistories()));
  for (const key of view.chartMetrics ?? []) {
    const series = histories.get(key);
    const box = h('div', { className: 'chart', dataset: { metric: key } });
    chartArea.append(box);
    if (!series) {
      if (!historyFailure) box.append(stateView('loading', `Loading the history of ${key}…`));
      continue;
    }
    if (series.length === 0) {
      box.append(stateView('empty', `No history of ${key} for these runs.`));
      continue;
    }
    drawnPoints += series.reduce((n, s) => n + s.steps.length, 0);
    historyCharts.push(historyChart(box, { metricKey: key, runs: c.runs, series, xMode: view.xMode, log: view.log, smoothing: view.smoothing, width, height: 300 }));
    const sampled = series.some((s) => s.sampled);
    if (sampled) box.append(h('p', { className: 'hint' }, 'Sampled for display: first, last and extreme points are kept.'));
  }
  const errors = historyErrors.filter((e) => selected.has(e.metricKey));
  if (errors.length) {
    chartArea.append(
      h('div', { className: 'warning', role: 'alert' }, h('p', {}, 'Some histories could not be loaded:'), h('ul', {}, ...errors.map((e) => h('li', {}, `${e.metricKey}${e.runId ? ` (${e.runId})` : ''}: ${e.message}`))), button('Retry', () => {
        for (const e of errors) histories.delete(e.metricKey);
        requestHistories();
      })),
    );
  }
  if (drawnPoints > 0) {
    const ms = performance.now() - drawStarted;
    // For benchmarks and tests: how long the history charts took to build and draw.
    queueMicrotask(() => window.dispatchEvent(new CustomEvent('mlflow-compare-charts-drawn', { detail: { points: drawnPoints, ms, charts: historyCharts.length } })));
  }
}

/** Parallel coordinates and scatter: how params relate to a metric across runs. */
function relationsView(c: Comparison, width: number): HTMLElement {
  const metricKeys = c.metrics.map((m) => m.key);
  const paramKeys = c.params.filter((p) => p.differs).map((p) => p.key).slice(0, 8);
  const section = h('section', { className: 'relations' }, h('h2', {}, 'Params vs metrics'));
  if (metricKeys.length === 0 || c.runs.length < 2) return section;
  view.pcMetric = metricKeys.includes(view.pcMetric ?? '') ? view.pcMetric : metricKeys[0];
  const refs = [...c.params.map((p) => ({ value: `param:${p.key}`, label: `param ${p.key}` })), ...metricKeys.map((k) => ({ value: `metric:${k}`, label: `metric ${k}` }))];
  view.scatterX = refs.some((r) => r.value === view.scatterX) ? view.scatterX : (paramKeys[0] ? `param:${paramKeys[0]}` : refs[0].value);
  view.scatterY = refs.some((r) => r.value === view.scatterY) ? view.scatterY : `metric:${view.pcMetric}`;
  const rerender = () => {
    saveState();
    tabsControl?.rerender();
  };
  const pcBox = h('div', { className: 'chart parallel' });
  if (paramKeys.length === 0) pcBox.append(stateView('empty', 'No parameter differs between these runs: parallel coordinates need at least one.'));
  else pcBox.append(parallelCoordinates(c, paramKeys, view.pcMetric!, width, 260));
  const legend = h('ul', { className: 'run-legend' }, ...c.runs.map((r, i) => h('li', {}, h('span', { className: 'swatch', dataset: { color: runColor(i, themeColors().palette) } }), r.name)));
  for (const swatch of legend.querySelectorAll<HTMLElement>('.swatch')) swatch.style.backgroundColor = swatch.dataset.color ?? '';
  const scatterBox = h('div', { className: 'chart scatter' });
  charts.push(scatterChart(scatterBox, c, view.scatterX!, view.scatterY!, Math.min(width, 700), 320));
  section.append(
    h('div', { className: 'toolbar' }, select('Parallel coordinates against', metricKeys.map((k) => ({ value: k, label: k })), view.pcMetric!, (v) => {
      view.pcMetric = v;
      rerender();
    })),
    pcBox,
    legend,
    h(
      'div',
      { className: 'toolbar' },
      select('Scatter X', refs, view.scatterX!, (v) => {
        view.scatterX = v;
        rerender();
      }),
      select('Y', refs, view.scatterY!, (v) => {
        view.scatterY = v;
        rerender();
      }),
    ),
    scatterBox,
  );
  return section;
}

function redrawHistory(): void {
  saveState();
  if (view.tab === 'charts' && historyArea?.isConnected) fillHistoryCharts(historyArea);
}

let redrawTimer: ReturnType<typeof setTimeout> | undefined;
function scheduleRedraw(): void {
  clearTimeout(redrawTimer);
  redrawTimer = setTimeout(redrawHistory, 60);
}

let rerenderTimer: ReturnType<typeof setTimeout> | undefined;
function scheduleRerender(): void {
  clearTimeout(rerenderTimer);
  rerenderTimer = setTimeout(() => {
    saveState();
    if (view.tab === 'charts') tabsControl?.rerender();
  }, 120);
}

let lastWidth = 0;
new ResizeObserver(() => {
  const width = app.clientWidth;
  if (Math.abs(width - lastWidth) < 24) return;
  lastWidth = width;
  if (view.tab === 'charts' && charts.length > 0) scheduleRerender();
}).observe(app);

render();
post({ type: 'ready' });
