import * as vscode from 'vscode';
import { compareRuns, type RunComparison } from '../../engine/compare/compareRuns';
import { comparisonToCsv } from '../../engine/compare/comparisonCsv';
import { loadHistoriesFromServers, mapLimit, PANEL_HISTORY_CONCURRENCY, type LoadedSeries } from '../../engine/compare/loadHistories';
import { extremesOfSeries, loadExtremes, type ExtremesByRun, type MetricExtremes } from '../../engine/compare/metricExtremes';
import { toHistoryColumns } from '../../engine/compare/historyColumns';
import { fetchRuns, isActive } from '../../engine/compare/runSelection';
import { imageMime, listRunImages, type RunImages } from '../../engine/compare/runImages';
import { isCancelled, type MlflowRestClient } from '../../engine/mlflow/mlflowRestClient';
import type { MlflowRun } from '../../engine/mlflow/mlflowTypes';
import {
  MAX_IMAGE_BYTES,
  validateChartLayout,
  validateFromWebview,
  type FromWebviewMessage,
  type ChartLayout,
  type HistorySeries,
  type RunRef,
  type StepRange,
  type ToWebviewMessage,
} from '../../../webview/contract';
import { copyToClipboard, dispatchMessage, type MessageHandlers, MessagingPanel, type PanelDeps, validatedMessage } from '../messagingPanel';
import { getOutputChannel } from '../outputChannel';
import { connectionClient } from '../runPicking';
import { webviewHtml, webviewPanelOptions } from '../webviewHtml';

export const COMPARE_VIEW_TYPE = 'mlflow.compare';
/** globalState key: metric key → higher is better, as the user last set it. */
export const BETTER_MEMENTO_KEY = 'mlflow.compare.higherIsBetter';
/** workspaceState key prefix: the Charts tab's layout per connection and experiment set. */
export const CHART_LAYOUT_KEY = 'mlflow.compare.chartLayout';
/** How often runs that are still RUNNING are re-read. */
const POLL_MS = 5000;
/**
 * Full histories the Metrics table reads at most per load for exact min/max (run × metric): in the
 * worst case, 50 runs × 10 metrics × 10,000 steps, all 500 took 1.24x the raw requests and 4x the
 * sampled pass (`compare_table_extremes`); beyond this, a range stays marked ≈ (sampled).
 */
const TABLE_FULL_HISTORIES = 100;
/** Runs whose artifacts are listed at once for the Images tab. */
const IMAGE_CONCURRENCY = 4;
/** Metrics whose min/max the table loads on its own; more are loaded when charted. */
const TABLE_HISTORY_KEYS = 50;

/**
 * One "Compare runs" webview: loads the runs, lines them up (engine/compare), answers the webview's
 * requests (histories, direction flips, CSV export, copy) and re-reads runs that are still running.
 * Its runs may come from several tracking connections (a local run beside its Databricks twin): each
 * run is read, and its series loaded, with its own connection's client, and labelled by server.
 */
export class ComparePanel extends MessagingPanel<ToWebviewMessage> {
  private static readonly open = new Set<ComparePanel>();
  /** The panel the user looked at last: "Add to Comparison" adds runs to it. */
  private static lastActive: ComparePanel | undefined;
  /** The runs asked for, each with its connection (a run id belongs to one connection in a panel). */
  private refs: RunRef[];
  private runs: MlflowRun[] = [];
  /** Run id → the connection it was read from. */
  private readonly runConnection = new Map<string, string>();
  private missing: string[] = [];
  private comparison: RunComparison | undefined;
  /** runId/metricKey → min/max over the history, from loaded histories. */
  private readonly extremes: ExtremesByRun = new Map<string, Map<string, MetricExtremes>>();
  private extremesAbort: AbortController | undefined;
  private poll: NodeJS.Timeout | undefined;
  private runsAbort: AbortController | undefined;
  /** Overview loads in flight (a new one does not cancel the others: each asks for other metrics). */
  private readonly historyLoads = new Set<AbortController>();
  /** Run id → the image paths the Images tab listed: the only ones the webview may ask the bytes of. */
  private readonly listedImages = new Map<string, Map<string, number | undefined>>();
  private imagesAbort: AbortController | undefined;
  /** Chart (card key: a metric key or `expr:<text>`) → its zoom refine in flight (a new zoom of that chart cancels the last). */
  private readonly zoomLoads = new Map<string, AbortController>();

