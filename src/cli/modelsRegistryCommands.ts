import * as fs from 'node:fs';
import { resolveTracking, trackingProcessEnv, TrackingUriError } from '../engine/connections/trackingUri';
import { MlflowApiError, type MlflowRestClient } from '../engine/mlflow/mlflowRestClient';
import type { ModelVersionStage } from '../engine/mlflow/mlflowTypes';
import { buildInvocationBody, InvocationInputError, invokeModel } from '../engine/serving/invocationRequest';
import { ENV_MANAGERS, ModelServerError, startModelServer, type EnvManager, type ModelServer } from '../engine/serving/localModelServer';
import { loadInputExample, loggedModelOfRun, ModelUriError } from '../engine/serving/modelArtifacts';
import type { CliCommand, CliIo } from './cliCommand';
import { CliUsageError, connect, oneFlag, parseFlags, runListCommand } from './experimentsCommand';

// `models register|stage|alias|serve|predict`: registry writes and local serving on the same engine
// as the extension. Exit codes: 0 ok, 1 failure (server, model, input), 2 usage.

type Flags = Map<string, string[]>;

/** parseFlags plus switches (flags without a value) and short aliases such as -m. */
export function parseArgs(args: string[], known: Record<string, 'string' | 'multi'>, switches: string[] = [], short: Record<string, string> = {}): { flags: Flags; on: Set<string> } {
  const on = new Set<string>();
  const rest: string[] = [];
  for (const arg of args) {
    const name = /^--([a-z-]+)$/.exec(arg)?.[1];
    if (name && switches.includes(name)) on.add(name);
    else rest.push(short[arg] ?? arg);
  }
  return { flags: parseFlags(rest, known), on };
}

export function required(flags: Flags, name: string): string {
  const value = oneFlag(flags, name);
  if (!value) throw new CliUsageError(`--${name} is required`);
  return value;
}

/** Failures of serving and model lookups that are the user's to fix, reported as messages. */
export function isServingError(err: unknown): boolean {
  return (
    err instanceof ModelServerError ||
    err instanceof InvocationInputError ||
    err instanceof ModelUriError ||
    (err as NodeJS.ErrnoException).code === 'ENOENT'
  );
}

function runCommandBody(command: CliCommand, io: CliIo, body: () => Promise<void>): Promise<number> {
  return runListCommand(command, io, body, isServingError);
}

async function ensureRegisteredModel(client: MlflowRestClient, name: string, description: string | undefined): Promise<boolean> {
  try {
    await client.createRegisteredModel(name, description);
    return true;
  } catch (err) {
    if (err instanceof MlflowApiError && err.errorCode === 'RESOURCE_ALREADY_EXISTS') return false;
    throw err;
  }
}

export const modelsRegisterCommand: CliCommand = {
  name: 'models register',
  summary: "Register a run's model (or an MLflow 3 logged model) as a new version of a registered model.",
  usage: 'models register --run-id ID [--path model | --model-id ID] --name NAME [--description D] [--tracking-uri URI] [--format text|json]',
  async run(args, io) {
    return runCommandBody(modelsRegisterCommand, io, async () => {
      const { flags } = parseArgs(args, { 'run-id': 'string', path: 'string', 'model-id': 'string', name: 'string', description: 'string', 'tracking-uri': 'string', format: 'string' });
      const runId = oneFlag(flags, 'run-id');
      const name = required(flags, 'name');
      let modelId = oneFlag(flags, 'model-id');
      if (flags.has('path') && modelId) throw new CliUsageError('give --path or --model-id, not both');
      if (!runId && !modelId) throw new CliUsageError('--run-id (with --path) or --model-id is required');
      const format = oneFlag(flags, 'format') ?? 'text';
      if (format !== 'text' && format !== 'json') throw new CliUsageError(`--format must be text or json, not '${format}'`);
      const { client } = connect(flags);
      let source: string;
      if (modelId) {
        source = `models:/${modelId}`;
      } else {
        const artifactPath = (oneFlag(flags, 'path') ?? 'model').replace(/^\/+|\/+$/g, '');
        const run = await client.getRun(runId!);
        // MLflow 3 logs models as logged models (models:/<id>); older runs keep them in the run's artifacts.
        modelId = await loggedModelOfRun(client, runId!, artifactPath).catch(() => undefined);
        if (modelId) source = `models:/${modelId}`;
        else source = `${(run.info.artifact_uri ?? '').replace(/\/+$/, '')}/${artifactPath}`;
      }
      const created = await ensureRegisteredModel(client, name, oneFlag(flags, 'description'));
      const version = await client.createModelVersion(name, source, runId, { modelId, description: oneFlag(flags, 'description') });
      if (format === 'json') {
        io.out(JSON.stringify(version, null, 2));
        return;
      }
      io.out(`${created ? 'Created registered model ' + name + '; r' : 'R'}egistered ${name} version ${version.version} from ${source}${runId ? ` (run ${runId})` : ''}.`);
    });
  },
};

