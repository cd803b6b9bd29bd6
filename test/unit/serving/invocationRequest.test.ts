import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { HttpApiError, TransportErrorCodes } from '../../../src/engine/http/httpErrors';
import { buildInvocationBody, InvocationInputError, invokeModel } from '../../../src/engine/serving/invocationRequest';
import { modelServeArgs } from '../../../src/engine/serving/localModelServer';
import { resolveModelLocation } from '../../../src/engine/serving/modelArtifacts';
import { MlflowRestClient } from '../../../src/engine/mlflow/mlflowRestClient';

function rejects(input: unknown, message: RegExp, format?: 'json' | 'csv'): void {
  assert.throws(
    () => buildInvocationBody(input, format),
    (err: unknown) => {
      assert.ok(err instanceof InvocationInputError, String(err));
      assert.match(err.message, message);
      return true;
    },
  );
}

describe('buildInvocationBody', () => {
  it('accepts each of the shapes MLflow reads, as objects and as JSON text', () => {
    const shapes = [
      {
        dataframe_split: {
          columns: ['a', 'b'],
          data: [
            [1, 2],
            [3, 4],
          ],
        },
      },
      { dataframe_split: { columns: ['a'], index: [7], data: [[1]] } },
      {
        dataframe_records: [
          { a: 1, b: 2 },
          { a: 3, b: 4 },
        ],
      },
      {
        instances: [
          [1, 2],
          [3, 4],
        ],
      },
      { instances: { a: [1, 2] } },
      { inputs: [[1, 2]] },
      { inputs: { x: [1] }, params: { temperature: 0.5 } },
    ];
    for (const shape of shapes) {
      assert.deepEqual(buildInvocationBody(shape), { contentType: 'application/json', body: JSON.stringify(shape) });
      const fromText = buildInvocationBody(JSON.stringify(shape, null, 2));
      assert.equal(fromText.contentType, 'application/json');
      assert.deepEqual(JSON.parse(fromText.body), shape);
    }
  });

  it('sends CSV text as text/csv, by detection or when asked', () => {
    assert.deepEqual(buildInvocationBody('a,b\n1,2\n3,4'), { contentType: 'text/csv', body: 'a,b\n1,2\n3,4\n' });
    assert.equal(buildInvocationBody('"x,y",b\r\n"1,5",2\r\n', 'csv').contentType, 'text/csv');
  });

  it('explains bad CSV', () => {
    rejects('', /CSV input is empty/);
    rejects('a,b\n', /only a header row/);
    rejects('a,b\n1,2\n3\n', /CSV line 3 has 1 field but the header has 2/);
  });

  it('explains bad JSON shapes, naming the key and what to use', () => {
    rejects('{"inputs": [1,', /not valid JSON/, 'json');
    rejects([[1, 2]], /JSON array.*\{"inputs": \[\.\.\.\]\}/);
    rejects(42, /must be a JSON object, not the number 42/);
    rejects({}, /names no shape/);
    rejects({ columns: ['a'], data: [[1]] }, /Unknown keys 'columns', 'data'.*MLflow 1\.x.*dataframe_split/);
    rejects({ inputs: [1], instances: [1] }, /has inputs and instances; give exactly one/);
    rejects({ inputs: null }, /"inputs" is null/);
    rejects({ inputs: [1], params: [1] }, /"params" must be an object/);
    rejects({ dataframe_split: [[1]] }, /"dataframe_split" must be an object/);
    rejects({ dataframe_split: { columns: ['a'], rows: [[1]] } }, /unknown key 'rows'/);
    rejects({ dataframe_split: { columns: ['a'], data: [] } }, /"dataframe_split.data" must be a non-empty array/);
    rejects({ dataframe_split: { columns: ['a', 'b'], data: [[1, 2], [3]] } }, /row 1 has 1 value but there are 2 columns/);
    rejects({ dataframe_split: { data: [[1]], index: [1, 2] } }, /index" must be an array with one entry per row \(1\)/);
    rejects({ dataframe_records: { a: 1 } }, /"dataframe_records" must be a non-empty array of row objects/);
    rejects({ dataframe_records: [{ a: 1 }, [2]] }, /row 1 must be an object/);
    rejects({ instances: [] }, /"instances" must be a non-empty array/);
  });
});

describe('modelServeArgs', () => {
  it('passes the model URI as one argument, never through a shell', () => {
    const uri = 'runs:/abc/my model; rm -rf $(pwd)';
    assert.deepEqual(modelServeArgs(uri, 5001, 'local'), [
      '-m',
      'mlflow',
      'models',
      'serve',
      '-m',
      uri,
      '--port',
      '5001',
      '--host',
      '127.0.0.1',
      '--env-manager',
      'local',
    ]);
  });
});

describe('resolveModelLocation (URIs needing no server)', () => {
  const client = new MlflowRestClient({ baseUrl: 'http://127.0.0.1:9' }, { maxRetries: 0 });
  it('reads runs:/, models:/<model id>, mlflow-artifacts:/ and local folders', async () => {
    assert.deepEqual(await resolveModelLocation(client, 'runs:/r1/model/'), { kind: 'run', runId: 'r1', path: 'model' });
    assert.deepEqual(await resolveModelLocation(client, 'models:/m-0123abc'), { kind: 'logged-model', modelId: 'm-0123abc' });
    assert.deepEqual(await resolveModelLocation(client, 'mlflow-artifacts:/1/models/m-1/artifacts'), { kind: 'proxied', path: '1/models/m-1/artifacts' });
    assert.deepEqual(await resolveModelLocation(client, '/tmp/model'), { kind: 'local', dir: '/tmp/model' });
    assert.deepEqual(await resolveModelLocation(client, 'dbfs:/databricks/mlflow-tracking/12/r9/artifacts/model'), { kind: 'run', runId: 'r9', path: 'model' });
    assert.deepEqual(await resolveModelLocation(client, 'dbfs:/databricks/mlflow-tracking/12/logged_models/m-7/artifacts'), {
      kind: 'logged-model',
      modelId: 'm-7',
    });
    await assert.rejects(resolveModelLocation(client, 's3://bucket/model'), /not supported here.*models:\/<name>\/<version>/);
  });
});

describe('invokeModel (over the one HTTP layer, against model servers on 127.0.0.1)', () => {
  let server: http.Server;
  let url: string;
  let requests: { method?: string; url?: string; type?: string; body: string }[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const behaviour: Record<string, (res: http.ServerResponse) => void> = {
    echo: (res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ predictions: [1.5, 2.5] }));
    },
    refuse: (res) => {
      res.writeHead(400, { 'Content-Type': 'application/json' });
      res.end('{"error_code": "BAD_REQUEST", "message": "Failed to enforce schema"}');
    },
    busy: (res) => {
      res.writeHead(503, { 'Content-Type': 'text/plain' });
      res.end('busy');
    },
    dribble: (res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"predictions": [');
      const t = setInterval(() => res.write(' '), 100);
      timers.add(t);
      res.on('close', () => clearInterval(t));
    },
    endless: (res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, ' ');
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    },
    stall: () => undefined,
  };

  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        requests.push({ method: req.method, url: req.url, type: req.headers['content-type'], body });
        const name = (req.url ?? '').split('/')[1] ?? 'echo';
        (behaviour[name] ?? behaviour.echo!)(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const t of timers) clearInterval(t);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const fails = (code: string, message: RegExp) => (err: unknown) => {
    assert.ok(err instanceof HttpApiError, String(err));
    assert.equal(err.errorCode, code);
    assert.match(err.message, message);
    return true;
  };

  it('POSTs the body with its content type to <url>/invocations and parses the JSON answer', async () => {
    requests = [];
    const result = await invokeModel(`${url}/echo`, buildInvocationBody('a,b\n1,2\n'));
    assert.deepEqual(requests, [{ method: 'POST', url: '/echo/invocations', type: 'text/csv', body: 'a,b\n1,2\n' }]);
    assert.equal(result.status, 200);
    assert.deepEqual(result.body, { predictions: [1.5, 2.5] });
    assert.ok(result.latencyMs > 0);
  });

  it("hands back a model's refusal (HTTP 400) with its explanation, and sends a 503 only once (a prediction is not retried)", async () => {
    const refused = await invokeModel(`${url}/refuse`, '{"inputs": [[1]]}');
    assert.equal(refused.status, 400);
    assert.deepEqual(refused.body, { error_code: 'BAD_REQUEST', message: 'Failed to enforce schema' });
    requests = [];
    const busy = await invokeModel(`${url}/busy`, '{"inputs": [[1]]}');
    assert.equal(busy.status, 503);
    assert.equal(busy.body, 'busy');
    assert.equal(requests.length, 1);
  });

  it('ends a server that dribbles its answer at the total deadline, with a clear message', async () => {
    const started = Date.now();
    await assert.rejects(
      invokeModel(`${url}/dribble`, '{"inputs": [[1]]}', { timeoutMs: 1000 }),
      fails(TransportErrorCodes.timeout, /Cannot reach the model server at .*: no complete answer to invocations within 1 s/),
    );
    assert.ok(Date.now() - started < 5000);
  });

  it('stops reading an answer that never ends at the size cap', async () => {
    await assert.rejects(
      invokeModel(`${url}/endless`, '{"inputs": [[1]]}', { maxResponseBytes: 1024 * 1024 }),
      fails(TransportErrorCodes.tooLarge, /invocations: the answer of the model server at .* is larger than 1 MB/),
    );
  });

  it('ends a stalled request at once when cancelled', async () => {
    const controller = new AbortController();
    const pending = invokeModel(`${url}/stall`, '{"inputs": [[1]]}', { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    await assert.rejects(pending, fails(TransportErrorCodes.cancelled, /invocations: cancelled/));
    assert.ok(Date.now() - started < 2000);
  });

  it('never shows credentials of the URL in its messages', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await assert.rejects(invokeModel(`http://user:p%40ss-w0rd@127.0.0.1:${port}`, '{"inputs": [[1]]}'), (err: unknown) => {
      assert.ok(err instanceof HttpApiError);
      assert.match(err.message, /Cannot reach the model server at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
      assert.ok(!JSON.stringify({ ...err, message: err.message, stack: err.stack }).includes('ss-w0rd'));
      return true;
    });
  });
});
