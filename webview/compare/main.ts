// The "Compare runs" webview: Params | Metrics | Tags | Charts. Receives data from the extension
// (src/extension/compare/comparePanel.ts) through the validated contract; never fetches anything itself.
import 'uplot/dist/uPlot.min.css';
import '../shared/panel.css';
import './compare.css';
import type uPlot from 'uplot';
import { validateToWebview, type ChartLayout, type Comparison, type FromWebviewMessage, type RunRef, type ToWebviewMessage } from '../contract';
import { receiveValidated } from '../shared/panelMessages';
import { PanelStatus } from '../shared/panelStatus';
import { vsCodeApi } from '../shared/vscodeApi';
import { h, slider, stateView } from '../shared/components';
import { button, checkbox, select, tabs, textField } from '../shared/toolkitControls';
import { MetricExpressionError, parseMetricExpression } from '../../src/engine/compare/metricExpression';
import { parallelCoordinates, runColor, scatterChart, type XMode } from './charts';
import { themeColors } from '../shared/themeColors';
import { groupableRefs } from '../../src/engine/compare/runGroups';
import { moveKey, nextCardHeight, orderKeys, sectionsOf } from './chartSections';
import { boxPlot } from './boxPlot';
import { ImageGrid } from './imageGrid';
import { MetricCharts } from './metricCharts';
import { baselineTable, diffTable, metricsTable, type TableActions } from './tables';

type TabId = 'params' | 'metrics' | 'tags' | 'charts' | 'images' | 'baseline';

interface ViewState {
  connectionId?: string;
  runIds?: string[];
  /** Every run with its connection, when they come from several (the serializer restores them). */
  runs?: RunRef[];
  tab: TabId;
  hideIdentical: boolean;
  /** The tables' key filter (one for Params, Metrics and Tags). */
  keyFilter?: string;
  xMode: XMode;
  /** X axis: another metric's values (xMode is then ignored). */
  xMetric?: string;
  log: boolean;
  /** Charts: the y range from the 5th to the 95th percentile. */
  ignoreOutliers?: boolean;
  smoothing: number;
  /** Charts: `param:<key>` / `tag:<key>` to group runs by; absent: one line per run. */
  groupBy?: string;
  showGroupRuns?: boolean;
  /** Baseline diff: the baseline run, and whether rows equal to it are hidden. */
  baselineRunId?: string;
  baselineHideIdentical?: boolean;
  pcMetric?: string;
  /** The metric of the box plot per group (when runs are grouped). */
  boxMetric?: string;
  scatterX?: string;
  scatterY?: string;
}

const vscode = vsCodeApi<FromWebviewMessage>();
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
/** Latest values and statuses as last received: when they change, running runs have logged more. */
let liveSignature = '';
/** Collapsed sections and hidden cards: remembered by the extension per experiment set. */
let layout: ChartLayout = { collapsedSections: [], hiddenMetrics: [] };
let charts: uPlot[] = [];
let tabsControl: ReturnType<typeof tabs> | undefined;

const app = document.getElementById('app')!;
const panelStatus = new PanelStatus('Loading runs…', 4000, () => post({ type: 'retry' }));

function post(message: FromWebviewMessage): void {
  vscode.postMessage(message);
}

function saveState(): void {
  vscode.setState(view);
}

function saveLayout(): void {
  post({ type: 'saveLayout', layout });
}

