import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { requestParams, type ApiRequest } from './apiRequest';
import { ArtifactStorage, CREDENTIALS_FOR_READ, STORAGE_PREFIX, type StorageRequestLogEntry } from './artifactStorage';
import { ClustersApi, defaultClusters, type EmulatedCluster } from './clustersApi';
import { DatabricksError, sendError, sendJson } from './databricksErrors';
import { DbfsApi } from './dbfsApi';
import { JobsApi } from './jobsApi';
import { isMlflowPath, proxyToMlflow } from './mlflowProxy';
import { RunExecutor } from './runExecutor';
import { scimMe } from './scimApi';
import { RawAnswer, ServingEndpointsApi } from './servingEndpointsApi';
import { TransitionRequestsApi, type EmulatedUser } from './transitionRequestsApi';
import { WorkspaceFilesApi } from './workspaceFilesApi';

export type { EmulatedUser } from './transitionRequestsApi';

export interface DatabricksEmulatorOptions {
  /** The real MLflow tracking server behind `/api/2.0/mlflow/*` and the default for tasks. */
  mlflowTrackingUri: string;
  /** Interpreter (with mlflow) that runs submitted tasks: the emulated cluster runtime. */
  python: string;
  /** Accepted bearer tokens of `userName` (Can Manage on models); the first is the one tasks get as DATABRICKS_TOKEN. */
  tokens: string[];
  /** More people signed in to the workspace, e.g. a data scientist without Can Manage on models. */
  users?: EmulatedUser[];
  /** How long a run stays PENDING (cluster start). Default 0. */
  pendingMs?: number;
  /** Folder for DBFS (`<root>/dbfs`) and cluster sandboxes; a fresh temp folder by default. */
  root?: string;
  port?: number;
  host?: string;
  userName?: string;
  clusters?: EmulatedCluster[];
  /** How long a serving endpoint's model server may take to start; default 180 s. */
  servingStartTimeoutMs?: number;
  /**
   * Runs answered through the workspace get Databricks-managed artifact URIs
   * (`dbfs:/databricks/mlflow-tracking/<exp>/<run>/artifacts`), read through credentials-for-read and
   * signed URLs of the emulated storage. Off by default: tasks that log artifacts with
   * MLFLOW_TRACKING_URI=databricks would need credentials-for-write, which is not emulated.
   */
  databricksArtifactUris?: boolean;
  /** Lifetime of the signed URLs credentials-for-read hands out; default 15 min. */
  signedUrlTtlMs?: number;
  /**
   * Today's workspaces are provisioned without DBFS root: `/api/2.0/dbfs/*` and the FUSE-style
   * `/dbfs/...` upload answer 403 PERMISSION_DENIED unless this is true (the legacy protocol's tests).
   */
  legacyDbfs?: boolean;
  /** Unity Catalog volumes that exist, as `catalog.schema.volume`; default `main.default.mlflow_wb`. */
  volumes?: string[];
  /** Receives one line per request (method, path, status); never tokens. */
  onLog?: (line: string) => void;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  status?: number;
}

export interface DatabricksEmulator {
  /** Base URL, e.g. http://127.0.0.1:40123 (what DATABRICKS_HOST is set to). */
  readonly url: string;
  readonly host: string;
  /** An accepted token (the first of `tokens`). */
  readonly token: string;
  readonly dbfsRoot: string;
  /** Local folders behind `/Workspace/...` (`<root>/workspace`) and `/Volumes/...` (`<root>/volumes`). */
  readonly workspaceRoot: string;
  readonly volumesRoot: string;
  readonly root: string;
  /** Every request received, in order (query strings left out). */
  readonly requests: RequestLogEntry[];
  /** Requests to the emulated cloud storage behind signed URLs (whether they carried an Authorization header). */
  readonly storageRequests: StorageRequestLogEntry[];
  /** Lifetime of signed URLs handed out from now on; a negative one gives already expired URLs. */
  setSignedUrlTtl(ms: number): void;
  /** The next `n` requests whose path starts with `pathPrefix` get 429 REQUEST_LIMIT_EXCEEDED. */
  rateLimitNext(n: number, pathPrefix?: string, retryAfterSeconds?: number): void;
  /** The next submitted run's cluster fails to start: INTERNAL_ERROR / FAILED with this state_message. */
  failNextRun(message?: string): void;
  /** The cluster-start delay (PENDING time) for runs submitted from now on. */
  setRunDelay(ms: number): void;
  /** The local `mlflow models serve` URL behind a serving endpoint, while it runs. */
  modelServerUrl(endpointName: string): string | undefined;
  /**
   * Accepts one more bearer token from now on (e.g. what a fake `databricks auth token` or `az` hands
   * out), for `userName` (default: the emulator's user, Can Manage on models) or an EmulatedUser.
   */
  addToken(token: string, user?: Partial<Omit<EmulatedUser, 'token'>>): void;
  stop(): Promise<void>;
}

