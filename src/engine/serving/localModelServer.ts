import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { redactUrl } from '../mlflow/mlflowRestClient';
import { findFreePort } from '../process/freePort';
import { httpOk, startProcessGroup, waitUntilReady } from '../process/processGroup';
import { startLoopbackProxy, type LoopbackProxy, type LoopbackUpstream } from './loopbackProxy';
import { removeStaleSocketFolders, SOCKET_NAME, socketFolderPrefix } from './socketFolders';

export type EnvManager = 'local' | 'virtualenv' | 'uv' | 'conda';
export const ENV_MANAGERS: readonly EnvManager[] = ['local', 'virtualenv', 'uv', 'conda'];

export interface ModelServerOptions {
  /** Python interpreter that has mlflow (and, with env-manager local, the model's libraries). */
  python: string;
  /** runs:/..., models:/..., a local folder: anything `mlflow models serve -m` takes. */
  modelUri: string;
  /** Where models:/ and runs:/ URIs are looked up. */
  trackingUri?: string;
  port?: number;
  envManager?: EnvManager;
  /** Receives every line the server prints. */
  onLog?: (line: string) => void;
  /** How long to wait for GET /ping; default 120 s (other env managers build an environment first). */
  startTimeoutMs?: number;
  /** Extra environment for the server process. */
  env?: Record<string, string>;
}

export interface ModelServer {
  /** http://127.0.0.1:<port>: the product's front door (loopbackProxy), which checks Host and Origin. */
  readonly url: string;
  readonly port: number;
  /** The leader of `mlflow models serve`'s process group. */
  readonly process: ChildProcess;
  /** Resolves when the server process ends (by stop() or on its own), with its code or signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Ends the server's whole process group; resolves when it has exited. */
  stop(): Promise<void>;
}

export class ModelServerError extends Error {
  constructor(
    message: string,
    /** The server's last output lines. */
    readonly log: string[],
  ) {
    super(message);
    this.name = 'ModelServerError';
  }
}

/** The arguments of `python -m mlflow models serve`, as an array (never a shell string). */
export function modelServeArgs(modelUri: string, port: number, envManager: EnvManager): string[] {
  return ['-m', 'mlflow', 'models', 'serve', '-m', modelUri, '--port', String(port), '--host', '127.0.0.1', '--env-manager', envManager];
}

/**
 * Starts `mlflow models serve` behind the product's loopback front door and waits until GET /ping
 * answers 200 through it. The model server itself listens on a Unix socket in a private folder
 * (uvicorn's UVICORN_UDS; the --port it is also given is the front door's, so a uvicorn that ignored
 * the socket could not bind it and would fail rather than listen unchecked). Where there are no Unix
 * sockets (Windows) it listens on another loopback port. Only 127.0.0.1:<port> answers users, and
 * only requests for its own Host/Origin (see loopbackProxy).
 */
