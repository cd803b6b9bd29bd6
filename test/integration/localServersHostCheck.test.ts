// The local servers answer only requests addressed to them (#15): a web page that points a name of its
// own at 127.0.0.1 (DNS rebinding), or a foreign page's fetch, gets 403 from the model server the
// product serves a real logged model with (its loopback front door, engine and built CLI) and from the
// embedded tracking server (MLflow's --allowed-hosts / --cors-allowed-origins).
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { processGroupAlive } from '../../src/engine/process/processGroup';
import { buildInvocationBody, invokeModel } from '../../src/engine/serving/invocationRequest';
import { startModelServer, type ModelServer } from '../../src/engine/serving/localModelServer';
import { assertPredictionsClose, logDiabetesModel, type LoggedDiabetesModel } from '../support/loggedModel';
import { uniqueName, useMlflowServer } from '../support/mlflowServer';
import { isLive, processTable } from '../support/processTable';
import { makeTempDir, repoRoot, venvPython } from '../support/repoPaths';
import { waitUntil } from '../support/waitUntil';

/** One request with exactly these headers (Node sends Host: 127.0.0.1:<port> unless told otherwise). */
function request(
  url: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: string }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: options.headers, agent: false, timeout: 60_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url}${options.path}`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The Unix socket uvicorn says it listens on, from the server's log. */
function socketOf(log: string): string {
  const socket = /Uvicorn running on unix socket (\S+)/.exec(log)?.[1];
  assert.ok(socket, `uvicorn did not say it listens on a Unix socket:\n${log.slice(-3000)}`);
  return socket;
}

/** Live processes (not zombies) whose environment points uvicorn at `socket` (Linux /proc). */
function processesServing(socket: string): number[] {
  const needle = Buffer.from(`UVICORN_UDS=${socket}\0`);
  const found: number[] = [];
  for (const [pid, entry] of processTable()) {
    if (!isLive(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${pid}/environ`).includes(needle)) found.push(pid);
    } catch {
      /* gone, or another user's */
    }
  }
  return found;
}

const EVIL_HOST = (port: string) => ({ Host: `evil.example:${port}` });
const EVIL_ORIGIN = { Origin: 'https://evil.example' };

