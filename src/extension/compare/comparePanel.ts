import * as vscode from 'vscode';
import { compareRuns, type RunComparison } from '../../engine/compare/compareRuns';
import { comparisonToCsv } from '../../engine/compare/comparisonCsv';
import { loadHistories, BULK_INTERVAL_MAX_RESULTS, PANEL_HISTORY_CONCURRENCY, type LoadedSeries } from '../../engine/compare/loadHistories';
import { toHistoryColumns } from '../../engine/compare/historyColumns';
import { fetchRuns, isActive } from '../../engine/compare/runSelection';
import { isCancelled, type MlflowRestClient } from '../../engine/mlflow/mlflowRestClient';
import type { MlflowRun } from '../../engine/mlflow/mlflowTypes';
import { validateChartLayout, validateFromWebview, type FromWebviewMessage, type ChartLayout, type HistorySeries, type StepRange, type ToWebviewMessage } from '../../../webview/contract';
import { MessagingPanel, type PanelDeps } from '../messagingPanel';
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
/** Points per run kept for the Metrics table's min/max (the server's sampling limit). */
const TABLE_HISTORY_POINTS = BULK_INTERVAL_MAX_RESULTS;
/** Metrics whose min/max the table loads on its own; more are loaded when charted. */
const TABLE_HISTORY_KEYS = 50;

/**
 * One "Compare runs" webview: loads the runs, lines them up (engine/compare), answers the webview's
 * requests (histories, direction flips, CSV export, copy) and re-reads runs that are still running.
 */
export class ComparePanel extends MessagingPanel<ToWebviewMessage> {
  private static readonly open = new Set<ComparePanel>();
  private runs: MlflowRun[] = [];
  private missing: string[] = [];
  private comparison: RunComparison | undefined;
  /** runId/metricKey → min/max over the history, from loaded histories. */
  private readonly extremes = new Map<string, Map<string, { min?: number; max?: number }>>();
  private poll: NodeJS.Timeout | undefined;
  private runsAbort: AbortController | undefined;
  /** Overview loads in flight (a new one does not cancel the others: each asks for other metrics). */
  private readonly historyLoads = new Set<AbortController>();
  /** Metric key → its zoom refine in flight (a new zoom of that chart cancels the last). */
  private readonly zoomLoads = new Map<string, AbortController>();

  static all(): readonly ComparePanel[] {
    return [...ComparePanel.open];
  }

  /** A new panel in the active editor column's side. */
  static create(deps: PanelDeps, connectionId: string, runIds: string[]): ComparePanel {
    const panel = vscode.window.createWebviewPanel(COMPARE_VIEW_TYPE, 'Compare runs', vscode.ViewColumn.Active, ComparePanel.webviewOptions(deps.context));
    return new ComparePanel(panel, deps, connectionId, runIds);
  }

  static webviewOptions(context: vscode.ExtensionContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return webviewPanelOptions(context);
  }

