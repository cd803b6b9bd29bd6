import * as path from 'node:path';
import * as vscode from 'vscode';
import { databricksAuth } from '../../engine/connections/databricksAuth';
import { resolveDatabricksCredentials, type DatabricksCredentials } from '../../engine/connections/databricksConfig';
import { launchLocal } from '../../engine/launching/localLauncher';
import type { EnvManager, LaunchHandle, LaunchRequest, LaunchState } from '../../engine/launching/launchTypes';
import { getOutputChannel } from '../outputChannel';
import type { TrackingConnections } from '../explorer/trackingConnections';
import { interpreterForLaunch, resolveWorkspaceInterpreter } from './launchPrechecks';
import { RunTerminal } from './runTerminal';

export type Backend = 'local' | 'databricks';

export interface LaunchSpec {
  projectDir: string;
  entryPoint: string;
  parameters: Record<string, string>;
  backend: Backend;
  experimentName?: string;
  runName?: string;
  /** Databricks only: cluster JSON path relative to the project (default cluster.json). */
  backendConfig?: string;
  buildWheels?: boolean;
  /** The interpreter checked before the prompts; resolved again when absent. */
  python?: string;
}

/**
 * Starts a launch in its own terminal with a progress notification (with Cancel), and reports the
 * result with a way to the run. The engine does the work; this file only shows it.
 */
export async function startLaunch(
  spec: LaunchSpec,
  connections: TrackingConnections,
  onFinished: (state: LaunchState) => void,
): Promise<LaunchState | undefined> {
  const connection = connections.active();
  if (connection?.kind === 'embedded' && !connection.client) await connections.startEmbedded();
  const active = connections.active();
  const trackingUri = active?.resolved?.trackingUri;
  if (!trackingUri) {
    void vscode.window.showErrorMessage(
      `MLflow: no usable tracking server (${active?.problem ?? 'none configured'}). Set one with "MLflow: Set Tracking URI" or start the local server.`,
    );
    return undefined;
  }
  const env: Record<string, string> = {};
  if (active?.resolved?.connection.token && active.kind !== 'databricks') env.MLFLOW_TRACKING_TOKEN = active.resolved.connection.token;
  const request: LaunchRequest = {
    projectDir: spec.projectDir,
    entryPoint: spec.entryPoint,
    parameters: spec.parameters,
    experimentName: spec.experimentName,
    runName: spec.runName,
    trackingUri,
    env,
  };
  const config = vscode.workspace.getConfiguration('mlflow');
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(spec.projectDir))?.uri.fsPath;
  // Tasks come here without the prompts' check: a local launch's interpreter is checked now.
  const python = spec.python ?? (spec.backend === 'local' ? await interpreterForLaunch(spec.projectDir) : (await resolveWorkspaceInterpreter(folder)).python);
  if (python === undefined) return undefined;
  const title = `MLflow: ${path.basename(spec.projectDir)} -e ${spec.entryPoint} (${spec.backend})`;
  // The workspace's credentials are read before the terminal opens (its start is synchronous); a problem is shown in it.
  const databricks = spec.backend === 'local' ? undefined : await databricksCredentials();

  let resolveDone: (state: LaunchState) => void = () => undefined;
  const done = new Promise<LaunchState>((resolve) => (resolveDone = resolve));
  let handle: LaunchHandle | undefined;
  let progressReport: (message: string) => void = () => undefined;

  const terminal = new RunTerminal((term) => {
    term.write(`${title}\nTracking: ${trackingUri}\n\n`);
    const events = {
      onOutput: (text: string) => term.write(text),
      onState: (state: LaunchState) => {
        term.state(state);
        progressReport(`${state.phase}${state.message ? `: ${state.message.split('\n')[0]}` : ''}`);
      },
    };
    if (spec.backend === 'local') {
      handle = launchLocal(request, { python, envManager: config.get<EnvManager>('envManager') ?? 'local' }, events);
    } else {
      handle = startDatabricks(request, spec, python, term, events, databricks!);
    }
    if (!handle) {
      resolveDone({ phase: 'failed', message: 'The launch could not start.' });
      return undefined;
    }
    void handle.done.then((state) => {
      resolveDone(state);
      term.exit(state.phase === 'finished' ? 0 : 1);
    });
    return handle;
  });
  const vsTerminal = vscode.window.createTerminal({ name: `MLflow ${spec.entryPoint}`, pty: terminal, iconPath: new vscode.ThemeIcon('beaker') });
  vsTerminal.show(true);

  const state = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    progressReport = (message) => progress.report({ message });
    token.onCancellationRequested(() => void handle?.cancel());
    return done;
  });
  getOutputChannel().info(`${title}: ${state.phase}${state.mlflowRunId ? ` (run ${state.mlflowRunId})` : ''}${state.message ? `: ${state.message}` : ''}`);
  onFinished(state);
  const summary = state.phase === 'finished' ? 'finished' : state.phase === 'killed' ? 'was cancelled' : 'failed';
  const message = `MLflow run ${state.mlflowRunId ?? ''} ${summary}${state.phase === 'failed' && state.message ? `: ${state.message.split('\n').slice(-1)[0]}` : ''}`;
  const actions = state.runPageUrl ? ['Open Databricks Run'] : [];
  const show = state.phase === 'finished' ? vscode.window.showInformationMessage : vscode.window.showErrorMessage;
  void show(message.replace(/\s+/g, ' '), ...actions).then((action) => {
    if (action && state.runPageUrl) void vscode.env.openExternal(vscode.Uri.parse(state.runPageUrl));
  });
  return state;
}

