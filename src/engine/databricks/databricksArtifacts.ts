// Artifacts a Databricks workspace keeps for MLflow. Runs there have artifact URIs like
// `dbfs:/databricks/mlflow-tracking/<experiment id>/<run id>/artifacts`: an access-controlled
// location the workspace does not serve itself. As MLflow's DatabricksArtifactRepository does, the
// bytes are read through short-lived signed URLs of the cloud storage behind it:
//   POST /api/2.0/mlflow/artifacts/credentials-for-read {run_id, path: [..], page_token}
//     → {credential_infos: [{run_id, path, signed_uri, type, headers: [{name, value}]}], next_page_token}
//   POST /api/2.0/mlflow/logged-models/<model id>/artifacts/credentials-for-download {paths: [..]}
//     → {credentials: [{model_id, credential_info}], next_page_token}
// (mlflow/protos/databricks_artifacts.proto), then a plain GET of signed_uri with those headers and
// never the workspace's token. Other `dbfs:/` paths are read with DBFS 2.0 `read` in 1 MB chunks.
import * as fs from 'node:fs';
import { HttpTransport, type Method, type QueryValue } from '../http/httpTransport';
import { isCancelled } from '../http/httpErrors';
import { MlflowApiError } from '../mlflow/mlflowErrors';
import type { CallOptions } from '../mlflow/mlflowTypes';
import { checkSignedUrl, SignedUrlRefusedError } from '../safety/signedUrlPolicy';

/** Where a `dbfs:` artifact URI points. */
export type DatabricksArtifactLocation =
  /** `dbfs:/databricks/mlflow-tracking/<exp>/<run>/artifacts[/sub]`: signed URLs per run. */
  | { kind: 'run'; experimentId: string; runId: string; /** Path of the URI under the run's artifact root ('' at the root). */ subPath: string }
  /** `dbfs:/databricks/mlflow-tracking/<exp>/logged_models/<model>/artifacts[/sub]`. */
  | { kind: 'logged-model'; experimentId: string; modelId: string; subPath: string }
  /** Any other DBFS path, read with /api/2.0/dbfs/read. */
  | { kind: 'dbfs'; path: string };

export type ArtifactCredentialType = 'AZURE_SAS_URI' | 'AZURE_ADLS_GEN2_SAS_URI' | 'AWS_PRESIGNED_URL' | 'GCP_SIGNED_URL';

export interface ArtifactCredentialInfo {
  run_id?: string;
  path?: string;
  signed_uri: string;
  type?: ArtifactCredentialType | string;
  headers?: { name: string; value: string }[];
}

/** What this module calls the workspace with (a client's auth, retries and errors): the MLflow or the Databricks client. */
export interface WorkspaceCaller {
  requestJson<T>(method: Method, path: string, opts?: { query?: Record<string, QueryValue>; json?: unknown; idempotent?: boolean } & CallOptions): Promise<T>;
  readonly displayUrl: string;
}

/** Downloads may go to a file instead of memory. */
type DownloadOptions = CallOptions & { toFile?: string };

export const DBFS_READ_CHUNK = 1024 * 1024;
const MANAGED_PREFIX = ['databricks', 'mlflow-tracking'];

/**
 * The location of a `dbfs:` artifact URI (`dbfs:/x`, `dbfs:///x`, `dbfs://<profile>@databricks/x`),
 * or undefined for any other scheme.
 */
export function parseDbfsArtifactUri(uri: string): DatabricksArtifactLocation | undefined {
  const match = /^dbfs:(?:\/\/[^/]*)?(\/.*)?$/i.exec(uri.trim());
  if (!match) return undefined;
  const parts = (match[1] ?? '/').split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) return undefined;
  if (parts[0] === MANAGED_PREFIX[0] && parts[1] === MANAGED_PREFIX[1] && parts.length >= 4) {
    const experimentId = parts[2]!;
    if (parts[3] === 'logged_models' && parts.length >= 5) {
      return { kind: 'logged-model', experimentId, modelId: parts[4]!, subPath: afterArtifacts(parts.slice(5)) };
    }
    return { kind: 'run', experimentId, runId: parts[3]!, subPath: afterArtifacts(parts.slice(4)) };
  }
  return { kind: 'dbfs', path: '/' + parts.join('/') };
}

function afterArtifacts(rest: string[]): string {
  return (rest[0] === 'artifacts' ? rest.slice(1) : rest).join('/');
}

/** True for URIs whose artifacts only the workspace can hand out (managed MLflow locations). */
export function isDatabricksManagedArtifactUri(uri: string): boolean {
  const location = parseDbfsArtifactUri(uri);
  return location !== undefined && location.kind !== 'dbfs';
}

/**
 * The headers of the signed GET: only the credential's own. An Authorization header in them is
 * dropped too (the workspace token must never reach the storage account).
 */
export function signedRequestHeaders(info: ArtifactCredentialInfo): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const h of info.headers ?? []) {
    const name = h?.name?.toLowerCase();
    // The storage's own headers (x-ms-*, x-amz-*, content-type…) only: no credentials, cookies or host.
    if (!name || name === 'authorization' || name === 'proxy-authorization' || name === 'cookie' || name === 'host') continue;
    headers[h.name] = h.value ?? '';
  }
  return headers;
}

