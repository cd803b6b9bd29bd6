import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS } from '../commandIds';
import { resolveTracking, type ResolvedTracking } from '../../engine/connections/trackingUri';
import { startLocalTrackingServer, type LocalTrackingServer } from '../../engine/mlflow/localTrackingServer';
import { MlflowRestClient } from '../../engine/mlflow/mlflowRestClient';
import { resolveInterpreter } from '../../engine/launching/pythonInterpreter';
import { getOutputChannel } from '../outputChannel';

export const EMBEDDED_ID = 'embedded';

interface ConnectionIdentity {
  /** The tracking URI as configured, or EMBEDDED_ID. */
  id: string;
  label: string;
  kind: 'mlflow' | 'databricks' | 'embedded';
}

/** A connection that can be used: its tracking URI resolved and a client for it. */
export interface UsableConnection extends ConnectionIdentity {
  resolved: ResolvedTracking;
  client: MlflowRestClient;
  problem?: undefined;
}

/** A connection that cannot be used, and why (bad URI, missing profile, embedded server not started or failed). */
export interface UnusableConnection extends ConnectionIdentity {
  problem: string;
  resolved?: undefined;
  client?: undefined;
}

/**
 * One root of the explorer: a tracking server the user configured, or the embedded local one.
 * Checking `client` (or `isUsable`) narrows it, so a client is proven where it is used.
 */
export type TrackingConnection = UsableConnection | UnusableConnection;

export function isUsable(connection: TrackingConnection | undefined): connection is UsableConnection {
  return connection?.client !== undefined;
}

/** Who a Databricks connection is signed in as (SCIM Me), or why it is not. */
export interface SignInState {
  user?: string;
  problem?: string;
}

interface ConfiguredConnection {
  name?: string;
  trackingUri: string;
}

const SECRET_PREFIX = 'mlflow.token:';

/**
 * The tracking connections of the window: `mlflow.trackingUri` (or MLFLOW_TRACKING_URI),
 * `mlflow.connections`, and, when none is configured, the embedded local server (sqlite in the
 * workspace's .mlflow/ folder) started on demand. Tokens come from SecretStorage or ~/.databrickscfg.
 */