const metricCharts = new MetricCharts(
  post,
  () => comparison,
  () => view,
  chartWidth,
  {
    height: (key) => layout.heights?.[key] ?? 300,
    // Cards move within their section; the order and sizes are remembered per experiment (the layout).
    move: (key, delta) => {
      const sections = sectionsOf(orderKeys(chartKeys(), layout.order));
      layout = { ...layout, order: sections.flatMap((s) => (s.keys.includes(key) ? moveKey(s.keys, key, delta) : s.keys)) };
      saveLayout();
      redrawHistory();
    },
    resize: (key) => {
      layout = { ...layout, heights: { ...layout.heights, [key]: nextCardHeight(layout.heights?.[key]) } };
      saveLayout();
      redrawHistory();
    },
  },
);
const imageGrid = new ImageGrid(post, () => comparison);

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
        panelStatus.loading(message.what);
        render();
      }
      return;
    case 'runs': {
      const runsChanged = !comparison || comparison.runs.map((r) => r.runId).join() !== message.comparison.runs.map((r) => r.runId).join();
      comparison = message.comparison;
      connectionLabel = message.connectionLabel;
      refreshing = message.refreshing;
      missing = message.missing;
      panelStatus.loaded();
      view.connectionId = message.connectionId;
      view.runIds = comparison.runs.filter((r) => (r.connectionId ?? message.connectionId) === message.connectionId).map((r) => r.runId);
      const refs = comparison.runs.map((r) => ({ connectionId: r.connectionId ?? message.connectionId, runId: r.runId }));
      if (refs.some((r) => r.connectionId !== message.connectionId)) view.runs = refs;
      else delete view.runs;
      if (message.layout && runsChanged) layout = message.layout;
      saveState();
      const signature = JSON.stringify([comparison.runs.map((r) => r.status), comparison.metrics.map((m) => [m.key, m.latest])]);
      if (runsChanged) {
        metricCharts.reset();
        imageGrid.reset();
      }
      // Running runs have logged more: the charts are reloaded, and keep what they show meanwhile.
      else if (signature !== liveSignature) metricCharts.markStale();
      liveSignature = signature;
      if (!tabsControl || runsChanged) render();
      else {
        renderHeader();
        if (view.tab !== 'charts') tabsControl.rerender();
      }
      // Every metric's overview, the visible charts first, the rest in the background (also the
      // Metrics table's min/max).
      metricCharts.load(chartKeys());
      return;
    }
    case 'histories':
      metricCharts.receive(message);
      return;
    case 'images':
      imageGrid.receiveImages(message);
      return;
    case 'image':
      imageGrid.receiveImage(message);
      return;
    case 'error':
      if (message.retry === 'histories') {
        metricCharts.fail(message.requestId, message.message);
      } else {
        panelStatus.failed(message.message, true);
        comparison = undefined;
        tabsControl = undefined;
        render();
      }
      return;
    case 'notice':
      panelStatus.notice(message.message);
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
  if (panelStatus.showsInstead(app, comparison !== undefined) || !comparison) return;
  renderHeader();
  tabsControl = tabs(
    [
      { id: 'params', label: `Params (${comparison.params.length})`, render: () => diffTable('params', comparison!, actions) },
      { id: 'metrics', label: `Metrics (${comparison.metrics.length})`, render: () => metricsTable(comparison!, actions) },
      { id: 'tags', label: `Tags (${comparison.tags.length})`, render: () => diffTable('tags', comparison!, actions) },
      { id: 'charts', label: 'Charts', render: () => chartsView() },
      { id: 'images', label: 'Images', render: () => imageGrid.render() },
      {
        id: 'baseline',
        label: 'Baseline diff',
        render: () =>
          baselineTable(comparison!, {
            baselineRunId: view.baselineRunId,
            hideIdentical: view.baselineHideIdentical ?? false,
            setBaseline: (runId) => {
              view.baselineRunId = runId;
              saveState();
              tabsControl?.rerender();
            },
            setHideIdentical: (hide) => {
              view.baselineHideIdentical = hide;
              saveState();
              tabsControl?.rerender();
            },
          }),
      },
    ],
    view.tab,
    (id) => {
      if (view.tab === 'charts' && id !== 'charts') destroyCharts();
      view.tab = id as TabId;
      saveState();
      if (id === 'charts') metricCharts.load(chartKeys());
    },
  );
  app.replaceChildren(header, tabsControl.root, panelStatus.line);
}

