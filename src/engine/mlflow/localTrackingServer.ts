import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { findFreePort } from '../process/freePort';

export interface LocalTrackingServerOptions {
  /** Python interpreter that has mlflow installed. */
  python: string;
  /** Folder holding the sqlite file (`mlflow.db`) and the artifacts (`artifacts/`). */
  dataDir: string;
  port?: number;
  /** How long to wait for `GET /health` before giving up. */
  startTimeoutMs?: number;
  /** Receives every line the server prints (for an output channel or a log file). */
  onLog?: (line: string) => void;
}

export interface LocalTrackingServer {
  readonly url: string;
  readonly port: number;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts `mlflow server` with a sqlite backend bound to 127.0.0.1 and waits until it answers.
 * This is the "embedded" tracking server: the demo, the tests and the extension's default connection use it.
 */
export async function startLocalTrackingServer(options: LocalTrackingServerOptions): Promise<LocalTrackingServer> {
  const dataDir = path.resolve(options.dataDir);
  fs.mkdirSync(path.join(dataDir, 'artifacts'), { recursive: true });
  const port = options.port ?? (await findFreePort());
  const dbPath = path.join(dataDir, 'mlflow.db');
  const args = [
    '-m', 'mlflow', 'server',
    '--backend-store-uri', `sqlite:///${dbPath}`,
    '--artifacts-destination', path.join(dataDir, 'artifacts'),
    '--host', '127.0.0.1',
    '--port', String(port),
    '--workers', '1',
  ];
  const child = spawn(options.python, args, {
    cwd: dataDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    // MLflow's usage telemetry waits on network time-outs where there is no internet.
    env: { ...process.env, PYTHONUNBUFFERED: '1', MLFLOW_DISABLE_TELEMETRY: 'true', DO_NOT_TRACK: 'true' },
    detached: process.platform !== 'win32',
  });
  const recent: string[] = [];
  const onChunk = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split(/\r?\n/)) {
      if (!line) continue;
      recent.push(line);
      if (recent.length > 40) recent.shift();
      options.onLog?.(line);
    }
  };
  child.stdout?.on('data', onChunk);
  child.stderr?.on('data', onChunk);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  let spawnError: Error | undefined;
  child.once('error', (err) => {
    spawnError = err;
  });

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 90_000);
  for (;;) {
    if (spawnError) {
      throw new Error(`Could not start the MLflow tracking server with ${options.python}: ${spawnError.message}`);
    }
    if (exited) {
      throw new Error(
        `The MLflow tracking server exited during start-up (code ${exited.code ?? exited.signal}). ` +
          `Is mlflow installed for ${options.python}? Last output:\n${recent.join('\n')}`,
      );
    }
    if (await isHealthy(url)) break;
    if (Date.now() > deadline) {
      killTree(child);
      throw new Error(`The MLflow tracking server did not answer on ${url}/health in time. Last output:\n${recent.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }

  return {
    url,
    port,
    process: child,
    async stop() {
      if (exited) return;
      killTree(child);
      const timer = setTimeout(() => killTree(child, 'SIGKILL'), 5000);
      await exitPromise;
      clearTimeout(timer);
    },
  };
}

function killTree(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (child.pid === undefined) return;
  try {
    // The server forks workers; signal the whole process group it leads.
    if (process.platform !== 'win32') process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    child.kill(signal);
  }
}

export function isHealthy(baseUrl: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(`${baseUrl}/health`, { timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}
