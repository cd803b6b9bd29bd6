import * as vscode from 'vscode';
import { COMMANDS } from '../commandIds';
import { trackingProcessEnv } from '../../engine/connections/trackingUri';
import { startModelServer, type EnvManager, type ModelServer } from '../../engine/serving/localModelServer';
import { modelRequestKey } from '../../engine/serving/sampleRequests';
import type { TrackingConnection } from '../explorer/trackingConnections';
import { resolveWorkspaceInterpreter } from '../launching/launchPrechecks';
import { RunTerminal } from '../launching/runTerminal';
import { getOutputChannel } from '../outputChannel';

/** One `mlflow models serve` the extension started, from its start to its end. */
export interface ServedModel {
  modelUri: string;
  /** Short name for the status bar and pickers, e.g. "diabetes v3", "diabetes@champion". */
  label: string;
  /** Folder name of the model's sample requests (see engine/serving/sampleRequests). */
  requestKey: string;
  connectionId: string;
  state: 'starting' | 'ready' | 'failed' | 'stopped';
  /** Set once it answers /ping. */
  url?: string;
  server?: ModelServer;
  terminal: vscode.Terminal;
  /** Why it failed or stopped, for the status bar and messages. */
  problem?: string;
}

/**
 * The local model servers of this window: each in a terminal the extension owns (its log; Ctrl-C or
 * closing it stops the server), one status bar entry for all of them, and stopped with VS Code.
 */
export class ModelServers implements vscode.Disposable {
  private readonly served = new Map<string, ServedModel>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly statusBar = vscode.window.createStatusBarItem('mlflow.modelServers', vscode.StatusBarAlignment.Left, 9);

  constructor() {
    this.statusBar.name = 'MLflow model servers';
    this.statusBar.command = COMMANDS.manageModelServers;
  }

  all(): ServedModel[] {
    return [...this.served.values()];
  }

  ready(): ServedModel[] {
    return this.all().filter((s) => s.state === 'ready');
  }

  get(modelUri: string): ServedModel | undefined {
    return this.served.get(modelUri);
  }

  /**
   * Starts serving `modelUri` (models:/…, runs:/…) through the connection's tracking server and
   * resolves once /ping answers, or with the failure (the terminal keeps the whole log).
   */
  async serve(modelUri: string, label: string, connection: TrackingConnection): Promise<ServedModel> {
    const existing = this.served.get(modelUri);
    if (existing && (existing.state === 'ready' || existing.state === 'starting')) return existing;
    existing?.terminal.dispose();
    const resolved = connection.resolved;
    if (!resolved) throw new Error(`The tracking server ${connection.label} is not usable: ${connection.problem ?? 'not connected'}.`);
    const config = vscode.workspace.getConfiguration('mlflow');
    const envManager = config.get<EnvManager>('serving.envManager') ?? 'local';
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const python = (await resolveWorkspaceInterpreter(folder)).python;
    // Short-lived credentials for the server, through its environment only.
    const childEnv = await trackingProcessEnv(resolved);

    let settle: (served: ServedModel) => void = () => undefined;
    const settled = new Promise<ServedModel>((resolve) => (settle = resolve));
    const pty = new RunTerminal((term) => {
      term.write(`mlflow models serve -m ${modelUri} --env-manager ${envManager}\nPython: ${python}\nTracking: ${resolved.trackingUri}\n\n`);
      const starting = startModelServer({
        python,
        modelUri,
        trackingUri: resolved.trackingUri,
        envManager,
        env: childEnv,
        onLog: (line) => term.write(line + '\n'),
        startTimeoutMs: (config.get<number>('serving.startTimeoutSeconds') ?? 300) * 1000,
      });
      starting.then(
        (server) => {
          served.server = server;
          served.url = server.url;
          served.state = 'ready';
          term.write(`\x1b[32m[ready] ${server.url} — POST ${server.url}/invocations. Ctrl-C stops the server.\x1b[0m\n`);
          this.update();
          settle(served);
          void server.exited.then(({ code, signal }) => {
            const wasReady = served.state === 'ready';
            served.state = 'stopped';
            served.problem = `exited (${code ?? signal})`;
            term.write(`\x1b[33m[stopped] the model server ${served.problem}.\x1b[0m\n`);
            term.exit(code ?? 0);
            this.update();
            if (wasReady && !stopping.has(modelUri)) {
              void vscode.window.showWarningMessage(`MLflow: the model server for ${label} stopped on its own (${served.problem}).`, 'Show Log').then((a) => {
                if (a) served.terminal.show();
              });
            }
            stopping.delete(modelUri);
          });
        },
        (err: unknown) => {
          served.state = 'failed';
          served.problem = err instanceof Error ? err.message : String(err);
          term.write(`\x1b[31m[failed] ${served.problem}\x1b[0m\n`);
          term.exit(1);
          getOutputChannel().error(`Serving ${modelUri}: ${served.problem}`);
          this.update();
          settle(served);
        },
      );
      return { cancel: () => this.stop(served) };
    });
    const stopping = this.stopping;
    const terminal = vscode.window.createTerminal({ name: `MLflow serve ${label}`, pty, iconPath: new vscode.ThemeIcon('broadcast') });
    const served: ServedModel = { modelUri, label, requestKey: modelRequestKey(modelUri), connectionId: connection.id, state: 'starting', terminal };
    this.served.set(modelUri, served);
    this.update();
    // The terminal starts the server when it opens; show it without taking the focus.
    terminal.show(true);
    return settled;
  }

  private readonly stopping = new Set<string>();

  async stop(served: ServedModel): Promise<void> {
    if (served.state === 'stopped' || served.state === 'failed') return;
    this.stopping.add(served.modelUri);
    await served.server?.stop();
    served.state = 'stopped';
    this.update();
  }

  private update(): void {
    for (const [uri, s] of this.served) {
      if (s.state === 'stopped' && s.terminal.exitStatus !== undefined) this.served.delete(uri);
    }
    const live = this.all().filter((s) => s.state === 'ready' || s.state === 'starting');
    if (live.length === 0) {
      this.statusBar.hide();
    } else {
      const starting = live.filter((s) => s.state === 'starting');
      const first = live[0];
      this.statusBar.text =
        live.length === 1
          ? `${starting.length ? '$(loading~spin)' : '$(broadcast)'} ${first.label}${first.url ? ` :${new URL(first.url).port}` : ' starting…'}`
          : `$(broadcast) ${live.length} models served${starting.length ? ` (${starting.length} starting)` : ''}`;
      const md = new vscode.MarkdownString(live.map((s) => `**${s.label}** — ${s.state === 'ready' ? s.url : 'starting…'}  \n\`${s.modelUri}\``).join('\n\n'));
      md.appendMarkdown('\n\nClick to send a test request, show the log or stop.');
      this.statusBar.tooltip = md;
      this.statusBar.show();
    }
    void vscode.commands.executeCommand('setContext', 'mlflow.modelServing', live.length > 0);
    this.changed.fire();
  }

  dispose(): void {
    for (const s of this.served.values()) void s.server?.stop();
    this.statusBar.dispose();
    this.changed.dispose();
  }
}
