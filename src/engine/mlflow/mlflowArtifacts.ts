// Where a run's artifact files are read and written: the tracking server's artifact proxy
// (`mlflow-artifacts:/...`), its `/get-artifact` route, or a Databricks workspace (`dbfs:/...`).
import { downloadDbfsArtifact, parseDbfsArtifactUri, type WorkspaceCaller } from '../databricks/databricksArtifacts';
import type { QueryValue } from '../http/httpTransport';
import { MlflowApiError } from './mlflowErrors';
import type { CallOptions } from './mlflowTypes';

const ARTIFACT_PROXY_API = 'api/2.0/mlflow-artifacts/artifacts/';

/** Options of a download: `toFile` streams the bytes to that file instead of memory. */
export type DownloadOptions = CallOptions & { toFile?: string };

/** What artifact reads need of a client: JSON calls of the workspace and a GET of bytes. */
export interface ArtifactCaller extends WorkspaceCaller {
  requestBytes(path: string, opts: { query?: Record<string, QueryValue> } & DownloadOptions): Promise<Buffer>;
}

/**
 * For an artifact URI served by the tracking server's proxy (`mlflow-artifacts:/0/<run>/artifacts`
 * or `mlflow-artifacts://host:port/...`), the path under /api/2.0/mlflow-artifacts/artifacts/.
 */
export function proxiedArtifactPath(artifactUri: string): string | undefined {
  const match = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(.*)$/.exec(artifactUri);
  return match ? match[1].replace(/\/+$/, '') : undefined;
}

/** `a//b/./c` → `a/b/c`; refuses `..`. */
function normaliseArtifactPath(path: string): string {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) {
    throw new MlflowApiError(`Artifact path '${path}' must not contain '..'.`, 'INVALID_PARAMETER_VALUE', undefined, 'artifacts');
  }
  return parts.join('/');
}

function encodeArtifactPath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/**
 * The bytes of one artifact file of a run whose artifacts live at `artifactUri`. Like the MLflow UI:
 * proxied runs (`mlflow-artifacts:/...`) from `/api/2.0/mlflow-artifacts/artifacts/...`; others from
 * `/get-artifact`, which reads the run's store on the server side. On a Databricks workspace
 * (`dbfs:/databricks/mlflow-tracking/...`) through a signed URL of the workspace's storage
 * (credentials-for-read); other `dbfs:/` locations through DBFS `read`.
 */
export async function readRunArtifact(caller: ArtifactCaller, runId: string, artifactUri: string, path: string, o: DownloadOptions = {}): Promise<Buffer> {
  const relative = normaliseArtifactPath(path);
  const dbfs = parseDbfsArtifactUri(artifactUri);
  if (dbfs) return downloadDbfsArtifact(caller, dbfs, relative, o);
  const proxied = proxiedArtifactPath(artifactUri);
  if (proxied !== undefined) {
    const target = [proxied, relative].filter(Boolean).join('/');
    return caller.requestBytes(ARTIFACT_PROXY_API + encodeArtifactPath(target), o);
  }
  return caller.requestBytes('get-artifact', { ...o, query: { path: relative, run_uuid: runId } });
}

/** The proxy path an upload goes to; runs with other stores are refused with a clear message. */
export function artifactUploadPath(runId: string, artifactUri: string, path: string): string {
  const relative = normaliseArtifactPath(path);
  const proxied = proxiedArtifactPath(artifactUri);
  if (proxied === undefined) {
    throw new MlflowApiError(
      `Run ${runId} stores its artifacts at ${artifactUri}, not behind the server's artifact proxy: upload them with the MLflow client for that store.`,
      'INVALID_STATE',
      undefined,
      'mlflow-artifacts/artifacts',
    );
  }
  return ARTIFACT_PROXY_API + encodeArtifactPath([proxied, relative].filter(Boolean).join('/'));
}
