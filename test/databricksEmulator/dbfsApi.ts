import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { booleanParam, integerParam, parseMultipart, requestParams, stringParam, type ApiRequest } from './apiRequest';
import { DatabricksError } from './databricksErrors';

/** DBFS limits from the REST API 2.0 reference. */
export const MAX_BLOCK_BYTES = 1024 * 1024;
const DEFAULT_READ_BYTES = 512 * 1024;

export interface FileInfo {
  path: string;
  is_dir: boolean;
  file_size: number;
  modification_time: number;
}

/**
 * DBFS 2.0 over a local folder: `/x` and `dbfs:/x` live at `<root>/x`.
 * Streaming handles (create/add-block/close) write to a hidden staging file, moved into place on close.
 */
export class DbfsApi {
  private readonly handles = new Map<number, { dbfsPath: string; staging: string; overwrite: boolean }>();
  private nextHandle = 1 + (randomBytes(2).readUInt16BE() % 1000);
  private readonly stagingDir: string;

  constructor(readonly root: string) {
    fs.mkdirSync(root, { recursive: true });
    this.stagingDir = path.join(path.dirname(root), '.dbfs-handles');
    fs.mkdirSync(this.stagingDir, { recursive: true });
  }

  /** The local file behind a DBFS path (`/x`, `dbfs:/x`); refuses relative paths and `..` escapes. */
  localPath(dbfsPath: string): string {
    const normal = normalizeDbfsPath(dbfsPath);
    return path.join(this.root, ...normal.split('/').filter(Boolean));
  }

  async handle(req: ApiRequest, operation: string): Promise<unknown> {
    switch (operation) {
      case 'get-status':
        return this.getStatus(stringParam(requestParams(req), 'path', true));
      case 'mkdirs':
        return this.mkdirs(stringParam(requestParams(req), 'path', true));
      case 'put':
        return this.put(req);
      case 'create': {
        const params = requestParams(req);
        return this.create(stringParam(params, 'path', true), booleanParam(params, 'overwrite'));
      }
      case 'add-block': {
        const params = requestParams(req);
        return this.addBlock(integerParam(params, 'handle'), stringParam(params, 'data', true));
      }
      case 'close':
        return this.close(integerParam(requestParams(req), 'handle'));
      case 'read': {
        const params = requestParams(req);
        return this.read(stringParam(params, 'path', true), integerParam(params, 'offset', 0), integerParam(params, 'length', DEFAULT_READ_BYTES));
      }
      case 'list':
        return { files: this.list(stringParam(requestParams(req), 'path', true)) };
      case 'delete': {
        const params = requestParams(req);
        return this.delete(stringParam(params, 'path', true), booleanParam(params, 'recursive'));
      }
      case 'move': {
        const params = requestParams(req);
        return this.move(stringParam(params, 'source_path', true), stringParam(params, 'destination_path', true));
      }
      default:
        throw DatabricksError.endpointNotFound(req.method, req.path);
    }
  }

  getStatus(dbfsPath: string): FileInfo {
    return this.info(dbfsPath);
  }

  mkdirs(dbfsPath: string): object {
    const local = this.localPath(dbfsPath);
    this.refuseFileOnTheWay(dbfsPath);
    fs.mkdirSync(local, { recursive: true });
    return {};
  }

  /** Writes a whole file; used by `put` and by the FUSE-style `POST /dbfs/<path>` upload MLflow uses. */
  writeFile(dbfsPath: string, data: Buffer, overwrite: boolean): void {
    const local = this.localPath(dbfsPath);
    this.refuseExisting(dbfsPath, local, overwrite);
    this.refuseFileOnTheWay(path.posix.dirname(normalizeDbfsPath(dbfsPath)));
    fs.mkdirSync(path.dirname(local), { recursive: true });
    fs.writeFileSync(local, data);
  }

  create(dbfsPath: string, overwrite: boolean): { handle: number } {
    const local = this.localPath(dbfsPath);
    this.refuseExisting(dbfsPath, local, overwrite);
    const handle = this.nextHandle++;
    const staging = path.join(this.stagingDir, `handle-${handle}`);
    fs.writeFileSync(staging, Buffer.alloc(0));
    this.handles.set(handle, { dbfsPath: normalizeDbfsPath(dbfsPath), staging, overwrite });
    return { handle };
  }

  addBlock(handle: number, data: string): object {
    const open = this.handles.get(handle);
    if (!open) throw DatabricksError.doesNotExist(`No file handle ${handle} is open. Handles are closed by close or after 10 minutes idle.`);
    const bytes = Buffer.from(data, 'base64');
    if (bytes.length > MAX_BLOCK_BYTES) {
      throw new DatabricksError(400, 'MAX_BLOCK_SIZE_EXCEEDED', `The block of data is ${bytes.length} bytes; the limit is ${MAX_BLOCK_BYTES} bytes (1 MB).`);
    }
    fs.appendFileSync(open.staging, bytes);
    return {};
  }

  close(handle: number): object {
    const open = this.handles.get(handle);
    if (!open) throw DatabricksError.doesNotExist(`No file handle ${handle} is open.`);
    this.handles.delete(handle);
    const local = this.localPath(open.dbfsPath);
    this.refuseExisting(open.dbfsPath, local, open.overwrite);
    fs.mkdirSync(path.dirname(local), { recursive: true });
    fs.renameSync(open.staging, local);
    return {};
  }