/** The credentials of the configured Databricks profile, or why there are none. */
async function databricksCredentials(): Promise<{ creds: DatabricksCredentials } | { problem: string }> {
  const config = vscode.workspace.getConfiguration('mlflow');
  try {
    const creds = await resolveDatabricksCredentials(config.get<string>('databricks.profile') || undefined, {
      databricksCliPath: config.get<string>('databricks.cliPath') || undefined,
    });
    return { creds };
  } catch (err) {
    return { problem: err instanceof Error ? err.message : String(err) };
  }
}

function startDatabricks(
  request: LaunchRequest,
  spec: LaunchSpec,
  python: string,
  term: RunTerminal,
  events: Parameters<typeof launchLocal>[2],
  databricks: { creds: DatabricksCredentials } | { problem: string },
): LaunchHandle | undefined {
  // Loaded on demand: the Databricks launcher is only needed when a run goes there.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const launcher = require('../../engine/launching/databricksLauncher') as typeof import('../../engine/launching/databricksLauncher');
  const config = vscode.workspace.getConfiguration('mlflow');
  const protocol = config.get<'jobs' | 'legacy'>('databricks.protocol') ?? 'jobs';
  const serverless = protocol === 'jobs' && (config.get<boolean>('databricks.serverless') ?? false);
  if ('problem' in databricks) {
    term.write(`\x1b[31m${databricks.problem}\x1b[0m\n`);
    return undefined;
  }
  const { creds } = databricks;
  return launcher.launchOnDatabricks(
    request,
    {
      host: creds.host,
      // Any sign-in works (PAT, OAuth M2M, Databricks CLI, Azure CLI).
      auth: databricksAuth(creds, { databricksCliPath: vscode.workspace.getConfiguration('mlflow').get<string>('databricks.cliPath') || undefined }),
      backendConfig: serverless ? undefined : path.join(spec.projectDir, spec.backendConfig ?? 'cluster.json'),
      protocol,
      serverless,
      uploadTo: config.get<string>('databricks.uploadFolder') || undefined,
      buildWheels: spec.buildWheels,
      python,
      envManager: vscode.workspace.getConfiguration('mlflow').get<EnvManager>('databricks.envManager') || undefined,
    },
    events,
  );
}
