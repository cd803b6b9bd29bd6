// DatabricksClient against local servers: a status check is "there" only when the workspace says so
// (issue #15: an HTML or invalid answer to a DBFS status check is an error, never "already uploaded"),
// and a stalled call ends at once when cancelled.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DatabricksApiError, DatabricksClient } from '../../../src/engine/databricks/databricksClient';
import { isCancelled } from '../../../src/engine/http/httpErrors';

const TOKEN = 'dapi0123456789abcdef0123456789abcdef';

describe('DatabricksClient status checks and cancellation', () => {
  let server: http.Server;
  let url: string;
  let answer: (res: http.ServerResponse) => void = (res) => res.end();

  before(async () => {
    server = http.createServer((_req, res) => answer(res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const client = () => new DatabricksClient({ host: url, token: TOKEN, maxRetries: 0, timeoutMs: 5000 });
  const reply = (status: number, type: string, body: string) => (res: http.ServerResponse) => {
    res.writeHead(status, { 'Content-Type': type });
    res.end(body);
  };

  it('reads a file status, and a missing file as undefined', async () => {
    answer = reply(200, 'application/json', '{"path": "/FileStore/a.whl", "is_dir": false, "file_size": 12}');
    assert.deepEqual(await client().dbfsGetStatus('/FileStore/a.whl'), { path: '/FileStore/a.whl', is_dir: false, file_size: 12 });
    answer = reply(404, 'application/json', '{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "No file or directory exists on path /x."}');
    assert.equal(await client().dbfsGetStatus('/x'), undefined);
  });

  for (const [what, status, type, body] of [
    ['an empty answer', 200, 'application/json', ''],
    ['an empty object', 200, 'application/json', '{}'],
    ['an HTML login page', 200, 'text/html', '<!doctype html><html><body>Sign in</body></html>'],
    ['garbage', 200, 'application/json', '{"path": '],
  ] as const) {
    it(`treats ${what} to dbfs/get-status as an error naming the endpoint, never as "already there"`, async () => {
      answer = reply(status, type, body);
      await assert.rejects(client().dbfsGetStatus('/FileStore/a.whl'), (err: unknown) => {
        assert.ok(err instanceof DatabricksApiError, String(err));
        assert.match(err.message, /dbfs\/get-status/);
        assert.ok(!err.message.includes(TOKEN));
        return true;
      });
    });
  }

  it('ends a stalled call at once when its signal aborts', async () => {
    answer = () => undefined; // never answered
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 100);
    await assert.rejects(client().me({ signal: controller.signal }), (err: unknown) => isCancelled(err));
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  });
});
