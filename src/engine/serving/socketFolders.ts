import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

// A local model server listens on a Unix socket in a private (0700) temp folder, named after the
// process that owns it: `mlflow-wb-serve-<owner pid>-XXXXXX/uvicorn.sock`. The owner removes it when
// the server ends; an owner that is SIGKILLed cannot, so the next start removes what such owners left.

const PREFIX = 'mlflow-wb-serve-';
export const SOCKET_NAME = 'uvicorn.sock';
/** Exactly the names socketFolderPrefix() + mkdtemp's six characters give; anything else is not ours. */
const OURS = /^mlflow-wb-serve-([1-9]\d{0,6})-[A-Za-z0-9]{6}$/;
/** Linux's largest pid_max. */
const MAX_PID = 4_194_304;

/** The mkdtemp prefix of this process's socket folders. */
export function socketFolderPrefix(tmpDir = os.tmpdir()): string {
  return path.join(tmpDir, `${PREFIX}${process.pid}-`);
}

/**
 * Removes the socket folders left in `tmpDir` by owners that are gone, and returns them. Only a
 * folder with our exact name, a real folder (not a link) of the current user with mode 0700, whose
 * owner process no longer exists, and that is empty or holds only our socket with nothing listening
 * on it (a model server outliving its owner still answers there: kept). Never throws.
 */
export async function removeStaleSocketFolders(tmpDir = os.tmpdir()): Promise<string[]> {
  const uid = process.getuid?.();
  if (uid === undefined) return [];
  let names: string[];
  try {
    names = await fs.promises.readdir(tmpDir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const owner = OURS.exec(name);
    if (!owner) continue;
    const pid = Number(owner[1]);
    if (pid > MAX_PID || pid === process.pid || processExists(pid)) continue;
    const dir = path.join(tmpDir, name);
    try {
      const stat = await fs.promises.lstat(dir);
      if (!stat.isDirectory() || stat.uid !== uid || (stat.mode & 0o777) !== 0o700) continue;
      const entries = await fs.promises.readdir(dir);
      if (entries.some((e) => e !== SOCKET_NAME)) continue;
      if (entries.length > 0) {
        const socket = path.join(dir, SOCKET_NAME);
        const socketStat = await fs.promises.lstat(socket);
        if (!socketStat.isSocket() || socketStat.uid !== uid || !(await nobodyListens(socket))) continue;
        await fs.promises.unlink(socket);
      }
      // rmdir, not rm -r: a file that appeared meanwhile keeps the folder.
      await fs.promises.rmdir(dir);
      removed.push(dir);
    } catch {
      // Gone meanwhile, or not ours to remove: left alone.
    }
  }
  return removed;
}

/** Whether a process with this pid exists (EPERM: it does, as another user's). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** True only when connecting to the socket is refused (nothing listens); an answer, or none in time, keeps it. */
function nobodyListens(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    const done = (dead: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(dead);
    };
    const timer = setTimeout(() => done(false), 2000);
    socket.once('connect', () => done(false));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED' || err.code === 'ENOENT'));
  });
}
