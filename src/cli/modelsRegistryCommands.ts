import * as fs from 'node:fs';
import { resolveTracking, trackingProcessEnv, TrackingUriError } from '../engine/connections/trackingUri';
import { MlflowApiError, type MlflowRestClient } from '../engine/mlflow/mlflowRestClient';
import type { ModelVersionStage } from '../engine/mlflow/mlflowTypes';
import { registerModelVersion } from '../engine/mlflow/modelRegistration';
import { buildInvocationBody, InvocationInputError, invokeModel } from '../engine/serving/invocationRequest';
import { ENV_MANAGERS, ModelServerError, startModelServer, type EnvManager, type ModelServer } from '../engine/serving/localModelServer';
import { loadInputExample, loggedModelOfRun, ModelUriError } from '../engine/serving/modelArtifacts';
import { CliInputError, CliUsageError, defineCommand, type CliCommand, type CliOption } from './cliCommand';
import { connect, FORMAT_OPTION, MODEL_NAME_OPTION, MODEL_VERSION_OPTION, TRACKING_URI_OPTION } from './trackingOptions';

// `models register|stage|alias|serve|predict`: registry writes and local serving on the same engine
// as the extension. Exit codes: 0 ok, 1 failure (server, model, input), 2 usage.

/** Failures of serving and model lookups that are the user's to fix, reported as messages. */
export function isServingError(err: unknown): boolean {
  return (
    err instanceof ModelServerError || err instanceof InvocationInputError || err instanceof ModelUriError || (err as NodeJS.ErrnoException).code === 'ENOENT'
  );
}

