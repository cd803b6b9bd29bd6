// The Charts tab's metric cards: one card per metric, each drawn as soon as its series arrive (the
// extension answers metric by metric, the cards on screen asked for first), a spinner until then.
// A drag-zoom in step mode asks the extension again for the zoomed steps only, and the detail is
// merged into the card's series (historyLines.mergeDetail): detail appears where it is looked at. An
// expression's card asks so for each metric it reads, and computes its series again from their detail.
import type uPlot from 'uplot';
import { OVERVIEW_POINTS } from '../../src/engine/compare/downsample';
import { groupRuns, type RunGroup } from '../../src/engine/compare/runGroups';
import type { Comparison, FromWebviewMessage, HistoryError, HistorySeries, StepRange, ToWebviewMessage } from '../contract';
import { historyChart, type HistoryChartOptions, type XMode } from './charts';
import { h, stateView } from '../shared/components';
import { button } from '../shared/toolkitControls';
import { appendRange, expressionSeries, mergeDetail, seriesAgainstMetric, visibleFirst, zoomDetail } from './historyLines';
import { MetricExpressionError, parseMetricExpression, type MetricExpression } from '../../src/engine/compare/metricExpression';

type HistoriesMessage = Extract<ToWebviewMessage, { type: 'histories' }>;

export interface ChartSettings {
  xMode: XMode;
  log: boolean;
  smoothing: number;
  /** `param:<key>` or `tag:<key>`: runs grouped, a mean line with a min–max band per group. */
  groupBy?: string;
  showGroupRuns?: boolean;
  /** The y range from the 5th to the 95th percentile (spikes clipped). */
  ignoreOutliers?: boolean;
  /** X axis: this metric's value at each step (instead of the x mode's). */
  xMetric?: string;
}

interface Card {
  box: HTMLElement;
  body: HTMLElement;
  status: HTMLElement;
  chart?: uPlot;
  /** An expression's card: whether what it draws is computed from sampled histories. */
  sampled?: boolean;
}

/** Card states, on `data-state` of each `.chart` card (tests wait for them). */
export type CardState = 'loading' | 'drawn' | 'empty' | 'error';

const ZOOM_SETTLE_MS = 200;

/** Card keys of y-axis expressions: `expr:` and the expression's text. */
export const EXPRESSION_PREFIX = 'expr:';

export function expressionKey(text: string): string {
  return `${EXPRESSION_PREFIX}${text}`;
}

export class MetricCharts {
  /** Metric key → its series for every run, as last received (with zoom detail merged in). */
  private readonly histories = new Map<string, HistorySeries[]>();
  /** Loaded, but running runs have grown since: drawn as they are and loaded again. */
  private readonly stale = new Set<string>();
  private readonly pending = new Set<string>();
  private readonly errors = new Map<string, HistoryError[]>();
  private readonly failed = new Map<string, string>();
  /** Card key (a metric key or `expr:<text>`) → the x range its chart is zoomed to. */
  private readonly zooms = new Map<string, { min: number; max: number }>();
  /** Card key → its zoom's detail request in flight (the latest: an older one's answers still merge, but only this one ends the wait). */
  private readonly refining = new Map<string, number>();
  /** Request id → the metrics not answered yet, the steps asked for, and the card whose zoom asked (`zoom`). */
  private readonly requests = new Map<number, { keys: string[]; range?: StepRange; zoom?: string }>();
  private readonly zoomTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private cards = new Map<string, Card>();
  /** Card key (`expr:<text>`) → the y-axis expression it draws. */
  private expressions = new Map<string, MetricExpression | MetricExpressionError>();
  private requestId = 0;

  constructor(
    private readonly post: (message: FromWebviewMessage) => void,
    private readonly comparison: () => Comparison | undefined,
    private readonly settings: () => ChartSettings,
    private readonly width: () => number,
    /** Each card's height, and the card tools' actions (move within its section, resize). */
    private readonly cardLayout: { height(key: string): number; move?(key: string, delta: -1 | 1): void; resize?(key: string): void } = { height: () => 300 },
  ) {}

