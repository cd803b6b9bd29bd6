import * as path from 'node:path';
import { databricksAuth } from '../engine/connections/databricksAuth';
import { resolveDatabricksCredentials } from '../engine/connections/databricksConfig';
import type { HttpAuth } from '../engine/http/httpAuth';
import { DatabricksClient } from '../engine/databricks/databricksClient';
import { launchOnDatabricks } from '../engine/launching/databricksLauncher';
import { branchExperimentName, DEFAULT_DATABRICKS_EXPERIMENT_PATTERN, DEFAULT_EXPERIMENT_PATTERN } from '../engine/launching/experimentNaming';
import type { DatabricksProtocol, EnvManager, LaunchHandle, LaunchRequest, LaunchState } from '../engine/launching/launchTypes';
import { launchLocal } from '../engine/launching/localLauncher';
import {
  checkMlflowImport,
  interpreterProblemMessage,
  mlflowRequirement,
  resolveInterpreter,
  type ResolvedInterpreter,
} from '../engine/launching/pythonInterpreter';
import { checkDatabricksWorkspace } from '../engine/databricks/workspaceCheck';
import { CliUsageError, defineCommand, type CliIo, type CliOptions, type OptionValues } from './cliCommand';
import { TRACKING_URI_OPTION } from './trackingOptions';

const ENV_MANAGERS = ['local', 'virtualenv', 'conda', 'uv'] as const;

const RUN_OPTIONS = {
  'entry-point': { type: 'string', short: 'e', value: 'ENTRY', default: 'main', description: 'the entry point of MLproject' },
  param: { type: 'string', short: 'P', value: 'name=value', multiple: true, description: 'a parameter of the entry point' },
  backend: { type: 'string', short: 'b', choices: ['local', 'databricks'], default: 'local', description: 'where the run runs' },
  'backend-config': { type: 'string', value: 'cluster.json', description: 'a Jobs API new_cluster spec (--backend databricks)' },
  'experiment-name': { type: 'string', value: 'NAME', description: 'the experiment of the run' },
  'branch-experiment': { type: 'boolean', description: 'name the experiment after the project and git branch' },
  'experiment-pattern': { type: 'string', value: '"${projectName}/${branch}"', description: 'the pattern of --branch-experiment' },
  'run-name': { type: 'string', value: 'NAME', description: 'the name of the MLflow run' },
  'env-manager': { type: 'string', choices: ENV_MANAGERS, description: "how the project's Python environment is made" },
  wheels: { type: 'boolean', description: 'build the project wheels and install them on the cluster (--backend databricks)' },
  'wheel-folder': { type: 'string', value: 'dbfs:/FileStore/wheels', description: 'where --wheels uploads the wheels (--protocol legacy)' },
  serverless: { type: 'boolean', description: 'run on serverless compute, no cluster spec (--backend databricks, jobs protocol)' },
  'upload-to': {
    type: 'string',
    value: 'FOLDER',
    description: 'upload folder: /Workspace/... or /Volumes/<catalog>/<schema>/<volume>/... (default /Workspace/Users/<you>/mlflow-wb)',
  },
  protocol: {
    type: 'string',
    choices: ['jobs', 'legacy'],
    description: 'jobs (default): workspace files and Jobs API tasks; legacy: DBFS root as mlflow run -b databricks',
  },
  wait: { type: 'boolean', description: 'wait for the run to end (the default)' },
  'no-wait': { type: 'boolean', description: 'return once a Databricks run is submitted' },
  'tracking-uri': TRACKING_URI_OPTION,
  profile: { type: 'string', value: 'PROFILE', description: 'the ~/.databrickscfg profile' },
  python: { type: 'string', value: 'INTERPRETER', description: "the Python with mlflow (default: MLFLOW_WB_PYTHON, the project's .venv, python3)" },
} as const satisfies CliOptions;

interface RunArgs {
  dir: string;
  entryPoint: string;
  parameters: Record<string, string>;
  backend: 'local' | 'databricks';
  backendConfig?: string;
  experimentName?: string;
  branchExperiment: boolean;
  experimentPattern?: string;
  runName?: string;
  envManager?: EnvManager;
  wheels: boolean;
  wait: boolean;
  trackingUri?: string;
  profile?: string;
  python?: string;
  wheelFolder?: string;
  protocol?: DatabricksProtocol;
  serverless: boolean;
  uploadTo?: string;
}

