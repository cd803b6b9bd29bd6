import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';

/** One section of ~/.databrickscfg, keys lower-cased as the Databricks CLI and SDK read them. */
export type DatabricksProfileSection = Record<string, string>;

/** How the workbench signs requests to a Databricks workspace. */
export type DatabricksAuth =
  | { kind: 'pat'; token: string }
  | { kind: 'oauth-m2m'; clientId: string; clientSecret: string }
  | { kind: 'basic'; username: string; password: string };

export interface DatabricksCredentials {
  /** https://<workspace host>, no trailing slash. */
  host: string;
  auth: DatabricksAuth;
  /** Where the credentials came from, for labels and messages ("environment", "~/.databrickscfg [dev]"). */
  source: string;
  /** The profile used, when they came from the config file. */
  profile?: string;
}

export class DatabricksConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabricksConfigError';
  }
}

export interface DatabricksConfigSources {
  env?: NodeJS.ProcessEnv;
  /** Home folder for `~/.databrickscfg`; default os.homedir(). */
  homeDir?: string;
}

/** The config file the Databricks CLI and SDK read: DATABRICKS_CONFIG_FILE, else ~/.databrickscfg. */
export function databricksConfigPath(sources: DatabricksConfigSources = {}): string {
  const env = sources.env ?? process.env;
  const fromEnv = env.DATABRICKS_CONFIG_FILE;
  const home = sources.homeDir ?? os.homedir();
  if (fromEnv) return fromEnv.startsWith('~') ? path.join(home, fromEnv.slice(1)) : path.resolve(fromEnv);
  return path.join(home, '.databrickscfg');
}

/**
 * Parses the INI dialect of ~/.databrickscfg (Python's configparser): `[section]` headers,
 * `key = value` or `key: value`, `#` / `;` comment lines, indented continuation lines.
 * Keys in `[DEFAULT]` also apply to every other section, as in configparser.
 */