  /** Other runs: nothing loaded counts any more. */
  reset(): void {
    this.histories.clear();
    this.stale.clear();
    this.pending.clear();
    this.errors.clear();
    this.failed.clear();
    this.zooms.clear();
    this.refining.clear();
    this.requests.clear();
    for (const timer of this.zoomTimers.values()) clearTimeout(timer);
    this.zoomTimers.clear();
  }

  /** Running runs have grown: what is drawn stays until its new series arrive. */
  markStale(): void {
    for (const key of this.histories.keys()) this.stale.add(key);
  }

  /** Asks for the series of `keys` that are neither loaded (fresh) nor being loaded nor failed: the cards on screen first. */
  load(keys: readonly string[]): void {
    const wanted = keys.filter((k) => (!this.histories.has(k) || this.stale.has(k)) && !this.pending.has(k) && !this.failed.has(k));
    if (wanted.length === 0 || !this.comparison()) return;
    const ordered = visibleFirst(wanted, (k) => this.onScreen(k));
    const running = this.comparison()!
      .runs.filter((r) => r.status === 'RUNNING' || r.status === 'SCHEDULED')
      .map((r) => r.runId);
    const fresh: string[] = [];
    for (const key of ordered) {
      this.pending.add(key);
      const grown = this.stale.delete(key) ? appendRange(this.histories.get(key) ?? [], running) : undefined;
      if (!grown) {
        fresh.push(key);
        continue;
      }
      // Running runs logged more: only the steps after what is drawn, appended to it.
      const requestId = ++this.requestId;
      this.requests.set(requestId, { keys: [key], range: grown });
      this.post({ type: 'loadHistories', requestId, metricKeys: [key], maxPoints: OVERVIEW_POINTS, range: grown });
    }
    if (fresh.length === 0) return;
    const requestId = ++this.requestId;
    this.requests.set(requestId, { keys: fresh });
    this.post({ type: 'loadHistories', requestId, metricKeys: fresh, maxPoints: OVERVIEW_POINTS });
    for (const key of fresh) if (!this.histories.has(key)) this.draw(key);
  }

  receive(message: HistoriesMessage): void {
    const request = this.requests.get(message.requestId);
    // An answer to a request of runs no longer shown.
    if (!request) return;
    const changed: string[] = [];
    let xMetricChanged = false;
    for (const key of message.metricKeys) {
      request.keys = request.keys.filter((k) => k !== key);
      const series = message.series.filter((s) => s.metricKey === key);
      const errors = message.errors.filter((e) => e.metricKey === key);
      if (message.range) {
        // A zoom's detail leaves the metric's loads alone; new steps of running runs were one.
        if (!request.zoom) this.pending.delete(key);
        const base = this.histories.get(key);
        if (!base) continue;
        this.histories.set(key, mergeDetail(base, series, message.range));
      } else {
        this.pending.delete(key);
        this.errors.set(key, errors);
        // A failed reload keeps what was drawn.
        if (series.length > 0 || errors.length === 0 || !this.histories.has(key)) this.histories.set(key, series);
        if (key === this.settings().xMetric) xMetricChanged = true;
      }
      changed.push(key);
    }
    // The zoomed card waits for the last of its metrics (an expression's are several).
    if (request.keys.length === 0) {
      this.requests.delete(message.requestId);
      if (request.zoom && this.refining.get(request.zoom) === message.requestId) {
        this.refining.delete(request.zoom);
        if (!changed.includes(request.zoom)) changed.push(request.zoom);
      }
    }
    if (xMetricChanged) return this.redrawAll();
    const cards = new Set<string>();
    for (const key of changed) {
      cards.add(key);
      for (const e of this.expressionsOf(key)) cards.add(e);
    }
    for (const key of cards) this.draw(key);
  }

  /** A whole request failed (the extension's error with retry 'histories'). */
  fail(requestId: number | undefined, message: string): void {
    const request = requestId === undefined ? undefined : this.requests.get(requestId);
    if (!request) return;
    this.requests.delete(requestId!);
    if (request.zoom) {
      // No detail: the zoomed card keeps its overview.
      if (this.refining.get(request.zoom) === requestId) {
        this.refining.delete(request.zoom);
        this.draw(request.zoom);
      }
      return;
    }
    for (const key of request.keys) {
      this.pending.delete(key);
      if (!request.range && !this.histories.has(key)) this.failed.set(key, message);
      this.draw(key);
      for (const e of this.expressionsOf(key)) this.draw(e);
    }
  }

