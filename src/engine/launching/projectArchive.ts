import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';

const gzip = promisify(zlib.gzip);

/** The single folder inside the tarball (DB_TARFILE_ARCHIVE_NAME in mlflow/projects/databricks.py). */
export const ARCHIVE_ROOT = 'mlflow-project';

/**
 * Left out of the tarball at any depth. MLflow leaves out `mlruns`; we also leave out what changes
 * without the code changing (git metadata, the embedded server's store, caches, venvs), so the
 * tarball's hash, and with it the upload, only changes with the project.
 */
export const ARCHIVE_EXCLUDED = new Set(['mlruns', '.git', '.mlflow', '__pycache__', '.venv', '.ipynb_checkpoints', '.pytest_cache']);

export interface ProjectArchive {
  /** gzip of a ustar tar: sorted entries, mtime 0, uid/gid 0, no user names. */
  data: Buffer;
  sha256: string;
  /** Paths (relative to the project, '/'-separated) of the files in it. */
  files: string[];
}

/**
 * Tars and gzips a project as `mlflow run -b databricks` does (one folder named mlflow-project), but
 * byte-for-byte reproducible: the same files give the same sha256, so an unchanged project is not
 * uploaded again. `transform` may replace a file's contents (wheel placeholders), in the archive only.
 */
export async function buildProjectArchive(
  projectDir: string,
  transform?: (relativePath: string, content: Buffer) => Buffer | undefined,
): Promise<ProjectArchive> {
  const blocks: Buffer[] = [];
  const files: string[] = [];
  const root = path.resolve(projectDir);
  const walk = async (dir: string, rel: string) => {
    const names = (await fs.promises.readdir(dir)).sort(); // byte order of UTF-16 code units, as stable as Python's sorted()
    for (const name of names) {
      if (ARCHIVE_EXCLUDED.has(name)) continue;
      const abs = path.join(dir, name);
      const relPath = rel ? `${rel}/${name}` : name;
      const stat = await fs.promises.lstat(abs);
      const entryName = `${ARCHIVE_ROOT}/${relPath}`;
      if (stat.isSymbolicLink()) {
        blocks.push(...tarEntry(entryName, '2', Buffer.alloc(0), stat.mode, await fs.promises.readlink(abs)));
      } else if (stat.isDirectory()) {
        blocks.push(...tarEntry(`${entryName}/`, '5', Buffer.alloc(0), stat.mode));
        await walk(abs, relPath);
      } else if (stat.isFile()) {
        const original = await fs.promises.readFile(abs);
        const content = transform?.(relPath, original) ?? original;
        blocks.push(...tarEntry(entryName, '0', content, stat.mode));
        files.push(relPath);
      }
    }
  };
  blocks.push(...tarEntry(`${ARCHIVE_ROOT}/`, '5', Buffer.alloc(0), (await fs.promises.stat(root)).mode));
  await walk(root, '');
  blocks.push(Buffer.alloc(1024)); // end of archive: two zero blocks
  let tar = Buffer.concat(blocks);
  const RECORD = 10240; // tar's record size, as GNU tar and Python's tarfile pad to
  if (tar.length % RECORD !== 0) tar = Buffer.concat([tar, Buffer.alloc(RECORD - (tar.length % RECORD))]);
  const data = await gzip(tar, { level: 9 }); // node writes mtime 0 and no file name in the gzip header
  return { data, sha256: crypto.createHash('sha256').update(data).digest('hex'), files };
}

/** One ustar entry (header + padded data); names too long for ustar get a PAX header first. */
function tarEntry(name: string, type: '0' | '2' | '5', content: Buffer, mode: number, linkName = ''): Buffer[] {
  const out: Buffer[] = [];
  const split = splitUstarName(name);
  const pax: string[] = [];
  if (!split) pax.push(paxRecord('path', name));
  if (Buffer.byteLength(linkName) > 100) pax.push(paxRecord('linkpath', linkName));
  if (pax.length > 0) {
    const body = Buffer.from(pax.join(''), 'utf8');
    out.push(header(`PaxHeader/${path.posix.basename(name).slice(0, 80)}`, '', 'x', body.length, 0o644, ''), pad(body));
  }
  const [prefix, shortName] = split ?? ['', Buffer.from(name).subarray(0, 100).toString('utf8')];
  out.push(header(shortName, prefix, type, type === '0' ? content.length : 0, mode & 0o7777, Buffer.byteLength(linkName) > 100 ? '' : linkName));
  if (type === '0' && content.length > 0) out.push(pad(content));
  return out;
}

/** ustar keeps names up to 100 bytes, or a prefix (≤155) and a name (≤100) split at a '/'. */
function splitUstarName(name: string): [string, string] | undefined {
  if (Buffer.byteLength(name) <= 100) return ['', name];
  for (let i = name.indexOf('/'); i !== -1; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest.length > 0) return [prefix, rest];
  }
  return undefined;
}

function paxRecord(key: string, value: string): string {
  // "<length> key=value\n" where length counts itself.
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
  return `${length}${body}`;
}

function header(name: string, prefix: string, type: string, size: number, mode: number, linkName: string): Buffer {
  const h = Buffer.alloc(512);
  const put = (text: string, offset: number, length: number) => h.write(text, offset, Math.min(length, Buffer.byteLength(text)), 'utf8');
  const octal = (value: number, offset: number, length: number) => put(value.toString(8).padStart(length - 1, '0') + '\0', offset, length);
  put(name, 0, 100);
  octal(mode, 100, 8);
  octal(0, 108, 8); // uid
  octal(0, 116, 8); // gid
  octal(size, 124, 12);
  octal(0, 136, 12); // mtime: 0, as MLflow's make_tarfile sets it
  h.fill(' ', 148, 156); // checksum is computed with its own field as spaces
  put(type, 156, 1);
  put(linkName, 157, 100);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  put(prefix, 345, 155);
  let sum = 0;
  for (const byte of h) sum += byte;
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  return h;
}

function pad(data: Buffer): Buffer {
  const rest = data.length % 512;
  return rest === 0 ? data : Buffer.concat([data, Buffer.alloc(512 - rest)]);
}
