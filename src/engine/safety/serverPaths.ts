import * as fs from 'node:fs';
import * as path from 'node:path';

// Everything a server sends is untrusted: run ids, experiment ids, model names, versions, logged
// model ids, artifact paths and the file names of a listing. Before one of them becomes part of a
// local path it goes through this module, and files are written only with `writeFileInside`, which
// keeps the result strictly inside a root folder chosen by the product (never by the server):
//   - a name is one path segment: not empty, not `.` or `..`, no `/`, `\`, NUL or control
//     characters, at most 255 bytes, and on Windows no drive letter, `:` or reserved device name;
//   - a relative path is `/`-separated segments as above (`a//b` and `./a` are tidied, `..` anywhere,
//     a leading `/` or a drive letter is refused, not resolved);
//   - the root is resolved with realpath before anything is joined to it, every folder on the way
//     down is checked with lstat (a symbolic link or a file where a folder should be is refused),
//     and the file is written to a fresh temporary name in its folder and renamed over the target,
//     so a symbolic link planted at the target name is replaced, never followed.

/** A server-provided value that cannot safely become part of a local path. */
export class UnsafeServerPathError extends Error {
  constructor(
    message: string,
    /** The refused value, as the server sent it. */
    readonly value: string,
  ) {
    super(message);
    this.name = 'UnsafeServerPathError';
  }
}

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
const MAX_SEGMENT_BYTES = 255;

