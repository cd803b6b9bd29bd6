import * as path from 'node:path';
import { DatabricksConfigError, resolveDatabricksCredentials } from '../engine/connections/databricksConfig';
import { DatabricksClient } from '../engine/databricks/databricksClient';
import { launchOnDatabricks } from '../engine/launching/databricksLauncher';
import { branchExperimentName, DEFAULT_DATABRICKS_EXPERIMENT_PATTERN, DEFAULT_EXPERIMENT_PATTERN } from '../engine/launching/experimentNaming';
import type { DatabricksProtocol, EnvManager, LaunchHandle, LaunchRequest, LaunchState } from '../engine/launching/launchTypes';
import { launchLocal } from '../engine/launching/localLauncher';
import type { CliCommand, CliIo } from './cliCommand';

const ENV_MANAGERS = ['local', 'virtualenv', 'conda', 'uv'];

class UsageError extends Error {}

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

/** Parses `run` arguments: one optional DIR, -e/-P short forms, --flag value and --flag=value. */
export function parseRunArgs(args: string[]): RunArgs {
  const out: RunArgs = { dir: '.', entryPoint: 'main', parameters: {}, backend: 'local', branchExperiment: false, wheels: false, wait: true, serverless: false };
  let dirSeen = false;
  const takeValue = (name: string, inline: string | undefined, i: number): [string, number] => {
    if (inline !== undefined) return [inline, i];
    const value = args[i + 1];
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    return [value, i + 1];
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const m = /^(--[a-z-]+|-[eP])(?:=([\s\S]*))?$/.exec(arg);
    if (!m) {
      if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option ${arg}`);
      if (dirSeen) throw new UsageError(`unexpected argument '${arg}' (the project folder is already ${out.dir})`);
      out.dir = arg;
      dirSeen = true;
      continue;
    }
    const [flag, inline] = [m[1]!, m[2]];
    let value: string;
    switch (flag) {
      case '-e':
      case '--entry-point':
        [out.entryPoint, i] = takeValue(flag, inline, i);
        break;
      case '-P':
      case '--param': {
        [value, i] = takeValue(flag, inline, i);
        const eq = value.indexOf('=');
        if (eq <= 0) throw new UsageError(`-P needs name=value, not '${value}'`);
        out.parameters[value.slice(0, eq)] = value.slice(eq + 1);
        break;
      }
      case '--backend':
      case '-b':
        [value, i] = takeValue(flag, inline, i);
        if (value !== 'local' && value !== 'databricks') throw new UsageError(`--backend must be local or databricks, not '${value}'`);
        out.backend = value;
        break;
      case '--backend-config':
        [out.backendConfig, i] = takeValue(flag, inline, i);
        break;
      case '--experiment-name':
        [out.experimentName, i] = takeValue(flag, inline, i);
        break;
      case '--branch-experiment':
        out.branchExperiment = true;
        break;
      case '--experiment-pattern':
        [out.experimentPattern, i] = takeValue(flag, inline, i);
        break;
      case '--run-name':
        [out.runName, i] = takeValue(flag, inline, i);
        break;
      case '--env-manager':
        [value, i] = takeValue(flag, inline, i);
        if (!ENV_MANAGERS.includes(value)) throw new UsageError(`--env-manager must be one of ${ENV_MANAGERS.join(', ')}, not '${value}'`);
        out.envManager = value as EnvManager;
        break;
      case '--wheels':
        out.wheels = true;
        break;
      case '--wait':
        out.wait = true;
        break;
      case '--no-wait':
        out.wait = false;
        break;
      case '--tracking-uri':
        [out.trackingUri, i] = takeValue(flag, inline, i);
        break;
      case '--profile':
        [out.profile, i] = takeValue(flag, inline, i);
        break;
      case '--python':
        [out.python, i] = takeValue(flag, inline, i);
        break;
      case '--wheel-folder':
        [out.wheelFolder, i] = takeValue(flag, inline, i);
        break;
      case '--protocol':
        [value, i] = takeValue(flag, inline, i);
        if (value !== 'jobs' && value !== 'legacy') throw new UsageError(`--protocol must be jobs or legacy, not '${value}'`);
        out.protocol = value;
        break;
      case '--serverless':
        out.serverless = true;
        break;
      case '--upload-to':
        [out.uploadTo, i] = takeValue(flag, inline, i);
        break;
      default:
        throw new UsageError(`unknown option ${flag}`);
    }
  }
  if (out.experimentName && out.branchExperiment) throw new UsageError('give --experiment-name or --branch-experiment, not both');
  if (out.experimentPattern && !out.branchExperiment) throw new UsageError('--experiment-pattern goes with --branch-experiment');
  if (out.backend === 'local' && (out.backendConfig || out.wheels)) throw new UsageError('--backend-config and --wheels are for --backend databricks');
  if (out.backend === 'local' && (out.serverless || out.uploadTo || out.protocol)) throw new UsageError('--serverless, --upload-to and --protocol are for --backend databricks');
  if (out.serverless && out.backendConfig) throw new UsageError('give --backend-config (a job cluster) or --serverless, not both');
  if (out.protocol === 'legacy' && (out.serverless || out.uploadTo)) throw new UsageError('--serverless and --upload-to are for --protocol jobs (the legacy protocol uses DBFS root and a job cluster)');
  if (out.protocol !== 'legacy' && out.wheelFolder) throw new UsageError('--wheel-folder (a DBFS folder) is for --protocol legacy; with the jobs protocol wheels go under --upload-to');
  if (out.backend === 'databricks' && !out.backendConfig && !out.serverless) throw new UsageError('--backend databricks needs --backend-config cluster.json (a Jobs API new_cluster spec) or --serverless');
  if (out.backend === 'local' && !out.wait) throw new UsageError('--no-wait is for --backend databricks (a local run ends with this command)');
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

export const runCommand: CliCommand = {
  name: 'run',
  summary: 'Run an MLflow project entry point locally (mlflow run) or on Databricks (Jobs runs/submit); exit code 0 only when the run finished.',
  usage:
    'run [DIR] [-e ENTRY] [-P name=value]... [--backend local|databricks] [--backend-config cluster.json] ' +
    '[--experiment-name NAME | --branch-experiment [--experiment-pattern "${projectName}/${branch}"]] [--run-name NAME] ' +
    '[--serverless] [--upload-to /Workspace/Users/<me>/mlflow-wb | /Volumes/<catalog>/<schema>/<volume>/<folder>] [--protocol jobs|legacy] ' +
    '[--env-manager local|virtualenv|conda|uv] [--wheels [--wheel-folder dbfs:/FileStore/wheels (legacy)]] [--wait|--no-wait] ' +
    '[--tracking-uri URI] [--profile PROFILE] [--python INTERPRETER]',
  async run(args, io) {
    let parsed: RunArgs;
    try {
      parsed = parseRunArgs(args);
    } catch (err) {
      if (err instanceof UsageError) {
        io.err(`mlflow-wb run: ${err.message}\nUsage: mlflow-wb ${runCommand.usage}`);
        return 2;
      }
      throw err;
    }
    try {
      return await execute(parsed, io);
    } catch (err) {
      io.err(`mlflow-wb run: ${err instanceof Error ? err.message : String(err)}`);
      return 1;
    }
  },
};

async function execute(a: RunArgs, io: CliIo): Promise<number> {
  const projectDir = path.resolve(a.dir);
  const python = a.python || process.env.MLFLOW_WB_PYTHON || 'python3';
  let creds: { host: string; token: string } | undefined;
  if (a.backend === 'databricks' || a.trackingUri?.startsWith('databricks')) {
    try {
      const c = resolveDatabricksCredentials(a.profile);
      if (c.auth.kind !== 'pat') throw new DatabricksConfigError(`${c.source} has no personal access token: the run launcher needs token = ... (or DATABRICKS_TOKEN).`);
      creds = { host: c.host, token: c.auth.token };
    } catch (err) {
      if (a.backend === 'databricks') throw err;
    }
  }
  const trackingUri = a.trackingUri || process.env.MLFLOW_TRACKING_URI || (a.backend === 'databricks' ? (a.profile ? `databricks://${a.profile}` : 'databricks') : undefined);
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
        token: creds!.token,
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
