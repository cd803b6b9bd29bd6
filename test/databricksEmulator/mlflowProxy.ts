import * as http from 'node:http';
import * as https from 'node:https';
import { DatabricksError, sendError } from './databricksErrors';

/** Paths a workspace serves from its managed MLflow; the emulator forwards them to a real server. */
export const MLFLOW_PROXY_PREFIXES = ['/api/2.0/mlflow/', '/ajax-api/2.0/mlflow/', '/api/2.0/mlflow-artifacts/', '/api/3.0/mlflow/', '/ajax-api/3.0/mlflow/'];

export function isMlflowPath(pathname: string): boolean {
  return MLFLOW_PROXY_PREFIXES.some((prefix) => pathname.startsWith(prefix));
}

/**
 * Streams one request to the MLflow server and its answer back. The bearer token stays here (the
 * upstream has no auth), and Host is rewritten: MLflow's security middleware only accepts its own host.
 */
export function proxyToMlflow(
  upstreamBase: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  /** Rewrites a 2xx answer's body (read whole, uncompressed) before it is sent on. */
  transform?: (body: Buffer) => Buffer,
): void {
  const upstream = new URL(upstreamBase);
  const headers = { ...req.headers };
  delete headers.authorization;
  delete headers.connection;
  if (transform) delete headers['accept-encoding'];
  headers.host = upstream.host;
  const transport = upstream.protocol === 'https:' ? https : http;
  const basePath = upstream.pathname.replace(/\/+$/, '');
  const forward = transport.request(
    { protocol: upstream.protocol, hostname: upstream.hostname, port: upstream.port, method: req.method, path: basePath + (req.url ?? '/'), headers },
    (upstreamRes) => {
      const status = upstreamRes.statusCode ?? 502;
      if (!transform || status < 200 || status >= 300) {
        res.writeHead(status, upstreamRes.headers);
        upstreamRes.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      upstreamRes.on('data', (c: Buffer) => chunks.push(c));
      upstreamRes.on('error', (err) => res.destroy(err));
      upstreamRes.on('end', () => {
        const body = transform(Buffer.concat(chunks));
        const out = { ...upstreamRes.headers, 'content-length': String(body.length) };
        delete out['transfer-encoding'];
        res.writeHead(status, out);
        res.end(body);
      });
    },
  );
  forward.on('error', (err) => {
    if (res.headersSent) {
      res.destroy(err);
      return;
    }
    sendError(
      res,
      new DatabricksError(503, 'TEMPORARILY_UNAVAILABLE', `The MLflow tracking server behind this workspace (${upstreamBase}) is unreachable: ${err.message}`),
    );
  });
  req.pipe(forward);
}
