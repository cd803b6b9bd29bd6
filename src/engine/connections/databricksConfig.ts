import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** One section of ~/.databrickscfg, keys lower-cased as the Databricks CLI and SDK read them. */
export type DatabricksProfileSection = Record<string, string>;

/** How the workbench signs requests to a Databricks workspace. */
export type DatabricksAuth =
  | { kind: 'pat'; token: string }
  | { kind: 'oauth-m2m'; clientId: string; clientSecret: string }
  | { kind: 'basic'; username: string; password: string }
  /** OAuth user-to-machine through `databricks auth login`: tokens from `databricks auth token`. */
  | { kind: 'databricks-cli'; profile?: string }
  /** Azure Databricks through `az login`: tokens from `az account get-access-token`. */
  | { kind: 'azure-cli'; tenantId?: string };

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
  /** The Databricks CLI (a setting); else DATABRICKS_CLI_PATH, else `databricks` on PATH. */
  databricksCliPath?: string;
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
 * Rejects with DatabricksConfigError naming the file, the profile and the missing key.
 */
export async function resolveDatabricksCredentials(profile: string | undefined, sources: DatabricksConfigSources = {}): Promise<DatabricksCredentials> {
  const env = sources.env ?? process.env;
  const explicitProfile = profile || env.DATABRICKS_CONFIG_PROFILE || undefined;
  if (!explicitProfile) {
    const fromEnv = await credentialsFromEnv(env, sources);
    if (fromEnv) return fromEnv;
  }
  const file = databricksConfigPath(sources);
  const display = displayPath(file, sources.homeDir);
  const profileName = explicitProfile ?? 'DEFAULT';
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch {
    throw new DatabricksConfigError(
      explicitProfile
        ? `Databricks profile '${profileName}' was asked for, but ${display} does not exist. Create it with 'databricks auth login --host https://<workspace> --profile ${profileName}', or set DATABRICKS_CONFIG_FILE.`
        : `No Databricks credentials: sign in with 'databricks auth login --host https://<workspace>' (it writes ${display}), or set DATABRICKS_HOST and DATABRICKS_TOKEN.`,
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
  return await credentialsFromSection(section, `${display} [${profileName}]`, profileName, sources);
}

async function credentialsFromEnv(env: NodeJS.ProcessEnv, sources: DatabricksConfigSources): Promise<DatabricksCredentials | undefined> {
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
  const authType = env.DATABRICKS_AUTH_TYPE;
  if (authType === 'azure-cli')
    return {
      host: normaliseDatabricksHost(host),
      auth: { kind: 'azure-cli', tenantId: env.ARM_TENANT_ID || env.DATABRICKS_AZURE_TENANT_ID },
      source: 'environment',
    };
  if (!clientId && (authType === 'databricks-cli' || (await databricksCliPath({ env, databricksCliPath: sources.databricksCliPath })))) {
    // A host alone: sign in as the Databricks SDKs do, through the CLI's `auth token --host`.
    return { host: normaliseDatabricksHost(host), auth: { kind: 'databricks-cli' }, source: 'environment (Databricks CLI sign-in)' };
  }
  throw new DatabricksConfigError(
    clientId
      ? 'DATABRICKS_CLIENT_ID is set without DATABRICKS_CLIENT_SECRET: set both for OAuth machine-to-machine, or set DATABRICKS_TOKEN.'
      : 'DATABRICKS_HOST is set without credentials: set DATABRICKS_TOKEN (a personal access token), or DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET, or install the Databricks CLI and run `databricks auth login --host <host>`.',
  );
}

async function credentialsFromSection(
  section: DatabricksProfileSection,
  where: string,
  profile: string,
  sources: DatabricksConfigSources,
): Promise<DatabricksCredentials> {
  if (!section.host) {
    throw new DatabricksConfigError(`${where} has no 'host': add host = https://<workspace>.cloud.databricks.com to that profile.`);
  }
  const host = normaliseDatabricksHost(section.host);
  const base = { host, source: where, profile };
  const authType = section.auth_type?.trim();
  if (authType === 'databricks-cli') return { ...base, auth: { kind: 'databricks-cli', profile } };
  if (authType === 'azure-cli') return { ...base, auth: { kind: 'azure-cli', tenantId: section.azure_tenant_id } };
  if (section.token && (!authType || authType === 'pat')) return { ...base, auth: { kind: 'pat', token: section.token } };
  if (section.client_id && section.client_secret && (!authType || authType === 'oauth-m2m')) {
    return { ...base, auth: { kind: 'oauth-m2m', clientId: section.client_id, clientSecret: section.client_secret } };
  }
  if (section.username && section.password && (!authType || authType === 'basic'))
    return { ...base, auth: { kind: 'basic', username: section.username, password: section.password } };
  if (authType === 'external-browser') {
    throw new DatabricksConfigError(
      `${where} uses auth_type = external-browser, which the workbench does not run itself: sign in with the Databricks CLI ` +
        `(\`databricks auth login --profile ${profile}\`, which sets auth_type = databricks-cli), or use MLflow: Sign in to Databricks… in VS Code.`,
    );
  }
  if (authType?.startsWith('azure') || section.azure_client_id) {
    throw new DatabricksConfigError(
      `${where} uses ${authType ? `auth_type = ${authType}` : 'an Azure service principal'}, which the workbench does not support yet: use auth_type = azure-cli (after \`az login\`), a personal access token or databricks-cli.`,
    );
  }
  if (section.client_id) {
    throw new DatabricksConfigError(`${where} has client_id but no client_secret: add client_secret for OAuth machine-to-machine, or a token.`);
  }
  if (!authType && (await databricksCliPath({ env: sources.env, databricksCliPath: sources.databricksCliPath }))) {
    // A host alone and the Databricks CLI installed: its sign-in, as the Databricks SDKs do.
    return { ...base, auth: { kind: 'databricks-cli', profile } };
  }
  throw new DatabricksConfigError(
    `${where} has a host but no credentials: sign in with \`databricks auth login --profile ${profile}\` (auth_type = databricks-cli), ` +
      'or add token = <personal access token>, or client_id and client_secret of a service principal.',
  );
}

/** The Databricks CLI to run: the setting, DATABRICKS_CLI_PATH, or `databricks` found on PATH (undefined when none). */
export async function databricksCliPath(opts: { env?: NodeJS.ProcessEnv; databricksCliPath?: string } = {}): Promise<string | undefined> {
  const env = opts.env ?? process.env;
  const given = opts.databricksCliPath?.trim() || env.DATABRICKS_CLI_PATH?.trim();
  if (given) return given;
  return findExecutable('databricks', env);
}

/** An executable on PATH (with PATHEXT on Windows), or undefined. */
export async function findExecutable(name: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const dirs = (env.PATH ?? env.Path ?? '').split(path.delimiter).filter(Boolean);
  const exts = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of dirs) {
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      try {
        await fs.promises.access(candidate, fs.constants.X_OK);
        if ((await fs.promises.stat(candidate)).isFile()) return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

function displayPath(file: string, homeDir?: string): string {
  const home = homeDir ?? os.homedir();
  return file.startsWith(home + path.sep) ? '~' + file.slice(home.length) : file;
}