/** Checks the options that go together and gathers them into a launch. */
function runArgs(v: OptionValues<typeof RUN_OPTIONS>, dir: string | undefined): RunArgs {
  const parameters: Record<string, string> = {};
  for (const p of v.param) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new CliUsageError(`-P needs name=value, not '${p}'`);
    parameters[p.slice(0, eq)] = p.slice(eq + 1);
  }
  if (v.wait && v['no-wait']) throw new CliUsageError('give --wait or --no-wait, not both');
  const out: RunArgs = {
    dir: dir ?? '.',
    entryPoint: v['entry-point'],
    parameters,
    backend: v.backend as RunArgs['backend'],
    backendConfig: v['backend-config'],
    experimentName: v['experiment-name'],
    branchExperiment: v['branch-experiment'],
    experimentPattern: v['experiment-pattern'],
    runName: v['run-name'],
    envManager: v['env-manager'] as EnvManager | undefined,
    wheels: v.wheels,
    wait: !v['no-wait'],
    trackingUri: v['tracking-uri'],
    profile: v.profile,
    python: v.python,
    wheelFolder: v['wheel-folder'],
    protocol: v.protocol as DatabricksProtocol | undefined,
    serverless: v.serverless,
    uploadTo: v['upload-to'],
  };
  if (out.experimentName && out.branchExperiment) throw new CliUsageError('give --experiment-name or --branch-experiment, not both');
  if (out.experimentPattern && !out.branchExperiment) throw new CliUsageError('--experiment-pattern goes with --branch-experiment');
  if (out.backend === 'local' && (out.backendConfig || out.wheels)) throw new CliUsageError('--backend-config and --wheels are for --backend databricks');
  if (out.backend === 'local' && (out.serverless || out.uploadTo || out.protocol))
    throw new CliUsageError('--serverless, --upload-to and --protocol are for --backend databricks');
  if (out.serverless && out.backendConfig) throw new CliUsageError('give --backend-config (a job cluster) or --serverless, not both');
  if (out.protocol === 'legacy' && (out.serverless || out.uploadTo))
    throw new CliUsageError('--serverless and --upload-to are for --protocol jobs (the legacy protocol uses DBFS root and a job cluster)');
  if (out.protocol !== 'legacy' && out.wheelFolder)
    throw new CliUsageError('--wheel-folder (a DBFS folder) is for --protocol legacy; with the jobs protocol wheels go under --upload-to');
  if (out.backend === 'databricks' && !out.backendConfig && !out.serverless)
    throw new CliUsageError('--backend databricks needs --backend-config cluster.json (a Jobs API new_cluster spec) or --serverless');
  if (out.backend === 'local' && !out.wait) throw new CliUsageError('--no-wait is for --backend databricks (a local run ends with this command)');
  return out;
}

/** Writes streamed output line by line (CliIo adds a newline to each call). */
function lineWriter(write: (text: string) => void): { push(text: string): void; flush(): void } {
  let pending = '';
  return {
    push(text) {
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) write(line);
    },
    flush() {
      if (pending) write(pending);
      pending = '';
    },
  };
}

export const runCommand = defineCommand({
  name: 'run',
  summary: 'Run an MLflow project entry point locally (mlflow run) or on Databricks (Jobs runs/submit); exit code 0 only when the run finished.',
  options: RUN_OPTIONS,
  positionals: { name: 'DIR', description: 'the project folder (default .)', max: 1 },
  // Whatever stops a launch (credentials, the project, the tracking server) is reported as a failed run.
  expected: () => true,
  async run({ values, positionals, io }) {
    return execute(runArgs(values, positionals[0]), io);
  },
});

/** --python, else MLFLOW_WB_PYTHON, else the project's .venv, else python3 on PATH; with the reason. */
export function cliInterpreter(a: Pick<RunArgs, 'python'>, projectDir: string, env: NodeJS.ProcessEnv = process.env): ResolvedInterpreter {
  const configured = a.python
    ? { python: a.python, source: 'option' as const, name: '--python' }
    : env.MLFLOW_WB_PYTHON
      ? { python: env.MLFLOW_WB_PYTHON, source: 'environment' as const, name: 'MLFLOW_WB_PYTHON' }
      : undefined;
  return resolveInterpreter({ configured, unset: configured ? [] : ['--python', 'MLFLOW_WB_PYTHON'], folder: projectDir });
}

