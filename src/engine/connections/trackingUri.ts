import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { redactUrl, type MlflowConnection } from '../mlflow/mlflowRestClient';
import { isUnityCatalogModelName } from '../mlflow/registryCapabilities';
import { databricksAuth } from './databricksAuth';
import { parseDatabricksConfig, resolveDatabricksCredentials, type DatabricksConfigSources, type DatabricksCredentials } from './databricksConfig';

/** A tracking URI, classified the way MLflow reads it (mlflow/utils/uri.py). */
export type TrackingTarget =
  | { kind: 'http'; url: string }
  /** `databricks` (profile undefined), `databricks://<profile>`; `databricks-uc...` sets unityCatalog. */
  | { kind: 'databricks'; profile?: string; unityCatalog: boolean }
  /** `databricks://<scope>:<key-prefix>`: secrets read with dbutils, only inside a Databricks runtime. */
  | { kind: 'databricks-secret-scope'; scope: string; keyPrefix: string }
  /** `file:`, plain paths, `sqlite:`/`postgresql:`/... : a store MLflow opens directly, with no server. */
  | { kind: 'local-store'; storeUri: string };

export class TrackingUriError extends Error {
  constructor(
    message: string,
    /** NO_TRACKING_URI | NEEDS_LOCAL_SERVER | UNSUPPORTED_URI | INVALID_URI | DATABRICKS_CONFIG */
    readonly code: string,
    /** For NEEDS_LOCAL_SERVER: the store to serve with the embedded server. */
    readonly storeUri?: string,
  ) {
    super(message);
    this.name = 'TrackingUriError';
  }
}

const DATABASE_SCHEMES = new Set(['sqlite', 'postgresql', 'postgres', 'mysql', 'mssql', 'mysql+pymysql', 'postgresql+psycopg2', 'mssql+pyodbc']);

