import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

// A small hostile server on 127.0.0.1 that imitates the parts of the MLflow REST API (and of a
// Databricks workspace's artifact endpoints) the product reads artifacts through, and answers with
// whatever names a test scripts: traversal run ids, artifact paths, model names, logged model ids.
// It records every request, so a test can also check what the product did NOT send.

export interface ListedEntry {
  path: unknown;
  is_dir?: boolean;
  file_size?: number;
}

export interface HostileScript {
  /** The artifact_uri of every run (default: behind the server's artifact proxy). */
  artifactUri?: (runId: string) => string;
  /** artifacts/list answers by `path` ('' for the root). */
  listings?: Record<string, ListedEntry[]>;
  /** Bytes of an artifact by its path relative to the run's root (default: `content of <path>`). */
  fileBytes?: (relativePath: string) => string;
  /** When it gives a size, the artifact is that many bytes of patternBytes, streamed (a large artifact). */
  fileSize?: (relativePath: string) => number | undefined;
  /** The signed URL credentials-for-read hands out for a path (default: this server's /storage/<path>). */
  signedUri?: (path: string, base: string) => string;
  /** Headers sent along with each signed URL (a hostile workspace slips credentials in). */
  signedHeaders?: { name: string; value: string }[];
  /** When set, /storage/ answers with a redirect here. */
  storageRedirect?: string;
  /** model-versions/get answers (name and version echo what was asked unless given). */
  modelVersion?: (name: string, version: string) => Record<string, unknown>;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface HostileMlflowServer {
  url: string;
  requests: RecordedRequest[];
  script: HostileScript;
  stop(): Promise<void>;
}

const PROXY = '/api/2.0/mlflow-artifacts/artifacts/';

/** 64 KB that repeat in a large artifact (bytes that are not all alike, so misplaced chunks show). */
export const PATTERN_BLOCK = Buffer.from(Array.from({ length: 64 * 1024 }, (_, i) => (i * 131 + (i >> 8) * 7) & 0xff));

/** Byte `offset` of a large artifact. */
export function patternByte(offset: number): number {
  return PATTERN_BLOCK[offset % PATTERN_BLOCK.length]!;
}

/** Writes `size` bytes of the pattern, honouring back-pressure (the server holds one block). */
function streamPattern(res: http.ServerResponse, size: number): void {
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) });
  let sent = 0;
  const pump = () => {
    while (sent < size && !res.destroyed) {
      const n = Math.min(PATTERN_BLOCK.length, size - sent);
      sent += n;
      if (!res.write(n === PATTERN_BLOCK.length ? PATTERN_BLOCK : PATTERN_BLOCK.subarray(0, n))) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) res.end();
  };
  pump();
}

export async function startHostileMlflowServer(script: HostileScript = {}): Promise<HostileMlflowServer> {
  const requests: RecordedRequest[] = [];
  const state: HostileMlflowServer = { url: '', requests, script, stop: async () => undefined };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const s = state.script;
      const url = new URL(req.url ?? '/', state.url);
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      const bytes = (relative: string) => {
        const size = s.fileSize?.(relative);
        if (size !== undefined) return streamPattern(res, size);
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
        res.end(s.fileBytes ? s.fileBytes(relative) : `content of ${relative}`);
      };
      const artifactUri = (runId: string) => (s.artifactUri ? s.artifactUri(runId) : `mlflow-artifacts:/0/${runId}/artifacts`);
      switch (url.pathname) {
        case '/api/2.0/mlflow/runs/get': {
          const runId = url.searchParams.get('run_id') ?? '';
          return json(200, {
            run: { info: { run_id: runId, run_uuid: runId, experiment_id: '../../0', artifact_uri: artifactUri(runId), status: 'FINISHED' }, data: {} },
          });
        }
        case '/api/2.0/mlflow/artifacts/list': {
          const runId = url.searchParams.get('run_id') ?? '';
          const listed = url.searchParams.get('path') ?? '';
          return json(200, { root_uri: artifactUri(runId), files: s.listings?.[listed] ?? [] });
        }
        case '/get-artifact':
          return bytes(url.searchParams.get('path') ?? '');
        case '/api/2.0/mlflow/artifacts/credentials-for-read': {
          const request = JSON.parse(body || '{}') as { run_id?: string; path?: string[] };
          return json(200, {
            credential_infos: (request.path ?? []).map((p) => ({
              run_id: request.run_id,
              path: p,
              signed_uri: s.signedUri ? s.signedUri(p, state.url) : `${state.url}/storage/${p}?sig=SECRET-SIGNATURE`,
              type: 'AWS_PRESIGNED_URL',
              headers: s.signedHeaders ?? [],
            })),
          });
        }
        case '/api/2.0/mlflow/model-versions/get': {
          const name = url.searchParams.get('name') ?? '';
          const version = url.searchParams.get('version') ?? '';
          return json(200, { model_version: { name, version, ...(s.modelVersion?.(name, version) ?? {}) } });
        }
        default:
          if (url.pathname.startsWith(PROXY)) {
            // mlflow-artifacts:/0/<run>/artifacts/<path>: the part after the run's artifacts folder.
            const full = decodeURIComponent(url.pathname.slice(PROXY.length));
            const marker = full.indexOf('/artifacts/');
            return bytes(marker >= 0 ? full.slice(marker + '/artifacts/'.length) : full);
          }
          if (url.pathname.startsWith('/storage/')) {
            if (s.storageRedirect) {
              res.writeHead(302, { Location: s.storageRedirect });
              res.end();
              return;
            }
            return bytes(decodeURIComponent(url.pathname.slice('/storage/'.length)));
          }
          return json(404, { error_code: 'ENDPOINT_NOT_FOUND', message: `No ${url.pathname} here.` });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return state;
}
