import * as http from 'node:http';
import { pipeline } from 'node:stream';

// The front door of a local model server. `mlflow models serve` (uvicorn) answers any request that
// reaches its port, whatever its Host or Origin: a web page the user visits could reach it through
// DNS rebinding (a name of the page's own that resolves to 127.0.0.1) and read its answers. MLflow
// has no allowed-hosts option for it, so the product listens on 127.0.0.1:<port> itself, refuses
// every request not addressed to that very port (Host) or sent by a foreign page (Origin) with a
// 403 that says why, and streams the others, both ways and without size caps of its own (the
// client's caps apply), to the model server behind it (a Unix socket in a private folder, or a
// loopback port where there are no Unix sockets).

export type LoopbackUpstream = { socketPath: string } | { port: number };

/** Bodies up to this size (with a Content-Length) are read first, so they can be sent again once. */
const RETRY_BODY_BYTES = 1024 * 1024;
/**
 * Errors of a fresh connection the model server dropped or refused before answering. A small request
 * is sent once more: predictions have no side effects, so a request it may have read is safe to resend.
 */
const RETRIED_CODES = new Set(['EPIPE', 'ECONNRESET', 'ECONNREFUSED']);
const RETRY_DELAY_MS = 100;

export interface LoopbackProxy {
  readonly port: number;
  readonly url: string;
  /** Stops listening and ends open connections; resolves once closed. */
  close(): Promise<void>;
}

/**
 * Headers that belong to one hop, never forwarded (RFC 9110 7.6.1), and Expect, which this server
 * has already answered with 100 Continue.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'proxy-authorization',
  'proxy-authenticate',
  'expect',
]);

/**
 * Why a request with these Host and Origin headers is refused by the server on 127.0.0.1:`port`,
 * or undefined when it is addressed to it: Host must be 127.0.0.1:<port> or localhost:<port>; an
 * Origin, when there is one, must be that same origin or a VS Code webview.
 */
export function loopbackRefusal(host: string | undefined, origin: string | undefined, port: number): string | undefined {
  const own = [`127.0.0.1:${port}`, `localhost:${port}`];
  if (!host) return `the request has no Host header; this server answers only requests for ${own.join(' or ')}.`;
  if (!own.includes(host.toLowerCase())) {
    return `Host '${printable(host)}' is not this server: it answers only requests for ${own.join(' or ')} (a foreign name pointing at 127.0.0.1 is a DNS-rebinding attempt).`;
  }
  if (origin === undefined) return undefined;
  if (own.some((h) => origin.toLowerCase() === `http://${h}`)) return undefined;
  let protocol: string | undefined;
  try {
    protocol = new URL(origin).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol === 'vscode-webview:') return undefined;
  return `Origin '${printable(origin)}' may not use this server: only pages of http://${own[0]}, http://${own[1]} and VS Code webviews may.`;
}

/** A header value quoted in a message: short, printable ASCII only. */
function printable(value: string): string {
  const clean = value.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 100 ? `${clean.slice(0, 100)}…` : clean;
}

function forwardedHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  // Headers named in Connection are hop-by-hop too.
  const named = new Set(
    String(headers.connection ?? '')
      .toLowerCase()
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/**
 * Listens on 127.0.0.1:`port` and forwards each request addressed to it to `upstream`; refuses the
 * others with 403 (see loopbackRefusal). `service` names the server behind it in error answers.
 */
export function startLoopbackProxy(port: number, upstream: LoopbackUpstream, service: string): Promise<LoopbackProxy> {
  const server = http.createServer((req, res) => {
    const refusal = loopbackRefusal(req.headers.host, req.headers.origin, port);
    if (refusal) {
      req.resume();
      res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
      res.end(`403 Forbidden: ${service} refused this request: ${refusal}\n`);
      return;
    }
    const target = 'socketPath' in upstream ? { socketPath: upstream.socketPath } : { host: '127.0.0.1', port: upstream.port };
    const headers = forwardedHeaders(req.headers);
    const fail = (err: NodeJS.ErrnoException) => {
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      // Read what is left of the request so the answer reaches the client.
      req.resume();
      res.writeHead(502, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
      res.end(`502 Bad Gateway: ${service} did not answer (${err.code ?? err.message}); it may still be starting, or it has stopped.\n`);
    };
    /** Sends the request upstream; `body`: the whole body when it was read first (small), else streamed from `req`. */
    const send = (body: Buffer | undefined, retry: boolean) => {
      const forward = http.request({ ...target, method: req.method, path: req.url, headers, agent: false }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, forwardedHeaders(answer.headers));
        pipeline(answer, res, () => undefined);
      });
      forward.on('error', (err: NodeJS.ErrnoException) => {
        // A fresh connection the model server dropped before answering: a small body, held in
        // memory, is sent once more on a new connection (see RETRIED_CODES).
        if (retry && body && !res.headersSent && !res.destroyed && RETRIED_CODES.has(err.code ?? '')) {
          setTimeout(() => send(body, false), RETRY_DELAY_MS);
          return;
        }
        if (!body) req.unpipe(forward);
        fail(err);
      });
      // The client went away before the answer was complete: stop the model's side too.
      res.once('close', () => {
        if (!res.writableFinished) forward.destroy();
      });
      if (body) forward.end(body);
      else req.pipe(forward);
    };
    const length = Number(req.headers['content-length']);
    if (Number.isInteger(length) && length >= 0 && length <= RETRY_BODY_BYTES) {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => send(Buffer.concat(chunks), true));
      req.on('error', () => res.destroy());
    } else {
      send(undefined, false);
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.removeListener('error', reject);
      resolve({
        port,
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