export async function startModelServer(options: ModelServerOptions): Promise<ModelServer> {
  const envManager = options.envManager ?? 'local';
  if (!ENV_MANAGERS.includes(envManager)) throw new ModelServerError(`Unknown env manager '${String(envManager)}': use ${ENV_MANAGERS.join(', ')}.`, []);
  const port = options.port ?? (await findFreePort());
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PYTHONUNBUFFERED: '1',
    // MLflow's usage telemetry waits on network time-outs where there is no internet.
    MLFLOW_DISABLE_TELEMETRY: 'true',
    DO_NOT_TRACK: 'true',
    ...options.env,
  };
  if (options.trackingUri) env.MLFLOW_TRACKING_URI = options.trackingUri;
  // MLflow runs `uvicorn` from PATH (pyfunc/backend.py): put the interpreter's bin folder first, as
  // activating its virtualenv would, or a venv's Python finds no uvicorn (exit 127).
  if (path.isAbsolute(options.python) || options.python.includes(path.sep)) {
    env.PATH = [path.dirname(path.resolve(options.python)), env.PATH].filter(Boolean).join(path.delimiter);
  }
  let socketDir: string | undefined;
  let upstream: LoopbackUpstream;
  let servePort: number;
  if (process.platform === 'win32') {
    servePort = await findFreePort();
    upstream = { port: servePort };
  } else {
    // Folders of owners that were killed before they could remove theirs.
    await removeStaleSocketFolders();
    // mkdtemp makes the folder 0700: no other user reaches the socket (uvicorn makes it 0666).
    socketDir = await fs.promises.mkdtemp(socketFolderPrefix());
    const socketPath = path.join(socketDir, SOCKET_NAME);
    env.UVICORN_UDS = socketPath;
    servePort = port;
    upstream = { socketPath };
  }
  const removeSocketDir = async () => {
    try {
      if (socketDir) await fs.promises.rm(socketDir, { recursive: true, force: true });
    } catch {
      /* a temp folder left behind is harmless (the next start removes it) */
    }
  };
  let proxy: LoopbackProxy;
  try {
    // Refused requesters read the 403 body: it names no model or path.
    proxy = await startLoopbackProxy(port, upstream, "MLflow Workbench's local model server");
  } catch (err) {
    await removeSocketDir();
    const code = (err as NodeJS.ErrnoException).code;
    throw new ModelServerError(
      code === 'EADDRINUSE'
        ? `Port ${port} on 127.0.0.1 is already in use: choose another port, or leave it out to get a free one.`
        : `Could not listen on 127.0.0.1:${port}: ${(err as Error).message}`,
      [],
    );
  }
  // Its own process group: the CLI starts uvicorn workers, and stop() must end them all.
  const group = startProcessGroup(options.python, modelServeArgs(options.modelUri, servePort, envManager), { env });
  // The front door closes with the model server, whichever ends first.
  const exited = group.exited.then(async (info) => {
    await proxy.close();
    await removeSocketDir();
    return info;
  });
  const child = group.child;
  const recent: string[] = [];
  const addLine = (line: string) => {
    if (!line.trim()) return;
    recent.push(line);
    if (recent.length > 60) recent.shift();
    options.onLog?.(line);
  };
  // Output arrives in chunks that can split a line: keep each stream's unfinished tail.
  const lineReader = () => {
    let partial = '';
    return {
      chunk(c: Buffer) {
        const lines = (partial + c.toString('utf8')).split(/\r?\n/);
        partial = lines.pop() ?? '';
        lines.forEach(addLine);
      },
      flush() {
        addLine(partial);
        partial = '';
      },
    };
  };
  const out = lineReader();
  const err = lineReader();
  child.stdout?.on('data', (c: Buffer) => out.chunk(c));
  child.stderr?.on('data', (c: Buffer) => err.chunk(c));
  child.stdout?.on('end', () => out.flush());
  child.stderr?.on('end', () => err.flush());
  const url = proxy.url;
  const where = options.trackingUri ? ` (tracking ${redactUrl(options.trackingUri)})` : '';
  const timeoutMs = options.startTimeoutMs ?? 120_000;
  const outcome = await waitUntilReady(group, () => httpOk(`${url}/ping`), { timeoutMs });
  if (outcome !== 'ready') {
    // Nothing answers behind the front door: close it (the group has ended or is being stopped).
    await proxy.close();
    await removeSocketDir();
  }
  if (outcome === 'spawn-error')
    throw new ModelServerError(`Could not start ${options.python} to serve '${options.modelUri}': ${group.spawnError()?.message}`, [...recent]);
  if (outcome === 'exited') {
    const exitInfo = group.exitInfo()!;
    // Let the last output arrive before quoting it.
    await new Promise((r) => setTimeout(r, 50));
    await group.stop();
    throw new ModelServerError(
      `Serving model '${options.modelUri}'${where} failed: mlflow models serve exited (${exitInfo.code ?? exitInfo.signal}) before answering. ` +
        `${causeLine(recent)}\nLast output:\n${recent.slice(-15).join('\n')}`,
      [...recent],
    );
  }
  if (outcome === 'timeout') {
    throw new ModelServerError(
      `Serving model '${options.modelUri}'${where} did not answer on ${url}/ping within ${Math.round(timeoutMs / 1000)} s. Last output:\n${recent.slice(-15).join('\n')}`,
      [...recent],
    );
  }

  return {
    url,
    port,
    process: child,
    exited,
    // Workers left in the group after the leader exits are ended too, so the port is free when stop() resolves.
    stop: async () => {
      await proxy.close();
      await group.stop();
      await exited;
    },
  };
}

/** The most telling line of a failed start: MLflow's exception, else the last line. */
function causeLine(lines: string[]): string {
  const exception = [...lines].reverse().find((l) => /(Exception|Error)\b.*:/.test(l));
  return exception ? `Cause: ${exception.trim()}` : '';
}