/** The metrics with a chart card, in the comparison's order (hidden ones left out). */
function chartKeys(): string[] {
  const hidden = new Set(layout.hiddenMetrics);
  return (comparison?.metrics ?? []).map((m) => m.key).filter((k) => !hidden.has(k));
}

function destroyCharts(): void {
  for (const c of charts) c.destroy();
  charts = [];
  metricCharts.unmount();
}

function chartWidth(): number {
  return Math.max(320, (app.clientWidth || window.innerWidth) - 40);
}

function chartsView(): HTMLElement {
  destroyCharts();
  const c = comparison!;
  const keys = c.metrics.map((m) => m.key);
  if (view.xMetric && !keys.includes(view.xMetric)) view.xMetric = undefined;
  const hidden = new Set(layout.hiddenMetrics);
  const metricPicker = h(
    'fieldset',
    { className: 'metric-picker' },
    h('legend', {}, 'Metrics'),
    ...keys.map((k) =>
      checkbox(k, !hidden.has(k), (on) => {
        const next = new Set(layout.hiddenMetrics);
        if (on) next.delete(k);
        else next.add(k);
        // Keys of metrics these runs lack stay hidden for runs that have them.
        layout = { ...layout, hiddenMetrics: [...next] };
        saveLayout();
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
        ...keys.map((k) => ({ value: `metric:${k}`, label: `Metric ${k}` })),
      ],
      view.xMetric && keys.includes(view.xMetric) ? `metric:${view.xMetric}` : view.xMode,
      (v) => {
        if (v.startsWith('metric:')) {
          view.xMetric = v.slice('metric:'.length);
          view.xMode = 'step';
          metricCharts.load([view.xMetric]);
        } else {
          view.xMetric = undefined;
          view.xMode = v as XMode;
        }
        saveState();
        metricCharts.redrawAll({ clearZoom: true });
      },
    ),
    groupControls(c),
    checkbox('Log scale', view.log, (on) => {
      view.log = on;
      saveState();
      metricCharts.redrawAll();
    }),
    checkbox(
      'Ignore outliers',
      view.ignoreOutliers ?? false,
      (on) => {
        view.ignoreOutliers = on;
        saveState();
        metricCharts.redrawAll();
      },
      { title: 'Scale the y axis to the 5th–95th percentile of the values drawn, so a spike does not flatten the other lines.' },
    ),
    slider(
      'Smoothing',
      0,
      0.99,
      0.01,
      view.smoothing,
      (v) => {
        view.smoothing = v;
        scheduleRedraw();
      },
      (v) => v.toFixed(2),
    ),
    h('span', { className: 'hint' }, 'Drag to zoom (by step: loads the detail of the range), double-click to reset.'),
  );
  const chartArea = h('div', { className: 'charts' });
  historyArea = chartArea;
  controls.append(expressionControls());
  fillHistoryCharts(chartArea);
  const width = chartWidth();
  return h('div', { className: 'charts-tab' }, h('div', { className: 'chart-head' }, metricPicker, controls), chartArea, relationsView(c, width));
}

/** A y-axis expression over metrics: typed, checked, added as a chart (remembered with the layout). */
function expressionControls(): HTMLElement {
  let text = '';
  const problem = h('span', { className: 'warning expression-error', role: 'alert' });
  const add = () => {
    try {
      const parsed = parseMetricExpression(text);
      if (parsed.metrics.length === 0) throw new MetricExpressionError('The expression reads no metric: name one, e.g. val_loss - train_loss.');
      problem.textContent = '';
      const expressions = layout.expressions ?? [];
      if (!expressions.includes(parsed.text)) layout = { ...layout, expressions: [...expressions, parsed.text] };
      saveLayout();
      redrawHistory();
    } catch (err) {
      problem.textContent = err instanceof Error ? err.message : String(err);
    }
  };
  const field = textField('Y expression', text, (v) => (text = v), {
    name: 'y-expression',
    placeholder: 'val_loss - train_loss',
    title: 'A chart of an expression over metrics: names (quote others: "val/loss"), numbers, + - * / **, parentheses, abs log log10 exp sqrt min max.',
  });
  field.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') add();
  });
  return h('span', { className: 'expression-controls' }, field, button('Add chart', add, { secondary: true }), problem);
}

