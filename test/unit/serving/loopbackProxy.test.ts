// The model server's front door against a plain Node server on a Unix socket: what it lets through
// (streamed both ways), what it refuses, and that it closes.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findFreePort } from '../../../src/engine/process/freePort';
import { loopbackRefusal, startLoopbackProxy, type LoopbackProxy } from '../../../src/engine/serving/loopbackProxy';

describe('loopbackRefusal', () => {
  it('lets through requests for 127.0.0.1:<port> or localhost:<port>, with no Origin, the same origin or a webview', () => {
    for (const host of ['127.0.0.1:5123', 'localhost:5123', 'LOCALHOST:5123']) {
      for (const origin of [undefined, 'http://127.0.0.1:5123', 'http://localhost:5123', 'vscode-webview://1abc2def/index.html']) {
        assert.equal(loopbackRefusal(host, origin, 5123), undefined, `${host} ${origin}`);
      }
    }
  });

  it('refuses another name, another port, no Host, and foreign or null origins, saying why', () => {
    assert.match(
      loopbackRefusal('evil.example:5123', undefined, 5123)!,
      /Host 'evil\.example:5123' is not this server: it answers only requests for 127\.0\.0\.1:5123 or localhost:5123 .*DNS-rebinding/,
    );
    assert.match(loopbackRefusal('evil.example', undefined, 5123)!, /Host 'evil\.example'/);
    assert.match(loopbackRefusal('127.0.0.1:5124', undefined, 5123)!, /Host '127\.0\.0\.1:5124'/);
    assert.match(loopbackRefusal('127.0.0.1', undefined, 5123)!, /Host '127\.0\.0\.1' is not/);
    assert.match(loopbackRefusal(undefined, undefined, 5123)!, /no Host header/);
    for (const origin of [
      'http://evil.example',
      'https://127.0.0.1:5123',
      'http://127.0.0.1:5124',
      'null',
      'file://',
      'vscode-webview-evil://x',
      'not a url',
    ]) {
      assert.match(loopbackRefusal('127.0.0.1:5123', origin, 5123) ?? 'accepted', /^Origin '.*' may not use this server/, origin);
    }
  });

  it('quotes a hostile header value short and printable', () => {
    const refusal = loopbackRefusal(`evil\u0007${'x'.repeat(500)}`, undefined, 1)!;
    assert.ok(refusal.length < 300, refusal);
    assert.match(refusal, /^Host 'evil\?x+…'/);
  });
});