  private retry(key: string): void {
    this.failed.delete(key);
    this.histories.delete(key);
    this.errors.delete(key);
    this.load([key]);
  }

  /** Builds a card per key in `target` (a section's body) and draws what is loaded. */
  mount(target: HTMLElement, keys: readonly string[]): void {
    for (const key of keys) {
      const body = h('div', { className: 'chart-body' });
      const status = h('div', { className: 'chart-status hint', role: 'status' });
      const tool = (label: string, text: string, action: () => void) =>
        h('button', { type: 'button', className: 'card-tool', title: label, 'aria-label': label, onclick: action }, text);
      const { resize } = this.cardLayout;
      // Expression cards keep the order they were added in.
      const move = key.startsWith(EXPRESSION_PREFIX) ? undefined : this.cardLayout.move;
      const tools = h(
        'div',
        { className: 'card-tools' },
        move ? tool(`Move ${key} earlier`, '↑', () => move(key, -1)) : null,
        move ? tool(`Move ${key} later`, '↓', () => move(key, 1)) : null,
        resize ? tool(`Resize ${key}`, '⇕', () => resize(key)) : null,
      );
      const height = this.cardLayout.height(key);
      const box = h(
        'div',
        { className: 'chart', dataset: { metric: key, height: String(height) }, tabIndex: 0, 'aria-label': `Chart of ${key}` },
        tools,
        body,
        status,
      );
      this.cards.get(key)?.chart?.destroy();
      this.cards.set(key, { box, body, status });
      target.append(box);
      this.draw(key);
    }
  }

  /**
   * Builds a card per y-axis expression (`val_loss - train_loss`) in `target`; each is drawn once the
   * metrics it reads are loaded. Returns the metrics to load.
   */
  mountExpressions(target: HTMLElement, texts: readonly string[]): string[] {
    const metrics = new Set<string>();
    for (const text of texts) {
      const key = expressionKey(text);
      let parsed: MetricExpression | MetricExpressionError;
      try {
        parsed = parseMetricExpression(text);
        for (const m of parsed.metrics) metrics.add(m);
      } catch (err) {
        parsed = err instanceof MetricExpressionError ? err : new MetricExpressionError(String(err));
      }
      this.expressions.set(key, parsed);
      this.mount(target, [key]);
      this.cards.get(key)!.box.dataset.expression = text;
    }
    return [...metrics];
  }

  /** Drops every card (their DOM is being replaced). */
  unmount(): void {
    for (const card of this.cards.values()) card.chart?.destroy();
    this.cards = new Map();
    this.expressions = new Map();
  }

  /** The card keys of the expressions that read `metricKey`. */
  private expressionsOf(metricKey: string): string[] {
    return [...this.expressions].filter(([, e]) => !(e instanceof MetricExpressionError) && e.metrics.includes(metricKey)).map(([key]) => key);
  }

  /** Draws every card again (settings changed); a new x mode drops the zooms. */
  redrawAll(options: { clearZoom?: boolean } = {}): void {
    if (options.clearZoom) this.zooms.clear();
    for (const key of this.cards.keys()) this.draw(key);
  }

  private onScreen(key: string): boolean {
    const box = this.cards.get(key)?.box;
    if (!box?.isConnected) return false;
    const r = box.getBoundingClientRect();
    return r.height > 0 && r.bottom > 0 && r.top < window.innerHeight;
  }

