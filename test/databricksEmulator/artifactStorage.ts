import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import { requestParams, stringParam, type ApiRequest } from './apiRequest';
import { DatabricksError } from './databricksErrors';

/**
 * The workspace's managed artifact storage: runs get `dbfs:/databricks/mlflow-tracking/<exp>/<run>/artifacts`
 * (rewritten in the MLflow answers), `credentials-for-read` hands out signed URLs of the emulator's
 * own "cloud storage" route, and that route serves the bytes from the real MLflow server's store.
 */
export const CREDENTIALS_FOR_READ = /^\/(?:api|ajax-api)\/2\.0\/mlflow\/artifacts\/credentials-for-read$/;
export const STORAGE_PREFIX = '/emulated-storage/';
/** Proxied MLflow answers that carry run artifact URIs. */
const RUN_ANSWERS = /^\/(?:api|ajax-api)\/2\.0\/mlflow\/(runs\/(?:get|search|create|update)|artifacts\/list)$/;

export interface StorageRequestLogEntry {
  path: string;
  /** Whether the request carried an Authorization header (the storage refuses it). */
  authorization: boolean;
  status?: number;
}

export class ArtifactStorage {
  readonly requests: StorageRequestLogEntry[] = [];
  private readonly secret = randomBytes(32);

  constructor(
    private readonly mlflowTrackingUri: string,
    private readonly workspaceUrl: () => string,
    /** How long a signed URL stays valid; negative gives already expired ones (tests). */
    public ttlMs: number,
  ) {}

  static rewrites(pathname: string): boolean {
    return RUN_ANSWERS.test(pathname);
  }

  /** An MLflow answer with every run's artifact_uri (and a listing's root_uri) in Databricks form. */
  static rewriteAnswer(body: Buffer): Buffer {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return body;
    }
    const visit = (value: unknown): void => {
      if (Array.isArray(value)) return value.forEach(visit);
      if (!value || typeof value !== 'object') return;
      const o = value as Record<string, unknown>;
      const runId = o.run_id ?? o.run_uuid;
      // Runs whose experiment already points at DBFS (dbfs:/mnt/...) keep their location.
      if (typeof o.artifact_uri === 'string' && !o.artifact_uri.startsWith('dbfs:') && typeof runId === 'string' && typeof o.experiment_id === 'string') {
        o.artifact_uri = managedUri(o.experiment_id, runId);
      }
      if (typeof o.root_uri === 'string' && !o.root_uri.startsWith('dbfs:')) {
        const m = /\/([^/]+)\/([0-9a-f]{32})\/artifacts(\/.*)?$/.exec(o.root_uri);
        if (m) o.root_uri = managedUri(m[1]!, m[2]!) + (m[3] ?? '');
      }
      Object.values(o).forEach(visit);
    };
    visit(parsed);
    return Buffer.from(JSON.stringify(parsed));
  }

  /** POST (or GET) /api/2.0/mlflow/artifacts/credentials-for-read {run_id, path: [..]}. */
  async credentialsForRead(req: ApiRequest): Promise<unknown> {
    const params = requestParams(req);
    const runId = stringParam(params, 'run_id', true);
    const fromBody = params.path;
    const paths =
      req.query.getAll('path').length > 0
        ? req.query.getAll('path')
        : Array.isArray(fromBody)
          ? fromBody.map(String)
          : fromBody === undefined
            ? []
            : [String(fromBody)];
    for (const p of paths) {
      if (p.split('/').includes('..')) throw DatabricksError.invalidParameter(`Invalid artifact path: ${p}`);
    }
    const run = await fetch(`${this.mlflowTrackingUri.replace(/\/+$/, '')}/api/2.0/mlflow/runs/get?run_id=${encodeURIComponent(runId)}`);
    if (run.status === 404 || run.status === 400) throw DatabricksError.doesNotExist(`Run '${runId}' not found.`);
    if (!run.ok) throw new DatabricksError(503, 'TEMPORARILY_UNAVAILABLE', `The tracking server answered HTTP ${run.status}.`);
    const expires = Math.floor((Date.now() + this.ttlMs) / 1000);
    return {
      credential_infos: paths.map((p) => {
        const storagePath = `${STORAGE_PREFIX}runs/${runId}/${p.split('/').filter(Boolean).map(encodeURIComponent).join('/')}`;
        return {
          run_id: runId,
          path: p,
          signed_uri: `${this.workspaceUrl()}${storagePath}?X-Emulated-Expires=${expires}&X-Emulated-Signature=${this.sign(storagePath, expires)}`,
          type: 'AWS_PRESIGNED_URL',
          headers: [],
        };
      }),
    };
  }

  /** GET /emulated-storage/runs/<run>/<path>?X-Emulated-Expires&X-Emulated-Signature: no bearer check, the signature is the credential. */
  serve(req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
    const entry: StorageRequestLogEntry = { path: url.pathname, authorization: req.headers.authorization !== undefined };
    this.requests.push(entry);
    res.once('finish', () => (entry.status = res.statusCode));
    req.resume();
    // Like S3: a presigned URL with an Authorization header is refused, not "also" authorised.
    if (entry.authorization)
      return s3Error(
        res,
        400,
        'InvalidArgument',
        'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
      );
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return s3Error(res, 405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
    const expires = Number(url.searchParams.get('X-Emulated-Expires'));
    const signature = url.searchParams.get('X-Emulated-Signature') ?? '';
    const expected = Buffer.from(this.sign(url.pathname, expires));
    if (!Number.isFinite(expires) || signature.length !== expected.length || !timingSafeEqual(Buffer.from(signature), expected)) {
      return s3Error(res, 403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
    }
    if (expires * 1000 < Date.now()) return s3Error(res, 403, 'AccessDenied', 'Request has expired');
    const m = /^\/emulated-storage\/runs\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (!m) return s3Error(res, 404, 'NoSuchKey', 'The specified key does not exist.');
    const runId = decodeURIComponent(m[1]!);
    const artifactPath = m[2]!.split('/').map(decodeURIComponent).join('/');
    const upstream = new URL(`${this.mlflowTrackingUri.replace(/\/+$/, '')}/get-artifact`);
    upstream.searchParams.set('run_uuid', runId);
    upstream.searchParams.set('path', artifactPath);
    const transport = upstream.protocol === 'https:' ? https : http;
    transport
      .get(upstream, (up) => {
        if (up.statusCode !== 200) {
          up.resume();
          return s3Error(res, 404, 'NoSuchKey', 'The specified key does not exist.');
        }
        res.writeHead(200, {
          'Content-Type': 'application/octet-stream',
          ...(up.headers['content-length'] ? { 'Content-Length': up.headers['content-length'] } : {}),
        });
        up.pipe(res);
      })
      .on('error', () => s3Error(res, 503, 'ServiceUnavailable', 'Please reduce your request rate.'));
  }

  private sign(storagePath: string, expires: number): string {
    return createHmac('sha256', this.secret).update(`GET\n${storagePath}\n${expires}`).digest('hex');
  }
}

function managedUri(experimentId: string, runId: string): string {
  return `dbfs:/databricks/mlflow-tracking/${experimentId}/${runId}/artifacts`;
}

function s3Error(res: http.ServerResponse, status: number, code: string, message: string): void {
  if (res.headersSent) return void res.destroy();
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