export class TrackingConnections implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private connections: TrackingConnection[] = [];
  private embedded: LocalTrackingServer | undefined;
  private embeddedStarting: Promise<void> | undefined;
  private embeddedProblem: string | undefined = 'not started';
  private readonly statusBar = vscode.window.createStatusBarItem('mlflow.connection', vscode.StatusBarAlignment.Left, 10);
  private readonly disposables: vscode.Disposable[] = [this.changed, this.statusBar];
  private health = new Map<string, 'ok' | 'down'>();
  private signIns = new Map<string, SignInState>();

  constructor(private readonly context: vscode.ExtensionContext) {
    this.statusBar.name = 'MLflow connection';
    this.statusBar.command = COMMANDS.switchConnection;
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('mlflow')) void this.reload();
      }),
      context.secrets.onDidChange((e) => {
        if (e.key.startsWith(SECRET_PREFIX)) void this.reload();
      }),
    );
  }

  all(): TrackingConnection[] {
    return this.connections;
  }

  get(id: string): TrackingConnection | undefined {
    return this.connections.find((c) => c.id === id);
  }

  /** The connection that launches and the status bar use. */
  active(): TrackingConnection | undefined {
    const chosen = this.context.workspaceState.get<string>('mlflow.activeConnection');
    return this.connections.find((c) => c.id === chosen) ?? this.connections[0];
  }

  async setActive(id: string): Promise<void> {
    await this.context.workspaceState.update('mlflow.activeConnection', id);
    this.updateStatusBar();
    this.changed.fire();
  }

  /** Re-reads settings, environment and secrets. */
  async reload(): Promise<void> {
    const config = vscode.workspace.getConfiguration('mlflow');
    const configured: ConfiguredConnection[] = [];
    const main = config.get<string>('trackingUri')?.trim() || process.env.MLFLOW_TRACKING_URI?.trim();
    if (main) configured.push({ trackingUri: main });
    for (const extra of config.get<ConfiguredConnection[]>('connections') ?? []) {
      if (extra?.trackingUri && !configured.some((c) => c.trackingUri === extra.trackingUri)) configured.push(extra);
    }
    const next: TrackingConnection[] = [];
    for (const entry of configured) next.push(await this.resolve(entry));
    if (next.length === 0) next.push(await this.embeddedConnection());
    this.connections = next;
    this.signIns.clear();
    this.updateStatusBar();
    this.changed.fire();
    for (const c of next) if (c.kind === 'databricks' && c.client) void this.checkSignIn(c.id);
  }

  /** Who the Databricks connection is signed in as, once known. */
  signInOf(id: string): SignInState | undefined {
    return this.signIns.get(id);
  }

  /** Asks the workspace who the credentials belong to (SCIM Me); the row shows it, or why not. */
  async checkSignIn(id: string): Promise<SignInState> {
    const c = this.get(id);
    if (!c?.client) return { problem: c?.problem ?? 'not connected' };
    let state: SignInState;
    try {
      const me = await c.client.requestJson<{ userName?: string; displayName?: string }>('GET', 'api/2.0/preview/scim/v2/Me');
      state = { user: me.userName ?? me.displayName ?? 'unknown user' };
    } catch (err) {
      state = { problem: err instanceof Error ? err.message : String(err) };
      getOutputChannel().warn(`${c.label}: not signed in: ${state.problem}`);
    }
    if (this.get(id) === c) {
      this.signIns.set(id, state);
      this.changed.fire();
    }
    return state;
  }

  private async resolve(entry: ConfiguredConnection): Promise<TrackingConnection> {
    const token = await this.context.secrets.get(SECRET_PREFIX + entry.trackingUri);
    const env = token ? { ...process.env, MLFLOW_TRACKING_TOKEN: token } : process.env;
    try {
      const databricksCliPath = vscode.workspace.getConfiguration('mlflow').get<string>('databricks.cliPath')?.trim() || undefined;
      const resolved = await resolveTracking(entry.trackingUri, { env, databricksCliPath });
      return {
        id: entry.trackingUri,
        label: entry.name || resolved.label,
        kind: resolved.kind,
        resolved,
        client: new MlflowRestClient(resolved.connection),
      };
    } catch (err) {
      return { id: entry.trackingUri, label: entry.name || entry.trackingUri, kind: 'mlflow', problem: err instanceof Error ? err.message : String(err) };
    }
  }

  private async embeddedConnection(): Promise<TrackingConnection> {
    const base: ConnectionIdentity = { id: EMBEDDED_ID, label: 'Local MLflow (embedded)', kind: 'embedded' };
    if (!this.embedded) return { ...base, problem: this.embeddedProblem ?? 'not started' };
    const resolved = await resolveTracking(this.embedded.url, { env: {} });
    return { ...base, resolved, client: new MlflowRestClient(resolved.connection) };
  }

  /** Starts the embedded server for the first workspace folder (sqlite in .mlflow/), once. */
  async startEmbedded(): Promise<void> {
    if (this.embedded) return;
    this.embeddedStarting ??= this.doStartEmbedded().finally(() => {
      this.embeddedStarting = undefined;
    });
    return this.embeddedStarting;
  }

  private async doStartEmbedded(): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder) {
      this.embeddedProblem = 'Open a folder first: the embedded server keeps its data in the workspace.';
      await this.reload();
      return;
    }
    const dataDir = path.join(folder.uri.fsPath, '.mlflow');
    await fs.promises.mkdir(dataDir, { recursive: true });
    const ignore = path.join(dataDir, '.gitignore');
    // The tracking data stays out of git; the sample requests of served models (requests/) go in.
    const ignoreText = '# Tracking data of the embedded MLflow server (sample model requests are kept)\n*\n!.gitignore\n!requests/\n!requests/**\n';
    const previousText = '# Tracking data of the embedded MLflow server\n*\n';
    const currentText = await fs.promises.readFile(ignore, 'utf8').catch(() => undefined);
    if (currentText === undefined || currentText === previousText) await fs.promises.writeFile(ignore, ignoreText);
    const python = pythonInterpreter(folder.uri.fsPath);
    const output = getOutputChannel();
    output.info(`Starting the embedded MLflow server with ${python} (data in ${dataDir})`);
    this.embeddedProblem = 'starting…';
    await this.reload();
    try {
      this.embedded = await startLocalTrackingServer({ python, dataDir, onLog: (line) => output.trace(`[mlflow server] ${line}`) });
      this.embeddedProblem = undefined;
      output.info(`Embedded MLflow server on ${this.embedded.url}`);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.embeddedProblem = `The embedded MLflow server did not start: ${message.split('\n')[0]} Set mlflow.pythonPath to a Python with mlflow installed.`;
      output.error(message);
    }
    await this.reload();
  }

  async stopEmbedded(): Promise<void> {
    const server = this.embedded;
    this.embedded = undefined;
    this.embeddedProblem = 'not started';
    await server?.stop();
    await this.reload();
  }

  get embeddedUrl(): string | undefined {
    return this.embedded?.url;
  }

  async setToken(trackingUri: string, token: string | undefined): Promise<void> {
    if (token) await this.context.secrets.store(SECRET_PREFIX + trackingUri, token);
    else await this.context.secrets.delete(SECRET_PREFIX + trackingUri);
  }

  /** Records what the last request to a connection showed, for the status bar. */
  reportHealth(id: string, ok: boolean): void {
    const state = ok ? 'ok' : 'down';
    if (this.health.get(id) === state) return;
    this.health.set(id, state);
    this.updateStatusBar();
  }

  private updateStatusBar(): void {
    const active = this.active();
    if (!active) {
      this.statusBar.hide();
      return;
    }
    const health = this.health.get(active.id);
    const icon = active.problem || health === 'down' ? '$(error)' : health === 'ok' ? '$(pass-filled)' : '$(beaker)';
    this.statusBar.text = `${icon} ${active.label}`;
    this.statusBar.tooltip =
      active.problem ?? `MLflow tracking: ${active.resolved?.trackingUri ?? active.id}${health === 'down' ? ' (unreachable)' : ''}\nClick to switch.`;
    this.statusBar.show();
  }

  dispose(): void {
    void this.embedded?.stop();
    for (const d of this.disposables) d.dispose();
  }
}

/** mlflow.pythonPath, else the workspace's .venv, else python3 on PATH. */
function pythonInterpreter(workspaceFolder: string | undefined): string {
  const configured = vscode.workspace.getConfiguration('mlflow').get<string>('pythonPath')?.trim();
  return resolveInterpreter({
    configured: configured ? { python: configured, source: 'setting', name: 'mlflow.pythonPath' } : undefined,
    folder: workspaceFolder,
  }).python;
}