const STAGES: ModelVersionStage[] = ['None', 'Staging', 'Production', 'Archived'];

export const modelsStageCommand: CliCommand = {
  name: 'models stage',
  summary: 'Move a model version to a stage (Staging, Production, Archived, None); workspace registry only.',
  usage: 'models stage --name NAME --version V --stage Staging|Production|Archived|None [--archive-existing] [--tracking-uri URI]',
  async run(args, io) {
    return runCommandBody(modelsStageCommand, io, async () => {
      const { flags, on } = parseArgs(args, { name: 'string', version: 'string', stage: 'string', 'tracking-uri': 'string' }, ['archive-existing']);
      const name = required(flags, 'name');
      const version = required(flags, 'version');
      const given = required(flags, 'stage');
      const stage = STAGES.find((s) => s.toLowerCase() === given.toLowerCase());
      if (!stage) throw new CliUsageError(`--stage must be one of ${STAGES.join(', ')}, not '${given}'`);
      const { client, tracking } = connect(flags);
      if (tracking.unityCatalog) throw new CliUsageError('Unity Catalog has no stages: use `models alias` instead');
      const moved = await client.transitionModelVersionStage(name, version, stage, on.has('archive-existing'));
      io.out(`${name} version ${moved.version} is now in ${moved.current_stage ?? stage}${on.has('archive-existing') ? ' (other versions in that stage archived)' : ''}.`);
    });
  },
};

export const modelsAliasCommand: CliCommand = {
  name: 'models alias',
  summary: 'Point an alias (e.g. champion) at a model version, or delete it.',
  usage: 'models alias --name NAME --alias ALIAS (--version V | --delete) [--tracking-uri URI]',
  async run(args, io) {
    return runCommandBody(modelsAliasCommand, io, async () => {
      const { flags, on } = parseArgs(args, { name: 'string', alias: 'string', version: 'string', 'tracking-uri': 'string' }, ['delete']);
      const name = required(flags, 'name');
      const alias = required(flags, 'alias').replace(/^@/, '');
      const version = oneFlag(flags, 'version');
      if (on.has('delete') === Boolean(version)) throw new CliUsageError('give either --version V or --delete');
      if (version && !/^\d+$/.test(version)) throw new CliUsageError(`--version must be a version number, not '${version}'`);
      const { client } = connect(flags);
      const previous = await client.getModelVersionByAlias(name, alias).then(
        (v) => v.version,
        (err: unknown) => {
          if (err instanceof MlflowApiError && (err.errorCode === 'RESOURCE_DOES_NOT_EXIST' || err.errorCode === 'INVALID_PARAMETER_VALUE' || err.httpStatus === 404)) return undefined;
          throw err;
        },
      );
      if (on.has('delete')) {
        if (previous === undefined) throw new MlflowApiError(`Registered model '${name}' has no alias @${alias}.`, 'RESOURCE_DOES_NOT_EXIST', 404, 'registered-models/alias');
        await client.deleteRegisteredModelAlias(name, alias);
        io.out(`Deleted @${alias} of ${name} (was version ${previous}).`);
        return;
      }
      await client.setRegisteredModelAlias(name, alias, version!);
      io.out(previous && previous !== version ? `Moved @${alias} of ${name} from version ${previous} to ${version}.` : `${name}@${alias} now points to version ${version}.`);
    });
  },
};

async function servingOptions(flags: Flags): Promise<{ python: string; trackingUri?: string; envManager: EnvManager; port?: number; env?: Record<string, string> }> {
  const envManager = (oneFlag(flags, 'env-manager') ?? 'local') as EnvManager;
  if (!ENV_MANAGERS.includes(envManager)) throw new CliUsageError(`--env-manager must be one of ${ENV_MANAGERS.join(', ')}, not '${envManager}'`);
  const portText = oneFlag(flags, 'port');
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) throw new CliUsageError(`--port must be a TCP port number, not '${portText}'`);
  const trackingUri = oneFlag(flags, 'tracking-uri') || process.env.MLFLOW_TRACKING_URI || undefined;
  return {
    python: oneFlag(flags, 'python') || process.env.MLFLOW_WB_PYTHON || 'python3',
    trackingUri,
    envManager,
    port,
    // The server reaches the tracking server with the same credentials as this command.
    env: trackingUri ? await credentialsEnv(trackingUri) : undefined,
  };
}

