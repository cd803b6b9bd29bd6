// The one HTTP layer against hostile local servers (127.0.0.1): a server that dribbles, one that never
// ends its body, garbage and HTML instead of JSON, a huge Retry-After, redirects to another origin, and
// error pages that echo the request's Authorization header.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { basicAuth, bearerAuth } from '../../../src/engine/http/httpAuth';
import { HttpApiError, isCancelled } from '../../../src/engine/http/httpErrors';
import { HttpTransport } from '../../../src/engine/http/httpTransport';
import { redactSecrets, redactUrl } from '../../../src/engine/http/redaction';
import { makeTempDir } from '../../support/repoPaths';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

async function listen(handler: () => Handler): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer((req, res) => handler()(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

const SECRET = 'dapi0123456789abcdef0123456789abcdef';

function rejectsWith(promise: Promise<unknown>, check: (err: HttpApiError) => void): Promise<void> {
  return assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof HttpApiError, String(err));
    check(err);
    const everything = JSON.stringify({ ...err, message: err.message, stack: err.stack, detail: err.detail });
    assert.ok(!everything.includes(SECRET), `the secret leaked: ${everything}`);
    return true;
  });
}

describe('HTTP transport under hostile servers', () => {
  let main: { server: http.Server; url: string };
  let other: { server: http.Server; url: string };
  let handler: Handler;
  let otherHits = 0;
  let requests = 0;
  const timers = new Set<NodeJS.Timeout>();

  before(async () => {
    main = await listen(() => (req, res) => {
      requests++;
      handler(req, res);
    });
    other = await listen(() => (_req, res) => {
      otherHits++;
      res.end('{}');
    });
  });
  after(async () => {
    for (const t of timers) clearInterval(t);
    await close(main.server);
    await close(other.server);
  });
  beforeEach(() => {
    requests = 0;
    otherHits = 0;
  });

  const transport = (opts: Partial<ConstructorParameters<typeof HttpTransport>[0]> = {}) =>
    new HttpTransport({ baseUrl: main.url, auth: bearerAuth(SECRET), service: 'the test server', timeoutMs: 5000, retryBaseMs: 5, ...opts });

  const dribble: Handler = (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write('{"a": "');
    const t = setInterval(() => res.write('x'), 200);
    timers.add(t);
    res.on('close', () => clearInterval(t));
  };

  it('ends a server that dribbles a byte at a time at the total deadline, not an idle timeout', async () => {
    handler = dribble;
    const started = Date.now();
    await rejectsWith(transport({ timeoutMs: 1200 }).send({ method: 'GET', path: 'api/2.0/mlflow/runs/get' }), (err) => {
      assert.equal(err.errorCode, 'TIMEOUT');
      assert.match(err.message, /no complete answer to mlflow\/runs\/get within 1\.2 s/);
      assert.ok(err.message.includes(main.url));
    });
    const took = Date.now() - started;
    assert.ok(took < 3000, `took ${took} ms`);
    assert.equal(requests, 1, 'a deadline is not retried');
  });

  it('ends a stalled request at once when cancelled', async () => {
    handler = dribble;
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 300);
    await assert.rejects(transport({ timeoutMs: 60_000 }).send({ method: 'GET', path: 'x', signal: controller.signal }), (err: unknown) => isCancelled(err));
    assert.ok(Date.now() - started < 1500);
  });

  it('stops reading an endless body at the size cap, with bounded memory and a clear error', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    handler = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) sent += chunk.length;
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    };
    const before = process.memoryUsage().rss;
    await rejectsWith(transport({ maxResponseBytes: 2 * 1024 * 1024 }).send({ method: 'GET', path: 'api/2.0/mlflow/experiments/search' }), (err) => {
      assert.equal(err.errorCode, 'RESPONSE_TOO_LARGE');
      assert.match(err.message, /mlflow\/experiments\/search: the answer of the test server at .* is larger than 2 MB/);
    });
    assert.ok(sent < 64 * 1024 * 1024, `the server kept sending (${sent} bytes)`);
    assert.ok(process.memoryUsage().rss - before < 200 * 1024 * 1024);
  });

  it('keeps only the start of an endless error page', async () => {
    handler = (_req, res) => {
      res.writeHead(500, { 'Content-Type': 'text/html' });
      const t = setInterval(() => res.write('<p>' + 'e'.repeat(8192) + '</p>'), 1);
      timers.add(t);
      res.on('close', () => clearInterval(t));
    };
    const answer = await transport({ maxRetries: 0 }).send({ method: 'POST', path: 'p', json: {} });
    assert.equal(answer.status, 500);
    assert.ok(answer.data.length <= 64 * 1024);
  });

  it('streams a large download to a file, past the in-memory cap', async () => {
    const body = Buffer.alloc(3 * 1024 * 1024, 7);
    handler = (_req, res) => res.end(body);
    const file = path.join(makeTempDir('transport'), 'big.bin');
    const answer = await transport({ maxResponseBytes: 1024 * 1024 }).send({ method: 'GET', path: 'get-artifact', toFile: file });
    assert.equal(answer.bytes, body.length);
    assert.equal(answer.data.length, 0);
    assert.ok(fs.readFileSync(file).equals(body));
    assert.ok(!fs.existsSync(file + '.part'));
  });

  it('lets a download to a file run past the deadline while it keeps coming, and ends one that dribbles', async () => {
    const steady: Handler = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      let sent = 0;
      const t = setInterval(() => {
        res.write(Buffer.alloc(64 * 1024, 1));
        if (++sent === 16) {
          clearInterval(t);
          res.end();
        }
      }, 100);
      timers.add(t);
      res.on('close', () => clearInterval(t));
    };
    handler = steady;
    const file = path.join(makeTempDir('transport'), 'slow.bin');
    const started = Date.now();
    const answer = await transport({ timeoutMs: 500 }).send({ method: 'GET', path: 'get-artifact', toFile: file });
    assert.ok(Date.now() - started > 1000, 'it took longer than one deadline');
    assert.equal(answer.bytes, 16 * 64 * 1024);
    assert.equal(fs.statSync(file).size, 16 * 64 * 1024);

    handler = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      const t = setInterval(() => res.write('x'), 100);
      timers.add(t);
      res.on('close', () => clearInterval(t));
    };
    const dribbled = path.join(makeTempDir('transport'), 'dribbled.bin');
    const began = Date.now();
    await rejectsWith(transport({ timeoutMs: 500, maxRetries: 0 }).send({ method: 'GET', path: 'get-artifact', toFile: dribbled }), (err) => {
      assert.equal(err.errorCode, 'TIMEOUT');
      assert.match(err.message, /no complete answer to get-artifact within 0\.5 s/);
    });
    assert.ok(Date.now() - began < 3000, `took ${Date.now() - began} ms`);
    assert.ok(!fs.existsSync(dribbled) && !fs.existsSync(dribbled + '.part'), 'nothing left on disk');
  });

  it('names the endpoint when the answer is garbage or an HTML page instead of JSON', async () => {
    const t = transport();
    handler = (_req, res) => res.end('{"runs": [ garbage');
    const garbage = await t.send({ method: 'GET', path: 'api/2.0/mlflow/runs/search' });
    assert.throws(
      () => t.decodeJson(garbage, 'runs/search'),
      (err: unknown) =>
        err instanceof HttpApiError &&
        err.errorCode === 'INVALID_RESPONSE' &&
        /^runs\/search: the test server at .* with something that is not JSON/.test(err.message),
    );
    handler = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<html><body>Sign in</body></html>');
    };
    const page = await t.send({ method: 'GET', path: 'api/2.0/mlflow/runs/search' });
    assert.throws(() => t.decodeJson(page, 'runs/search'), /runs\/search: .* answered \(HTTP 200\) with an HTML page instead of JSON/);
  });

  it('does not wait for a huge Retry-After: one request, a clear error at once', async () => {
    handler = (_req, res) => {
      res.writeHead(429, { 'Retry-After': '86400' });
      res.end('{"error_code": "REQUEST_LIMIT_EXCEEDED"}');
    };
    const started = Date.now();
    await rejectsWith(transport().send({ method: 'GET', path: 'api/2.0/clusters/list' }), (err) => {
      assert.equal(err.httpStatus, 429);
      assert.match(
        err.message,
        /clusters\/list: .* HTTP 429 \(rate limiting\) and asks to wait 86400 s before trying again, longer than the 60 s the workbench waits/,
      );
    });
    assert.equal(requests, 1);
    assert.ok(Date.now() - started < 1000);
  });

  it('retries a POST only when it is idempotent or carries an idempotency token', async () => {
    handler = (_req, res) => {
      res.writeHead(503);
      res.end();
    };
    const t = transport({ maxRetries: 2 });
    assert.equal((await t.send({ method: 'POST', path: 'api/2.1/jobs/runs/submit', json: { tasks: [] } })).status, 503);
    assert.equal(requests, 1);
    requests = 0;
    const answer = await t.send({ method: 'POST', path: 'api/2.1/jobs/runs/submit', json: { idempotency_token: 'launch-1' } });
    assert.equal(answer.attempts, 3);
    assert.equal(requests, 3);
  });

  it('refuses a redirect to another origin, sends no credentials there, and says so', async () => {
    handler = (_req, res) => {
      res.writeHead(302, { Location: `${other.url}/login?next=/api` });
      res.end();
    };
    await rejectsWith(transport().send({ method: 'GET', path: 'api/2.0/preview/scim/v2/Me' }), (err) => {
      assert.equal(err.errorCode, 'CROSS_ORIGIN_REDIRECT');
      assert.ok(err.message.includes(`redirected to another site, ${other.url}`), err.message);
      assert.match(err.message, /not followed and no credentials were sent/);
    });
    assert.equal(otherHits, 0);
  });

  it('follows a redirect on the same origin with the credentials', async () => {
    const seen: (string | undefined)[] = [];
    handler = (req, res) => {
      seen.push(req.headers.authorization);
      if (req.url === '/old') {
        res.writeHead(301, { Location: '/new' });
        res.end();
      } else res.end('{"ok": true}');
    };
    const t = transport();
    assert.deepEqual(t.decodeJson(await t.send({ method: 'GET', path: 'old' }), 'old'), { ok: true });
    assert.deepEqual(seen, [`Bearer ${SECRET}`, `Bearer ${SECRET}`]);
  });

  it('never shows a token a 500 page echoes back, nor a password with @ in a URL', async () => {
    handler = (req, res) => {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(`Internal error. Request headers: Authorization: ${req.headers.authorization}; token=${SECRET}`);
    };
    const t = transport({ maxRetries: 0 });
    const answer = await t.send({ method: 'GET', path: 'x' });
    assert.ok(!answer.data.toString().includes(SECRET), 'an error body leaves the transport redacted');
    const err = t.error(`x failed: ${answer.data.toString()}`, 'HTTP_500', 500, 'x', answer.data.toString());
    assert.ok(!err.message.includes(SECRET) && !err.detail!.includes(SECRET), err.message);
    assert.match(err.message, /Authorization: Bearer \*\*\*/);

    const basic = new HttpTransport({ baseUrl: main.url, auth: basicAuth('me', 'p@ss:w0rd/x'), maxRetries: 0 });
    const echoed = await basic.send({ method: 'GET', path: 'x' });
    assert.ok(!basic.error(echoed.data.toString(), 'E', 500, 'x').message.includes(Buffer.from('me:p@ss:w0rd/x').toString('base64')));
    assert.equal(redactUrl('see http://me:p@ss@host:5000/api'), 'see http://host:5000/api');
    assert.equal(redactSecrets('{"access_token": "eyJhbGciOi.abc"}'), '{"access_token": "***"}');
    assert.equal(redactSecrets('`databricks auth token --profile dev` failed'), '`databricks auth token --profile dev` failed', 'commands stay readable');
  });
});
