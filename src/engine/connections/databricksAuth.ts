// Signing requests to a Databricks workspace, for every sign-in kind a profile or the environment
// can name: personal access token, OAuth machine-to-machine (service principal), OAuth user-to-machine
// through the Databricks CLI (`databricks auth token`), and the Azure CLI (`az account get-access-token`).
// Tokens are asked for when needed and renewed before they expire; they are never written or printed.
import { basicAuth, bearerAuth, cachedTokenSource, tokenSourceAuth, type ExpiringToken, type HttpAuth } from '../http/httpAuth';
import { HttpApiError, TransportErrorCodes } from '../http/httpErrors';
import { HttpTransport } from '../http/httpTransport';
import { redactSecrets } from '../http/redaction';
import { runProcess } from '../launching/childProcess';
import { databricksCliPath, findExecutable, normaliseDatabricksHost, type DatabricksCredentials } from './databricksConfig';

/** The Azure Databricks resource (application) id, asked of `az account get-access-token`. */
export const AZURE_DATABRICKS_RESOURCE = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d';

export interface DatabricksAuthOptions {
  /** Deadline of a token request (OAuth endpoint or CLI). Default 30 s. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** The Databricks CLI to run (a setting); else DATABRICKS_CLI_PATH, else `databricks` on PATH. */
  databricksCliPath?: string;
  /** The Azure CLI to run; else AZURE_CLI_PATH, else `az` on PATH. */
  azureCliPath?: string;
}

/** The error of a failed sign-in; its message says what to run. */
export class DatabricksSignInError extends HttpApiError {
  constructor(message: string, endpoint = 'sign-in') {
    super(message, TransportErrorCodes.signInFailed, undefined, endpoint);
    this.name = 'DatabricksSignInError';
  }
}

/** How requests to the workspace of `creds` are signed. */
export function databricksAuth(creds: DatabricksCredentials, opts: DatabricksAuthOptions = {}): HttpAuth {
  const auth = creds.auth;
  switch (auth.kind) {
    case 'pat':
      return bearerAuth(auth.token, 'pat');
    case 'basic':
      return basicAuth(auth.username, auth.password);
    case 'oauth-m2m':
      return tokenSourceAuth('oauth-m2m', oauthM2mTokenProvider(creds.host, auth.clientId, auth.clientSecret, opts));
    case 'databricks-cli':
      return tokenSourceAuth('databricks-cli', databricksCliTokenProvider(creds.host, auth.profile, opts));
    case 'azure-cli':
      return tokenSourceAuth('azure-cli', azureCliTokenProvider(auth.tenantId, opts));
  }
}

/**
 * A token source for OAuth machine-to-machine (a service principal's client id and secret):
 * POSTs client_credentials to <host>/oidc/v1/token and keeps the token until a minute before it expires.
 */
export function oauthM2mTokenProvider(host: string, clientId: string, clientSecret: string, opts: { timeoutMs?: number } = {}): () => Promise<string> {
  const base = normaliseDatabricksHost(host);
  const oidc = new HttpTransport({
    baseUrl: base,
    auth: basicAuth(encodeURIComponent(clientId), encodeURIComponent(clientSecret)),
    service: 'the OAuth endpoint of the workspace',
    timeoutMs: opts.timeoutMs ?? 30_000,
    maxResponseBytes: 1024 * 1024,
  });
  return cachedTokenSource(async (): Promise<ExpiringToken> => {
    const response = await oidc.send({
      method: 'POST',
      path: 'oidc/v1/token',
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'all-apis' }).toString(),
      contentType: 'application/x-www-form-urlencoded',
      idempotent: true,
      label: 'oidc/v1/token',
    });
    if (response.status !== 200) {
      throw new DatabricksSignInError(
        `OAuth token request to ${oidc.displayUrl}/oidc/v1/token failed (HTTP ${response.status}): check client_id and client_secret of the service principal.`,
        'oidc/v1/token',
      );
    }
    const parsed = oidc.decodeJson<{ access_token?: string; expires_in?: number }>(response, 'oidc/v1/token');
    if (!parsed.access_token) throw new DatabricksSignInError(`The OAuth answer of ${oidc.displayUrl} has no access_token.`, 'oidc/v1/token');
    return { token: parsed.access_token, expiresAt: Date.now() + (parsed.expires_in ?? 3600) * 1000 };
  });
}

