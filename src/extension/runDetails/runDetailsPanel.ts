import * as vscode from 'vscode';
import { isActive } from '../../engine/compare/runSelection';
import { isCancelled, type MlflowRestClient } from '../../engine/mlflow/mlflowRestClient';
import { describeRunLoadFailure, loadRunDetails, type RunDetails } from '../../engine/runDetails/runDetails';
import { validateFromRunDetails, type FromRunDetailsMessage, type ToRunDetailsMessage } from '../../../webview/contract';
import { compareWithPrevious } from '../compare/registerComparePanel';
import { openRunArtifact } from '../explorer/openArtifact';
import { copyToClipboard, dispatchMessage, type MessageHandlers, MessagingPanel, type PanelDeps, validatedMessage } from '../messagingPanel';
import { getOutputChannel } from '../outputChannel';
import { connectionClient } from '../runPicking';
import { webviewHtml, webviewPanelOptions } from '../webviewHtml';

export const RUN_DETAILS_VIEW_TYPE = 'mlflow.runDetails';
/** How often a run that is still RUNNING is re-read. */
const POLL_MS = 5000;

/**
 * One "Run details" webview: loads the run (engine/runDetails), answers the webview's requests
 * (open an artifact, list a folder, open the git commit, compare with the previous run, copy) and
 * re-reads the run while it is running, so it shows the end when the run finishes.
 */
export class RunDetailsPanel extends MessagingPanel<ToRunDetailsMessage> {
  private static readonly open = new Set<RunDetailsPanel>();
  private details: RunDetails | undefined;
  /** Artifact paths the panel listed: the only ones the webview may open or expand. */
  private readonly knownArtifacts = new Map<string, boolean>();
  private poll: NodeJS.Timeout | undefined;
  private loadAbort: AbortController | undefined;

  static all(): readonly RunDetailsPanel[] {
    return [...RunDetailsPanel.open];
  }

  /** The panel of this run (revealed and reloaded when already open), else a new one. */
  static show(deps: PanelDeps, connectionId: string, runId: string): RunDetailsPanel {
    const existing = [...RunDetailsPanel.open].find((p) => p.connectionId === connectionId && p.runId === runId);
    if (existing) {
      existing.panel.reveal();
      void existing.load(false);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      RUN_DETAILS_VIEW_TYPE,
      `Run ${runId.slice(0, 8)}`,
      vscode.ViewColumn.Active,
      webviewPanelOptions(deps.context),
    );
    return new RunDetailsPanel(panel, deps, connectionId, runId);
  }

