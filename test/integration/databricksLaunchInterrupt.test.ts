// Ctrl-C on `mlflow-wb run --backend databricks` while a request stalls (issue #15 item 4, #14
// "Ctrl-C and cancellation end a stalled request at once"): the built CLI launches through a proxy in
// front of the workspace emulator that never answers one endpoint; the first SIGINT ends the launch
// within seconds (the request deadline is 60 s), exit code 130, and no process the CLI started is left.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { startDatabricksEmulator, type DatabricksEmulator } from '../databricksEmulator/databricksEmulator';
import { uniqueName, useMlflowServer } from '../support/mlflowServer';
import { isLive, processTable } from '../support/processTable';
import { copyFixture, makeTempDir, repoRoot, venvPython } from '../support/repoPaths';

const TOKEN = 'dapi0c7c1e5ca11ed0000000000000000001';
const ME = 'emulated.user@example.com';

/** A proxy to the emulator that holds requests whose path starts with `stallPrefix` without ever answering. */
interface StallingProxy {
  url: string;
  stallPrefix: string | undefined;
  /** Requests held so far (their paths). */
  stalled: string[];
  stop(): Promise<void>;
}

async function startStallingProxy(target: string): Promise<StallingProxy> {
  const upstream = new URL(target);
  const proxy: StallingProxy = { url: '', stallPrefix: undefined, stalled: [], stop: async () => undefined };
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (proxy.stallPrefix && url.startsWith(proxy.stallPrefix)) {
      proxy.stalled.push(url.split('?')[0]!);
      req.resume();
      return; // never answered
    }
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: url, headers: { ...req.headers, host: upstream.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return proxy;
}

function descendantsOf(pid: number): number[] {
  const table = processTable();
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [child, info] of table) {
      if (info.ppid === parent && !found.includes(child)) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

function liveOf(pids: Iterable<number>): number[] {
  const table = processTable();
  return [...pids].filter((p) => isLive(table.get(p)));
}

async function waitUntil(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Ctrl-C during a Databricks launch whose request stalls', { timeout: 300_000 }, () => {
  let emulator: DatabricksEmulator;
  let proxy: StallingProxy;
  let tracking: MlflowRestClient;
  let projectDir: string;

  before(async () => {
    assert.ok(fs.existsSync(path.join(repoRoot, 'dist', 'cli.js')), 'build first: node scripts/build.mjs');
    const { url } = await useMlflowServer();
    tracking = new MlflowRestClient({ baseUrl: url });
    // A long cluster start: a submitted run stays PENDING, so cancelling it is what ends it.
    emulator = await startDatabricksEmulator({ mlflowTrackingUri: url, python: venvPython, tokens: [TOKEN], pendingMs: 600_000 });
    proxy = await startStallingProxy(emulator.url);
    projectDir = copyFixture('databricks-jobs-project');
    // Launched without --wheels: the environment names no wheel placeholder.
    const envFile = path.join(projectDir, 'python_env.yaml');
    fs.writeFileSync(envFile, fs.readFileSync(envFile, 'utf8').replace(/^\s*- WHEELPATH\s*$/m, ''));
  });

  after(async () => {
    await proxy?.stop();
    await emulator?.stop();
  });

  /** Launches with the CLI, sends SIGINT once `stallPrefix` is held, and returns what happened. */
  async function interruptedLaunch(
    stallPrefix: string,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string; msAfterSigint: number; experimentName: string }> {
    proxy.stallPrefix = stallPrefix;
    proxy.stalled.length = 0;
    const experimentName = `/Users/${ME}/${uniqueName('interrupted')}`;
    const child = spawn(
      process.execPath,
      [
        path.join(repoRoot, 'dist', 'cli.js'),
        'run',
        projectDir,
        '--backend',
        'databricks',
        '--serverless',
        '--python',
        venvPython,
        '--experiment-name',
        experimentName,
        '-P',
        'alpha=1',
      ],
      {
        env: { PATH: process.env.PATH ?? '', HOME: makeTempDir('cli-home'), DATABRICKS_HOST: proxy.url, DATABRICKS_TOKEN: TOKEN },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    // Every process the CLI starts (interpreter check, git, watchdogs), seen while it runs.
    const seen = new Set<number>();
    const watcher = setInterval(() => {
      if (child.pid !== undefined) for (const p of descendantsOf(child.pid)) seen.add(p);
    }, 50);
    try {
      await waitUntil(`the CLI's request to ${stallPrefix} is held (stderr: ${stderr})`, () => proxy.stalled.length > 0 || child.exitCode !== null, 180_000);
      assert.equal(child.exitCode, null, `the CLI ended before its request stalled: ${stderr}`);
      // The request is stalled; a first Ctrl-C must end the launch without waiting for the 60 s deadline.
      const sigintAt = Date.now();
      child.kill('SIGINT');
      const { code, signal } = await exited;
      const msAfterSigint = Date.now() - sigintAt;
      clearInterval(watcher);
      await waitUntil(`no process the CLI started is left (${[...seen].join(', ')})`, () => liveOf(seen).length === 0, 15_000);
      assert.ok(!(stdout + stderr).includes(TOKEN), 'the token was printed');
      return { code, signal, stderr, stdout, msAfterSigint, experimentName };
    } finally {
      clearInterval(watcher);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }

  it('stalled at the workspace check before the launch (SCIM Me): the CLI dies of the SIGINT at once, nothing submitted', async () => {
    const mark = emulator.requests.length;
    const r = await interruptedLaunch('/api/2.0/preview/scim/v2/Me');
    // Nothing is launched yet, so nothing needs cancelling: the default action of SIGINT.
    assert.deepEqual([r.code, r.signal], [null, 'SIGINT'], r.stderr);
    assert.ok(r.msAfterSigint < 10_000, `took ${r.msAfterSigint} ms after SIGINT`);
    assert.ok(!emulator.requests.slice(mark).some((q) => q.path.includes('/jobs/') || q.path.includes('/workspace/')), 'nothing was uploaded or submitted');
  });

  it('stalled on the tracking server (runs/create): cancelled at once', async () => {
    const r = await interruptedLaunch('/api/2.0/mlflow/runs/create');
    assert.equal(r.code, 130, r.stderr);
    assert.ok(r.msAfterSigint < 10_000, `took ${r.msAfterSigint} ms after SIGINT`);
    assert.match(r.stderr, /The launch was cancelled before the run was submitted\./);
  });

  it('stalled on jobs runs/submit: cancelled at once, the MLflow run created for it ends KILLED', async () => {
    const mark = emulator.requests.length;
    const r = await interruptedLaunch('/api/2.2/jobs/runs/submit');
    assert.equal(r.code, 130, r.stderr);
    assert.ok(r.msAfterSigint < 10_000, `took ${r.msAfterSigint} ms after SIGINT`);
    assert.match(r.stderr, /The launch was cancelled before the run was submitted\./);
    assert.ok(!emulator.requests.slice(mark).some((q) => q.path.endsWith('/runs/submit')), 'the held submit never reached the workspace');
    const experiment = await tracking.getExperimentByName(r.experimentName);
    assert.ok(experiment, 'the experiment was created before the stall');
    const runs = await tracking.searchRuns({ experimentIds: [experiment.experiment_id] });
    assert.equal(runs.items.length, 1);
    assert.equal(runs.items[0]!.info.status, 'KILLED');
  });

  it('stalled on jobs runs/get after the submit: cancelled at once, the Databricks run is cancelled too', async () => {
    const mark = emulator.requests.length;
    const r = await interruptedLaunch('/api/2.1/jobs/runs/get');
    assert.equal(r.code, 130, r.stderr);
    assert.ok(r.msAfterSigint < 10_000, `took ${r.msAfterSigint} ms after SIGINT`);
    assert.match(r.stderr, /the run was cancelled: Databricks run \d+ was cancelled\./);
    assert.ok(
      emulator.requests.slice(mark).some((q) => q.method === 'POST' && q.path === '/api/2.1/jobs/runs/cancel' && q.status === 200),
      'runs/cancel was sent',
    );
    const experiment = await tracking.getExperimentByName(r.experimentName);
    const runs = await tracking.searchRuns({ experimentIds: [experiment!.experiment_id] });
    assert.equal(runs.items[0]?.info.status, 'KILLED');
  });
});
