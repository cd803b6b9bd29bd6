// Socket folders of model servers as owners leave them (see src/engine/serving/socketFolders.ts).
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

/** The pid of a process that has just ended (so no process has it, barring reuse). */
export function deadPid(): number {
  const pid = spawnSync(process.execPath, ['-e', '']).pid;
  if (!pid) throw new Error('could not start a process to take a pid from');
  return pid;
}

/** A socket folder as its owner `pid` made it: `mlflow-wb-serve-<pid>-<suffix>`, 0700. */
export function socketFolder(tmpDir: string, pid: number, suffix: string, mode = 0o700): string {
  const dir = path.join(tmpDir, `mlflow-wb-serve-${pid}-${suffix}`);
  fs.mkdirSync(dir);
  fs.chmodSync(dir, mode);
  return dir;
}

/** uvicorn.sock in `dir` as a SIGKILLed server leaves it: the socket file, nothing listening. */
export async function abandonedSocket(dir: string): Promise<string> {
  const socketPath = path.join(dir, 'uvicorn.sock');
  const child = spawn(process.execPath, ['-e', "require('net').createServer().listen(process.argv[1], () => console.log('up'))", socketPath], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', () => reject(new Error('the socket holder ended before listening')));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  return socketPath;
}

/** uvicorn.sock in `dir` with a server answering on it (a model server that outlived its owner). Close it when done. */
export async function liveSocket(dir: string): Promise<net.Server> {
  const server = net.createServer((c) => c.end());
  await new Promise<void>((resolve) => server.listen(path.join(dir, 'uvicorn.sock'), resolve));
  return server;
}