describe('local servers answer only requests for their own Host/Origin (real MLflow, scikit-learn)', { timeout: 600_000 }, () => {
  let trackingUrl: string;
  let logged: LoggedDiabetesModel;
  let server: ModelServer | undefined;
  let cliProcess: ChildProcess | undefined;

  before(async () => {
    trackingUrl = (await useMlflowServer()).url;
    logged = await logDiabetesModel(trackingUrl, uniqueName('host-check'));
  });

  after(async () => {
    await server?.stop();
    cliProcess?.kill('SIGKILL');
  });

  it('the embedded tracking server refuses a DNS-rebinding Host and a foreign Origin with 403', async () => {
    const { port } = new URL(trackingUrl);
    const path = '/api/2.0/mlflow/experiments/search';
    const body = JSON.stringify({ max_results: 1 });
    const headers = { 'Content-Type': 'application/json' };
    assert.equal((await request(trackingUrl, { method: 'POST', path, headers, body })).status, 200);
    assert.equal((await request(trackingUrl, { method: 'POST', path, headers: { ...headers, Host: `localhost:${port}` }, body })).status, 200);
    const rebinding = await request(trackingUrl, { method: 'POST', path, headers: { ...headers, ...EVIL_HOST(port) }, body });
    assert.equal(rebinding.status, 403);
    assert.match(rebinding.body, /Invalid Host header - possible DNS rebinding attack detected/);
    const foreign = await request(trackingUrl, { method: 'POST', path, headers: { ...headers, ...EVIL_ORIGIN }, body });
    assert.equal(foreign.status, 403);
    assert.match(foreign.body, /Cross-origin request blocked/);
  });

  it("the model server answers /invocations (a large one too) through the product's port and refuses others with 403", async () => {
    let log = '';
    server = await startModelServer({
      python: venvPython,
      modelUri: `runs:/${logged.run_id}/model`,
      trackingUri: trackingUrl,
      envManager: 'local',
      onLog: (l) => (log += l + '\n'),
      startTimeoutMs: 500_000,
    });
    const { port } = new URL(server.url);
    // uvicorn listens on a socket in a private folder, not on a TCP port a page could reach.
    const socket = socketOf(log);
    assert.equal(fs.statSync(path.dirname(socket)).mode & 0o777, 0o700);

    // (a) Predictions through the product's port: a small request, and 50,000 rows (over 5 MB of JSON) streamed through.
    const small = await invokeModel(server.url, buildInvocationBody({ dataframe_split: { columns: logged.columns, data: logged.rows } }));
    assert.equal(small.status, 200, JSON.stringify(small.body));
    assertPredictionsClose(small.body, logged.expected_rows);
    const times = 10_000;
    const rows = Array.from({ length: times }, () => logged.rows).flat();
    const payload = JSON.stringify({ dataframe_split: { columns: logged.columns, data: rows } });
    assert.ok(payload.length > 5_000_000, `${payload.length} bytes`);
    const large = await invokeModel(server.url, payload, { timeoutMs: 300_000 });
    assert.equal(large.status, 200, JSON.stringify(large.body).slice(0, 500));
    assertPredictionsClose(large.body, Array.from({ length: times }, () => logged.expected_rows).flat());
    // Its own names and a VS Code webview's origin are let through.
    assert.equal((await request(server.url, { path: '/ping', headers: { Host: `localhost:${port}`, Origin: `http://localhost:${port}` } })).status, 200);
    assert.equal((await request(server.url, { path: '/ping', headers: { Origin: 'vscode-webview://0a1b2c3d/index.html' } })).status, 200);

    // (b) DNS rebinding: the page's own name resolved to 127.0.0.1.
    const example = JSON.stringify({ dataframe_split: { columns: logged.columns, data: logged.rows } });
    const rebinding = await request(server.url, {
      method: 'POST',
      path: '/invocations',
      headers: { 'Content-Type': 'application/json', ...EVIL_HOST(port) },
      body: example,
    });
    assert.equal(rebinding.status, 403);
    assert.match(
      rebinding.body,
      new RegExp(
        `^403 Forbidden: MLflow Workbench's local model server refused this request: Host 'evil\\.example:${port}' is not this server: it answers only requests for 127\\.0\\.0\\.1:${port} or localhost:${port}`,
      ),
    );
    assert.equal((await request(server.url, { path: '/ping', headers: { Host: 'evil.example' } })).status, 403);

    // (c) A foreign page's fetch (its Origin), with the right Host.
    const foreign = await request(server.url, {
      method: 'POST',
      path: '/invocations',
      headers: { 'Content-Type': 'application/json', ...EVIL_ORIGIN },
      body: example,
    });
    assert.equal(foreign.status, 403);
    assert.match(foreign.body, /Origin 'https:\/\/evil\.example' may not use this server/);
    assert.ok(!rebinding.body.includes(logged.run_id) && !foreign.body.includes(logged.run_id), 'a refusal names the model');
    assert.equal((await request(server.url, { path: '/ping', headers: { Origin: 'null' } })).status, 403);

    // (d) Stopped: no process of the server is left, the port is closed, the socket's folder gone.
    const pid = server.process.pid!;
    await server.stop();
    server = undefined;
    assert.equal(processGroupAlive(pid), false, 'a process of the model server is left');
    assert.deepEqual(processesServing(socket), []);
    await assert.rejects(request(`http://127.0.0.1:${port}`, { path: '/ping' }), /ECONNREFUSED/);
    assert.equal(fs.existsSync(path.dirname(socket)), false);
  });

  it('`mlflow-wb models serve` (built CLI) serves behind the same front door and leaves nothing after Ctrl-C', async () => {
    assert.ok(fs.existsSync(path.join(repoRoot, 'dist', 'cli.js')), 'build first: node scripts/build.mjs');
    const child = spawn(
      process.execPath,
      [path.join(repoRoot, 'dist', 'cli.js'), 'models', 'serve', '-m', `runs:/${logged.run_id}/model`, '--tracking-uri', trackingUrl, '--python', venvPython],
      {
        env: { PATH: process.env.PATH ?? '', HOME: makeTempDir('serve-cli-home') },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    cliProcess = child;
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = await waitUntil(
      'the CLI says where it serves',
      () => /at (http:\/\/127\.0\.0\.1:\d+) \(POST/.exec(stdout)?.[1] ?? (child.exitCode !== null ? 'exited' : undefined),
      {
        timeoutMs: 500_000,
        intervalMs: 200,
        lastState: () => stderr.slice(-2000),
      },
    );
    assert.notEqual(url, 'exited', stderr);
    const { port } = new URL(url);
    const socket = socketOf(stderr);
    const example = JSON.stringify({ dataframe_split: { columns: logged.columns, data: logged.rows } });
    const answer = await request(url, { method: 'POST', path: '/invocations', headers: { 'Content-Type': 'application/json' }, body: example });
    assert.equal(answer.status, 200, answer.body);
    assertPredictionsClose(JSON.parse(answer.body), logged.expected_rows);
    assert.equal(
      (await request(url, { method: 'POST', path: '/invocations', headers: { 'Content-Type': 'application/json', ...EVIL_HOST(port) }, body: example })).status,
      403,
    );
    assert.equal(
      (await request(url, { method: 'POST', path: '/invocations', headers: { 'Content-Type': 'application/json', ...EVIL_ORIGIN }, body: example })).status,
      403,
    );
    assert.ok(processesServing(socket).length > 0, 'the test cannot see the model server process');

    child.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
    cliProcess = undefined;
    assert.match(stderr, /Model server stopped\./);
    await waitUntil('no process of the model server is left', () => processesServing(socket).length === 0, {
      timeoutMs: 15_000,
      lastState: () => processesServing(socket).join(' '),
    });
    await assert.rejects(request(url, { path: '/ping' }), /ECONNREFUSED/);
  });
});
