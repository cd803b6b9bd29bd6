// The client's HTTP behaviour (retries, Retry-After, timeouts, cancellation, error mapping) against a
// tiny local HTTP server that answers what each test scripts: a protocol test, not a stand-in for MLflow.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { isCancelled, isUnreachable, MlflowApiError, MlflowRestClient } from '../../../src/engine/mlflow/mlflowRestClient';
import { isEndpointMissing } from '../../../src/engine/mlflow/registryCapabilities';

interface Seen {
  method: string;
  url: string;
  authorization?: string;
  body: string;
}

type Responder = (req: http.IncomingMessage, res: http.ServerResponse, index: number) => void;

describe('MLflow REST client protocol', () => {
  let server: http.Server;
  let baseUrl: string;
  let seen: Seen[] = [];
  let script: Responder[] = [];
  let fallback: Responder = (_req, res) => json(res, 200, {});

  before(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const index = seen.length;
        seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body: Buffer.concat(chunks).toString() });
        (script[index] ?? fallback)(req, res, index);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    seen = [];
    script = [];
    fallback = (_req, res) => json(res, 200, {});
  });

  const client = (opts: { token?: string; timeoutMs?: number; maxRetries?: number; getToken?: () => Promise<string> } = {}) =>
    new MlflowRestClient(
      { baseUrl, token: opts.token, timeoutMs: opts.timeoutMs ?? 5000, getToken: opts.getToken },
      { retryBaseMs: 5, maxRetries: opts.maxRetries ?? 4 },
    );

  it('retries 503 with backoff and returns the eventual answer', async () => {
    script = [(_q, r) => json(r, 503, {}), (_q, r) => json(r, 502, {}), (_q, r) => json(r, 200, { runs: [], next_page_token: 'abc' })];
    const page = await client().searchRuns({ experimentIds: ['1'] });
    assert.equal(seen.length, 3);
    assert.equal(page.nextPageToken, 'abc');
    assert.deepEqual(JSON.parse(seen[0].body).experiment_ids, ['1']);
  });

  it('gives up after maxRetries and says how many attempts it made', async () => {
    fallback = (_q, r) => {
      r.writeHead(503);
      r.end();
    };
    await assert.rejects(client({ maxRetries: 2 }).getRun('r1'), (err: unknown) => {
      assert.ok(err instanceof MlflowApiError);
      assert.equal(err.httpStatus, 503);
      assert.match(err.message, /HTTP 503 after 3 attempts/);
      return true;
    });
    assert.equal(seen.length, 3);
  });

  it('honours Retry-After in seconds on 429', async () => {
    script = [(_q, r) => json(r, 429, { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'slow down' }, { 'Retry-After': '1' })];
    const started = Date.now();
    await client().getExperiment('0');
    const waited = Date.now() - started;
    assert.equal(seen.length, 2);
    assert.ok(waited >= 950, `waited only ${waited} ms`);
  });

  it('honours Retry-After as an HTTP date', async () => {
    const at = new Date(Date.now() + 1000).toUTCString();
    script = [(_q, r) => json(r, 429, {}, { 'Retry-After': at })];
    await client().getExperiment('0');
    assert.equal(seen.length, 2);
  });

  it('does not wait for a Retry-After beyond its bound, and says so', async () => {
    fallback = (_q, r) => json(r, 429, {}, { 'Retry-After': '3600' });
    const started = Date.now();
    await assert.rejects(client().getExperiment('0'), /HTTP 429.*rate limiting/);
    assert.equal(seen.length, 1);
    assert.ok(Date.now() - started < 2000);
  });

  it('does not resend a non-idempotent create on 5xx, but does on 429', async () => {
    fallback = (_q, r) => json(r, 500, { error_code: 'INTERNAL_ERROR', message: 'Database is locked. (sqlite3.OperationalError)' });
    await assert.rejects(client().createExperiment('x'), /experiments\/create: Database is locked\./);
    assert.equal(seen.length, 1);
    seen = [];
    script = [(_q, r) => json(r, 429, {}, { 'Retry-After': '0' })];
    fallback = (_q, r) => json(r, 200, { experiment_id: '7' });
    assert.equal(await client().createExperiment('x'), '7');
    assert.equal(seen.length, 2);
  });

  it('retries a reset connection', async () => {
    script = [(req) => req.socket.destroy()];
    fallback = (_q, r) => json(r, 200, { experiment: { experiment_id: '3', name: 'e', lifecycle_stage: 'active' } });
    const exp = await client().getExperiment('3');
    assert.equal(exp.name, 'e');
    assert.equal(seen.length, 2);
  });

  it('maps 401 to an authentication message without the token', async () => {
    fallback = (_q, r) => json(r, 401, { error_code: 'UNAUTHENTICATED', message: 'Bad token dapi-secret-123' });
    await assert.rejects(client({ token: 'dapi-secret-123' }).getRun('r'), (err: unknown) => {
      assert.ok(err instanceof MlflowApiError);
      assert.equal(err.httpStatus, 401);
      assert.match(err.message, /authentication failed: check the token \/ username/);
      assert.ok(!err.message.includes('dapi-secret-123'), err.message);
      return true;
    });
    assert.equal(seen[0].authorization, 'Bearer dapi-secret-123');
    assert.equal(seen.length, 1, '401 is not retried');
  });

  it('maps 403 to a permission message that keeps the reason', async () => {
    fallback = (_q, r) => json(r, 403, { error_code: 'PERMISSION_DENIED', message: 'User x lacks CAN_READ on experiment 5. More text.' });
    await assert.rejects(client().getExperiment('5'), (err: unknown) => {
      assert.ok(err instanceof MlflowApiError);
      assert.equal(err.errorCode, 'PERMISSION_DENIED');
      assert.match(err.message, /permission denied for experiments\/get \(HTTP 403\).*lacks CAN_READ on experiment 5\./);
      assert.equal(err.detail, 'User x lacks CAN_READ on experiment 5. More text.');
      return true;
    });
  });

  it('maps a 404 without an MLflow error body to ENDPOINT_NOT_FOUND', async () => {
    fallback = (_q, r) => {
      r.writeHead(404, { 'Content-Type': 'text/html' });
      r.end('<h1>Not Found</h1>');
    };
    await assert.rejects(client().searchLoggedModels({ experimentIds: ['1'] }), (err: unknown) => {
      assert.ok(isEndpointMissing(err));
      assert.match((err as Error).message, /does not offer POST \/api\/2\.0\/mlflow\/logged-models\/search/);
      return true;
    });
  });

  it("keeps a 404 with MLflow's own error code as that error", async () => {
    fallback = (_q, r) => json(r, 404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: "Could not find experiment with name 'nope'" });
    assert.equal(await client().getExperimentByName('nope'), undefined);
    await assert.rejects(client().getExperiment('9'), (err: unknown) => !isEndpointMissing(err) && /Could not find experiment/.test(String(err)));
  });

  it('keeps the whole explanation of an invalid parameter', async () => {
    const message = "Invalid attribute key 'foo' specified. Valid keys are '{'run_name', 'status', 'start_time'}'";
    fallback = (_q, r) => json(r, 400, { error_code: 'INVALID_PARAMETER_VALUE', message });
    await assert.rejects(client().searchRuns({ experimentIds: ['1'], filter: 'attributes.foo = 1' }), (err: unknown) => {
      assert.ok(err instanceof MlflowApiError);
      assert.equal(err.message, `runs/search: ${message}`);
      return true;
    });
  });

  it('times out with the address and a TIMEOUT code', async () => {
    fallback = () => undefined; // never answers
    await assert.rejects(client({ timeoutMs: 200 }).getRun('r'), (err: unknown) => {
      assert.ok(err instanceof MlflowApiError);
      assert.equal(err.errorCode, 'TIMEOUT');
      assert.ok(isUnreachable(err));
      assert.ok(err.message.includes(baseUrl), err.message);
      return true;
    });
  });

  it('says which server is unreachable when nothing listens', async () => {
    const down = new MlflowRestClient({ baseUrl: 'http://user:pw@127.0.0.1:9', timeoutMs: 2000 });
    await assert.rejects(down.getRun('r'), (err: unknown) => {
      assert.ok(isUnreachable(err));
      assert.match((err as Error).message, /Cannot reach the MLflow tracking server at http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)/);
      assert.ok(!(err as Error).message.includes('pw'));
      return true;
    });
  });

  it('cancels a request in flight and a pending retry wait', async () => {
    fallback = () => undefined;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(client().getRun('r', { signal: controller.signal }), (err: unknown) => isCancelled(err));

    fallback = (_q, r) => json(r, 503, {}, { 'Retry-After': '30' });
    const second = new AbortController();
    const started = Date.now();
    setTimeout(() => second.abort(), 100);
    await assert.rejects(client().getRun('r', { signal: second.signal }), (err: unknown) => isCancelled(err));
    assert.ok(Date.now() - started < 5000);
  });

  it('sends repeated query keys the way MLflow parses them, and asks a token provider per request', async () => {
    fallback = (_q, r) => json(r, 200, { metrics: [{ run_id: 'a', key: 'loss', value: 1, timestamp: '5', step: '2' }] });
    let calls = 0;
    const c = client({ getToken: async () => `t${++calls}` });
    const points = await c.getMetricHistoryBulkInterval(['a', 'b'], 'loss', { maxResults: 10, startStep: 0, endStep: 5 });
    assert.deepEqual(points, [{ run_id: 'a', key: 'loss', value: 1, timestamp: 5, step: 2 }]);
    const url = new URL(seen[0].url, baseUrl);
    assert.equal(url.pathname, '/api/2.0/mlflow/metrics/get-history-bulk-interval');
    assert.deepEqual(url.searchParams.getAll('run_ids'), ['a', 'b']);
    assert.equal(url.searchParams.get('start_step'), '0');
    assert.equal(seen[0].authorization, 'Bearer t1');
    await assert.rejects(c.getMetricHistoryBulkInterval(['a'], 'loss', { startStep: 1 }), /both startStep and endStep/);
  });

  it('splits bulk-interval requests over 100 runs', async () => {
    fallback = (q, r) => {
      const ids = new URL(q.url ?? '', baseUrl).searchParams.getAll('run_ids');
      json(r, 200, { metrics: ids.map((id) => ({ run_id: id, key: 'm', value: 0, timestamp: 0, step: 0 })) });
    };
    const ids = Array.from({ length: 250 }, (_, i) => `r${i}`);
    const points = await client().getMetricHistoryBulkInterval(ids, 'm');
    assert.equal(seen.length, 3);
    assert.deepEqual(points.map((p) => p.run_id).sort(), [...ids].sort());
  });

  it('follows page tokens of metric history', async () => {
    script = [
      (_q, r) => json(r, 200, { metrics: [{ key: 'm', value: 1, timestamp: 1, step: 0 }], next_page_token: 'p2' }),
      (_q, r) => json(r, 200, { metrics: [{ key: 'm', value: 2, timestamp: 2, step: 1 }] }),
    ];
    const history = await client().getMetricHistory('r', 'm', { maxResults: 1 });
    assert.deepEqual(
      history.map((m) => m.value),
      [1, 2],
    );
    assert.equal(new URL(seen[1].url, baseUrl).searchParams.get('page_token'), 'p2');
  });
});

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