export function parseDatabricksConfig(text: string): Map<string, DatabricksProfileSection> {
  const sections = new Map<string, DatabricksProfileSection>();
  let current: DatabricksProfileSection | undefined;
  let lastKey: string | undefined;
  for (const rawLine of text.split(/\r?\n/)) {
    if (/^\s*([#;]|$)/.test(rawLine)) continue;
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(rawLine);
    if (header) {
      const name = header[1].trim();
      current = sections.get(name) ?? {};
      sections.set(name, current);
      lastKey = undefined;
      continue;
    }
    if (/^\s/.test(rawLine) && current && lastKey) {
      current[lastKey] += '\n' + rawLine.trim();
      continue;
    }
    const kv = /^\s*([^=:]+?)\s*[=:]\s*(.*?)\s*$/.exec(rawLine);
    if (kv && current) {
      lastKey = kv[1].toLowerCase();
      current[lastKey] = kv[2];
    }
  }
  const defaults = sections.get('DEFAULT');
  if (defaults) {
    for (const [name, section] of sections) {
      if (name !== 'DEFAULT') sections.set(name, { ...defaults, ...section });
    }
  }
  return sections;
}

/** `adb-123.azuredatabricks.net` or `https://x.cloud.databricks.com/` → `https://x.cloud.databricks.com`. */
export function normaliseDatabricksHost(host: string): string {
  const trimmed = host.trim().replace(/\/+$/, '');
  return /^https?:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
}

/**
 * Credentials for a Databricks workspace, resolved like the Databricks SDK's default chain:
 * - an explicit profile (`databricks://<profile>` or DATABRICKS_CONFIG_PROFILE): that section of the config file only;
 * - otherwise DATABRICKS_HOST with DATABRICKS_TOKEN (or DATABRICKS_CLIENT_ID + DATABRICKS_CLIENT_SECRET) from the environment;
 * - otherwise the [DEFAULT] profile of the config file.
 * Throws DatabricksConfigError naming the file, the profile and the missing key.
 */
export function resolveDatabricksCredentials(profile: string | undefined, sources: DatabricksConfigSources = {}): DatabricksCredentials {
  const env = sources.env ?? process.env;
  const explicitProfile = profile || env.DATABRICKS_CONFIG_PROFILE || undefined;
  if (!explicitProfile) {
    const fromEnv = credentialsFromEnv(env);
    if (fromEnv) return fromEnv;
  }
  const file = databricksConfigPath(sources);
  const display = displayPath(file, sources.homeDir);
  const profileName = explicitProfile ?? 'DEFAULT';
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new DatabricksConfigError(
      explicitProfile
        ? `Databricks profile '${profileName}' was asked for, but ${display} does not exist. Create it with 'databricks configure --profile ${profileName}', or set DATABRICKS_CONFIG_FILE.`
        : `No Databricks credentials: set DATABRICKS_HOST and DATABRICKS_TOKEN, or create ${display} with 'databricks configure' (a [DEFAULT] profile with host and token).`,
    );
  }
  const sections = parseDatabricksConfig(text);
  const section = sections.get(profileName);
  if (!section) {
    const known = [...sections.keys()];
    throw new DatabricksConfigError(
      `${display} has no [${profileName}] profile` +
        (known.length ? ` (profiles: ${known.join(', ')}).` : ' (it has no profiles).') +
        ` Use databricks://<profile> with one of them, or add [${profileName}] with host and token.`,
    );
  }
  return credentialsFromSection(section, `${display} [${profileName}]`, profileName);
}

function credentialsFromEnv(env: NodeJS.ProcessEnv): DatabricksCredentials | undefined {
  const host = env.DATABRICKS_HOST;
  const token = env.DATABRICKS_TOKEN;
  const clientId = env.DATABRICKS_CLIENT_ID;
  const clientSecret = env.DATABRICKS_CLIENT_SECRET;
  if (!host && !token && !clientId) return undefined;
  if (!host) {
    throw new DatabricksConfigError(
      'DATABRICKS_TOKEN or DATABRICKS_CLIENT_ID is set but DATABRICKS_HOST is not: set DATABRICKS_HOST to the workspace URL (https://<workspace>.cloud.databricks.com).',
    );
  }
  if (token) return { host: normaliseDatabricksHost(host), auth: { kind: 'pat', token }, source: 'environment' };
  if (clientId && clientSecret) {
    return { host: normaliseDatabricksHost(host), auth: { kind: 'oauth-m2m', clientId, clientSecret }, source: 'environment' };
  }
  throw new DatabricksConfigError(
    clientId
      ? 'DATABRICKS_CLIENT_ID is set without DATABRICKS_CLIENT_SECRET: set both for OAuth machine-to-machine, or set DATABRICKS_TOKEN.'
      : 'DATABRICKS_HOST is set without credentials: set DATABRICKS_TOKEN (a personal access token), or DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET.',
  );
}

function credentialsFromSection(section: DatabricksProfileSection, where: string, profile: string): DatabricksCredentials {
  if (!section.host) {
    throw new DatabricksConfigError(`${where} has no 'host': add host = https://<workspace>.cloud.databricks.com to that profile.`);
  }
  const host = normaliseDatabricksHost(section.host);
  const base = { host, source: where, profile };
  if (section.token) return { ...base, auth: { kind: 'pat', token: section.token } };
  if (section.client_id && section.client_secret) {
    return { ...base, auth: { kind: 'oauth-m2m', clientId: section.client_id, clientSecret: section.client_secret } };
  }
  if (section.username && section.password) return { ...base, auth: { kind: 'basic', username: section.username, password: section.password } };
  const authType = section.auth_type;
  if (authType === 'databricks-cli' || authType === 'external-browser') {
    throw new DatabricksConfigError(
      `${where} uses auth_type = ${authType} (OAuth in a browser), which the workbench does not support yet: ` +
        'add a personal access token (token = ...) or a service principal (client_id / client_secret) to that profile.',
    );
  }
  if (section.azure_client_id || section.azure_tenant_id || authType?.startsWith('azure')) {
    throw new DatabricksConfigError(
      `${where} uses Azure authentication, which the workbench does not support yet: add a personal access token (token = ...) to that profile.`,
    );
  }
  if (section.client_id) {
    throw new DatabricksConfigError(`${where} has client_id but no client_secret: add client_secret for OAuth machine-to-machine, or a token.`);
  }
  throw new DatabricksConfigError(
    `${where} has a host but no credentials: add token = <personal access token>, or client_id and client_secret of a service principal.`,
  );
}

function displayPath(file: string, homeDir?: string): string {
  const home = homeDir ?? os.homedir();
  return file.startsWith(home + path.sep) ? '~' + file.slice(home.length) : file;
}

/**
 * A token source for OAuth machine-to-machine (a service principal's client id and secret):
 * POSTs client_credentials to <host>/oidc/v1/token and keeps the token until a minute before it expires.
 */
export function oauthM2mTokenProvider(
  host: string,
  clientId: string,
  clientSecret: string,
  opts: { timeoutMs?: number } = {},
): () => Promise<string> {
  let cached: { token: string; expiresAt: number } | undefined;
  let pending: Promise<string> | undefined;
  const fetchToken = async (): Promise<string> => {
    const url = new URL('/oidc/v1/token', normaliseDatabricksHost(host));
    const body = new URLSearchParams({ grant_type: 'client_credentials', scope: 'all-apis' }).toString();
    const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64');
    const { status, text } = await postForm(url, body, basic, opts.timeoutMs ?? 30_000);
    if (status !== 200) {
      throw new DatabricksConfigError(
        `OAuth token request to ${url.origin}/oidc/v1/token failed (HTTP ${status}): check client_id and client_secret of the service principal.`,
      );
    }
    const parsed = JSON.parse(text) as { access_token?: string; expires_in?: number };
    if (!parsed.access_token) throw new DatabricksConfigError(`OAuth token answer from ${url.origin} has no access_token.`);
    cached = { token: parsed.access_token, expiresAt: Date.now() + ((parsed.expires_in ?? 3600) - 60) * 1000 };
    return parsed.access_token;
  };
  return async () => {
    if (cached && Date.now() < cached.expiresAt) return cached.token;
    pending ??= fetchToken().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}

function postForm(url: URL, body: string, basic: string, timeoutMs: number): Promise<{ status: number; text: string }> {
  // http:// only for tests against a local stand-in; workspaces are always https.
  const transport = url.protocol === 'http:' ? http : https;
  return new Promise((resolve, reject) => {
    const req = transport.request(
      url,
      {
        method: 'POST',
        timeout: timeoutMs,
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          'Content-Length': Buffer.byteLength(body),
          Authorization: `Basic ${basic}`,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url.origin} within ${timeoutMs} ms`)));
    req.on('error', (err) => reject(new DatabricksConfigError(`OAuth token request to ${url.origin} failed: ${err.message}`)));
    req.end(body);
  });
}