  private draw(key: string): void {
    const card = this.cards.get(key);
    const c = this.comparison();
    if (!card || !c) return;
    card.chart?.destroy();
    card.chart = undefined;
    card.body.replaceChildren();
    card.status.replaceChildren();
    const expression = this.expressions.get(key);
    if (expression) {
      this.drawExpression(key, card, c, expression);
      return;
    }
    const series = this.histories.get(key);
    const errors = this.errors.get(key) ?? [];
    const metricError = errors.find((e) => !e.runId)?.message ?? this.failed.get(key);
    let state: CardState;
    if (metricError && !series?.length) {
      state = 'error';
      card.body.append(stateView('error', `Could not load the history of ${key}: ${metricError}`, () => this.retry(key)));
    } else if (!series) {
      state = 'loading';
      card.body.append(stateView('loading', `Loading the history of ${key}…`));
    } else if (series.length === 0) {
      state = 'empty';
      card.body.append(stateView('empty', `No history of ${key} for these runs.`));
    } else if (this.settings().xMetric && !this.histories.has(this.settings().xMetric!)) {
      state = 'loading';
      card.body.append(stateView('loading', `Loading ${this.settings().xMetric} for the x axis…`));
    } else {
      state = 'drawn';
      const started = performance.now();
      const s = this.settings();
      card.box.dataset.outliers = s.ignoreOutliers ? 'ignored' : 'shown';
      card.box.dataset.x = s.xMetric ? `metric:${s.xMetric}` : s.xMode;
      this.drawChart(key, card, c, s, {
        metricKey: key,
        series: s.xMetric ? seriesAgainstMetric(series, this.histories.get(s.xMetric)!) : series,
        xLabel: s.xMetric,
        xMode: s.xMetric ? 'step' : s.xMode,
        onZoom: (min, max, full) => this.zoomed(key, min, max, full),
      });
      const points = series.reduce((n, x) => n + x.steps.length, 0);
      card.box.dataset.points = String(points);
      const ms = performance.now() - started;
      // For benchmarks and tests: a chart was built and drawn, with how many points and how long it took.
      queueMicrotask(() => window.dispatchEvent(new CustomEvent('mlflow-compare-charts-drawn', { detail: { metric: key, points, ms, charts: 1 } })));
    }
    card.box.dataset.state = state;
    this.renderStatus(key, card, series, errors);
  }

  /**
   * An expression's card: its series computed from the metrics it reads. A zoom in step mode asks for
   * the zoomed steps' detail of each of them (zoomed()), and the series is computed again from it.
   */
  private drawExpression(key: string, card: Card, c: Comparison, expression: MetricExpression | MetricExpressionError): void {
    let state: CardState;
    const series =
      expression instanceof MetricExpressionError
        ? undefined
        : expressionSeries(
            expression,
            (k) => this.histories.get(k),
            c.runs.map((r) => r.runId),
          );
    if (expression instanceof MetricExpressionError) {
      state = 'error';
      card.body.append(stateView('error', `${key.slice(EXPRESSION_PREFIX.length)}: ${expression.message}`));
    } else if (!series) {
      const failed = expression.metrics.find((m) => this.failed.has(m));
      state = failed ? 'error' : 'loading';
      card.body.append(
        failed
          ? stateView('error', `Could not load the history of ${failed}: ${this.failed.get(failed)}`)
          : stateView('loading', `Loading ${expression.metrics.join(', ')} for ${expression.text}…`),
      );
    } else if (!series.some((s) => s.values.some((v) => Number.isFinite(v)))) {
      state = 'empty';
      card.body.append(stateView('empty', `No run has values of ${expression.metrics.join(' and ')} to compute ${expression.text}.`));
    } else {
      state = 'drawn';
      const s = this.settings();
      card.box.dataset.points = String(series.reduce((n, x) => n + x.steps.length, 0));
      card.sampled = series.some((x) => x.sampled);
      this.drawChart(key, card, c, s, {
        metricKey: expression.text,
        series,
        xMode: s.xMode,
        onZoom: (min, max, full) => this.zoomed(key, min, max, full),
      });
      this.renderExpressionStatus(key, card, expression);
    }
    card.box.dataset.state = state;
  }

  private renderExpressionStatus(key: string, card: Card, expression: MetricExpression): void {
    const parts: (HTMLElement | string)[] = [];
    if (this.refining.has(key)) parts.push(h('span', { className: 'spinner inline', 'aria-hidden': 'true' }), 'Loading the detail of the zoomed steps… ');
    parts.push(
      `Computed per run at the steps of ${expression.metrics[0]}${expression.metrics.length > 1 ? ` (${expression.metrics.slice(1).join(', ')} interpolated between their logged steps)` : ''}.`,
    );
    if (card.sampled && this.settings().xMode === 'step') {
      parts.push(' Sampled for display: drag to zoom in for the full detail of a range, double-click to reset.');
    }
    card.status.replaceChildren(...parts);
  }

