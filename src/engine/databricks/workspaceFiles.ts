import * as path from 'node:path';
import type { CallOptions } from '../mlflow/mlflowTypes';
import { DatabricksApiError, type DatabricksClient } from './databricksClient';

/** The Workspace API takes at most 10 MB per `import`. */
export const WORKSPACE_IMPORT_MAX_BYTES = 10 * 1024 * 1024;

/**
 * A place in the workspace that launch files go to: workspace files (`/Workspace/...`, Workspace
 * API) or a Unity Catalog volume (`/Volumes/<catalog>/<schema>/<volume>/...`, Files API). Both are
 * read on the cluster at the same path.
 */
export interface UploadFolder {
  readonly kind: 'workspace' | 'volume';
  /** Absolute path of the folder, e.g. /Workspace/Users/me@example.com/mlflow-wb. */
  readonly root: string;
  /** Size in bytes of the file at `remotePath`, or undefined when there is none. */
  sizeOf(remotePath: string, o?: CallOptions): Promise<number | undefined>;
  /** Writes `data` at `remotePath` (parent folders created), replacing what is there. */
  write(remotePath: string, data: Buffer, o?: CallOptions): Promise<void>;
}

/** `/Workspace/...` or `/Volumes/c/s/v/...` → an upload folder; anything else is refused with what to give instead. */
export function uploadFolder(client: DatabricksClient, folder: string): UploadFolder {
  const root = folder.trim().replace(/\/+$/, '');
  if (/^\/Volumes\/[^/]+\/[^/]+\/[^/]+(\/|$)/.test(root)) return new VolumeFolder(client, root);
  if (/^\/Workspace\/./.test(root)) return new WorkspaceFolder(client, root);
  throw new Error(
    `The upload folder "${folder}" is neither workspace files nor a Unity Catalog volume: give /Workspace/Users/<you>/<folder> or /Volumes/<catalog>/<schema>/<volume>/<folder> (DBFS root is not used by the jobs protocol).`,
  );
}

/** The default upload folder: `mlflow-wb` in the user's workspace home. */
export function defaultUploadFolder(userName: string): string {
  return `/Workspace/Users/${userName}/mlflow-wb`;
}

function checkPath(remotePath: string): void {
  if (remotePath.split('/').some((p) => p === '..' || p === '.')) throw new Error(`${remotePath}: '.' and '..' are not allowed in upload paths.`);
}

class WorkspaceFolder implements UploadFolder {
  readonly kind = 'workspace';
  private readonly madeFolders = new Set<string>();

  constructor(
    private readonly client: DatabricksClient,
    readonly root: string,
  ) {}

  async sizeOf(remotePath: string, o: CallOptions = {}): Promise<number | undefined> {
    checkPath(remotePath);
    try {
      const info = await this.client.requestJson<{ object_type?: string; size?: number }>('GET', '/api/2.0/workspace/get-status', {
        query: { path: remotePath },
        signal: o.signal,
      });
      return info.object_type === 'FILE' && typeof info.size === 'number' ? info.size : undefined;
    } catch (err) {
      if (err instanceof DatabricksApiError && err.errorCode === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw err;
    }
  }

  async write(remotePath: string, data: Buffer, o: CallOptions = {}): Promise<void> {
    checkPath(remotePath);
    if (data.length > WORKSPACE_IMPORT_MAX_BYTES) {
      throw new Error(
        `${path.posix.basename(remotePath)} is ${(data.length / 1024 / 1024).toFixed(1)} MB; the Workspace API imports at most 10 MB: upload to a Unity Catalog volume instead (--upload-to /Volumes/<catalog>/<schema>/<volume>/<folder>).`,
      );
    }
    const parent = path.posix.dirname(remotePath);
    if (!this.madeFolders.has(parent)) {
      // import fails when the parent folder is missing; mkdirs is idempotent.
      await this.client.requestJson('POST', '/api/2.0/workspace/mkdirs', { json: { path: parent }, idempotent: true, signal: o.signal });
      this.madeFolders.add(parent);
    }
    // overwrite: true makes the call idempotent (the paths are content-addressed), so a retry is safe.
    await this.client.requestJson('POST', '/api/2.0/workspace/import', {
      json: { path: remotePath, content: data.toString('base64'), format: 'AUTO', overwrite: true },
      idempotent: true,
      signal: o.signal,
    });
  }
}

class VolumeFolder implements UploadFolder {
  readonly kind = 'volume';

  constructor(
    private readonly client: DatabricksClient,
    readonly root: string,
  ) {}

  async sizeOf(remotePath: string, o: CallOptions = {}): Promise<number | undefined> {
    checkPath(remotePath);
    const parent = path.posix.dirname(remotePath);
    try {
      const listing = await this.client.requestJson<{ contents?: { path?: string; name?: string; is_directory?: boolean; file_size?: number }[] }>(
        'GET',
        `/api/2.0/fs/directories${encodePath(parent)}`,
        { signal: o.signal },
      );
      const entry = (listing.contents ?? []).find((e) => !e.is_directory && (e.name === path.posix.basename(remotePath) || e.path === remotePath));
      return entry?.file_size;
    } catch (err) {
      if (err instanceof DatabricksApiError && (err.httpStatus === 404 || err.errorCode === 'NOT_FOUND')) return undefined;
      throw err;
    }
  }

  async write(remotePath: string, data: Buffer, o: CallOptions = {}): Promise<void> {
    checkPath(remotePath);
    // PUT with overwrite=true is idempotent; the Files API creates the parent folders.
    await this.client.requestJson('PUT', `/api/2.0/fs/files${encodePath(remotePath)}`, {
      query: { overwrite: true },
      body: data,
      idempotent: true,
      signal: o.signal,
    });
  }
}

/** Percent-encodes each segment of an absolute path for the Files API URL. */
export function encodePath(remotePath: string): string {
  return remotePath
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}