interface CliRun {
  ok: boolean;
  stdout: string;
  stderr: string;
  /** ENOENT, a timeout, an exit code. */
  failure?: string;
}

/** Runs a sign-in CLI through the one process supervisor (its own process group, ended at the deadline). */
async function runCli(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<CliRun> {
  const deadline = AbortSignal.timeout(timeoutMs);
  const run = await runProcess(file, args, { env, signal: deadline });
  if (run.spawnError) return { ok: false, stdout: '', stderr: '', failure: run.spawnErrorCode === 'ENOENT' ? 'ENOENT' : run.spawnError };
  if (deadline.aborted && run.code !== 0) return { ok: false, stdout: run.stdout, stderr: run.stderr, failure: 'TIMEOUT' };
  if (run.code === 0) return { ok: true, stdout: run.stdout, stderr: run.stderr };
  return { ok: false, stdout: run.stdout, stderr: run.stderr, failure: `exit ${String(run.code ?? run.signal ?? '?')}` };
}

/** The first meaningful line a CLI printed on failure, without any token. */
function cliSaid(run: CliRun): string {
  const line = (run.stderr || run.stdout)
    .split(/\r?\n/)
    .map((l) => l.replace(/^Error:\s*/i, '').trim())
    .find((l) => l !== '');
  return redactSecrets(line ?? run.failure ?? 'no output').slice(0, 300);
}

function parseExpiry(value: unknown): number | undefined {
  if (typeof value === 'number') return value > 1e12 ? value : value * 1000;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : at;
}

/**
 * Tokens of the Databricks CLI's OAuth sign-in (`databricks auth login`), as Databricks' own SDKs get
 * them: `databricks auth token --profile NAME`, falling back on `--host HOST` (older CLIs, or a host
 * without profile). The CLI keeps and refreshes the token (in the OS keychain since CLI 1.0); it is
 * asked again a minute before `expiry`. Its token cache file is never read here.
 */
export function databricksCliTokenProvider(host: string, profile: string | undefined, opts: DatabricksAuthOptions = {}): () => Promise<string> {
  const env = opts.env ?? process.env;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const hostUrl = normaliseDatabricksHost(host);
  const login = `databricks auth login --host ${hostUrl}${profile ? ` --profile ${profile}` : ''}`;
  return cachedTokenSource(async () => {
    const cli = await databricksCliPath({ env, databricksCliPath: opts.databricksCliPath });
    if (!cli) {
      throw new DatabricksSignInError(
        `Signing in to ${hostUrl}${profile ? ` (profile ${profile})` : ''} needs the Databricks CLI, which was not found on PATH: install it ` +
          '(https://docs.databricks.com/dev-tools/cli/install.html), or set DATABRICKS_CLI_PATH (mlflow.databricks.cliPath in VS Code) to it.',
      );
    }
    const attempts: string[][] = profile
      ? [
          ['auth', 'token', '--profile', profile],
          ['auth', 'token', '--host', hostUrl],
        ]
      : [['auth', 'token', '--host', hostUrl]];
    let first: { args: string[]; run: CliRun } | undefined;
    for (const args of attempts) {
      const run = await runCli(cli, args, env, timeoutMs);
      if (run.failure === 'ENOENT') {
        throw new DatabricksSignInError(`The Databricks CLI '${cli}' does not exist: fix DATABRICKS_CLI_PATH (mlflow.databricks.cliPath), or install the CLI.`);
      }
      if (run.failure === 'TIMEOUT') {
        throw new DatabricksSignInError(
          `\`databricks ${args.join(' ')}\` did not answer within ${Math.round(timeoutMs / 1000)} s: run \`${login}\` in a terminal to sign in, then try again.`,
        );
      }
      if (run.ok) {
        let parsed: { access_token?: unknown; expiry?: unknown };
        try {
          parsed = JSON.parse(run.stdout) as typeof parsed;
        } catch {
          throw new DatabricksSignInError(
            `\`databricks ${args.join(' ')}\` printed something that is not JSON: is '${cli}' the Databricks CLI (version 0.200 or later)?`,
          );
        }
        if (typeof parsed.access_token !== 'string' || parsed.access_token === '') {
          throw new DatabricksSignInError(`\`databricks ${args.join(' ')}\` printed no access_token: sign in again with \`${login}\`.`);
        }
        return { token: parsed.access_token, expiresAt: parseExpiry(parsed.expiry) };
      }
      first ??= { args, run };
    }
    throw new DatabricksSignInError(
      `Signing in to ${hostUrl} with the Databricks CLI failed: \`databricks ${first!.args.join(' ')}\` said: ${cliSaid(first!.run)} ` +
        `Sign in with \`${login}\` (or MLflow: Sign in to Databricks… in VS Code), then try again.`,
    );
  });
}

/**
 * Tokens of the Azure CLI's sign-in (`az login`) for Azure Databricks:
 * `az account get-access-token --resource 2ff814a6-… [--tenant T]`, renewed a minute before expiry.
 */
export function azureCliTokenProvider(tenantId: string | undefined, opts: DatabricksAuthOptions = {}): () => Promise<string> {
  const env = opts.env ?? process.env;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return cachedTokenSource(async () => {
    const az = opts.azureCliPath?.trim() || env.AZURE_CLI_PATH?.trim() || (await findExecutable('az', env));
    if (!az) {
      throw new DatabricksSignInError(
        'This profile signs in with the Azure CLI (auth_type = azure-cli), which was not found on PATH: install it and run `az login`, or set AZURE_CLI_PATH.',
      );
    }
    const args = ['account', 'get-access-token', '--resource', AZURE_DATABRICKS_RESOURCE, '--output', 'json', ...(tenantId ? ['--tenant', tenantId] : [])];
    const run = await runCli(az, args, env, timeoutMs);
    if (run.failure === 'ENOENT') throw new DatabricksSignInError(`The Azure CLI '${az}' does not exist: fix AZURE_CLI_PATH, or install the Azure CLI.`);
    if (run.failure === 'TIMEOUT')
      throw new DatabricksSignInError(
        `\`az account get-access-token\` did not answer within ${Math.round(timeoutMs / 1000)} s: run \`az login\` in a terminal, then try again.`,
      );
    if (!run.ok)
      throw new DatabricksSignInError(
        `Signing in with the Azure CLI failed: \`az account get-access-token\` said: ${cliSaid(run)} Run \`az login\`${tenantId ? ` --tenant ${tenantId}` : ''}, then try again.`,
      );
    let parsed: { accessToken?: unknown; expiresOn?: unknown; expires_on?: unknown };
    try {
      parsed = JSON.parse(run.stdout) as typeof parsed;
    } catch {
      throw new DatabricksSignInError('`az account get-access-token` printed something that is not JSON: is AZURE_CLI_PATH the Azure CLI?');
    }
    if (typeof parsed.accessToken !== 'string' || parsed.accessToken === '')
      throw new DatabricksSignInError('`az account get-access-token` printed no accessToken: run `az login`, then try again.');
    // expires_on (epoch seconds, newer CLIs) is unambiguous; expiresOn is a local time without zone.
    const expiresAt = parseExpiry(typeof parsed.expires_on === 'string' ? Number(parsed.expires_on) : parsed.expires_on) ?? parseExpiry(parsed.expiresOn);
    return { token: parsed.accessToken, expiresAt };
  });
}