/** Where a model to register comes from: a run's folder, an MLflow 3 logged model, or a registered version. */
async function registrationSource(client: MlflowRestClient, modelUri: string): Promise<{ source: string; runId?: string; modelId?: string }> {
  const runs = /^runs:\/+([^/]+)\/*(.*?)\/*$/.exec(modelUri);
  if (runs) return runModelSource(client, runs[1]!, runs[2] || 'model');
  const models = /^models:\/+(.+?)\/*$/.exec(modelUri)?.[1];
  if (!models)
    throw new CliUsageError(
      `--model-uri must be runs:/<run id>/<path>, models:/<model id>, models:/<name>/<version> or models:/<name>@<alias>, not '${modelUri}'`,
    );
  const alias = /^([^@/]+)@(.+)$/.exec(models);
  const version = /^(.+)\/(\d+)$/.exec(models);
  if (!alias && !version) return { source: `models:/${models}`, modelId: models };
  const found = alias ? await client.getModelVersionByAlias(alias[1]!, alias[2]!) : await client.getModelVersion(version![1]!, version![2]!);
  const source = found.model_id ? `models:/${found.model_id}` : found.source;
  if (!source) throw new ModelUriError(`${modelUri} has no source to register.`);
  return { source, runId: found.run_id || undefined, modelId: found.model_id || undefined };
}

async function runModelSource(client: MlflowRestClient, runId: string, artifactPath: string): Promise<{ source: string; runId: string; modelId?: string }> {
  const run = await client.getRun(runId);
  // MLflow 3 logs models as logged models (models:/<id>); older runs keep them in the run's artifacts.
  const modelId = await loggedModelOfRun(client, runId, artifactPath).catch(() => undefined);
  if (modelId) return { source: `models:/${modelId}`, runId, modelId };
  return { source: `${(run.info.artifact_uri ?? '').replace(/\/+$/, '')}/${artifactPath}`, runId };
}

const modelsRegisterCommand = defineCommand({
  name: 'models register',
  summary: "Register a model (a run's model, an MLflow 3 logged model or another registered version) as a new version of a registered model.",
  options: {
    name: { type: 'string', value: 'NAME', required: true, description: 'the registered model (created if missing)' },
    'model-uri': {
      type: 'string',
      short: 'm',
      value: 'URI',
      description: 'runs:/<run id>/model, models:/<model id>, models:/<name>/<version> or models:/<name>@<alias>',
    },
    'run-id': { type: 'string', value: 'ID', description: 'the run whose model is registered (same as -m runs:/ID/PATH)' },
    path: { type: 'string', value: 'PATH', description: "the model's name or folder in the run (default model)" },
    'model-id': { type: 'string', value: 'ID', description: 'an MLflow 3 logged model (same as -m models:/ID)' },
    description: { type: 'string', value: 'TEXT', description: 'description of the version (and of a new registered model)' },
    'tracking-uri': TRACKING_URI_OPTION,
    format: FORMAT_OPTION,
  },
  notes: 'Give one of --model-uri, --run-id (with --path) or --model-id.',
  expected: isServingError,
  async run({ values, io }) {
    const { name, description } = values;
    const given = [values['model-uri'], values['run-id'], values['model-id']].filter((v) => v !== undefined);
    if (given.length !== 1) throw new CliUsageError('give one of --model-uri URI, --run-id ID (with --path) or --model-id ID');
    if (values.path !== undefined && !values['run-id']) throw new CliUsageError('--path goes with --run-id');
    const { client } = await connect(values['tracking-uri']);
    const from = values['model-uri']
      ? await registrationSource(client, values['model-uri'].trim())
      : values['model-id']
        ? { source: `models:/${values['model-id']}`, modelId: values['model-id'] }
        : await runModelSource(client, values['run-id']!, (values.path ?? 'model').replace(/^\/+|\/+$/g, ''));
    const { version, createdModel } = await registerModelVersion(client, name, from, { description, modelDescription: description });
    if (values.format === 'json') return io.out(JSON.stringify(version, null, 2));
    io.out(
      `${createdModel ? 'Created registered model ' + name + '; r' : 'R'}egistered ${name} version ${version.version} from ${from.source}${from.runId ? ` (run ${from.runId})` : ''}.`,
    );
  },
});

const STAGES: ModelVersionStage[] = ['None', 'Staging', 'Production', 'Archived'];

const modelsStageCommand = defineCommand({
  name: 'models stage',
  summary: 'Move a model version to a stage (Staging, Production, Archived, None); workspace registry only.',
  options: {
    name: MODEL_NAME_OPTION,
    version: MODEL_VERSION_OPTION,
    stage: { type: 'string', value: STAGES.join('|'), required: true, description: 'the stage to move to' },
    'archive-existing': { type: 'boolean', description: 'archive the versions now in that stage' },
    'tracking-uri': TRACKING_URI_OPTION,
  },
  async run({ values, io }) {
    const { name, version } = values;
    const stage = STAGES.find((s) => s.toLowerCase() === values.stage.toLowerCase());
    if (!stage) throw new CliUsageError(`--stage must be one of ${STAGES.join(', ')}, not '${values.stage}'`);
    const { client, tracking } = await connect(values['tracking-uri']);
    if (tracking.unityCatalog) throw new CliUsageError('Unity Catalog has no stages: use `models alias` instead');
    const archive = values['archive-existing'];
    const moved = await client.transitionModelVersionStage(name, version, stage, archive);
    io.out(`${name} version ${moved.version} is now in ${moved.current_stage ?? stage}${archive ? ' (other versions in that stage archived)' : ''}.`);
  },
});

const modelsAliasCommand = defineCommand({
  name: 'models alias',
  summary: 'Point an alias (e.g. champion) at a model version, or delete it.',
  options: {
    name: MODEL_NAME_OPTION,
    alias: { type: 'string', value: 'ALIAS', required: true, description: 'the alias (with or without @)' },
    version: { type: 'string', value: 'V', description: 'the version the alias points to' },
    delete: { type: 'boolean', description: 'delete the alias instead' },
    'tracking-uri': TRACKING_URI_OPTION,
  },
  notes: 'Give either --version V or --delete.',
  async run({ values, io }) {
    const { name, version } = values;
    const alias = values.alias.replace(/^@/, '');
    if (values.delete === Boolean(version)) throw new CliUsageError('give either --version V or --delete');
    if (version && !/^\d+$/.test(version)) throw new CliUsageError(`--version must be a version number, not '${version}'`);
    const { client } = await connect(values['tracking-uri']);
    const previous = await client.getModelVersionByAlias(name, alias).then(
      (v) => v.version,
      (err: unknown) => {
        if (
          err instanceof MlflowApiError &&
          (err.errorCode === 'RESOURCE_DOES_NOT_EXIST' || err.errorCode === 'INVALID_PARAMETER_VALUE' || err.httpStatus === 404)
        )
          return undefined;
        throw err;
      },
    );
    if (values.delete) {
      if (previous === undefined)
        throw new CliInputError(`Registered model '${name}' has no alias @${alias}.`);
      await client.deleteRegisteredModelAlias(name, alias);
      return io.out(`Deleted @${alias} of ${name} (was version ${previous}).`);
    }
    await client.setRegisteredModelAlias(name, alias, version!);
    io.out(
      previous && previous !== version
        ? `Moved @${alias} of ${name} from version ${previous} to ${version}.`
        : `${name}@${alias} now points to version ${version}.`,
    );
  },
});

async function servingOptions(values: {
  'env-manager': string;
  port?: string;
  python?: string;
  'tracking-uri'?: string;
}): Promise<{ python: string; trackingUri?: string; envManager: EnvManager; port?: number; env?: Record<string, string> }> {
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536))
    throw new CliUsageError(`--port must be a TCP port number, not '${values.port}'`);
  const trackingUri = values['tracking-uri'] || process.env.MLFLOW_TRACKING_URI || undefined;
  return {
    python: values.python || process.env.MLFLOW_WB_PYTHON || 'python3',
    trackingUri,
    envManager: values['env-manager'] as EnvManager,
    port,
    // The server reaches the tracking server with the same credentials as this command.
    env: trackingUri ? await credentialsEnv(trackingUri) : undefined,
  };
}

/** A local store (sqlite:, file:) is opened by MLflow itself: no credentials to pass. */
async function credentialsEnv(trackingUri: string): Promise<Record<string, string> | undefined> {
  let resolved;
  try {
    resolved = await resolveTracking(trackingUri);
  } catch (err) {
    if (err instanceof TrackingUriError) return undefined;
    throw err;
  }
  // Short-lived credentials (Databricks CLI / Azure CLI sign-in) go to the server through its environment only.
  return trackingProcessEnv(resolved);
}

const MODEL_URI_OPTION = {
  type: 'string',
  short: 'm',
  value: 'URI',
  required: true,
  description: 'the model: runs:/<run id>/model, models:/<name>/<version>, models:/<name>@<alias>, models:/<model id> or a folder',
} as const satisfies CliOption;
const SERVE_OPTIONS = {
  'model-uri': MODEL_URI_OPTION,
  'env-manager': { type: 'string', choices: ENV_MANAGERS, default: 'local', description: "how the model's Python environment is made" },
  python: { type: 'string', value: 'INTERPRETER', description: 'the Python with mlflow (default: MLFLOW_WB_PYTHON or python3)' },
  'tracking-uri': TRACKING_URI_OPTION,
} as const;

const modelsServeCommand = defineCommand({
  name: 'models serve',
  summary: 'Serve a model locally with `mlflow models serve` (127.0.0.1) until Ctrl-C.',
  options: { ...SERVE_OPTIONS, port: { type: 'string', value: 'P', description: 'the port (default: a free one)' } },
  expected: isServingError,
  async run({ values, io }) {
    const modelUri = values['model-uri'];
    const options = await servingOptions(values);
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
  },
});

export const INPUT_OPTIONS = {
  input: { type: 'string', value: 'FILE|-', description: "the request: a JSON or CSV file, or - for stdin (default: the model's saved input example)" },
  'content-type': { type: 'string', choices: ['json', 'csv'], description: 'the format of --input (default: from the file)' },
} as const satisfies Record<string, CliOption>;

/** The text of --input: a file, or stdin for -. */
export function readInput(input: string): string {
  // Synchronous on purpose: CLI only (the extension host never loads it); reads stdin (fd 0) or the file once, before the request.
  return input === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(input, 'utf8');
}

const modelsPredictCommand = defineCommand({
  name: 'models predict',
  summary: "Start a model server, send one request (a file, stdin, or the model's saved input example), print the answer and latency, stop.",
  options: { ...SERVE_OPTIONS, ...INPUT_OPTIONS },
  expected: isServingError,
  async run({ values, io }) {
    const modelUri = values['model-uri'];
    const options = await servingOptions(values);
    // The body is checked before a server is started, so a bad input costs no start-up.
    let body;
    if (values.input !== undefined) {
      body = buildInvocationBody(readInput(values.input), values['content-type'] as 'json' | 'csv' | undefined);
    } else {
      const { client } = await connect(values['tracking-uri']);
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
  },
});

export const modelsRegistryCommands: CliCommand[] = [modelsRegisterCommand, modelsStageCommand, modelsAliasCommand, modelsServeCommand, modelsPredictCommand];