/** The signed URL without its query (signatures, SAS tokens): safe to show. */
export function redactSignedUri(uri: string): string {
  try {
    const u = new URL(uri);
    return `${u.origin}${u.pathname}`;
  } catch {
    return uri.split('?')[0]!;
  }
}

/** A person-readable error for a signed URL the storage refused. */
export function signedUrlError(status: number | undefined, uri: string, artifactPath: string, detail?: string): MlflowApiError {
  const where = redactSignedUri(uri);
  if (status === 401 || status === 403) {
    return new MlflowApiError(
      `The cloud storage refused the signed URL for artifact '${artifactPath}' (HTTP ${status}): it has probably expired (they last minutes) or the clock of this machine is off. ` +
        'Open the artifact again to get a new one; if it keeps failing, check the system clock and that a proxy does not alter the request.',
      'SIGNED_URL_REJECTED',
      status,
      where,
      detail,
    );
  }
  if (status === 404) {
    return new MlflowApiError(
      `Artifact '${artifactPath}' does not exist in the workspace's artifact storage (HTTP 404 from ${where}).`,
      'RESOURCE_DOES_NOT_EXIST',
      status,
      where,
      detail,
    );
  }
  if (status === undefined) {
    return new MlflowApiError(
      `Cannot reach the workspace's artifact storage at ${where} for '${artifactPath}'${detail ? ` (${detail})` : ''}. Check the network, VPN or proxy settings for cloud storage.`,
      'NETWORK_ERROR',
      undefined,
      where,
    );
  }
  return new MlflowApiError(
    `The workspace's artifact storage answered HTTP ${status} for '${artifactPath}' (${where}).`,
    `HTTP_${status}`,
    status,
    where,
    detail,
  );
}

/**
 * GET of one signed URL through the one HTTP layer: the credential's headers only, no token (the URL's
 * signature is the credential), only a URL the signed URL policy allows for the workspace at
 * `o.workspaceUrl` (https to a public host; see signedUrlPolicy), no redirect followed. `toFile`
 * streams the bytes there and returns an empty buffer.
 */
export async function fetchSignedUri(
  info: ArtifactCredentialInfo,
  artifactPath: string,
  o: DownloadOptions & { timeoutMs?: number; workspaceUrl?: string } = {},
): Promise<Buffer> {
  try {
    await checkSignedUrl(info.signed_uri, o.workspaceUrl);
  } catch (err) {
    if (err instanceof SignedUrlRefusedError)
      throw new MlflowApiError(
        `${err.message} Artifact '${artifactPath}' was not downloaded.`,
        'SIGNED_URL_REFUSED',
        undefined,
        redactSignedUri(info.signed_uri),
      );
    throw err;
  }
  let url: URL;
  try {
    url = new URL(info.signed_uri);
  } catch {
    throw signedUrlError(undefined, info.signed_uri, artifactPath, 'not a URL');
  }
  const storage = new HttpTransport({ baseUrl: url.origin, service: "the workspace's artifact storage", timeoutMs: o.timeoutMs ?? 120_000, maxRetries: 2 });
  let response;
  try {
    response = await storage.send({
      method: 'GET',
      path: url.pathname + url.search,
      headers: signedRequestHeaders(info),
      anonymous: true,
      // A redirect would lead to a host the policy has not checked.
      followRedirects: false,
      signal: o.signal,
      toFile: o.toFile,
      label: redactSignedUri(info.signed_uri),
    });
  } catch (err) {
    if (isCancelled(err)) throw new MlflowApiError(`${artifactPath}: cancelled.`, 'CANCELLED', undefined, 'signed URL');
    const e = err as { errorCode?: string; message?: string };
    // The storage's own message names only its origin and path: the signature stays out.
    throw signedUrlError(undefined, info.signed_uri, artifactPath, e.errorCode ?? e.message);
  }
  if (response.status >= 200 && response.status < 300) return response.data;
  if (response.status >= 300 && response.status < 400) {
    const location = String(response.headers.location ?? '');
    throw new MlflowApiError(
      `The workspace's artifact storage redirected '${artifactPath}' to ${redactSignedUri(location) || 'another address'} (HTTP ${response.status}): redirects of signed URLs are not followed.`,
      'SIGNED_URL_REFUSED',
      response.status,
      redactSignedUri(info.signed_uri),
    );
  }
  throw signedUrlError(response.status, info.signed_uri, artifactPath, response.data.toString('utf8').slice(0, 500) || undefined);
}