const WORKSPACE_ID = '6051921418418893';

/** Starts the emulated workspace on 127.0.0.1 (a free port unless `port` is given). */
export async function startDatabricksEmulator(options: DatabricksEmulatorOptions): Promise<DatabricksEmulator> {
  if (options.tokens.length === 0) throw new Error('startDatabricksEmulator: give at least one accepted token.');
  const ownsRoot = options.root === undefined;
  const root = path.resolve(options.root ?? fs.mkdtempSync(path.join(os.tmpdir(), 'databricks-emulator-')));
  const dbfsRoot = path.join(root, 'dbfs');
  const userName = options.userName ?? 'emulated.user@example.com';
  const requests: RequestLogEntry[] = [];
  const rateLimits: { remaining: number; prefix: string; retryAfter: number }[] = [];
  let url = '';

  const dbfs = new DbfsApi(dbfsRoot);
  const workspaceFiles = new WorkspaceFilesApi(root, userName, options.volumes ?? ['main.default.mlflow_wb']);
  const clusters = new ClustersApi(options.clusters ?? defaultClusters(userName));
  const executor = new RunExecutor({
    root,
    dbfsRoot,
    workspaceFiles,
    python: options.python,
    mlflowTrackingUri: options.mlflowTrackingUri,
    workspace: () => ({ host: url, token: options.tokens[0]! }),
  });
  const jobs = new JobsApi({
    executor,
    clusters,
    workspaceUrl: () => url,
    workspaceId: WORKSPACE_ID,
    userName,
    pendingMs: options.pendingMs ?? 0,
    dbfsRootLibraries: options.legacyDbfs,
  });
  const transitionRequests = new TransitionRequestsApi(options.mlflowTrackingUri);
  const servingEndpoints = new ServingEndpointsApi({
    mlflowTrackingUri: options.mlflowTrackingUri,
    python: options.python,
    startTimeoutMs: options.servingStartTimeoutMs,
    onLog: options.onLog,
  });
  const storage = new ArtifactStorage(options.mlflowTrackingUri, () => url, options.signedUrlTtlMs ?? 15 * 60_000);
  const users = new Map<string, EmulatedUser>();
  for (const token of options.tokens) users.set(token, { token, userName, canManageModels: true });
  for (const user of options.users ?? []) users.set(user.token, user);

  async function route(req: ApiRequest, user: EmulatedUser): Promise<unknown> {
    const p = req.path;
    let m: RegExpExecArray | null;
    const registryOp = TransitionRequestsApi.operationOf(p);
    if (registryOp) return transitionRequests.handle(req, registryOp, user);
    if (CREDENTIALS_FOR_READ.test(p) && (req.method === 'POST' || req.method === 'GET')) return storage.credentialsForRead(req);
    if (ServingEndpointsApi.handles(p)) return servingEndpoints.handle(req, user.userName);
    if (!options.legacyDbfs && (p.startsWith('/api/2.0/dbfs/') || p.startsWith('/dbfs/'))) {
      let target = p.startsWith('/dbfs/') ? p.slice('/dbfs'.length) : '/';
      try {
        if (!p.startsWith('/dbfs/')) target = String(requestParams(req).path ?? '/');
      } catch {
        /* the path only makes the message clearer */
      }
      throw new DatabricksError(403, 'PERMISSION_DENIED', `Public DBFS root is disabled. Access is denied on path: ${target}`);
    }
    if ((m = /^\/api\/2\.0\/workspace\/([a-z-]+)$/.exec(p))) return workspaceFiles.handleWorkspace(req, m[1]!);
    if ((m = /^\/api\/2\.0\/fs\/(files|directories)(\/.*)$/.exec(p))) return workspaceFiles.handleFiles(req, m[1] as 'files' | 'directories', m[2]!);
    if ((m = /^\/api\/2\.0\/dbfs\/([a-z-]+)$/.exec(p))) {
      const readOnly = ['get-status', 'read', 'list'].includes(m[1]!);
      if ((req.method === 'GET') !== readOnly) throw DatabricksError.endpointNotFound(req.method, p);
      return dbfs.handle(req, m[1]!);
    }
    if (p.startsWith('/dbfs/') && (req.method === 'POST' || req.method === 'PUT')) {
      // The FUSE-style upload MLflow's project launcher uses: raw body, 409 if the file exists.
      try {
        dbfs.writeFile(p.slice('/dbfs'.length), req.body, false);
      } catch (err) {
        if (err instanceof DatabricksError && err.errorCode === 'RESOURCE_ALREADY_EXISTS') {
          throw new DatabricksError(409, 'RESOURCE_ALREADY_EXISTS', `Error 409 File already exists: ${p.slice('/dbfs'.length)}`);
        }
        throw err;
      }
      return {};
    }
    if ((m = /^\/api\/(2\.[012])\/jobs\/(runs\/[a-z-]+)$/.exec(p))) return jobs.handle(req, m[2]!, m[1] as '2.0' | '2.1' | '2.2');
    if ((m = /^\/api\/2\.[01]\/clusters\/([a-z-]+)$/.exec(p)) && req.method === 'GET') return clusters.handle(req, m[1]!);
    if (p === '/api/2.0/preview/scim/v2/Me' && req.method === 'GET') return scimMe(user.userName, displayNameOf(user.userName));
    throw DatabricksError.endpointNotFound(req.method, p);
  }

  const server = http.createServer((req, res) => {
    const parsed = new URL(req.url ?? '/', 'http://emulator');
    const entry: RequestLogEntry = { method: req.method ?? 'GET', path: parsed.pathname };
    requests.push(entry);
    res.once('finish', () => {
      entry.status = res.statusCode;
      options.onLog?.(`${entry.method} ${entry.path} -> ${entry.status}`);
    });
    const fail = (err: DatabricksError) => {
      req.resume();
      sendError(res, err);
    };

    // Host discovery is public on a real workspace; the Databricks SDK probes it before signing in.
    if (parsed.pathname === '/.well-known/databricks-config' && req.method === 'GET') {
      req.resume();
      sendJson(res, 200, { workspace_id: WORKSPACE_ID, oidc_endpoint: `${url}/oidc` });
      return;
    }
    // The emulated cloud storage: the signature in the URL is the credential, not a bearer token.
    if (parsed.pathname.startsWith(STORAGE_PREFIX)) {
      storage.serve(req, res, parsed);
      return;
    }
    const auth = req.headers.authorization;
    const bearer = auth && /^Bearer\s+(\S+)$/i.exec(auth)?.[1];
    if (!bearer) return fail(DatabricksError.unauthenticated());
    const user = users.get(bearer);
    if (!user) return fail(DatabricksError.invalidToken());
    const limit = rateLimits.find((r) => r.remaining > 0 && parsed.pathname.startsWith(r.prefix));
    if (limit) {
      limit.remaining--;
      return fail(DatabricksError.rateLimited(limit.retryAfter));
    }
    // Registry features MLflow lacks (transition requests, activities) are answered here, before the proxy.
    const answeredHere = TransitionRequestsApi.operationOf(parsed.pathname) || CREDENTIALS_FOR_READ.test(parsed.pathname);
    if (isMlflowPath(parsed.pathname) && !answeredHere) {
      const rewrite = options.databricksArtifactUris && ArtifactStorage.rewrites(parsed.pathname) ? ArtifactStorage.rewriteAnswer : undefined;
      proxyToMlflow(options.mlflowTrackingUri, req, res, rewrite);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => res.destroy());
    req.on('end', () => {
      const apiReq: ApiRequest = { method: entry.method, path: parsed.pathname, query: parsed.searchParams, headers: req.headers, body: Buffer.concat(chunks) };
      route(apiReq, user).then(
        (body) => {
          if (body instanceof RawAnswer) {
            res.writeHead(body.status, { 'Content-Length': body.body.length, ...body.headers });
            res.end(body.body);
            return;
          }
          sendJson(res, 200, body);
        },
        (err: unknown) => {
          if (err instanceof DatabricksError) return sendError(res, err);
          sendError(res, new DatabricksError(500, 'INTERNAL_ERROR', `Emulator failure on ${entry.method} ${parsed.pathname}: ${(err as Error).message}`));
        },
      );
    });
  });

  const listenHost = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, listenHost, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  url = `http://${listenHost}:${port}`;

  return {
    url,
    host: url,
    token: options.tokens[0]!,
    dbfsRoot,
    workspaceRoot: workspaceFiles.workspaceRoot,
    volumesRoot: workspaceFiles.volumesRoot,
    root,
    requests,
    storageRequests: storage.requests,
    setSignedUrlTtl(ms) {
      storage.ttlMs = ms;
    },
    rateLimitNext(n, pathPrefix = '/', retryAfterSeconds = 1) {
      rateLimits.push({ remaining: n, prefix: pathPrefix, retryAfter: retryAfterSeconds });
    },
    failNextRun(message) {
      jobs.failNextRun(message);
    },
    setRunDelay(ms) {
      jobs.pendingMs = ms;
    },
    modelServerUrl(endpointName) {
      return servingEndpoints.modelServerUrl(endpointName);
    },
    addToken(token, user = {}) {
      users.set(token, { userName, canManageModels: true, ...user, token });
    },
    async stop() {
      await Promise.all([jobs.stopAll(), servingEndpoints.stopAll()]);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // A temp root made here goes with the emulator; a given root is the caller's to keep.
      if (ownsRoot) fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

function displayNameOf(userName: string): string {
  return userName
    .split('@')[0]!
    .split(/[._-]/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join(' ');
}