/** Group by a param or tag (those whose values differ and repeat), and whether to show the runs inside. */
function groupControls(c: Comparison): HTMLElement {
  const refs = groupableRefs(c);
  if (view.groupBy && !refs.includes(view.groupBy as (typeof refs)[number])) view.groupBy = undefined;
  const options = [{ value: '', label: 'None (one line per run)' }, ...refs.map((r) => ({ value: r, label: r.replace(':', ' ') }))];
  const parts = h(
    'span',
    { className: 'group-controls' },
    select('Group by', options, view.groupBy ?? '', (v) => {
      view.groupBy = v || undefined;
      saveState();
      tabsControl?.rerender();
    }),
  );
  if (refs.length === 0) parts.title = 'No param or tag has a value shared by several runs: nothing to group by.';
  if (view.groupBy) {
    parts.append(
      checkbox('Show runs', view.showGroupRuns ?? false, (on) => {
        view.showGroupRuns = on;
        saveState();
        metricCharts.redrawAll();
      }),
    );
  }
  return parts;
}

let historyArea: HTMLElement | undefined;

/** (Re)builds the metric cards: each draws itself as its series arrive (metricCharts.ts). */
function fillHistoryCharts(chartArea: HTMLElement): void {
  metricCharts.unmount();
  chartArea.replaceChildren();
  const c = comparison!;
  const keys = chartKeys();
  if (c.metrics.length === 0) chartArea.append(stateView('empty', 'None of these runs logged metrics: nothing to chart.'));
  else if (keys.length === 0) chartArea.append(stateView('empty', 'Pick one or more metrics to chart.'));
  const collapsed = new Set(layout.collapsedSections);
  const expressions = layout.expressions ?? [];
  let expressionMetrics: string[] = [];
  if (expressions.length > 0) {
    const body = h('div', { className: 'section-body' });
    const chips = h(
      'div',
      { className: 'expression-chips' },
      ...expressions.map((text) =>
        button(
          `Remove ${text}`,
          () => {
            layout = { ...layout, expressions: expressions.filter((e) => e !== text) };
            saveLayout();
            redrawHistory();
          },
          { secondary: true, icon: '✕' },
        ),
      ),
    );
    chartArea.append(
      h('section', { className: 'metric-section', dataset: { section: 'Expressions' } }, h('h3', { className: 'section-head' }, 'Expressions'), chips, body),
    );
    expressionMetrics = metricCharts.mountExpressions(body, expressions);
  }
  for (const section of sectionsOf(orderKeys(keys, layout.order))) {
    const open = !collapsed.has(section.name);
    const body = h('div', { className: 'section-body' });
    const toggle = h(
      'button',
      { className: 'section-toggle', type: 'button', 'aria-expanded': String(open), title: open ? 'Collapse this section' : 'Expand this section' },
      h('span', { className: 'chevron', 'aria-hidden': 'true' }, open ? '▾' : '▸'),
      ` ${section.name} `,
      h('span', { className: 'count' }, `(${section.keys.length})`),
    );
    toggle.addEventListener('click', () => {
      const next = new Set(layout.collapsedSections);
      if (open) next.add(section.name);
      else next.delete(section.name);
      layout = { ...layout, collapsedSections: [...next] };
      saveLayout();
      redrawHistory();
    });
    chartArea.append(
      h(
        'section',
        { className: 'metric-section', dataset: { section: section.name, collapsed: String(!open) } },
        h('h3', { className: 'section-head' }, toggle),
        body,
      ),
    );
    if (open) metricCharts.mount(body, section.keys);
  }
  // Cards shown now that were hidden before: their series (the ones on screen first); the metrics expressions read.
  requestAnimationFrame(() => metricCharts.load([...new Set([...chartKeys(), ...expressionMetrics, ...(view.xMetric ? [view.xMetric] : [])])]));
}