  static all(): readonly ComparePanel[] {
    return [...ComparePanel.open];
  }

  /** The open panel the user looked at last (else the newest open one). */
  static current(): ComparePanel | undefined {
    return ComparePanel.lastActive ?? [...ComparePanel.open].at(-1);
  }

  /** A new panel in the active editor column's side, of runs of one connection. */
  static create(deps: PanelDeps, connectionId: string, runIds: string[]): ComparePanel {
    return ComparePanel.createOf(
      deps,
      runIds.map((runId) => ({ connectionId, runId })),
    );
  }

  /** A new panel of runs of one or several connections. */
  static createOf(deps: PanelDeps, refs: RunRef[]): ComparePanel {
    const panel = vscode.window.createWebviewPanel(COMPARE_VIEW_TYPE, 'Compare runs', vscode.ViewColumn.Active, ComparePanel.webviewOptions(deps.context));
    return new ComparePanel(panel, deps, refs);
  }

  static webviewOptions(context: vscode.ExtensionContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return webviewPanelOptions(context);
  }

  constructor(
    panel: vscode.WebviewPanel,
    private readonly deps: PanelDeps,
    refs: RunRef[],
  ) {
    super(panel);
    this.refs = uniqueRefs(refs);
    ComparePanel.open.add(this);
    ComparePanel.lastActive = this;
    panel.webview.options = ComparePanel.webviewOptions(deps.context);
    panel.iconPath = vscode.Uri.joinPath(deps.context.extensionUri, 'media', 'mlflow.svg');
    panel.title = `Compare ${this.refs.length} runs`;
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => void this.handleMessage(raw)),
      panel.onDidChangeViewState(() => {
        if (panel.active) ComparePanel.lastActive = this;
        // Polling a hidden panel wastes server time; pick it up again when shown.
        if (panel.visible && this.runs.some(isActive) && !this.poll) this.schedulePoll();
      }),
    );
    panel.webview.html = this.html();
  }

  /** The first run's connection (the panel's layout and header are keyed by it). */
  get connectionId(): string {
    return this.refs[0].connectionId;
  }

  get runIds(): string[] {
    return this.refs.map((r) => r.runId);
  }

  /** The connections of the runs, in the order they first appear. */
  get connectionIds(): string[] {
    return [...new Set(this.refs.map((r) => r.connectionId))];
  }

  /**
   * Adds runs (of this panel's connection or another one) and reloads the comparison. A run id
   * already in the panel is skipped (from another connection too: series are keyed by run id).
   * Returns how many were added.
   */
  addRuns(refs: readonly RunRef[]): number {
    const known = new Map(this.refs.map((r) => [r.runId, r.connectionId]));
    const added = uniqueRefs(refs).filter((r) => !known.has(r.runId));
    const clash = refs.filter((r) => known.has(r.runId) && known.get(r.runId) !== r.connectionId);
    if (clash.length > 0) {
      const label = (id: string) => this.deps.connections.get(id)?.label ?? id;
      void vscode.window.showWarningMessage(
        `Compare runs: ${clash.map((r) => `run ${r.runId} is already in the comparison from ${label(known.get(r.runId)!)}`).join('; ')}: not added again from ${label(clash[0].connectionId)}.`,
      );
    }
    if (added.length === 0) return 0;
    this.refs = [...this.refs, ...added];
    this.panel.reveal(undefined, true);
    void this.loadRuns(false);
    return added.length;
  }

  /** The webview's HTML: a strict CSP, one nonce'd script, styles and script from dist/webview only. */
  private html(): string {
    return webviewHtml(this.panel.webview, this.deps.context.extensionUri, {
      bundle: 'compare',
      title: 'Compare runs',
      loading: `Loading ${this.runIds.length} runs…`,
    });
  }

  /** Validates and dispatches one message from the webview; invalid ones are logged and dropped. */
  async handleMessage(raw: unknown): Promise<void> {
    const message = validatedMessage('Compare runs', validateFromWebview, raw);
    if (message) await dispatchMessage(this.handlers, message);
  }

  private readonly handlers: MessageHandlers<FromWebviewMessage> = {
    ready: async () => {
      this.markReady();
      await this.loadRuns(false);
    },
    retry: () => this.loadRuns(false),
    loadHistories: (m) => this.sendHistories(m.requestId, m.metricKeys, m.maxPoints, m.range, m.zoom),
    saveLayout: (m) => this.deps.context.workspaceState.update(this.layoutKey(), m.layout),
    setBetter: (m) => this.setBetter(m.metric, m.higherIsBetter),
    exportCsv: (m) => this.exportCsv(m.table),
    copy: (m) => copyToClipboard(m.text, (notice) => this.post(notice)),
    loadImages: () => this.sendImages(),
    loadImage: (m) => this.sendImage(m.runId, m.path),
  };

  /** Lists each run's logged images and image artifacts (from its own server), IMAGE_CONCURRENCY runs at a time. */
  private async sendImages(): Promise<void> {
    this.imagesAbort?.abort();
    const abort = (this.imagesAbort = new AbortController());
    const listed: RunImages[] = [];
    const errors: { runId: string; message: string }[] = [];
    await mapLimit(this.runs, IMAGE_CONCURRENCY, async (run) => {
      const runId = run.info.run_id;
      try {
        const { client } = this.client(this.runConnection.get(runId) ?? this.connectionId);
        listed.push(await listRunImages(client, runId, { signal: abort.signal }));
      } catch (err) {
        if (isCancelled(err) || abort.signal.aborted) return;
        errors.push({ runId, message: err instanceof Error ? err.message.split('\n')[0] : String(err) });
      }
    });
    if (this.disposed || abort.signal.aborted) return;
    this.listedImages.clear();
    for (const r of listed) {
      const paths = new Map<string, number | undefined>();
      for (const i of r.logged) {
        paths.set(i.path, i.size);
        if (i.compressedPath) paths.set(i.compressedPath, i.compressedSize);
      }
      for (const a of r.artifacts) paths.set(a.path, a.size);
      this.listedImages.set(r.runId, paths);
    }
    const order = new Map(this.runs.map((r, i) => [r.info.run_id, i]));
    listed.sort((a, b) => order.get(a.runId)! - order.get(b.runId)!);
    this.post({ type: 'images', runs: listed, errors });
  }

  /** The bytes of one listed image, read from its run's server. */
  private async sendImage(runId: string, path: string): Promise<void> {
    const size = this.listedImages.get(runId);
    const mime = imageMime(path);
    const fail = (error: string) => this.post({ type: 'image', runId, path, error });
    if (!size?.has(path) || !mime) return fail(`${path} is not an image listed for run ${runId}.`);
    const known = size.get(path);
    if (known !== undefined && known > MAX_IMAGE_BYTES)
      return fail(
        `${path} is ${Math.round(known / 1024 / 1024)} MB: larger than the ${MAX_IMAGE_BYTES / 1024 / 1024} MB shown here. Open it from the run's artifacts.`,
      );
    try {
      const { client } = this.client(this.runConnection.get(runId) ?? this.connectionId);
      const data = await client.downloadArtifact(runId, path);
      if (this.disposed) return;
      if (data.length > MAX_IMAGE_BYTES) return fail(`${path} is larger than the ${MAX_IMAGE_BYTES / 1024 / 1024} MB shown here.`);
      this.post({ type: 'image', runId, path, mime, bytes: Uint8Array.from(data) });
    } catch (err) {
      if (this.disposed) return;
      const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
      getOutputChannel().warn(`Compare runs: image ${path} of run ${runId}: ${message}`);
      fail(message);
    }
  }

  private client(connectionId: string): { client: MlflowRestClient; label: string } {
    return connectionClient(this.deps.connections, connectionId);
  }

  private label(connectionId: string): string {
    return this.deps.connections.get(connectionId)?.label ?? connectionId;
  }

  /** The runs shown, grouped by connection, each group with its client (for history loads). */
  private servers(): { client: MlflowRestClient; runIds: string[] }[] {
    return this.connectionIds.map((id) => ({
      client: this.client(id).client,
      runIds: this.runs.filter((r) => this.runConnection.get(r.info.run_id) === id).map((r) => r.info.run_id),
    }));
  }

  /** (Re)reads the runs and posts them; keeps polling while some run is still RUNNING. */
  async loadRuns(refresh: boolean): Promise<void> {
    this.runsAbort?.abort();
    const abort = (this.runsAbort = new AbortController());
    if (!refresh) this.post({ type: 'loading', what: `Loading ${this.runIds.length} runs…` });
    try {
      // Each connection's runs from its own server, side by side.
      const refs = this.refs;
      const fetchedByConnection = await Promise.all(
        this.connectionIds.map(async (connectionId) => {
          const { client, label } = this.client(connectionId);
          const fetched = await fetchRuns(
            client,
            refs.filter((r) => r.connectionId === connectionId).map((r) => r.runId),
            { signal: abort.signal },
          );
          return { connectionId, label, fetched };
        }),
      );
      if (this.disposed || abort.signal.aborted) return;
      const byId = new Map<string, { run: MlflowRun; connectionId: string }>();
      for (const { connectionId, fetched } of fetchedByConnection) {
        this.deps.connections.reportHealth(connectionId, true);
        for (const run of fetched.runs) byId.set(run.info.run_id, { run, connectionId });
      }
      if (byId.size === 0) {
        const where = fetchedByConnection.map((f) => f.label).join(' or ');
        throw new Error(`None of the ${refs.length} runs exist on ${where} any more (deleted, or recorded on another server).`);
      }
      this.runs = refs.flatMap((r) => byId.get(r.runId)?.run ?? []);
      this.runConnection.clear();
      for (const [runId, { connectionId }] of byId) this.runConnection.set(runId, connectionId);
      this.missing = fetchedByConnection.flatMap((f) => f.fetched.missing);
      this.panel.title = `Compare ${this.runs.length} runs`;
      if (refresh) {
        this.extremesAbort?.abort();
        this.extremes.clear();
      }
      this.postRuns();
      if (this.runs.some(isActive)) this.schedulePoll();
    } catch (err) {
      if (this.disposed || isCancelled(err) || abort.signal.aborted) return;
      const message = err instanceof Error ? err.message : String(err);
      getOutputChannel().error(`Compare runs: loading ${this.runIds.join(', ')} failed: ${message}`);
      // A failed poll keeps the data shown; only a first load becomes an error state.
      if (refresh && this.comparison) this.post({ type: 'notice', message: `Refreshing running runs failed: ${message.split('\n')[0]}` });
      else this.post({ type: 'error', message: `Could not load the runs: ${message.split('\n')[0]}`, retry: 'runs' });
      if (refresh) this.schedulePoll();
    }
  }

  private schedulePoll(): void {
    clearTimeout(this.poll);
    this.poll = setTimeout(() => {
      this.poll = undefined;
      if (!this.disposed && this.panel.visible) void this.loadRuns(true);
    }, POLL_MS);
  }

  private betterOverrides(): Record<string, boolean> {
    return this.deps.context.globalState.get<Record<string, boolean>>(BETTER_MEMENTO_KEY) ?? {};
  }

  private postRuns(): void {
    const comparison = compareRuns(this.runs, { higherIsBetter: this.betterOverrides(), extremes: this.extremes });
    // Runs of several servers are labelled by server, everywhere their name shows (legends, columns, CSV).
    const connectionIds = this.connectionIds;
    for (const run of comparison.runs) {
      const connectionId = this.runConnection.get(run.runId) ?? this.connectionId;
      run.connectionId = connectionId;
      run.server = this.label(connectionId);
      if (connectionIds.length > 1) run.name = `${run.name} (${run.server})`;
    }
    this.comparison = comparison;
    const connectionLabel = connectionIds.map((id) => this.label(id)).join(' and ');
    const stored = validateChartLayout(this.deps.context.workspaceState.get<unknown>(this.layoutKey()));
    const layout: ChartLayout | undefined = stored.ok ? stored.value : undefined;
    this.post({
      type: 'runs',
      connectionId: this.connectionId,
      connectionLabel,
      comparison,
      refreshing: this.runs.some(isActive),
      missing: this.missing,
      ...(layout ? { layout } : {}),
    });
  }

  /** Where the Charts tab's layout is kept: per connection and the set of the runs' experiments. */
  layoutKey(): string {
    const experiments = [...new Set(this.runs.map((r) => r.info.experiment_id))].sort();
    return `${CHART_LAYOUT_KEY}/${this.connectionIds.join('+')}/${experiments.join(',')}`;
  }

  /**
   * Exact min/max for the Metrics table (engine/compare/metricExtremes): what the charts loaded is
   * reused, the rest sampled by the server, then the full history of the runs whose sample was not
   * all of it. Runs still running keep their sampled extremes until they end (they would be read in
   * full at every poll).
   */
  private async loadTableExtremes(): Promise<void> {
    const keys = (this.comparison?.metrics ?? []).map((m) => m.key).slice(0, TABLE_HISTORY_KEYS);
    const active = new Set(this.runs.filter(isActive).map((r) => r.info.run_id));
    const needed = keys.filter((k) =>
      this.runs.some((r) => {
        const known = this.extremes.get(r.info.run_id)?.get(k);
        return !known || (!known.exact && !active.has(r.info.run_id));
      }),
    );
    if (needed.length === 0) return;
    this.extremesAbort?.abort();
    const abort = (this.extremesAbort = new AbortController());
    const merge = (found: ExtremesByRun) => {
      for (const [runId, byKey] of found) for (const [key, value] of byKey) this.rememberOne(runId, key, value);
    };
    try {
      const result = await loadExtremes(this.servers(), needed, {
        signal: abort.signal,
        // Only exact ones count as known: a chart's few-hundred-point sample is read again at the
        // server's 2500 first (complete for most runs), before any full history.
        known: (runId, key) => {
          const known = this.extremes.get(runId)?.get(key);
          return known?.exact ? known : undefined;
        },
        refine: (runId) => !active.has(runId),
        maxFullHistories: TABLE_FULL_HISTORIES,
        // The sampled extremes first (one request per metric), the exact ones as they come.
        onSampled: (found) => {
          if (this.disposed || abort.signal.aborted) return;
          merge(found);
          this.postRuns();
        },
      });
      if (this.disposed || abort.signal.aborted) return;
      for (const e of result.errors) getOutputChannel().warn(`Compare runs: min/max of ${e.metricKey}${e.runId ? ` (run ${e.runId})` : ''}: ${e.message}`);
      merge(result.extremes);
      this.postRuns();
    } catch (err) {
      if (this.disposed || isCancelled(err) || abort.signal.aborted) return;
      // The table still shows latest values; the charts report history errors where they are asked for.
      getOutputChannel().warn(`Compare runs: min/max of metrics not loaded: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      if (this.extremesAbort === abort) this.extremesAbort = undefined;
    }
  }

  /** Keeps extremes of a run's metric; exact ones are not replaced by a sample's. */
  private rememberOne(runId: string, key: string, value: MetricExtremes): void {
    let byKey = this.extremes.get(runId);
    if (!byKey) this.extremes.set(runId, (byKey = new Map()));
    if (!value.exact && byKey.get(key)?.exact) return;
    byKey.set(key, value);
  }

  /** Min/max per run of the loaded series; with `metricKey`, runs without a series of it are known to have none. */
  private remember(series: readonly LoadedSeries[], metricKey?: string): void {
    if (metricKey !== undefined) {
      const withSeries = new Set(series.map((s) => s.runId));
      for (const run of this.runs) if (!withSeries.has(run.info.run_id)) this.rememberOne(run.info.run_id, metricKey, { exact: true });
    }
    for (const s of series) this.rememberOne(s.runId, s.metricKey, extremesOfSeries(s));
  }

  /**
   * Loads the histories the webview asks for and posts them metric by metric as each arrives (the
   * first metric alone: it is the chart on screen). Overview loads then fill in the Metrics table's
   * min/max of metrics no chart asked for. `zoom`: the chart whose drag-zoom asks for `range` (a
   * metric's chart, or an expression's asking for each metric it reads): a newer zoom of it cancels this.
   */
  private async sendHistories(requestId: number, metricKeys: string[], maxPoints: number, range?: StepRange, zoom?: string): Promise<void> {
    const abort = new AbortController();
    // Only a chart's zooms replace each other: a range without `zoom` (the new steps of running runs)
    // is a load like any other, which a zoom of the same metric must not cancel (it would stay pending).
    const zoomKey = zoom;
    if (zoomKey !== undefined) {
      this.zoomLoads.get(zoomKey)?.abort();
      this.zoomLoads.set(zoomKey, abort);
    } else this.historyLoads.add(abort);
    let loadedAny = false;
    try {
      await loadHistoriesFromServers(this.servers(), metricKeys, {
        maxPoints,
        range,
        concurrency: PANEL_HISTORY_CONCURRENCY,
        signal: abort.signal,
        onMetric: (metric) => {
          if (this.disposed || abort.signal.aborted) return;
          for (const e of metric.errors) getOutputChannel().warn(`Compare runs: history of ${e.metricKey}${e.runId ? ` (run ${e.runId})` : ''}: ${e.message}`);
          const series: HistorySeries[] = metric.series.map((s) => ({
            runId: s.runId,
            metricKey: s.metricKey,
            ...toHistoryColumns(s.points),
            sampled: s.sampled,
            min: s.min,
            max: s.max,
            exact: s.exact,
          }));
          this.post({
            type: 'histories',
            requestId,
            metricKeys: [metric.metricKey],
            series,
            errors: metric.errors,
            source: metric.source,
            ...(range ? { range } : {}),
          });
          if (!range && metric.errors.length === 0) {
            this.remember(metric.series, metric.metricKey);
            loadedAny = true;
          }
        },
      });
      if (this.disposed || abort.signal.aborted) return;
      // One table update for the whole load, not one per metric.
      if (loadedAny) this.postRuns();
    } catch (err) {
      if (this.disposed || isCancelled(err) || abort.signal.aborted) return;
      const message = err instanceof Error ? err.message : String(err);
      getOutputChannel().error(`Compare runs: loading histories of ${metricKeys.join(', ')} failed: ${message}`);
      this.post({ type: 'error', message: `Could not load metric histories: ${message.split('\n')[0]}`, retry: 'histories', requestId });
    } finally {
      this.historyLoads.delete(abort);
      if (zoomKey !== undefined && this.zoomLoads.get(zoomKey) === abort) this.zoomLoads.delete(zoomKey);
      // Min/max of what no overview brought (hidden metrics; all of them again after a poll of running runs).
      if (this.historyLoads.size === 0 && !this.disposed) void this.loadTableExtremes();
    }
  }

  private async setBetter(metric: string, higherIsBetter: boolean): Promise<void> {
    const overrides = { ...this.betterOverrides(), [metric]: higherIsBetter };
    await this.deps.context.globalState.update(BETTER_MEMENTO_KEY, overrides);
    // Every open compare panel shows the same direction for this metric.
    for (const panel of ComparePanel.open) if (panel.comparison) panel.postRuns();
  }

  private async exportCsv(table: 'params' | 'metrics' | 'tags' | 'all'): Promise<void> {
    if (!this.comparison) return;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const name = `mlflow-compare-${this.comparison.runs.length}-runs${table === 'all' ? '' : `-${table}`}.csv`;
    const target = await vscode.window.showSaveDialog({
      title: 'Export the comparison as CSV',
      defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
      filters: { CSV: ['csv'] },
      saveLabel: 'Export',
    });
    if (!target) return;
    try {
      await vscode.workspace.fs.writeFile(target, Buffer.from(comparisonToCsv(this.comparison, table), 'utf8'));
      this.post({ type: 'notice', message: `Exported to ${vscode.workspace.asRelativePath(target)}.` });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      void vscode.window.showErrorMessage(`Could not write ${target.fsPath}: ${message}. Pick another folder.`);
    }
  }

  /** The current comparison (after the runs loaded). */
  get current(): RunComparison | undefined {
    return this.comparison;
  }

  protected disposeResources(): void {
    ComparePanel.open.delete(this);
    if (ComparePanel.lastActive === this) ComparePanel.lastActive = undefined;
    clearTimeout(this.poll);
    this.runsAbort?.abort();
    this.imagesAbort?.abort();
    this.extremesAbort?.abort();
    for (const abort of [...this.historyLoads, ...this.zoomLoads.values()]) abort.abort();
  }
}

/** Without repeated run ids (the first occurrence kept). */
function uniqueRefs(refs: readonly RunRef[]): RunRef[] {
  const seen = new Set<string>();
  return refs.filter((r) => !seen.has(r.runId) && seen.add(r.runId));
}
