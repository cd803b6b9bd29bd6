import { databricksConfigPath, resolveDatabricksCredentials, type DatabricksConfigSources } from '../connections/databricksConfig';
import { databricksAuth } from '../connections/databricksAuth';
import type { HttpAuth } from '../http/httpAuth';
import { DatabricksClient } from './databricksClient';

/** A workspace a run can be submitted to: configured, with a token, and answering as this user. */
export type WorkspaceCheck = { ok: true; host: string; auth: HttpAuth; userName: string; source: string } | { ok: false; problem: string; configFile: string };

/**
 * Checks, before anything is asked or built, that a Databricks workspace is configured (profile,
 * or DATABRICKS_HOST/DATABRICKS_TOKEN) and answers SCIM Me with its token. Never throws.
 */
export async function checkDatabricksWorkspace(
  profile: string | undefined,
  sources: DatabricksConfigSources = {},
  options: { timeoutMs?: number } = {},
): Promise<WorkspaceCheck> {
  const configFile = databricksConfigPath(sources);
  let creds;
  try {
    creds = await resolveDatabricksCredentials(profile, sources);
  } catch (err) {
    return { ok: false, problem: err instanceof Error ? err.message : String(err), configFile };
  }
  let auth: HttpAuth;
  try {
    auth = databricksAuth(creds);
  } catch (err) {
    return { ok: false, problem: err instanceof Error ? err.message : String(err), configFile };
  }
  try {
    const client = new DatabricksClient({ host: creds.host, auth, maxRetries: 1, maxRetryDelayMs: 2000, timeoutMs: options.timeoutMs ?? 20_000 });
    const me = await client.me();
    return { ok: true, host: creds.host, auth, userName: me.userName, source: creds.source };
  } catch (err) {
    return {
      ok: false,
      problem: `The Databricks workspace ${creds.host} (${creds.source}) did not answer: ${err instanceof Error ? err.message : String(err)}`,
      configFile,
    };
  }
}
