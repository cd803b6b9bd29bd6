import * as path from 'node:path';
import { resolveTracking, trackingProcessEnv, type ResolvedTracking } from '../connections/trackingUri';
import { MlflowRestClient } from '../mlflow/mlflowRestClient';
import { startProcessGroup, type ProcessGroup } from '../process/processGroup';
import { pythonErrorSummary } from './childProcess';
import type { LaunchEvents, LaunchHandle, LaunchRequest, LaunchState, LocalLaunchOptions } from './launchTypes';
import { launchProblems } from './projectEntryPoints';

/**
 * The run id in what `mlflow run` logs (mlflow/projects/backend/local.py and mlflow/cli):
 * "=== Running command '...' in run with ID '<id>' ===", "=== Run (ID '<id>') succeeded|failed ===".
 */
const RUN_ID_PATTERNS = [/in run with ID '([0-9a-f]{32})'/, /=== Run \(ID '([0-9a-f]{32})'\) (?:succeeded|failed)/, /MLflow run with ID ([0-9a-f]{32})/];

/** The `mlflow run` argument list for a local launch (an array: values are never seen by a shell). */
function localMlflowRunArgs(req: LaunchRequest, opts: LocalLaunchOptions): string[] {
  const args = ['-m', 'mlflow', 'run', path.resolve(req.projectDir), '-e', req.entryPoint];
  for (const [key, value] of Object.entries(req.parameters)) args.push('-P', `${key}=${value}`);
  if (req.experimentName) args.push('--experiment-name', req.experimentName);
  if (req.runName) args.push('--run-name', req.runName);
  if (opts.envManager) args.push('--env-manager', opts.envManager);
  return args;
}

/** Environment of the `mlflow run` process: ours, minus run/experiment selectors that would conflict, plus the request's. */
function localRunEnvironment(req: LaunchRequest, python?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // `python` in entry point commands must be the chosen interpreter, as in an activated venv.
  if (python && path.isAbsolute(python)) env.PATH = [path.dirname(python), process.env.PATH ?? ''].join(path.delimiter);
  // An inherited MLFLOW_RUN_ID would make the run resume someone else's; MLFLOW_EXPERIMENT_ID with
  // --experiment-name makes `mlflow run` refuse to start.
  delete env.MLFLOW_RUN_ID;
  if (req.experimentName) {
    delete env.MLFLOW_EXPERIMENT_ID;
    delete env.MLFLOW_EXPERIMENT_NAME;
  }
  Object.assign(env, { MLFLOW_TRACKING_URI: req.trackingUri, PYTHONUNBUFFERED: '1' }, req.env ?? {});
  return env;
}

/**
 * Runs `<python> -m mlflow run ...` for one entry point, as its own process group (cancel ends the
 * whole group). Parameters are checked before anything starts. The final state comes from the exit
 * code and the run's status on the tracking server.
 */
