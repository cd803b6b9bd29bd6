import * as fs from 'node:fs';
import * as path from 'node:path';
import { booleanParam, parseMultipart, requestParams, stringParam, type ApiRequest } from './apiRequest';
import { DatabricksError } from './databricksErrors';
import { RawAnswer } from './servingEndpointsApi';

/** Workspace API `import` takes at most 10 MB of content (REST reference). */
const MAX_IMPORT_BYTES = 10 * 1024 * 1024;
/** Files API single-shot upload limit (5 GiB). */
const MAX_FILE_BYTES = 5 * 1024 ** 3;
const NOTEBOOK_HEADER = /^(# Databricks notebook source|-- Databricks notebook source|\/\/ Databricks notebook source)/;
const IMPORT_FORMATS = ['AUTO', 'SOURCE', 'HTML', 'JUPYTER', 'DBC', 'R_MARKDOWN', 'RAW'];

type ObjectType = 'DIRECTORY' | 'FILE' | 'NOTEBOOK';

/**
 * Workspace files (`/Workspace/...`, Workspace API 2.0) and Unity Catalog volumes (`/Volumes/...`,
 * Files API 2.0) over local folders: `/Users/x/a` (also written `/Workspace/Users/x/a`) lives at
 * `<root>/workspace/Users/x/a`, `/Volumes/c/s/v/a` at `<root>/volumes/c/s/v/a`. Notebooks are
 * files whose kind is remembered in memory.
 */
export class WorkspaceFilesApi {
  readonly workspaceRoot: string;
  readonly volumesRoot: string;
  private readonly notebooks = new Map<string, string>();
  private readonly ids = new Map<string, number>();
  private nextId = 1_000_000_000;

  constructor(
    root: string,
    userName: string,
    /** Volumes that exist, as `catalog.schema.volume`. */
    readonly volumes: string[],
  ) {
    this.workspaceRoot = path.join(root, 'workspace');
    this.volumesRoot = path.join(root, 'volumes');
    for (const dir of [path.join(this.workspaceRoot, 'Users', userName), path.join(this.workspaceRoot, 'Shared')]) fs.mkdirSync(dir, { recursive: true });
    for (const v of volumes) fs.mkdirSync(path.join(this.volumesRoot, ...v.split('.')), { recursive: true });
  }

  /**
   * The local path behind a workspace or volume path, or undefined when the path is neither.
   * Used by the run executor to map `/Workspace/...` and `/Volumes/...` in task definitions.
   */
  localPath(remote: string): string | undefined {
    const parts = remote.split('/').filter(Boolean);
    if (parts.some((p) => p === '..' || p === '.'))
      throw DatabricksError.invalidParameter(`Path ${remote} must be absolute and must not contain '.' or '..' segments.`);
    if (!remote.startsWith('/')) return undefined;
    if (parts[0] === 'Volumes') {
      if (parts.length < 4) return undefined;
      const volume = parts.slice(1, 4).join('.');
      if (!this.volumes.includes(volume)) throw DatabricksError.doesNotExist(`Volume '${volume}' does not exist.`);
      return path.join(this.volumesRoot, ...parts.slice(1));
    }
    const rest = parts[0] === 'Workspace' ? parts.slice(1) : parts;
    return path.join(this.workspaceRoot, ...rest);
  }

  private workspacePath(remote: string): string {
    if (!remote.startsWith('/')) throw DatabricksError.invalidParameter(`Path (${remote}) must be an absolute path starting with '/'.`);
    if (remote.startsWith('/Volumes/'))
      throw DatabricksError.invalidParameter(`Path (${remote}) is a Unity Catalog volume path: use the Files API (/api/2.0/fs/files).`);
    return this.localPath(remote)!;
  }

  /** `/api/2.0/workspace/<operation>` */
  handleWorkspace(req: ApiRequest, operation: string): unknown {
    switch (`${req.method} ${operation}`) {
      case 'POST mkdirs':
        return this.mkdirs(stringParam(requestParams(req), 'path', true));
      case 'POST import':
        return this.import(req);
      case 'GET export':
        return this.export(req);
      case 'GET get-status':
        return this.objectInfo(stringParam(requestParams(req), 'path', true));
      case 'GET list': {
        const remote = stringParam(requestParams(req), 'path', true);
        const info = this.objectInfo(remote);
        if (info.object_type !== 'DIRECTORY') throw DatabricksError.invalidParameter(`Path (${remote}) is not a directory.`);
        const local = this.workspacePath(remote);
        const objects = fs
          .readdirSync(local)
          .sort()
          .map((name) => this.objectInfo(`${remote.replace(/\/+$/, '')}/${name}`));
        return objects.length > 0 ? { objects } : {};
      }
      case 'POST delete': {
        const params = requestParams(req);
        const remote = stringParam(params, 'path', true);
        const local = this.workspacePath(remote);
        if (!fs.existsSync(local)) throw DatabricksError.doesNotExist(`Path (${remote}) doesn't exist.`);
        if (fs.statSync(local).isDirectory() && fs.readdirSync(local).length > 0 && !booleanParam(params, 'recursive')) {
          throw new DatabricksError(400, 'DIRECTORY_NOT_EMPTY', `Folder (${remote}) is not empty.`);
        }
        fs.rmSync(local, { recursive: true, force: true });
        for (const key of [...this.notebooks.keys()]) if (key === local || key.startsWith(`${local}${path.sep}`)) this.notebooks.delete(key);
        return {};
      }
      default:
        throw DatabricksError.endpointNotFound(req.method, req.path);
    }
  }

  private mkdirs(remote: string): unknown {
    const local = this.workspacePath(remote);
    let dir = local;
    while (dir.startsWith(this.workspaceRoot) && dir !== this.workspaceRoot) {
      if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw DatabricksError.alreadyExists(`Path (${remote}) already exists as a file.`);
      dir = path.dirname(dir);
    }
    fs.mkdirSync(local, { recursive: true });
    return {};
  }

  private import(req: ApiRequest): unknown {
    const multipart = String(req.headers['content-type'] ?? '').startsWith('multipart/');
    let params: Record<string, unknown>;
    let content: Buffer | undefined;
    if (multipart) {
      const parts = parseMultipart(req.body, String(req.headers['content-type']));
      params = Object.fromEntries([...parts].filter(([k]) => k !== 'content').map(([k, v]) => [k, v.toString('utf8')]));
      for (const [k, v] of req.query) params[k] = v;
      content = parts.get('content');
    } else {
      params = requestParams(req);
      const encoded = stringParam(params, 'content');
      if (encoded !== undefined) {
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded.replace(/\s/g, ''))) throw DatabricksError.invalidParameter('content must be base64-encoded.');
        content = Buffer.from(encoded, 'base64');
      }
    }
    const remote = stringParam(params, 'path', true);
    const format = (stringParam(params, 'format') ?? 'SOURCE').toUpperCase();
    if (!IMPORT_FORMATS.includes(format)) throw DatabricksError.invalidParameter(`Invalid format ${format}: expected one of ${IMPORT_FORMATS.join(', ')}.`);
    const language = stringParam(params, 'language');
    const overwrite = booleanParam(params, 'overwrite');
    if (content === undefined) throw DatabricksError.invalidParameter('Missing required field: content');
    if (content.length > MAX_IMPORT_BYTES)
      throw new DatabricksError(
        400,
        'MAX_NOTEBOOK_SIZE_EXCEEDED',
        `File size imported is (${content.length} bytes), exceeded max size (${MAX_IMPORT_BYTES} bytes)`,
      );
    if (format === 'SOURCE' && !language) throw DatabricksError.invalidParameter('The language field is required when importing a SOURCE notebook.');
    let target = remote;
    let notebookLanguage: string | undefined;
    if (format === 'SOURCE' || format === 'JUPYTER' || format === 'HTML' || format === 'DBC' || format === 'R_MARKDOWN')
      notebookLanguage = language ?? 'PYTHON';
    else if (format === 'AUTO' && NOTEBOOK_HEADER.test(content.toString('utf8', 0, 64))) {
      notebookLanguage = language ?? 'PYTHON';
      target = remote.replace(/\.(py|sql|scala|r)$/i, '');
    }
    const local = this.workspacePath(target);
    const parent = path.dirname(local);
    if (!fs.existsSync(parent) || !fs.statSync(parent).isDirectory()) {
      throw DatabricksError.doesNotExist(`The parent folder (${path.posix.dirname(target)}) does not exist.`);
    }
    if (fs.existsSync(local)) {
      if (fs.statSync(local).isDirectory()) throw DatabricksError.alreadyExists(`Path (${target}) already exists as a folder.`);
      if (!overwrite) throw DatabricksError.alreadyExists(`Path (${target}) already exists.`);
    }
    fs.writeFileSync(local, content);
    if (notebookLanguage) this.notebooks.set(local, notebookLanguage.toUpperCase());
    else this.notebooks.delete(local);
    return {};
  }

  private export(req: ApiRequest): unknown {
    const params = requestParams(req);
    const remote = stringParam(params, 'path', true);
    const info = this.objectInfo(remote);
    if (info.object_type === 'DIRECTORY')
      throw DatabricksError.invalidParameter(`Path (${remote}) is a directory; only DBC exports folders and it is not emulated.`);
    const data = fs.readFileSync(this.workspacePath(remote));
    if (booleanParam(params, 'direct_download')) return new RawAnswer(200, data, { 'Content-Type': 'application/octet-stream' });
    return { content: data.toString('base64'), file_type: info.object_type === 'NOTEBOOK' ? 'py' : path.extname(remote).slice(1) };
  }

  private objectInfo(remote: string): {
    object_type: ObjectType;
    path: string;
    object_id: number;
    size?: number;
    modified_at: number;
    created_at: number;
    language?: string;
  } {
    const local = this.workspacePath(remote);
    if (!fs.existsSync(local)) throw DatabricksError.doesNotExist(`Path (${remote}) doesn't exist.`);
    const stat = fs.statSync(local);
    const shown = remote.replace(/^\/Workspace(?=\/)/, '').replace(/\/+$/, '') || '/';
    if (!this.ids.has(local)) this.ids.set(local, this.nextId++);
    const base = {
      path: shown,
      object_id: this.ids.get(local)!,
      modified_at: Math.floor(stat.mtimeMs),
      created_at: Math.floor(stat.birthtimeMs || stat.mtimeMs),
    };
    if (stat.isDirectory()) return { object_type: 'DIRECTORY', ...base };
    const language = this.notebooks.get(local);
    if (language) return { object_type: 'NOTEBOOK', language, ...base };
    return { object_type: 'FILE', size: stat.size, ...base };
  }

  /** `/api/2.0/fs/files{path}` and `/api/2.0/fs/directories{path}` (Files API). */
  handleFiles(req: ApiRequest, kind: 'files' | 'directories', encodedPath: string): unknown {
    let remote: string;
    try {
      remote = encodedPath.split('/').map(decodeURIComponent).join('/');
    } catch {
      throw DatabricksError.invalidParameter(`The path ${encodedPath} is not validly percent-encoded.`);
    }
    if (!remote.startsWith('/Volumes/') && !remote.startsWith('/Workspace/')) {
      throw DatabricksError.invalidParameter(`Invalid path ${remote}: the Files API takes /Volumes/<catalog>/<schema>/<volume>/... or /Workspace/... paths.`);
    }
    const local = this.localPath(remote);
    if (!local) throw DatabricksError.invalidParameter(`Invalid path ${remote}: a volume path is /Volumes/<catalog>/<schema>/<volume>/...`);
    const notFound = () => new DatabricksError(404, 'NOT_FOUND', `The file or directory ${remote} does not exist.`);
    const noBody = (status: number, headers: Record<string, string> = {}) => new RawAnswer(status, Buffer.alloc(0), headers);
    if (kind === 'files') {
      switch (req.method) {
        case 'PUT': {
          const overwrite = booleanParam(requestParamsOfQuery(req), 'overwrite');
          if (req.body.length > MAX_FILE_BYTES) throw DatabricksError.invalidParameter('Files larger than 5 GiB must be uploaded in parts.');
          if (fs.existsSync(local)) {
            if (fs.statSync(local).isDirectory()) throw new DatabricksError(409, 'ALREADY_EXISTS', `${remote} is a directory.`);
            if (!overwrite) throw new DatabricksError(409, 'ALREADY_EXISTS', `The file being created already exists: ${remote}`);
          }
          const parent = path.dirname(local);
          if (fs.existsSync(parent) && !fs.statSync(parent).isDirectory()) throw new DatabricksError(409, 'ALREADY_EXISTS', `A parent of ${remote} is a file.`);
          fs.mkdirSync(parent, { recursive: true });
          fs.writeFileSync(local, req.body);
          return noBody(204);
        }
        case 'GET':
        case 'HEAD': {
          if (!fs.existsSync(local) || fs.statSync(local).isDirectory()) {
            if (req.method === 'HEAD') return noBody(404);
            throw notFound();
          }
          const stat = fs.statSync(local);
          const headers = { 'Content-Type': 'application/octet-stream', 'Last-Modified': stat.mtime.toUTCString() };
          if (req.method === 'HEAD') return new RawAnswer(200, Buffer.alloc(0), { ...headers, 'Content-Length': String(stat.size) });
          return new RawAnswer(200, fs.readFileSync(local), headers);
        }
        case 'DELETE':
          if (!fs.existsSync(local) || fs.statSync(local).isDirectory()) throw notFound();
          fs.rmSync(local);
          return noBody(204);
        default:
          throw DatabricksError.endpointNotFound(req.method, req.path);
      }
    }
    switch (req.method) {
      case 'PUT':
        if (fs.existsSync(local) && !fs.statSync(local).isDirectory()) throw new DatabricksError(409, 'ALREADY_EXISTS', `${remote} is a file.`);
        fs.mkdirSync(local, { recursive: true });
        return noBody(204);
      case 'HEAD':
        return noBody(fs.existsSync(local) && fs.statSync(local).isDirectory() ? 200 : 404);
      case 'GET': {
        if (!fs.existsSync(local) || !fs.statSync(local).isDirectory()) throw notFound();
        const contents = fs
          .readdirSync(local)
          .sort()
          .map((name) => {
            const stat = fs.statSync(path.join(local, name));
            const entryPath = `${remote.replace(/\/+$/, '')}/${name}`;
            return stat.isDirectory()
              ? { path: `${entryPath}/`, is_directory: true, name }
              : { path: entryPath, is_directory: false, file_size: stat.size, last_modified: Math.floor(stat.mtimeMs), name };
          });
        return contents.length > 0 ? { contents } : {};
      }
      case 'DELETE':
        if (!fs.existsSync(local) || !fs.statSync(local).isDirectory()) throw notFound();
        if (fs.readdirSync(local).length > 0) throw new DatabricksError(409, 'DIRECTORY_NOT_EMPTY', `The directory ${remote} is not empty.`);
        fs.rmdirSync(local);
        return noBody(204);
      default:
        throw DatabricksError.endpointNotFound(req.method, req.path);
    }
  }
}

/** Files API parameters come in the query string only (the body is the file). */
function requestParamsOfQuery(req: ApiRequest): Record<string, unknown> {
  return Object.fromEntries(req.query);
}