/** Parallel coordinates and scatter: how params relate to a metric across runs. */
function relationsView(c: Comparison, width: number): HTMLElement {
  const metricKeys = c.metrics.map((m) => m.key);
  const paramKeys = c.params
    .filter((p) => p.differs)
    .map((p) => p.key)
    .slice(0, 8);
  const section = h('section', { className: 'relations' }, h('h2', {}, 'Params vs metrics'));
  if (metricKeys.length === 0 || c.runs.length < 2) return section;
  view.pcMetric = metricKeys.includes(view.pcMetric ?? '') ? view.pcMetric : metricKeys[0];
  const refs = [
    ...c.params.map((p) => ({ value: `param:${p.key}`, label: `param ${p.key}` })),
    ...metricKeys.map((k) => ({ value: `metric:${k}`, label: `metric ${k}` })),
  ];
  view.scatterX = refs.some((r) => r.value === view.scatterX) ? view.scatterX : paramKeys[0] ? `param:${paramKeys[0]}` : refs[0].value;
  view.scatterY = refs.some((r) => r.value === view.scatterY) ? view.scatterY : `metric:${view.pcMetric}`;
  const rerender = () => {
    saveState();
    tabsControl?.rerender();
  };
  const pcBox = h('div', { className: 'chart parallel' });
  if (paramKeys.length === 0) pcBox.append(stateView('empty', 'No parameter differs between these runs: parallel coordinates need at least one.'));
  else pcBox.append(parallelCoordinates(c, paramKeys, view.pcMetric!, width, 260));
  const legend = h(
    'ul',
    { className: 'run-legend' },
    ...c.runs.map((r, i) => h('li', {}, h('span', { className: 'swatch', dataset: { color: runColor(i, themeColors().palette) } }), r.name)),
  );
  for (const swatch of legend.querySelectorAll<HTMLElement>('.swatch')) swatch.style.backgroundColor = swatch.dataset.color ?? '';
  const scatterBox = h('div', { className: 'chart scatter' });
  charts.push(scatterChart(scatterBox, c, view.scatterX!, view.scatterY!, Math.min(width, 700), 320));
  section.append(
    h(
      'div',
      { className: 'toolbar' },
      select(
        'Parallel coordinates against',
        metricKeys.map((k) => ({ value: k, label: k })),
        view.pcMetric!,
        (v) => {
          view.pcMetric = v;
          rerender();
        },
      ),
    ),
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
  // Grouped runs: a box plot of a metric's latest values per group.
  if (view.groupBy) {
    view.boxMetric = metricKeys.includes(view.boxMetric ?? '') ? view.boxMetric : metricKeys[0];
    section.append(
      h(
        'div',
        { className: 'toolbar' },
        select(
          `Box plot per ${view.groupBy.replace(':', ' ')} of`,
          metricKeys.map((k) => ({ value: k, label: k })),
          view.boxMetric!,
          (v) => {
            view.boxMetric = v;
            rerender();
          },
        ),
      ),
      boxPlot(c, view.groupBy, view.boxMetric!, Math.min(width, 700), 280),
    );
  }
  return section;
}

function redrawHistory(): void {
  saveState();
  if (view.tab === 'charts' && historyArea?.isConnected) fillHistoryCharts(historyArea);
}

function redrawCharts(): void {
  saveState();
  metricCharts.redrawAll();
}

let redrawTimer: ReturnType<typeof setTimeout> | undefined;
function scheduleRedraw(): void {
  clearTimeout(redrawTimer);
  redrawTimer = setTimeout(redrawCharts, 60);
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
