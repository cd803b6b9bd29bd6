// The built CLI (dist/cli.js) against hostile servers on 127.0.0.1: each command ends in bounded
// time, with a clear message, bounded memory and no secret — whether the server dribbles, never ends
// its body, sends garbage or an HTML page, asks to wait a day, redirects to another site, or echoes
// the Authorization header in a 500 page.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runBuiltCli } from '../support/cliCapture';
import { repoRoot } from '../support/repoPaths';

const SECRET = 'dapi5ec12e7000000000000000000000beef';
type Behaviour = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const behaviours: Record<string, Behaviour> = {
  dribble: (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write('{"experiments": [');
    const t = setInterval(() => res.write(' '), 1000);
    res.on('close', () => clearInterval(t));
  },
  endless: (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, ' ');
    const pump = () => {
      while (!res.destroyed && res.write(chunk));
      if (!res.destroyed) res.once('drain', pump);
    };
    res.write('{"experiments": [');
    pump();
  },
  garbage: (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{"experiments": [{"experiment_id": 1,,,');
  },
  html: (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><html><body>Please sign in</body></html>');
  },
  ratelimit: (_req, res) => {
    res.writeHead(429, { 'Retry-After': '86400', 'Content-Type': 'application/json' });
    res.end('{"error_code": "REQUEST_LIMIT_EXCEEDED", "message": "Too many requests"}');
  },
  echo500: (req, res) => {
    res.writeHead(500, { 'Content-Type': 'text/plain' });
    res.end(`upstream failed; request was: ${req.method} ${req.url} Authorization: ${req.headers.authorization}`);
  },
};

describe('CLI commands against hostile servers', { timeout: 180_000 }, () => {
  let server: http.Server;
  let elsewhere: http.Server;
  let url: string;
  let elsewhereUrl: string;
  let elsewhereHits = 0;

  before(async () => {
    assert.ok(fs.existsSync(path.join(repoRoot, 'dist', 'cli.js')), 'build first: node scripts/build.mjs');
    elsewhere = http.createServer((_req, res) => {
      elsewhereHits++;
      res.end('{}');
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
    server = http.createServer((req, res) => {
      const name = (req.url ?? '').split('/')[1] ?? '';
      if (name === 'redirect') {
        res.writeHead(302, { Location: `${elsewhereUrl}/login` });
        res.end();
        return;
      }
      (behaviours[name] ?? ((_q, r) => r.end('{}')))(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const s of [server, elsewhere]) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  });

  async function listAgainst(behaviour: string, extraEnv: Record<string, string> = {}): Promise<{ code: number; stderr: string; ms: number }> {
    const started = Date.now();
    const result = await runBuiltCli(['experiments', 'list', '--tracking-uri', `${url}/${behaviour}`], {
      MLFLOW_TRACKING_TOKEN: SECRET,
      MLFLOW_HTTP_REQUEST_TIMEOUT: '3',
      MLFLOW_WB_MAX_RESPONSE_MB: '2',
      ...extraEnv,
    });
    const ms = Date.now() - started;
    assert.ok(!(result.stdout + result.stderr).includes(SECRET), `the token was printed: ${result.stderr}`);
    assert.equal(result.code, 1, result.stderr);
    return { code: result.code, stderr: result.stderr, ms };
  }

  it('a server that dribbles: the request deadline, not an idle timeout, ends it', async () => {
    const r = await listAgainst('dribble');
    assert.match(r.stderr, /no complete answer to experiments\/search within 3 s/);
    assert.ok(r.ms < 15_000, `took ${r.ms} ms`);
  });

  it('a body that never ends: stopped at the size cap', async () => {
    const r = await listAgainst('endless');
    assert.match(r.stderr, /experiments\/search: the answer of the MLflow tracking server at .* is larger than 2 MB.*MLFLOW_WB_MAX_RESPONSE_MB/);
    assert.ok(r.ms < 15_000, `took ${r.ms} ms`);
  });

  it('garbage or an HTML page instead of JSON: named as such, with the endpoint', async () => {
    assert.match(
      (await listAgainst('garbage')).stderr,
      /experiments\/search: the MLflow tracking server at .* answered \(HTTP 200\) with something that is not JSON/,
    );
    assert.match((await listAgainst('html')).stderr, /experiments\/search: .* with an HTML page instead of JSON: is the address right/);
  });

  it('429 with a Retry-After of a day: one request, a clear message at once', async () => {
    const r = await listAgainst('ratelimit');
    assert.match(r.stderr, /HTTP 429 \(rate limiting\) and asks to wait 86400 s before trying again, longer than the 60 s/);
    assert.ok(r.ms < 10_000, `took ${r.ms} ms`);
  });

  it('a redirect to another site: not followed, no credentials sent there, reported', async () => {
    const r = await listAgainst('redirect');
    assert.ok(r.stderr.includes(`redirected to another site, ${elsewhereUrl} (HTTP 302)`), r.stderr);
    assert.equal(elsewhereHits, 0);
  });

  it('a 500 page that echoes the Authorization header: no secret in the message, MLflow or Databricks', async () => {
    const r = await listAgainst('echo500', { MLFLOW_HTTP_REQUEST_TIMEOUT: '5' });
    assert.match(r.stderr, /answered HTTP 500 after 5 attempts/);
    const started = Date.now();
    const dbx = await runBuiltCli(['endpoints', 'list', '--tracking-uri', 'databricks'], { DATABRICKS_HOST: `${url}/echo500`, DATABRICKS_TOKEN: SECRET });
    assert.equal(dbx.code, 1, dbx.stderr);
    assert.ok(!(dbx.stdout + dbx.stderr).includes(SECRET), dbx.stderr);
    assert.ok(Date.now() - started < 60_000);
  });
});