  read(dbfsPath: string, offset: number, length: number): { bytes_read: number; data: string } {
    const info = this.info(dbfsPath);
    if (info.is_dir) throw DatabricksError.invalidParameter(`Cannot read ${info.path}: it is a directory.`);
    if (offset < 0) throw DatabricksError.invalidParameter(`Invalid offset ${offset}: it must not be negative.`);
    if (length < 0) throw DatabricksError.invalidParameter(`Invalid length ${length}: it must not be negative.`);
    if (length > MAX_BLOCK_BYTES) {
      throw new DatabricksError(400, 'MAX_READ_SIZE_EXCEEDED', `Cannot read ${length} bytes at once; the limit is ${MAX_BLOCK_BYTES} bytes (1 MB).`);
    }
    const fd = fs.openSync(this.localPath(dbfsPath), 'r');
    try {
      const buffer = Buffer.alloc(Math.max(0, Math.min(length, info.file_size - offset)));
      const read = buffer.length > 0 ? fs.readSync(fd, buffer, 0, buffer.length, offset) : 0;
      return { bytes_read: read, data: buffer.subarray(0, read).toString('base64') };
    } finally {
      fs.closeSync(fd);
    }
  }

  list(dbfsPath: string): FileInfo[] {
    const info = this.info(dbfsPath);
    if (!info.is_dir) return [info];
    const base = info.path === '/' ? '' : info.path;
    return fs
      .readdirSync(this.localPath(dbfsPath))
      .sort()
      .map((name) => this.info(`${base}/${name}`));
  }

  delete(dbfsPath: string, recursive: boolean): object {
    const local = this.localPath(dbfsPath);
    if (!fs.existsSync(local)) return {}; // deleting a missing path succeeds, as on DBFS
    const stat = fs.statSync(local);
    if (stat.isDirectory() && !recursive && fs.readdirSync(local).length > 0) {
      throw new DatabricksError(400, 'IO_ERROR', `Cannot delete ${normalizeDbfsPath(dbfsPath)}: it is a non-empty directory and recursive is false.`);
    }
    if (local === this.root) throw DatabricksError.invalidParameter('Refusing to delete the DBFS root.');
    fs.rmSync(local, { recursive: true, force: true });
    return {};
  }

  move(source: string, destination: string): object {
    const from = this.localPath(source);
    const to = this.localPath(destination);
    if (!fs.existsSync(from)) throw DatabricksError.doesNotExist(`No file or directory exists on path ${normalizeDbfsPath(source)}.`);
    if (fs.existsSync(to)) throw DatabricksError.alreadyExists(`A file or directory already exists at the input path ${normalizeDbfsPath(destination)}.`);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.renameSync(from, to);
    return {};
  }

  private async put(req: ApiRequest): Promise<object> {
    const contentType = String(req.headers['content-type'] ?? '');
    if (contentType.startsWith('multipart/form-data')) {
      // The form upload carries the file as a part; the 1 MB limit applies to inline `contents` only.
      const parts = parseMultipart(req.body, contentType);
      const dbfsPath = parts.get('path')?.toString('utf8');
      if (!dbfsPath) throw DatabricksError.invalidParameter('Missing required field: path');
      const contents = parts.get('contents') ?? parts.get('file');
      if (!contents) throw DatabricksError.invalidParameter('Missing the file: send a `contents` form part or a base64 `contents` field.');
      this.writeFile(dbfsPath, contents, parts.get('overwrite')?.toString('utf8') === 'true');
      return {};
    }
    const params = requestParams(req);
    const dbfsPath = stringParam(params, 'path', true);
    const contents = stringParam(params, 'contents', true);
    const data = Buffer.from(contents, 'base64');
    if (data.length > MAX_BLOCK_BYTES) {
      throw new DatabricksError(
        400,
        'MAX_BLOCK_SIZE_EXCEEDED',
        `The contents are ${data.length} bytes; inline contents are limited to ${MAX_BLOCK_BYTES} bytes (1 MB). Use create, add-block and close for larger files.`,
      );
    }
    this.writeFile(dbfsPath, data, booleanParam(params, 'overwrite'));
    return {};
  }

  private info(dbfsPath: string): FileInfo {
    const normal = normalizeDbfsPath(dbfsPath);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(this.localPath(normal));
    } catch {
      throw DatabricksError.doesNotExist(`No file or directory exists on path ${normal}.`);
    }
    return { path: normal, is_dir: stat.isDirectory(), file_size: stat.isDirectory() ? 0 : stat.size, modification_time: Math.floor(stat.mtimeMs) };
  }

  private refuseExisting(dbfsPath: string, local: string, overwrite: boolean): void {
    if (!fs.existsSync(local)) return;
    if (overwrite && fs.statSync(local).isFile()) return;
    throw DatabricksError.alreadyExists(`A file or directory already exists at the input path ${normalizeDbfsPath(dbfsPath)}.`);
  }

  /** DBFS refuses to create under a path one of whose ancestors is a file. */
  private refuseFileOnTheWay(dbfsPath: string): void {
    const segments = normalizeDbfsPath(dbfsPath).split('/').filter(Boolean);
    for (let i = 1; i <= segments.length; i++) {
      const prefix = '/' + segments.slice(0, i).join('/');
      const local = this.localPath(prefix);
      if (fs.existsSync(local) && !fs.statSync(local).isDirectory()) {
        throw DatabricksError.alreadyExists(`A file or directory already exists at the input path ${prefix}.`);
      }
    }
  }
}

/** `dbfs:/a/b/`, `/a//b` → `/a/b`; relative paths and `..` are refused as the API does. */
export function normalizeDbfsPath(input: string): string {
  const raw = input.startsWith('dbfs:') ? input.slice('dbfs:'.length) : input;
  if (!raw.startsWith('/')) throw DatabricksError.invalidParameter(`Path must be absolute: ${input}`);
  const segments = raw.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw DatabricksError.invalidParameter(`Path must not contain '..': ${input}`);
  return '/' + segments.join('/');
}