/** Classifies a tracking URI without touching files or the network. */
export function parseTrackingUri(uri: string): TrackingTarget {
  const text = uri.trim();
  if (text === 'databricks' || text === 'databricks-uc') return { kind: 'databricks', unityCatalog: text === 'databricks-uc' };
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  if (scheme === 'http' || scheme === 'https') {
    try {
      new URL(text);
    } catch {
      throw new TrackingUriError(`'${redactUrl(text)}' is not a valid URL.`, 'INVALID_URI');
    }
    return { kind: 'http', url: text };
  }
  if (scheme === 'databricks' || scheme === 'databricks-uc') {
    const netloc = /^[^:]+:\/\/([^/?#]*)/.exec(text)?.[1] ?? '';
    if (!netloc) {
      throw new TrackingUriError(
        `Tracking URI '${text}' is malformed: use 'databricks', 'databricks://<profile>' (two slashes) or 'databricks://<scope>:<key-prefix>'.`,
        'INVALID_URI',
      );
    }
    const [profile, ...prefixParts] = netloc.split(':');
    const keyPrefix = prefixParts.length ? prefixParts.join(':') : undefined;
    if (/[/ ]/.test(profile)) throw new TrackingUriError(`Unsupported Databricks profile name: '${profile}'.`, 'INVALID_URI');
    if (keyPrefix !== undefined) {
      if (keyPrefix.trim() === '') throw new TrackingUriError(`Tracking URI '${text}': the key prefix after ':' is empty.`, 'INVALID_URI');
      return { kind: 'databricks-secret-scope', scope: profile, keyPrefix };
    }
    return { kind: 'databricks', profile, unityCatalog: scheme === 'databricks-uc' };
  }
  // Windows drive letters ("C:\...") parse as a one-letter scheme: they are paths.
  if (scheme === undefined || scheme === 'file' || /^[a-z]$/i.test(scheme)) return { kind: 'local-store', storeUri: text };
  if (DATABASE_SCHEMES.has(scheme)) return { kind: 'local-store', storeUri: text };
  throw new TrackingUriError(
    `Tracking URI scheme '${scheme}:' is not supported by the workbench: use an http(s):// MLflow server, 'databricks' or 'databricks://<profile>'.`,
    'UNSUPPORTED_URI',
  );
}

export interface ResolvedTracking {
  /** What the client needs. Holds secrets: never log it. */
  connection: MlflowConnection;
  /** For the UI: "MLflow 127.0.0.1:5000", "Databricks adb-1.azuredatabricks.net (profile dev)". */
  label: string;
  kind: 'mlflow' | 'databricks';
  /** The tracking URI as given (credentials removed). */
  trackingUri: string;
  /** Unity Catalog registry (`databricks-uc`): aliases only, three-part model names. */
  unityCatalog: boolean;
  /** Link to an experiment or run in the MLflow / Databricks web UI. */
  webUiUrl(experimentId?: string, runId?: string): string;
  /** Link to a registered model or one of its versions in the web UI. */
  modelUiUrl(name: string, version?: string): string;
}

export interface ResolveOptions extends DatabricksConfigSources {
  /** Deadline of one request (connect, headers, body); default MLFLOW_HTTP_REQUEST_TIMEOUT (s) or 30 s. */
  timeoutMs?: number;
  /** Largest answer held in memory; default MLFLOW_WB_MAX_RESPONSE_MB, else 256 MB. */
  maxResponseBytes?: number;
}

/**
 * Turns a tracking URI (empty → MLFLOW_TRACKING_URI) into a connection, the way MLflow would:
 * - http(s)://[user:pass@]host: basic auth from the URL, else MLFLOW_TRACKING_USERNAME/PASSWORD
 *   (or ~/.mlflow/credentials), else MLFLOW_TRACKING_TOKEN as a bearer token;
 * - databricks / databricks://<profile>: the workspace host with a PAT or OAuth M2M token
 *   (environment, ~/.databrickscfg; see resolveDatabricksCredentials).
 * Rejects with TrackingUriError with a message that says what to do.
 */
export async function resolveTracking(uri: string | undefined, options: ResolveOptions = {}): Promise<ResolvedTracking> {
  const env = options.env ?? process.env;
  const given = uri?.trim() || env.MLFLOW_TRACKING_URI?.trim() || '';
  if (!given) {
    throw new TrackingUriError(
      'No tracking URI: set mlflow.trackingUri (or --tracking-uri) or MLFLOW_TRACKING_URI to an MLflow server such as http://127.0.0.1:5000, or to databricks.',
      'NO_TRACKING_URI',
    );
  }
  const timeoutMs = options.timeoutMs ?? timeoutFromEnv(env);
  const maxResponseBytes = options.maxResponseBytes ?? maxResponseFromEnv(env);
  const target = parseTrackingUri(given);
  switch (target.kind) {
    case 'http': {
      const resolved = await resolveHttp(target.url, env, timeoutMs, options.homeDir);
      resolved.connection.maxResponseBytes = maxResponseBytes;
      return resolved;
    }
    case 'databricks': {
      let creds: DatabricksCredentials;
      try {
        creds = await resolveDatabricksCredentials(target.profile, options);
      } catch (err) {
        throw new TrackingUriError((err as Error).message, 'DATABRICKS_CONFIG');
      }
      const resolved = databricksTracking(given, creds, target.unityCatalog, timeoutMs, { env, databricksCliPath: options.databricksCliPath });
      resolved.connection.maxResponseBytes = maxResponseBytes;
      return resolved;
    }
    case 'databricks-secret-scope':
      throw new TrackingUriError(
        `Tracking URI '${given}' reads host and token from the Databricks secret scope '${target.scope}' (keys '${target.keyPrefix}-host', '${target.keyPrefix}-token'), ` +
          'which only works inside a Databricks runtime. Here, use databricks://<profile> with a profile of ~/.databrickscfg.',
        'UNSUPPORTED_URI',
      );
    case 'local-store':
      throw new TrackingUriError(
        `Tracking URI '${given}' is a local store that MLflow opens directly, with no server: the workbench talks to a server. ` +
          `Start the embedded tracking server on it (or run 'mlflow server --backend-store-uri ${given}') and use its http:// address.`,
        'NEEDS_LOCAL_SERVER',
        given,
      );
  }
}

async function resolveHttp(url: string, env: NodeJS.ProcessEnv, timeoutMs: number, homeDir?: string): Promise<ResolvedTracking> {
  const parsed = new URL(url);
  const connection: MlflowConnection = { baseUrl: '', timeoutMs };
  if (parsed.username || parsed.password) {
    connection.basicAuth = { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) };
  } else {
    const creds = await mlflowCredentials(env, homeDir);
    if (creds.username && creds.password) connection.basicAuth = { username: creds.username, password: creds.password };
    else if (env.MLFLOW_TRACKING_TOKEN) connection.token = env.MLFLOW_TRACKING_TOKEN;
  }
  parsed.username = '';
  parsed.password = '';
  const baseUrl = parsed.toString().replace(/\/+$/, '');
  connection.baseUrl = baseUrl;
  return {
    connection,
    label: `MLflow ${parsed.host}${parsed.pathname.replace(/\/+$/, '')}`,
    kind: 'mlflow',
    trackingUri: baseUrl,
    unityCatalog: false,
    webUiUrl: (experimentId, runId) => mlflowUiUrl(baseUrl, experimentId, runId),
    modelUiUrl: (name, version) => `${baseUrl}/#/models/${encodeURIComponent(name)}${version ? `/versions/${encodeURIComponent(version)}` : ''}`,
  };
}

function databricksTracking(
  given: string,
  creds: DatabricksCredentials,
  unityCatalog: boolean,
  timeoutMs: number,
  cli: { env: NodeJS.ProcessEnv; databricksCliPath?: string },
): ResolvedTracking {
  const connection: MlflowConnection = {
    baseUrl: creds.host,
    timeoutMs,
    auth: databricksAuth(creds, { timeoutMs, env: cli.env, databricksCliPath: cli.databricksCliPath }),
  };
  if (creds.auth.kind === 'pat') connection.token = creds.auth.token;
  else if (creds.auth.kind === 'basic') connection.basicAuth = { username: creds.auth.username, password: creds.auth.password };
  const host = creds.host;
  const how = creds.auth.kind === 'databricks-cli' ? ', Databricks CLI sign-in' : creds.auth.kind === 'azure-cli' ? ', Azure CLI sign-in' : '';
  return {
    connection,
    label: `Databricks ${new URL(host).host}${creds.profile ? ` (profile ${creds.profile}${how})` : how ? ` (${how.slice(2)})` : ''}`,
    kind: 'databricks',
    trackingUri: given,
    unityCatalog,
    webUiUrl: (experimentId, runId) => databricksUiUrl(host, experimentId, runId),
    modelUiUrl: (name, version) => databricksModelUrl(host, name, version),
  };
}

/** MLflow's web UI routes (hash router): `#/experiments/<id>/runs/<run>`. */
function mlflowUiUrl(baseUrl: string, experimentId?: string, runId?: string): string {
  const base = redactUrl(baseUrl).replace(/\/+$/, '');
  if (!experimentId) return `${base}/`;
  return `${base}/#/experiments/${encodeURIComponent(experimentId)}${runId ? `/runs/${encodeURIComponent(runId)}` : ''}`;
}

/** Databricks workspace routes: `<host>/ml/experiments/<id>/runs/<run>`. */
export function databricksUiUrl(host: string, experimentId?: string, runId?: string): string {
  const base = host.replace(/\/+$/, '');
  if (!experimentId) return `${base}/ml/experiments`;
  return `${base}/ml/experiments/${encodeURIComponent(experimentId)}${runId ? `/runs/${encodeURIComponent(runId)}` : ''}`;
}

/** Workspace registry models live under /ml/models; Unity Catalog models in Catalog Explorer. */
export function databricksModelUrl(host: string, name: string, version?: string): string {
  const base = host.replace(/\/+$/, '');
  if (isUnityCatalogModelName(name)) {
    const [catalog, schema, model] = name.split('.').map(encodeURIComponent);
    return `${base}/explore/data/models/${catalog}/${schema}/${model}${version ? `/version/${encodeURIComponent(version)}` : ''}`;
  }
  return `${base}/ml/models/${encodeURIComponent(name)}${version ? `/versions/${encodeURIComponent(version)}` : ''}`;
}

/** MLFLOW_TRACKING_USERNAME/PASSWORD, falling back on the [mlflow] section of ~/.mlflow/credentials (as MLflow does). */
async function mlflowCredentials(env: NodeJS.ProcessEnv, homeDir?: string): Promise<{ username?: string; password?: string }> {
  let fileUser: string | undefined;
  let filePassword: string | undefined;
  try {
    const text = await fs.promises.readFile(path.join(homeDir ?? os.homedir(), '.mlflow', 'credentials'), 'utf8');
    const section = parseDatabricksConfig(text).get('mlflow');
    fileUser = section?.mlflow_tracking_username;
    filePassword = section?.mlflow_tracking_password;
  } catch {
    // No credentials file: the environment alone decides.
  }
  return { username: env.MLFLOW_TRACKING_USERNAME || fileUser, password: env.MLFLOW_TRACKING_PASSWORD || filePassword };
}

function maxResponseFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const mb = Number(env.MLFLOW_WB_MAX_RESPONSE_MB);
  return Number.isFinite(mb) && mb > 0 ? mb * 1024 * 1024 : undefined;
}