/** Read credentials for files of a run (paths relative to the run's artifact root). */
export async function credentialsForRead(caller: WorkspaceCaller, runId: string, paths: string[], o: CallOptions = {}): Promise<ArtifactCredentialInfo[]> {
  const infos: ArtifactCredentialInfo[] = [];
  let pageToken: string | undefined;
  do {
    const body = await caller.requestJson<{ credential_infos?: ArtifactCredentialInfo[]; next_page_token?: string }>(
      'POST',
      'api/2.0/mlflow/artifacts/credentials-for-read',
      {
        json: { run_id: runId, path: paths, page_token: pageToken },
        idempotent: true,
        signal: o.signal,
      },
    );
    infos.push(...(body.credential_infos ?? []));
    pageToken = body.credential_infos?.length ? body.next_page_token || undefined : undefined;
  } while (pageToken);
  return infos;
}

/** Read credentials for files of an MLflow 3 logged model (paths relative to its artifact root). */
export async function credentialsForLoggedModelDownload(
  caller: WorkspaceCaller,
  modelId: string,
  paths: string[],
  o: CallOptions = {},
): Promise<ArtifactCredentialInfo[]> {
  const body = await caller.requestJson<{ credentials?: { model_id?: string; credential_info?: ArtifactCredentialInfo }[] }>(
    'POST',
    `api/2.0/mlflow/logged-models/${encodeURIComponent(modelId)}/artifacts/credentials-for-download`,
    { json: { paths }, idempotent: true, signal: o.signal },
  );
  return (body.credentials ?? []).flatMap((c) => (c.credential_info ? [c.credential_info] : []));
}

/**
 * The bytes of `relative` (a file under the URI's folder) for a run or logged model in the
 * workspace's managed storage. A refused signed URL is asked for once more (it may have expired
 * between the two calls), then reported.
 */
export async function downloadManagedArtifact(
  caller: WorkspaceCaller,
  location: Exclude<DatabricksArtifactLocation, { kind: 'dbfs' }>,
  relative: string,
  o: DownloadOptions = {},
): Promise<Buffer> {
  const path = [location.subPath, relative].filter(Boolean).join('/');
  const ask = () =>
    location.kind === 'run' ? credentialsForRead(caller, location.runId, [path], o) : credentialsForLoggedModelDownload(caller, location.modelId, [path], o);
  for (let attempt = 0; ; attempt++) {
    const infos = await ask();
    const info = infos.find((i) => i.path === undefined || i.path === path) ?? infos[0];
    if (!info?.signed_uri) {
      throw new MlflowApiError(
        `The workspace ${caller.displayUrl} gave no signed URL for artifact '${path}'.`,
        'INVALID_STATE',
        undefined,
        'artifacts/credentials-for-read',
      );
    }
    try {
      return await fetchSignedUri(info, path, { ...o, workspaceUrl: caller.displayUrl });
    } catch (err) {
      if (attempt === 0 && err instanceof MlflowApiError && err.errorCode === 'SIGNED_URL_REJECTED') continue;
      throw err;
    }
  }
}

/**
 * The bytes of a DBFS file through DBFS 2.0 `read` (base64, 1 MB a call). With `toFile` each chunk is
 * appended to that (new) file as it comes, so memory holds one chunk, and an empty buffer is returned.
 */
export async function readDbfsFile(caller: WorkspaceCaller, dbfsPath: string, o: DownloadOptions = {}): Promise<Buffer> {
  const chunks: Buffer[] = [];
  // 'wx': a fresh file, never written through an entry (a link) already at that path.
  const out = o.toFile ? await fs.promises.open(o.toFile, 'wx') : undefined;
  try {
    for (let offset = 0; ;) {
      let body: { bytes_read?: number | string; data?: string };
      try {
        body = await caller.requestJson('GET', 'api/2.0/dbfs/read', { query: { path: dbfsPath, offset, length: DBFS_READ_CHUNK }, signal: o.signal });
      } catch (err) {
        if (err instanceof MlflowApiError && err.errorCode === 'RESOURCE_DOES_NOT_EXIST') {
          throw new MlflowApiError(
            `dbfs:${dbfsPath} does not exist in the workspace ${caller.displayUrl}.`,
            err.errorCode,
            err.httpStatus,
            'dbfs/read',
            err.detail,
          );
        }
        throw err;
      }
      const chunk = Buffer.from(body.data ?? '', 'base64');
      const read = Number(body.bytes_read ?? chunk.length);
      if (out) await out.write(chunk);
      else chunks.push(chunk);
      offset += read;
      if (read <= 0 || read < DBFS_READ_CHUNK) break;
    }
  } catch (err) {
    if (out) {
      await out.close();
      await fs.promises.rm(o.toFile!, { force: true });
    }
    throw err;
  }
  if (!out) return Buffer.concat(chunks);
  await out.close();
  return Buffer.alloc(0);
}

/** Reads `relative` under a `dbfs:` artifact URI: managed locations by signed URL, others by DBFS read. */
export async function downloadDbfsArtifact(
  caller: WorkspaceCaller,
  location: DatabricksArtifactLocation,
  relative: string,
  o: DownloadOptions = {},
): Promise<Buffer> {
  if (location.kind === 'dbfs') return readDbfsFile(caller, [location.path.replace(/\/+$/, ''), relative].filter(Boolean).join('/') || '/', o);
  return downloadManagedArtifact(caller, location, relative, o);
}
