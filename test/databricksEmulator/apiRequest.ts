import { DatabricksError } from './databricksErrors';

/** One authenticated API call, its body already read (the MLflow proxy streams instead). */
export interface ApiRequest {
  method: string;
  /** URL path without the query string, e.g. /api/2.0/dbfs/get-status. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * The request's parameters: the JSON body merged with the query string. Databricks accepts GET
 * parameters either way, and MLflow's client sends `get-status` as a GET with a JSON body.
 */
export function requestParams(req: ApiRequest): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  const contentType = String(req.headers['content-type'] ?? '');
  if (req.body.length > 0 && !contentType.startsWith('multipart/')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(req.body.toString('utf8'));
    } catch {
      throw DatabricksError.invalidParameter(`Malformed request: the body of ${req.method} ${req.path} is not valid JSON.`);
    }
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) Object.assign(params, parsed);
  }
  for (const [key, value] of req.query) params[key] = value;
  return params;
}

export function stringParam(params: Record<string, unknown>, name: string, required: true): string;
export function stringParam(params: Record<string, unknown>, name: string, required?: false): string | undefined;
export function stringParam(params: Record<string, unknown>, name: string, required = false): string | undefined {
  const value = params[name];
  if (value === undefined || value === null || value === '') {
    if (required) throw DatabricksError.invalidParameter(`Missing required field: ${name}`);
    return undefined;
  }
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw DatabricksError.invalidParameter(`Invalid value for field ${name}: expected a string, got ${JSON.stringify(value)}.`);
  }
  return String(value);
}

export function integerParam(params: Record<string, unknown>, name: string, fallback?: number): number {
  const value = params[name];
  if (value === undefined || value === null || value === '') {
    if (fallback === undefined) throw DatabricksError.invalidParameter(`Missing required field: ${name}`);
    return fallback;
  }
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n)) throw DatabricksError.invalidParameter(`Invalid value for field ${name}: expected an integer, got ${JSON.stringify(value)}.`);
  return n;
}

export function booleanParam(params: Record<string, unknown>, name: string, fallback = false): boolean {
  const value = params[name];
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw DatabricksError.invalidParameter(`Invalid value for field ${name}: expected true or false, got ${JSON.stringify(value)}.`);
}

/** Minimal multipart/form-data parser (DBFS put's form upload): field name → bytes. */
export function parseMultipart(body: Buffer, contentType: string): Map<string, Buffer> {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!match) throw DatabricksError.invalidParameter('Malformed multipart request: no boundary in Content-Type.');
  const boundary = Buffer.from(`--${match[1] ?? match[2]}`);
  const parts = new Map<string, Buffer>();
  let start = body.indexOf(boundary);
  while (start !== -1) {
    const partStart = start + boundary.length;
    if (body.subarray(partStart, partStart + 2).toString() === '--') break;
    const next = body.indexOf(boundary, partStart);
    if (next === -1) break;
    const part = body.subarray(partStart + 2, next - 2); // skip CRLF after boundary and before the next
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd !== -1) {
      const headerText = part.subarray(0, headerEnd).toString('utf8');
      const name = /name="([^"]*)"/i.exec(headerText)?.[1];
      if (name) parts.set(name, part.subarray(headerEnd + 4));
    }
    start = next;
  }
  return parts;
}