function timeoutFromEnv(env: NodeJS.ProcessEnv): number {
  const seconds = Number(env.MLFLOW_HTTP_REQUEST_TIMEOUT);
  // MLflow's own default (120 s) is long for an explorer; keep 30 s unless the person set one.
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 30_000;
}

/**
 * The environment with which a child MLflow process (`mlflow models serve`, `mlflow run`, a script)
 * reaches the same tracking server with the same credentials. Sign-ins whose tokens change (Databricks
 * CLI, Azure CLI, OAuth M2M) hand the child a short-lived token, through the environment only.
 * Holds secrets: never log it.
 */
export async function trackingProcessEnv(
  resolved: Pick<ResolvedTracking, 'kind' | 'trackingUri' | 'connection'> & { unityCatalog?: boolean },
): Promise<Record<string, string>> {
  const env: Record<string, string> = { MLFLOW_TRACKING_URI: resolved.trackingUri };
  const { connection } = resolved;
  const auth = connection.auth;
  if (resolved.kind === 'databricks') {
    if (auth?.token && (auth.kind === 'databricks-cli' || auth.kind === 'azure-cli' || auth.kind === 'oauth-m2m')) {
      // Bare `databricks` + host + token: the child needs no profile, CLI or client secret.
      env.MLFLOW_TRACKING_URI = resolved.unityCatalog || /^databricks-uc/.test(resolved.trackingUri) ? 'databricks-uc' : 'databricks';
      env.DATABRICKS_HOST = connection.baseUrl;
      env.DATABRICKS_TOKEN = await auth.token();
      env.DATABRICKS_AUTH_TYPE = 'pat';
      env.DATABRICKS_CONFIG_PROFILE = '';
    } else if (connection.token && !/^databricks(-uc)?:\/\//.test(resolved.trackingUri)) {
      // `databricks://<profile>` is read from ~/.databrickscfg by MLflow itself; bare `databricks`
      // reads DATABRICKS_HOST/DATABRICKS_TOKEN, which may have come from the secret storage here.
      env.DATABRICKS_HOST = connection.baseUrl;
      env.DATABRICKS_TOKEN = connection.token;
    }
  } else if (connection.basicAuth) {
    env.MLFLOW_TRACKING_USERNAME = connection.basicAuth.username;
    env.MLFLOW_TRACKING_PASSWORD = connection.basicAuth.password;
  } else if (connection.token) {
    env.MLFLOW_TRACKING_TOKEN = connection.token;
  }
  return env;
}