export function launchLocal(req: LaunchRequest, opts: LocalLaunchOptions, events: LaunchEvents = {}): LaunchHandle {
  let group: ProcessGroup | undefined;
  let cancelled = false;
  let state: LaunchState = { phase: 'validating' };
  const emit = (next: LaunchState) => {
    state = next;
    try {
      events.onState?.({ ...next });
    } catch {
      /* a listener's failure must not break the launch */
    }
  };
  const output = (text: string, stream: 'stdout' | 'stderr') => {
    try {
      events.onOutput?.(text, stream);
    } catch {
      /* as above */
    }
  };

  const done = (async (): Promise<LaunchState> => {
    emit({ phase: 'validating', message: `Checking ${path.join(req.projectDir, 'MLproject')}` });
    const { problems } = await launchProblems(req.projectDir, req.entryPoint, req.parameters);
    if (problems.length > 0) return finish({ phase: 'failed', message: problems.join('\n') });
    if (cancelled) return finish({ phase: 'killed', message: 'Cancelled before the run started.' });

    let client: MlflowRestClient | undefined;
    let resolved: ResolvedTracking | undefined;
    try {
      resolved = await resolveTracking(req.trackingUri, { env: { ...process.env, ...(req.env ?? {}) } });
      client = new MlflowRestClient(resolved.connection, { maxRetries: 2 });
    } catch {
      // A store MLflow opens itself (sqlite:, file:) has no REST API: the exit code decides alone.
      client = undefined;
    }
    // Sign-ins with changing tokens (Databricks CLI, Azure CLI) give `mlflow run` a short-lived one, in its environment only;
    // `http://user:password@host` reaches it as the URI without userinfo plus MLFLOW_TRACKING_USERNAME/PASSWORD, so
    // `mlflow run` (which prints its tracking URI on some errors) never shows the password.
    let credentials: Record<string, string> = {};
    try {
      if (resolved) credentials = await trackingProcessEnv(resolved);
    } catch (err) {
      return finish({ phase: 'failed', message: err instanceof Error ? err.message : String(err) });
    }

    const args = localMlflowRunArgs(req, opts);
    let runId: string | undefined;
    let stderrTail = '';
    const lineBuffers = { stdout: '', stderr: '' };
    const scan = (text: string, stream: 'stdout' | 'stderr') => {
      if (stream === 'stderr') stderrTail = (stderrTail + text).slice(-64 * 1024);
      if (runId) return;
      lineBuffers[stream] += text;
      const lines = lineBuffers[stream].split('\n');
      lineBuffers[stream] = lines.pop() ?? '';
      for (const line of lines) {
        const id = RUN_ID_PATTERNS.map((p) => p.exec(line)?.[1]).find(Boolean);
        if (id) {
          runId = id;
          emit({ phase: 'running', mlflowRunId: id, message: `Run ${id} started` });
          break;
        }
      }
    };

    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: string }>((resolve) => {
      group = startProcessGroup(opts.python, args, { cwd: path.resolve(req.projectDir), env: { ...localRunEnvironment(req, opts.python), ...credentials } });
      const child = group.child;
      emit({ phase: 'running', message: 'Starting mlflow run' });
      let error: string | undefined;
      child.stdout!.setEncoding('utf8');
      child.stderr!.setEncoding('utf8');
      child.stdout!.on('data', (text: string) => {
        output(text, 'stdout');
        scan(text, 'stdout');
      });
      child.stderr!.on('data', (text: string) => {
        output(text, 'stderr');
        scan(text, 'stderr');
      });
      child.once('error', (err: NodeJS.ErrnoException) => {
        error =
          err.code === 'ENOENT'
            ? `The Python interpreter ${opts.python} was not found: set the interpreter (one with mlflow installed) and try again.`
            : `Could not start ${opts.python}: ${err.message}`;
      });
      if (child.pid === undefined) void group.exited.then(() => resolve({ code: null, signal: null, error }));
      else child.once('close', (code, signal) => resolve({ code, signal, error }));
    });
    for (const stream of ['stdout', 'stderr'] as const) if (lineBuffers[stream]) scan('\n', stream);

    if (exit.error) return finish({ phase: 'failed', message: exit.error });
    const status = runId && client ? await runStatus(client, runId) : undefined;
    if (cancelled) {
      // `mlflow run` dies on SIGTERM without ending the run: record it as killed.
      if (runId && client && (status === 'RUNNING' || status === 'SCHEDULED')) await client.updateRun(runId, 'KILLED').catch(() => undefined);
      return finish({ phase: 'killed', mlflowRunId: runId, message: runId ? `Run ${runId} was cancelled.` : 'The launch was cancelled.' });
    }
    if (exit.code === 0 && (status === undefined || status === 'FINISHED')) {
      return finish({ phase: 'finished', mlflowRunId: runId, message: runId ? `Run ${runId} finished.` : 'mlflow run finished.' });
    }
    if (status === 'KILLED') return finish({ phase: 'killed', mlflowRunId: runId, message: `Run ${runId} was killed.` });
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    const error = pythonErrorSummary(stderrTail);
    // The user's code may end the run itself with a status the exit code does not show.
    if (exit.code === 0 && status === 'FAILED') return finish({ phase: 'failed', mlflowRunId: runId, message: `Run ${runId} ended FAILED.` });
    return finish({
      phase: 'failed',
      mlflowRunId: runId,
      message: `${runId ? `Run ${runId} failed` : 'mlflow run failed before the run started'} (mlflow run ${how})${error ? `:\n${error}` : '.'}`,
    });
  })().catch((err: unknown) =>
    finish({ phase: 'failed', mlflowRunId: state.mlflowRunId, message: `The launch failed: ${err instanceof Error ? err.message : String(err)}` }),
  );

  function finish(final: LaunchState): LaunchState {
    emit(final);
    return final;
  }

  return {
    done,
    async cancel() {
      cancelled = true;
      await group?.stop();
      await done;
    },
  };
}

async function runStatus(client: MlflowRestClient, runId: string): Promise<string | undefined> {
  try {
    return (await client.getRun(runId)).info.status;
  } catch {
    return undefined;
  }
}