  constructor(
    panel: vscode.WebviewPanel,
    private readonly deps: PanelDeps,
    readonly connectionId: string,
    readonly runId: string,
  ) {
    super(panel);
    RunDetailsPanel.open.add(this);
    panel.webview.options = webviewPanelOptions(deps.context);
    panel.iconPath = vscode.Uri.joinPath(deps.context.extensionUri, 'media', 'mlflow.svg');
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => void this.handleMessage(raw)),
      panel.onDidChangeViewState(() => {
        if (panel.visible && this.details && isRunning(this.details) && !this.poll) this.schedulePoll();
      }),
    );
    panel.webview.html = webviewHtml(panel.webview, deps.context.extensionUri, {
      bundle: 'runDetails',
      title: 'Run details',
      loading: `Loading run ${runId}…`,
    });
  }

  /** Validates and dispatches one message from the webview; invalid ones are logged and dropped. */
  async handleMessage(raw: unknown): Promise<void> {
    const message = validatedMessage('Run details', validateFromRunDetails, raw);
    if (message) await dispatchMessage(this.handlers, message);
  }

  private readonly handlers: MessageHandlers<FromRunDetailsMessage> = {
    ready: async () => {
      this.markReady();
      await this.load(false);
    },
    retry: () => this.load(false),
    openArtifact: (m) => this.openArtifact(m.path),
    listArtifacts: (m) => this.listArtifacts(m.path),
    openCommit: async () => {
      const url = this.details?.overview.gitCommitUrl;
      if (url) await vscode.env.openExternal(vscode.Uri.parse(url, true));
    },
    compareWithPrevious: () => this.compareWithPrevious(),
    copy: (m) => copyToClipboard(m.text, (notice) => this.post(notice)),
  };

  private client(): { client: MlflowRestClient; label: string } {
    return connectionClient(this.deps.connections, this.connectionId);
  }

  /** (Re)reads the run and posts it; keeps polling while it is running. */
  async load(refresh: boolean): Promise<void> {
    this.loadAbort?.abort();
    const abort = (this.loadAbort = new AbortController());
    if (!refresh) this.post({ type: 'loading', what: `Loading run ${this.runId}…` });
    let label = this.connectionId;
    try {
      const target = this.client();
      label = target.label;
      const details = await loadRunDetails(target.client, this.runId, { signal: abort.signal });
      if (this.disposed || abort.signal.aborted) return;
      this.deps.connections.reportHealth(this.connectionId, true);
      this.details = details;
      this.knownArtifacts.clear();
      for (const f of details.artifacts) this.knownArtifacts.set(f.path, f.is_dir);
      for (const p of details.problems) getOutputChannel().warn(`Run details ${this.runId}: ${p.section}: ${p.message}`);
      this.panel.title = `Run ${details.overview.runName || this.runId.slice(0, 8)}`;
      const refreshing = isRunning(details);
      this.post({ type: 'details', connectionId: this.connectionId, connectionLabel: label, details, refreshing });
      if (refreshing) this.schedulePoll();
    } catch (err) {
      if (this.disposed || isCancelled(err) || abort.signal.aborted) return;
      const message = describeRunLoadFailure(err, this.runId, label);
      getOutputChannel().error(`Run details: loading ${this.runId} failed: ${err instanceof Error ? err.message : String(err)}`);
      // A failed poll keeps the data shown; only a first load becomes an error state.
      if (refresh && this.details) {
        this.post({ type: 'notice', message: `Refreshing the run failed: ${message}` });
        this.schedulePoll();
      } else this.post({ type: 'error', message, retry: true });
    }
  }

  private schedulePoll(): void {
    clearTimeout(this.poll);
    this.poll = setTimeout(() => {
      this.poll = undefined;
      if (!this.disposed && this.panel.visible) void this.load(true);
    }, POLL_MS);
  }

  private async openArtifact(path: string): Promise<void> {
    if (this.knownArtifacts.get(path) !== false) {
      getOutputChannel().warn(`Run details: the webview asked to open ${path}, which the panel did not list as a file.`);
      return;
    }
    try {
      await openRunArtifact(this.deps.context, this.client().client, this.runId, path);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      getOutputChannel().error(`Run details: opening ${path} of ${this.runId} failed: ${message}`);
      this.post({ type: 'notice', message: `Could not open ${path}: ${message.split('\n')[0]}` });
    }
  }

  private async listArtifacts(path: string): Promise<void> {
    if (this.knownArtifacts.get(path) !== true) {
      getOutputChannel().warn(`Run details: the webview asked to list ${path}, which the panel did not list as a folder.`);
      return;
    }
    try {
      const { files } = await this.client().client.listArtifacts(this.runId, path);
      if (this.disposed) return;
      for (const f of files) this.knownArtifacts.set(f.path, f.is_dir);
      this.post({ type: 'artifacts', path, files });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.post({ type: 'artifacts', path, files: [], error: message.split('\n')[0] });
    }
  }

  private async compareWithPrevious(): Promise<void> {
    try {
      const { client } = this.client();
      const run = await client.getRun(this.runId);
      await compareWithPrevious(this.deps, this.connectionId, client, run);
    } catch (err) {
      void vscode.window.showErrorMessage(`Compare with previous run: ${describeRunLoadFailure(err, this.runId, this.connectionId)}`);
    }
  }

  /** The details last loaded. */
  get current(): RunDetails | undefined {
    return this.details;
  }

  protected disposeResources(): void {
    RunDetailsPanel.open.delete(this);
    clearTimeout(this.poll);
    this.loadAbort?.abort();
  }
}

function isRunning(details: RunDetails): boolean {
  return isActive({ info: { status: details.overview.status } });
}
