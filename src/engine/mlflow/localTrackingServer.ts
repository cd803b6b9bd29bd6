import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findFreePort } from '../process/freePort';
import { httpOk, startProcessGroup, waitUntilReady } from '../process/processGroup';
import { resolveShippedDir } from '../shippedFolders';

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
  await fs.promises.mkdir(path.join(dataDir, 'artifacts'), { recursive: true });
  const port = options.port ?? (await findFreePort());
  const dbPath = path.join(dataDir, 'mlflow.db');
  const args = [
    '-m',
    'mlflow',
    'server',
    '--backend-store-uri',
    `sqlite:///${dbPath}`,
    '--artifacts-destination',
    path.join(dataDir, 'artifacts'),
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--workers',
    '1',
    // Only requests for this server itself (DNS rebinding) and pages it serves (CORS).
    '--allowed-hosts',
    `127.0.0.1:${port},localhost:${port}`,
    '--cors-allowed-origins',
    `http://127.0.0.1:${port},http://localhost:${port}`,
  ];
  const url = `http://127.0.0.1:${port}`;
  const group = startProcessGroup(options.python, args, {
    cwd: dataDir,
    env: await trackingServerEnv(process.env),
  });
  const child = group.child;
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

  // Generous bounds: on a loaded 2-core machine mlflow 3 takes over a minute to import, and its first answer can take seconds.
  const outcome = await waitUntilReady(group, () => isHealthy(url, 5000), { timeoutMs: options.startTimeoutMs ?? 180_000, intervalMs: 150 });
  if (outcome === 'spawn-error') throw new Error(`Could not start the MLflow tracking server with ${options.python}: ${group.spawnError()?.message}`);
  if (outcome === 'exited') {
    const exited = group.exitInfo()!;
    await group.stop();
    throw new Error(
      `The MLflow tracking server exited during start-up (code ${exited.code ?? exited.signal}). ` +
        `Is mlflow installed for ${options.python}? Last output:\n${recent.join('\n')}`,
    );
  }
  if (outcome === 'timeout') throw new Error(`The MLflow tracking server did not answer on ${url}/health in time. Last output:\n${recent.join('\n')}`);

  return {
    url,
    port,
    process: child,
    // The whole group: the server's uvicorn worker (and job runner and huey consumers, when the user turns job execution on) outlive a kill of the leader alone.
    stop: () => group.stop(),
  };
}

/**
 * The server's environment: `base` with MLflow's usage telemetry off (it waits on network time-outs
 * where there is no internet), python/tracking_server first on PYTHONPATH (its sitecustomize.py
 * freezes the server app's start-up objects out of the garbage collector's full collections: they
 * took as long as a large runs/search itself, three requests out of four) and, unless `base` says
 * otherwise, MLflow's job execution off: its job runner and huey consumers (for GenAI jobs: judges,
 * prompt optimisation, trace roll-ups) made the server 10 processes, ~2.4 GB and ~37 s of CPU in its
 * first 20 s instead of 2 processes and ~0.5 GB.
 */
export async function trackingServerEnv(base: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv> {
  const startup = path.join(await resolveShippedDir('python'), 'tracking_server');
  const pythonPath = [startup, ...(base.PYTHONPATH ? [base.PYTHONPATH] : [])].join(path.delimiter);
  return {
    ...base,
    PYTHONPATH: pythonPath,
    PYTHONUNBUFFERED: '1',
    MLFLOW_DISABLE_TELEMETRY: 'true',
    DO_NOT_TRACK: 'true',
    MLFLOW_SERVER_ENABLE_JOB_EXECUTION: base.MLFLOW_SERVER_ENABLE_JOB_EXECUTION ?? 'false',
  };
}

function isHealthy(baseUrl: string, timeoutMs = 1000): Promise<boolean> {
  return httpOk(`${baseUrl}/health`, timeoutMs);
}