async function execute(a: RunArgs, io: CliIo): Promise<number> {
  const projectDir = path.resolve(a.dir);
  const interpreter = cliInterpreter(a, projectDir);
  const python = interpreter.python;
  let creds: { host: string; auth: HttpAuth } | undefined;
  // What a launch needs is checked first, so a missing piece fails before anything is built or uploaded.
  if (a.backend === 'databricks') {
    const workspace = await checkDatabricksWorkspace(a.profile);
    if (!workspace.ok) {
      io.err(
        `mlflow-wb run: cannot launch on Databricks: ${workspace.problem}\n` +
          `Fix: sign in with 'databricks auth login --host https://<workspace>${a.profile ? ` --profile ${a.profile}` : ''}' (or edit ${workspace.configFile}: [${a.profile ?? 'DEFAULT'}] host = https://<workspace>, with auth_type = databricks-cli, azure-cli or a token), or set DATABRICKS_HOST and DATABRICKS_TOKEN.`,
      );
      return 1;
    }
    creds = { host: workspace.host, auth: workspace.auth };
  } else {
    const check = await checkMlflowImport(python);
    if (!check.ok) {
      io.err(
        `mlflow-wb run: ${interpreterProblemMessage(interpreter, check.problem)}\n` +
          `Fix: give --python /path/to/python (one with mlflow installed), or create a .venv in ${projectDir}: python3 -m venv .venv && .venv/bin/pip install ${await mlflowRequirement()}`,
      );
      return 1;
    }
    if (a.trackingUri?.startsWith('databricks')) {
      try {
        const c = await resolveDatabricksCredentials(a.profile);
        creds = { host: c.host, auth: databricksAuth(c) };
      } catch {
        /* tracking on Databricks is resolved by mlflow itself */
      }
    }
  }
  const trackingUri =
    a.trackingUri || process.env.MLFLOW_TRACKING_URI || (a.backend === 'databricks' ? (a.profile ? `databricks://${a.profile}` : 'databricks') : undefined);
  if (!trackingUri) throw new Error('no tracking URI: give --tracking-uri http://host:5000 (or set MLFLOW_TRACKING_URI).');

  let experimentName = a.experimentName;
  if (a.branchExperiment) {
    const onWorkspace = trackingUri.startsWith('databricks');
    const pattern = a.experimentPattern ?? (onWorkspace ? DEFAULT_DATABRICKS_EXPERIMENT_PATTERN : DEFAULT_EXPERIMENT_PATTERN);
    const user = /\{user\}/.test(pattern) && creds ? (await new DatabricksClient(creds).me()).userName : undefined;
    experimentName = await branchExperimentName(pattern, projectDir, { user });
  }

  const out = lineWriter((l) => io.out(l));
  const err = lineWriter((l) => io.err(l));
  let lastPhase = '';
  const events = {
    onOutput: (text: string, stream: 'stdout' | 'stderr') => (stream === 'stdout' ? out : err).push(text),
    onState: (s: LaunchState) => {
      const line = `${s.phase}${s.message && s.phase !== 'failed' ? `: ${s.message.split('\n')[0]}` : ''}`;
      if (line !== lastPhase) io.err(`[mlflow-wb] ${line}`);
      lastPhase = line;
    },
  };
  const request: LaunchRequest = { projectDir, entryPoint: a.entryPoint, parameters: a.parameters, experimentName, runName: a.runName, trackingUri };
  if (experimentName) io.err(`[mlflow-wb] experiment: ${experimentName}`);
  let handle: LaunchHandle;
  if (a.backend === 'databricks') {
    handle = launchOnDatabricks(
      request,
      {
        host: creds!.host,
        auth: creds!.auth,
        backendConfig: a.backendConfig,
        protocol: a.protocol,
        serverless: a.serverless,
        uploadTo: a.uploadTo,
        buildWheels: a.wheels,
        wheelFolder: a.wheelFolder,
        python,
        envManager: a.envManager,
        wait: a.wait,
      },
      events,
    );
  } else {
    handle = launchLocal(request, { python, envManager: a.envManager }, events);
  }
  const onSignal = () => {
    io.err('[mlflow-wb] cancelling the run...');
    void handle.cancel();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const final = await handle.done.finally(() => {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  });
  out.flush();
  err.flush();
  if (final.mlflowRunId) io.out(`MLflow run id: ${final.mlflowRunId}`);
  if (final.runPageUrl) io.out(`Databricks run: ${final.runPageUrl}`);
  if (final.phase === 'finished') return 0;
  if (final.phase === 'pending' && !a.wait) {
    io.out('Submitted; not waiting for it to finish (--no-wait).');
    return 0;
  }
  io.err(`mlflow-wb run: the run ${final.phase === 'killed' ? 'was cancelled' : 'failed'}${final.message ? `: ${final.message}` : ''}`);
  return final.phase === 'killed' ? 130 : 1;
}