  /** The card's chart with the panel's settings (groups, log scale, smoothing, outliers), at the card's height and zoom. */
  private drawChart(
    key: string,
    card: Card,
    c: Comparison,
    s: ChartSettings,
    own: Pick<HistoryChartOptions, 'metricKey' | 'series' | 'xMode' | 'xLabel' | 'onZoom'>,
  ): void {
    const groups = this.groups(c, s.groupBy);
    card.box.dataset.groups = String(groups?.length ?? 0);
    card.chart = historyChart(card.body, {
      groups,
      showGroupRuns: s.showGroupRuns,
      runs: c.runs,
      log: s.log,
      smoothing: s.smoothing,
      ignoreOutliers: s.ignoreOutliers,
      width: this.width(),
      height: this.cardLayout.height(key),
      zoom: this.zooms.get(key),
      ...own,
    });
  }

  private groups(c: Comparison, groupBy: string | undefined): RunGroup[] | undefined {
    if (!groupBy) return undefined;
    try {
      return groupRuns(c, groupBy);
    } catch {
      // A group-by saved by an older panel that this one does not understand: ungrouped.
      return undefined;
    }
  }

  private renderStatus(key: string, card: Card, series: readonly HistorySeries[] | undefined, errors: HistoryError[]): void {
    const parts: (HTMLElement | string)[] = [];
    if (this.refining.has(key)) parts.push(h('span', { className: 'spinner inline', 'aria-hidden': 'true' }), 'Loading the detail of the zoomed steps… ');
    else if (this.pending.has(key) && series) parts.push(h('span', { className: 'spinner inline', 'aria-hidden': 'true' }), 'Updating… ');
    if (series?.some((s) => s.sampled)) {
      parts.push(
        this.settings().xMode === 'step'
          ? 'Sampled for display: drag to zoom in for the full detail of a range, double-click to reset.'
          : 'Sampled for display: first, last and extreme points are kept.',
      );
    }
    const runErrors = errors.filter((e) => e.runId);
    if (runErrors.length) {
      parts.push(
        h(
          'span',
          { className: 'warning', role: 'alert' },
          ` Not loaded for ${runErrors.length} run(s): ${runErrors.map((e) => `${e.runId}: ${e.message}`).join('; ')} `,
        ),
        button('Retry', () => this.retry(key), { secondary: true }),
      );
    }
    card.status.replaceChildren(...parts);
  }

  /**
   * A card's chart was zoomed (drag) or reset (double-click: `full`). Once the zoom settles, in step
   * mode, asks for the zoomed steps' detail of the metrics the card is drawn from (an expression's:
   * each one it reads); the extension cancels the card's previous zoom request.
   */
  private zoomed(key: string, min: number, max: number, full: boolean): void {
    clearTimeout(this.zoomTimers.get(key));
    const card = this.cards.get(key);
    if (full) {
      this.zooms.delete(key);
      if (card) delete card.box.dataset.zoom;
      return;
    }
    const previous = this.zooms.get(key);
    if (previous && previous.min === min && previous.max === max) return;
    this.zooms.set(key, { min, max });
    if (card) card.box.dataset.zoom = `${min}..${max}`;
    const expression = this.expressions.get(key);
    if (expression instanceof MetricExpressionError) return;
    const detail = zoomDetail(expression ? { expression } : { metricKey: key }, this.settings(), min, max);
    if (!detail) return;
    this.zoomTimers.set(
      key,
      setTimeout(() => {
        const requestId = ++this.requestId;
        this.requests.set(requestId, { keys: [...detail.metricKeys], range: detail.range, zoom: key });
        this.refining.set(key, requestId);
        this.post({ type: 'loadHistories', requestId, metricKeys: detail.metricKeys, maxPoints: OVERVIEW_POINTS, range: detail.range, zoom: key });
        const shown = this.cards.get(key);
        if (!shown || shown.box.dataset.state !== 'drawn') return;
        if (expression) this.renderExpressionStatus(key, shown, expression);
        else this.renderStatus(key, shown, this.histories.get(key), this.errors.get(key) ?? []);
      }, ZOOM_SETTLE_MS),
    );
  }
}