  constructor(
    panel: vscode.WebviewPanel,
    private readonly deps: PanelDeps,
    readonly connectionId: string,
    readonly runIds: string[],
  ) {
    super(panel);
    ComparePanel.open.add(this);
    panel.webview.options = ComparePanel.webviewOptions(deps.context);
    panel.iconPath = vscode.Uri.joinPath(deps.context.extensionUri, 'media', 'mlflow.svg');
    panel.title = `Compare ${runIds.length} runs`;
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => void this.handleMessage(raw)),
      panel.onDidChangeViewState(() => {
        // Polling a hidden panel wastes server time; pick it up again when shown.
        if (panel.visible && this.runs.some(isActive) && !this.poll) this.schedulePoll();
      }),
    );
    panel.webview.html = this.html();
  }

  /** The webview's HTML: a strict CSP, one nonce'd script, styles and script from dist/webview only. */
  private html(): string {
    return webviewHtml(this.panel.webview, this.deps.context.extensionUri, { bundle: 'compare', title: 'Compare runs', loading: `Loading ${this.runIds.length} runs…` });
  }

  /** Validates and dispatches one message from the webview; invalid ones are logged and dropped. */
  async handleMessage(raw: unknown): Promise<void> {
    const result = validateFromWebview(raw);
    if (!result.ok) {
      getOutputChannel().warn(`Compare runs: ignored a malformed message from the webview: ${result.error}`);
      return;
    }
    const message: FromWebviewMessage = result.value;
    switch (message.type) {
      case 'ready':
        this.markReady();
        await this.loadRuns(false);
        return;
      case 'retry':
        await this.loadRuns(false);
        return;
      case 'loadHistories':
        await this.sendHistories(message.requestId, message.metricKeys, message.maxPoints, message.range);
        return;
      case 'saveLayout':
        await this.deps.context.workspaceState.update(this.layoutKey(), message.layout);
        return;
      case 'setBetter':
        await this.setBetter(message.metric, message.higherIsBetter);
        return;
      case 'exportCsv':
        await this.exportCsv(message.table);
        return;
      case 'copy':
        await vscode.env.clipboard.writeText(message.text);
        this.post({ type: 'notice', message: 'Copied to the clipboard.' });
        return;
    }
  }

  private client(): { client: MlflowRestClient; label: string } {
    return connectionClient(this.deps.connections, this.connectionId);
  }


  /** (Re)reads the runs and posts them; keeps polling while some run is still RUNNING. */
  async loadRuns(refresh: boolean): Promise<void> {
    this.runsAbort?.abort();
    const abort = (this.runsAbort = new AbortController());
    if (!refresh) this.post({ type: 'loading', what: `Loading ${this.runIds.length} runs…` });
    try {
      const { client, label } = this.client();
      const fetched = await fetchRuns(client, this.runIds, { signal: abort.signal });
      if (this.disposed || abort.signal.aborted) return;
      this.deps.connections.reportHealth(this.connectionId, true);
      if (fetched.runs.length === 0) {
        throw new Error(`None of the ${this.runIds.length} runs exist on ${label} any more (deleted, or recorded on another server).`);
      }
      this.runs = fetched.runs;
      this.missing = fetched.missing;
      this.panel.title = `Compare ${fetched.runs.length} runs`;
      if (refresh) this.extremes.clear();
      this.postRuns(label);
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

  private postRuns(label?: string): void {
    const comparison = compareRuns(this.runs, { higherIsBetter: this.betterOverrides(), extremes: this.extremes });
    this.comparison = comparison;
    let connectionLabel = label;
    if (!connectionLabel) connectionLabel = this.deps.connections.get(this.connectionId)?.label ?? this.connectionId;
    const stored = validateChartLayout(this.deps.context.workspaceState.get<unknown>(this.layoutKey()));
    const layout: ChartLayout | undefined = stored.ok ? stored.value : undefined;
    this.post({ type: 'runs', connectionId: this.connectionId, connectionLabel, comparison, refreshing: this.runs.some(isActive), missing: this.missing, ...(layout ? { layout } : {}) });
  }

  /** Where the Charts tab's layout is kept: per connection and the set of the runs' experiments. */
  layoutKey(): string {
    const experiments = [...new Set(this.runs.map((r) => r.info.experiment_id))].sort();
    return `${CHART_LAYOUT_KEY}/${this.connectionId}/${experiments.join(',')}`;
  }

  /** Min/max for the Metrics table: histories of the first metrics, sampled like the charts. */
  private async loadTableExtremes(): Promise<void> {
    const keys = (this.comparison?.metrics ?? []).map((m) => m.key).slice(0, TABLE_HISTORY_KEYS);
    const pending = keys.filter((k) => this.runs.some((r) => !this.extremes.get(r.info.run_id)?.has(k)));
    if (pending.length === 0) return;
    try {
      const { client } = this.client();
      const result = await loadHistories(
        client,
        this.runs.map((r) => r.info.run_id),
        pending,
        { maxPoints: TABLE_HISTORY_POINTS },
      );
      if (this.disposed) return;
      this.remember(result.series);
      this.postRuns();
    } catch (err) {
      // The table still shows latest values; the charts report history errors where they are asked for.
      getOutputChannel().warn(`Compare runs: min/max of metrics not loaded: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Min/max per run of the loaded series; with `metricKey`, runs without a series of it are known to have none. */
  private remember(series: readonly LoadedSeries[], metricKey?: string): void {
    if (metricKey !== undefined) {
      for (const run of this.runs) {
        let byKey = this.extremes.get(run.info.run_id);
        if (!byKey) this.extremes.set(run.info.run_id, (byKey = new Map()));
        if (!byKey.has(metricKey)) byKey.set(metricKey, {});
      }
    }
    for (const s of series) {
      let byKey = this.extremes.get(s.runId);
      if (!byKey) this.extremes.set(s.runId, (byKey = new Map()));
      byKey.set(s.metricKey, { min: s.min, max: s.max });
    }
  }

  /**
   * Loads the histories the webview asks for and posts them metric by metric as each arrives (the
   * first metric alone: it is the chart on screen). Overview loads then fill in the Metrics table's
   * min/max of metrics no chart asked for.
   */
  private async sendHistories(requestId: number, metricKeys: string[], maxPoints: number, range?: StepRange): Promise<void> {
    const abort = new AbortController();
    const zoomKey = range ? metricKeys[0] : undefined;
    if (zoomKey !== undefined) {
      this.zoomLoads.get(zoomKey)?.abort();
      this.zoomLoads.set(zoomKey, abort);
    } else this.historyLoads.add(abort);
    let loadedAny = false;
    try {
      const { client } = this.client();
      await loadHistories(
        client,
        this.runs.map((r) => r.info.run_id),
        metricKeys,
        {
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
            this.post({ type: 'histories', requestId, metricKeys: [metric.metricKey], series, errors: metric.errors, source: metric.source, ...(range ? { range } : {}) });
            if (!range && metric.errors.length === 0) {
              this.remember(metric.series, metric.metricKey);
              loadedAny = true;
            }
          },
        },
      );
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
    clearTimeout(this.poll);
    this.runsAbort?.abort();
    for (const abort of [...this.historyLoads, ...this.zoomLoads.values()]) abort.abort();
  }
}