/** Sends one request to 127.0.0.1:port with exactly these headers; resolves with the whole answer. */
function send(
  port: number,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: Buffer },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path ?? '/', headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('startLoopbackProxy (Node upstream on a Unix socket)', () => {
  let dir: string;
  let upstream: http.Server;
  let proxy: LoopbackProxy;
  let port: number;
  const seen: { method?: string; url?: string; headers: http.IncomingHttpHeaders; bytes: number }[] = [];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loopback-proxy-'));
    const socketPath = path.join(dir, 'up.sock');
    upstream = http.createServer((req, res) => {
      let bytes = 0;
      const hash: number[] = [];
      req.on('data', (c: Buffer) => {
        bytes += c.length;
        hash.push(c[0] ?? 0);
      });
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, bytes });
        if (req.url === '/big') {
          // An answer larger than any buffer on the way, streamed in chunks.
          res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'X-Model': 'echo' });
          let left = 40;
          const more = () => {
            while (left > 0) {
              left--;
              if (!res.write(Buffer.alloc(1024 * 1024, 0x61))) return void res.once('drain', more);
            }
            res.end();
          };
          more();
          return;
        }
        res.writeHead(req.url === '/missing' ? 404 : 200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ received: bytes }));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(socketPath, resolve));
    port = await findFreePort();
    proxy = await startLoopbackProxy(port, { socketPath }, 'the test model server');
  });

  after(async () => {
    await proxy?.close();
    await new Promise((resolve) => upstream?.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('forwards a request for its own Host, body and status both ways, without hop-by-hop headers', async () => {
    const body = Buffer.alloc(30 * 1024 * 1024, 0x7b);
    const answer = await send(port, {
      method: 'POST',
      path: '/invocations?x=1',
      headers: {
        'Content-Type': 'application/json',
        Origin: `http://localhost:${port}`,
        'Keep-Alive': 'timeout=5',
        Connection: 'keep-alive, x-secret-hop',
        'X-Secret-Hop': '1',
      },
      body,
    });
    assert.equal(answer.status, 200, answer.body.toString());
    assert.deepEqual(JSON.parse(answer.body.toString()), { received: body.length });
    const last = seen.at(-1)!;
    assert.equal(last.method, 'POST');
    assert.equal(last.url, '/invocations?x=1');
    assert.equal(last.headers['content-type'], 'application/json');
    assert.equal(last.headers['keep-alive'], undefined);
    assert.equal(last.headers['x-secret-hop'], undefined);
    assert.equal((await send(port, { path: '/missing', headers: { Host: `localhost:${port}` } })).status, 404);
  });

  it('streams a large answer through', async () => {
    const answer = await send(port, { path: '/big' });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['x-model'], 'echo');
    assert.equal(answer.body.length, 40 * 1024 * 1024);
  });

  it('refuses a DNS-rebinding Host and a foreign Origin with 403 and a body that says why; the model never sees them', async () => {
    const before = seen.length;
    const rebinding = await send(port, {
      method: 'POST',
      path: '/invocations',
      headers: { Host: `evil.example:${port}`, 'Content-Type': 'application/json' },
      body: Buffer.from('{"inputs": [[1]]}'),
    });
    assert.equal(rebinding.status, 403);
    assert.match(
      rebinding.body.toString(),
      new RegExp(`^403 Forbidden: the test model server refused this request: Host 'evil\\.example:${port}' is not this server`),
    );
    const foreign = await send(port, { method: 'POST', path: '/invocations', headers: { Origin: 'https://evil.example' }, body: Buffer.from('{}') });
    assert.equal(foreign.status, 403);
    assert.match(foreign.body.toString(), /Origin 'https:\/\/evil\.example' may not use this server/);
    assert.equal(seen.length, before);
  });

  it('answers 502 with a clear body when nothing listens behind it', async () => {
    const other = await findFreePort();
    const orphan = await startLoopbackProxy(other, { socketPath: path.join(dir, 'nobody.sock') }, 'the test model server');
    try {
      const answer = await send(other, { method: 'POST', path: '/invocations', body: Buffer.alloc(1024 * 1024) });
      assert.equal(answer.status, 502);
      assert.match(answer.body.toString(), /^502 Bad Gateway: the test model server did not answer \((ENOENT|ECONNREFUSED)\)/);
    } finally {
      await orphan.close();
    }
    await assert.rejects(send(other, {}), /ECONNREFUSED/);
  });
});

describe('startLoopbackProxy when the model server drops a connection', () => {
  it('sends a small request once more on a new connection; a second drop is a 502 that says so', async () => {
    let connections = 0;
    let dropAll = false;
    const upstream = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => res.end(JSON.stringify({ received: Buffer.concat(chunks).toString() })));
    });
    upstream.on('connection', (socket) => {
      connections++;
      if (dropAll || connections === 1) socket.destroy();
    });
    const upstreamPort = await findFreePort();
    await new Promise<void>((resolve) => upstream.listen(upstreamPort, '127.0.0.1', resolve));
    const port = await findFreePort();
    const proxy = await startLoopbackProxy(port, { port: upstreamPort }, 'the test model server');
    try {
      const body = Buffer.from('{"inputs": [[1, 2]]}');
      const answer = await send(port, { method: 'POST', path: '/invocations', headers: { 'Content-Type': 'application/json' }, body });
      assert.equal(answer.status, 200, answer.body.toString());
      assert.deepEqual(JSON.parse(answer.body.toString()), { received: body.toString() });
      assert.equal(connections, 2, 'the first connection was dropped, the second answered');
      dropAll = true;
      const failed = await send(port, { method: 'POST', path: '/invocations', headers: { 'Content-Type': 'application/json' }, body });
      assert.equal(failed.status, 502);
      assert.match(failed.body.toString(), /the test model server did not answer \((ECONNRESET|EPIPE)\)/);
      assert.equal(connections, 4, 'one retry, not more');
    } finally {
      await proxy.close();
      await new Promise((resolve) => upstream.close(resolve));
    }
  });
});