/** Why `segment` cannot be one path segment, or undefined when it can. */
function segmentProblem(segment: string, platform: NodeJS.Platform): string | undefined {
  if (segment === '') return 'is empty';
  if (segment === '.' || segment === '..') return `is '${segment}'`;
  if (segment.includes('/')) return "contains '/'";
  // A backslash separates folders on Windows; elsewhere it is legal but no MLflow store makes one,
  // and a listing made on Windows would mean something else: refused everywhere.
  if (segment.includes('\\')) return "contains '\\'";
  if (segment.includes('\0')) return 'contains a NUL character';
  // eslint-disable-next-line no-control-regex
  if (/[\u0001-\u001f\u007f]/.test(segment)) return 'contains a control character';
  if (Buffer.byteLength(segment, 'utf8') > MAX_SEGMENT_BYTES) return `is longer than ${MAX_SEGMENT_BYTES} bytes`;
  if (platform === 'win32') {
    if (/[:*?"<>|]/.test(segment)) return 'contains a character Windows does not allow in file names';
    if (WINDOWS_RESERVED.test(segment)) return 'is a reserved device name on Windows';
    if (/[. ]$/.test(segment)) return 'ends with a dot or space, which Windows drops';
  }
  return undefined;
}

function describe(value: string): string {
  return JSON.stringify(value.length > 200 ? value.slice(0, 200) + '…' : value);
}

/**
 * Checks a server-provided identifier (a run id, experiment id, logged model id, model name or
 * version) that becomes one folder or file name, and returns it unchanged. `what` names it in the
 * message ("run id", "model name").
 */
export function checkPathSegment(value: unknown, what: string, platform: NodeJS.Platform = process.platform): string {
  if (typeof value !== 'string')
    throw new UnsafeServerPathError(`The server sent a ${what} that is not text (${typeof value}): not used as a file name.`, String(value));
  const problem = segmentProblem(value, platform);
  if (problem)
    throw new UnsafeServerPathError(`The server sent the ${what} ${describe(value)}, which ${problem}: it is not used as a file or folder name.`, value);
  return value;
}

/**
 * The segments of a server-provided relative path (an artifact path, a file of a listing), `/`
 * separated. Empty and `.` segments are dropped (`a//b`, `./a` are `a/b`, `a`); `..` anywhere, an
 * absolute path, a drive letter or a bad segment is refused. The empty path is `[]` (the root).
 */
export function relativePathSegments(value: unknown, what: string, platform: NodeJS.Platform = process.platform): string[] {
  if (typeof value !== 'string') throw new UnsafeServerPathError(`The server sent a ${what} that is not text (${typeof value}).`, String(value));
  if (value.startsWith('/') || value.startsWith('\\')) throw new UnsafeServerPathError(`The ${what} ${describe(value)} is absolute: refused.`, value);
  if (/^[a-z]:/i.test(value)) throw new UnsafeServerPathError(`The ${what} ${describe(value)} starts with a drive letter: refused.`, value);
  const segments = value.split('/').filter((s) => s !== '' && s !== '.');
  for (const segment of segments) {
    if (segment === '..') throw new UnsafeServerPathError(`The ${what} ${describe(value)} climbs out of its folder with '..': refused.`, value);
    const problem = segmentProblem(segment, platform);
    if (problem) throw new UnsafeServerPathError(`The ${what} ${describe(value)} has a part that ${problem}: refused.`, value);
  }
  return segments;
}

/** The tidy form of a server-provided relative path (`a/b`), after `relativePathSegments`'s checks. */
export function checkRelativePath(value: unknown, what: string, platform: NodeJS.Platform = process.platform): string {
  return relativePathSegments(value, what, platform).join('/');
}

/**
 * Creates (if needed) and resolves a root folder the product chose, following symbolic links in
 * the root itself (e.g. a home folder on another disk): everything written later stays under the
 * returned real path.
 */
export async function realRoot(root: string): Promise<string> {
  await fs.promises.mkdir(root, { recursive: true });
  return fs.promises.realpath(root);
}

/**
 * The folder `segments` below `root` (a real path from `realRoot`), created one level at a time.
 * A level that exists as a symbolic link, or as anything but a folder, is refused. Synchronous on
 * purpose: each check and the creation after it run with no await between them, so no other download
 * of this process can change the level in between.
 */
export function folderInside(root: string, segments: string[], what: string): string {
  let dir = root;
  for (const segment of segments) {
    checkPathSegment(segment, what);
    dir = path.join(dir, segment);
    let stat: fs.Stats | undefined;
    try {
      stat = fs.lstatSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (!stat) {
      try {
        fs.mkdirSync(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      stat = fs.lstatSync(dir);
    }
    if (stat.isSymbolicLink()) throw new UnsafeServerPathError(`${dir} is a symbolic link: the ${what} is not written through it.`, segments.join('/'));
    if (!stat.isDirectory()) throw new UnsafeServerPathError(`${dir} exists and is not a folder: the ${what} cannot be written below it.`, segments.join('/'));
  }
  assertInside(root, dir);
  return dir;
}

/**
 * Writes `data` at `relativePath` (server-provided, `/`-separated) strictly inside `root` and
 * returns the file's path. The root is resolved first; see the module comment for the checks.
 * An existing file at the target is replaced; an existing folder or a link to a folder is refused.
 */
export async function writeFileInside(root: string, relativePath: string, data: Uint8Array | string, what = 'artifact path'): Promise<string> {
  const { dir, file } = await targetInside(root, relativePath, what);
  const temporary = temporaryIn(dir);
  // 'wx' never follows or reuses an existing entry; rename replaces a link at `file` instead of following it.
  await fs.promises.writeFile(temporary, data, { flag: 'wx' });
  return renameInto(temporary, file);
}

/**
 * Like writeFileInside, for content too large to hold in memory: `fill` streams it into a new
 * temporary file (a path that does not exist yet, in the target's folder), which then replaces the
 * target. The checks are made before `fill` runs, so a refused name costs no download.
 */
export async function streamFileInside(
  root: string,
  relativePath: string,
  fill: (temporary: string) => Promise<void>,
  what = 'artifact path',
): Promise<string> {
  const { dir, file } = await targetInside(root, relativePath, what);
  const temporary = temporaryIn(dir);
  try {
    await fill(temporary);
  } catch (err) {
    await fs.promises.rm(temporary, { force: true });
    throw err;
  }
  return renameInto(temporary, file);
}

/** The checked folder and file of a server-provided relative path below `root`. */
async function targetInside(root: string, relativePath: string, what: string): Promise<{ dir: string; file: string }> {
  const segments = relativePathSegments(relativePath, what);
  if (segments.length === 0) throw new UnsafeServerPathError(`The ${what} is empty: there is no file name to write.`, relativePath);
  const base = await realRoot(root);
  const dir = folderInside(base, segments.slice(0, -1), what);
  const file = path.join(dir, segments[segments.length - 1]!);
  assertInside(base, file);
  const existing = await lstatOrUndefined(file);
  if (existing?.isDirectory())
    throw new UnsafeServerPathError(`${file} is a folder: the ${what} ${describe(relativePath)} is not written over it.`, relativePath);
  return { dir, file };
}

/** A short name of its own (a 255-byte name plus a suffix would be too long for the file system). */
function temporaryIn(dir: string): string {
  return path.join(dir, `.mlflow-wb-${process.pid}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.part`);
}

async function renameInto(temporary: string, file: string): Promise<string> {
  try {
    await fs.promises.rename(temporary, file);
  } catch (err) {
    await fs.promises.rm(temporary, { force: true });
    throw err;
  }
  return file;
}

/** Throws unless `candidate` is `root` itself or below it (both absolute, already resolved). */
function assertInside(root: string, candidate: string): void {
  const relative = path.relative(root, candidate);
  if (relative === '') return;
  if (relative === '..' || relative.startsWith('..' + path.sep) || path.isAbsolute(relative))
    throw new UnsafeServerPathError(`${candidate} is outside ${root}: refused.`, candidate);
}

async function lstatOrUndefined(file: string): Promise<fs.Stats | undefined> {
  try {
    return await fs.promises.lstat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