/** A local store (sqlite:, file:) is opened by MLflow itself: no credentials to pass. */
async function credentialsEnv(trackingUri: string): Promise<Record<string, string> | undefined> {
  let resolved;
  try {
    resolved = resolveTracking(trackingUri);
  } catch (err) {
    if (err instanceof TrackingUriError) return undefined;
    throw err;
  }
  return trackingProcessEnv(resolved);
}

const SERVE_FLAGS = { 'model-uri': 'string', port: 'string', 'env-manager': 'string', python: 'string', 'tracking-uri': 'string' } as const;

export const modelsServeCommand: CliCommand = {
  name: 'models serve',
  summary: 'Serve a model locally with `mlflow models serve` (127.0.0.1) until Ctrl-C.',
  usage: 'models serve -m URI [--port P] [--env-manager local|virtualenv|uv|conda] [--python INTERPRETER] [--tracking-uri URI]',
  async run(args, io) {
    return runCommandBody(modelsServeCommand, io, async () => {
      const { flags } = parseArgs(args, SERVE_FLAGS, [], { '-m': '--model-uri' });
      const modelUri = required(flags, 'model-uri');
      const options = await servingOptions(flags);
      io.err(`Starting the model server for ${modelUri}…`);
      const server = await startModelServer({ ...options, modelUri, onLog: (line) => io.err(line) });
      io.out(`Serving ${modelUri} at ${server.url} (POST ${server.url}/invocations). Ctrl-C stops it.`);
      const stopped = new Promise<void>((resolve) => {
        const onSignal = () => void server.stop().then(resolve);
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        void server.exited.then(() => {
          process.removeListener('SIGINT', onSignal);
          process.removeListener('SIGTERM', onSignal);
          resolve();
        });
      });
      await stopped;
      io.err('Model server stopped.');
    });
  },
};

export const modelsPredictCommand: CliCommand = {
  name: 'models predict',
  summary: "Start a model server, send one request (a file, stdin, or the model's saved input example), print the answer and latency, stop.",
  usage: 'models predict -m URI [--input FILE|-] [--content-type json|csv] [--env-manager M] [--python INTERPRETER] [--tracking-uri URI]',
  async run(args, io) {
    return runCommandBody(modelsPredictCommand, io, async () => {
      const { flags } = parseArgs(args, { ...SERVE_FLAGS, input: 'string', 'content-type': 'string' }, [], { '-m': '--model-uri' });
      const modelUri = required(flags, 'model-uri');
      const contentType = oneFlag(flags, 'content-type');
      if (contentType !== undefined && contentType !== 'json' && contentType !== 'csv') throw new CliUsageError(`--content-type must be json or csv, not '${contentType}'`);
      const options = await servingOptions(flags);
      const inputFile = oneFlag(flags, 'input');
      // The body is checked before a server is started, so a bad input costs no start-up.
      let body;
      if (inputFile !== undefined) {
        const text = inputFile === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(inputFile, 'utf8');
        body = buildInvocationBody(text, contentType as 'json' | 'csv' | undefined);
      } else {
        const { client } = connect(flags);
        const example = await loadInputExample(client, modelUri);
        if (!example) throw new ModelUriError(`Model '${modelUri}' was logged without an input example: give a request with --input FILE (or - for stdin).`);
        io.err(`Using the model's saved input example (${example.file}).`);
        body = buildInvocationBody(example.body);
      }
      const recent: string[] = [];
      let server: ModelServer | undefined;
      try {
        server = await startModelServer({ ...options, modelUri, onLog: (line) => recent.push(line) });
        const result = await invokeModel(server.url, body);
        const answer = typeof result.body === 'string' ? result.body : JSON.stringify(result.body, null, 2);
        if (result.status !== 200) {
          throw new ModelServerError(`The model answered HTTP ${result.status}: ${answer}`, recent);
        }
        io.out(answer);
        io.err(`HTTP ${result.status} in ${result.latencyMs.toFixed(1)} ms`);
      } finally {
        await server?.stop();
      }
    });
  },
};

export const modelsRegistryCommands: CliCommand[] = [modelsRegisterCommand, modelsStageCommand, modelsAliasCommand, modelsServeCommand, modelsPredictCommand];
