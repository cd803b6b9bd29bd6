// The one HTTP layer under the MLflow REST client and every Databricks workspace API: auth,
// retries, a total deadline per attempt, cancellation, a response size cap, redirects and
// redaction of credentials. Clients map answers to their own errors on top of it.
import axios, { type AxiosInstance } from 'axios';
import { once } from 'node:events';
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import { backoffDelayMs, isRetryableNetworkCode, isRetryableStatus, parseRetryAfter, sleep } from '../mlflow/retryPolicy';
import { noAuth, type HttpAuth } from './httpAuth';
import { HttpApiError, TransportErrorCodes, type HttpErrorClass } from './httpErrors';
import { redactSecrets, redactUrl } from './redaction';

export type Method = 'GET' | 'HEAD' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
export type QueryValue = string | number | boolean | undefined | readonly (string | number)[];

/** Default cap on one answer held in memory: 256 MB (MLFLOW_WB_MAX_RESPONSE_MB changes it). */
export const DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024;
/** Error answers are read up to this much; the rest is dropped (an endless error page stays small). */
const ERROR_BODY_BYTES = 64 * 1024;
const MAX_REDIRECTS = 5;
/**
 * A body streamed to a file may take longer than the deadline if it keeps coming: each further
 * deadline-long window must bring at least this many bytes per second, else it ends as a timeout
 * (a server that dribbles a large download still ends in bounded time).
 */
export const MIN_DOWNLOAD_BYTES_PER_SECOND = 16 * 1024;

export interface HttpTransportOptions {
  /** e.g. http://127.0.0.1:5000 or https://<workspace>.cloud.databricks.com; no credentials in it. */
  baseUrl: string;
  auth?: HttpAuth;
  /** What is reached, for messages: "the MLflow tracking server", "the Databricks workspace". */
  service?: string;
  /** Total deadline of one attempt (connect, headers and the whole body). Default 30 s. */
  timeoutMs?: number;
  /** Largest answer held in memory. Default DEFAULT_MAX_RESPONSE_BYTES. */
  maxResponseBytes?: number;
  /** Retries after the first attempt. Default 4. */
  maxRetries?: number;
  /** First backoff delay; doubles each retry (with jitter). Default 500 ms. */
  retryBaseMs?: number;
  /** Ceiling of one backoff delay. Default 20 s. */
  retryMaxDelayMs?: number;
  /** A `Retry-After` longer than this is not waited for: a clear error is raised instead. Default 60 s. */
  maxRetryAfterMs?: number;
  /** The class of the errors raised (each client keeps its own). Default HttpApiError. */
  errorClass?: HttpErrorClass;
}

export interface HttpRequest {
  method: Method;
  /** Path under the base URL, e.g. `api/2.0/mlflow/runs/search` (a leading slash is allowed). */
  path: string;
  query?: Record<string, QueryValue>;
  json?: unknown;
  body?: Buffer | string;
  /** Content type of `body`; default application/octet-stream. */
  contentType?: string;
  headers?: Record<string, string>;
  /**
   * Safe to send twice: reads, "set" writes, calls carrying an idempotency token. Only these are
   * retried on broken connections and 5xx. A 429 is a refusal, so every call is retried on it
   * (as Databricks' SDKs do). Default: GET, HEAD, PUT and DELETE, or a JSON body with `idempotency_token`.
   */
  idempotent?: boolean;
  signal?: AbortSignal;
  /**
   * Deadline of one attempt, instead of the transport's. With `toFile`, a body still arriving at the
   * deadline gets another window as long as the last one brought MIN_DOWNLOAD_BYTES_PER_SECOND.
   */
  timeoutMs?: number;
  /** Largest answer accepted, instead of the transport's (with `toFile`: default unlimited). */
  maxResponseBytes?: number;
  /** Streams a successful body to this file (written as `<file>.part`, then renamed) instead of memory. */
  toFile?: string;
  /** The endpoint named in messages; default the path without `api/2.0/`. */
  label?: string;
  /** Send no credentials (a public endpoint). */
  anonymous?: boolean;
  /** Follow same-origin redirects (default); false hands a 3xx back as the answer. */
  followRedirects?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | undefined>;
  /** The body (empty when it went to `toFile`). */
  data: Buffer;
  /** Bytes received (also when streamed to a file). */
  bytes: number;
  /** Attempts made, 1 when the first one answered. */
  attempts: number;
}

/** A socket-level failure of one attempt: the retry loop decides what to do with it. */
class NetworkFailure {
  constructor(readonly code: string) {}
}

export class HttpTransport {
  readonly baseUrl: string;
  readonly auth: HttpAuth;
  readonly service: string;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  private readonly origin: string;
  private readonly http: AxiosInstance;
  private readonly maxRetries: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxDelayMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly errorClass: HttpErrorClass;

  constructor(options: HttpTransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    let origin: string;
    try {
      origin = new URL(this.baseUrl).origin;
    } catch {
      throw new HttpApiError(`'${redactUrl(this.baseUrl)}' is not a URL: use http(s)://host[:port].`, 'INVALID_URI', undefined, '');
    }
    this.origin = origin;
    this.auth = options.auth ?? noAuth;
    this.service = options.service ?? 'the server';
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.maxRetries = Math.max(0, options.maxRetries ?? 4);
    this.retryBaseMs = options.retryBaseMs ?? 500;
    this.retryMaxDelayMs = options.retryMaxDelayMs ?? 20_000;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
    this.errorClass = options.errorClass ?? HttpApiError;
    this.http = axios.create({
      validateStatus: () => true,
      responseType: 'stream',
      // Redirects are handled here: credentials must never follow one to another origin.
      maxRedirects: 0,
      maxBodyLength: Infinity,
      maxContentLength: Infinity,
      transformResponse: [(data: unknown) => data],
      // The deadline below covers the whole attempt; axios' own timeout only watches an idle socket.
      timeout: 0,
    });
  }

  /** The base URL without any user:password part, for messages. */
  get displayUrl(): string {
    return redactUrl(this.baseUrl);
  }

  /** A text with every credential this transport knows (and any Authorization value) removed. */
  redact(text: string): string {
    return redactSecrets(text, this.auth.secrets());
  }

  /** An error of the client's class, its message and detail redacted. */
  error(message: string, code: string, status: number | undefined, endpoint: string, detail?: string): HttpApiError {
    return new this.errorClass(this.redact(message), code, status, endpoint, detail === undefined ? undefined : this.redact(detail));
  }

  /** The endpoint named in messages for a path. */
  labelOf(path: string): string {
    return path.replace(/^\/+/, '').replace(/^api\/2\.[01]\//, '');
  }

  /**
   * One request with retries. Resolves with the final answer whatever its status (the caller maps
   * errors); rejects only for what is not an answer: network failures, the deadline, cancellation,
   * a body over the cap, a cross-origin redirect, a Retry-After past the cap, a failed sign-in.
   */
  async send(req: HttpRequest): Promise<HttpResponse> {
    const label = req.label ?? this.labelOf(req.path);
    const idempotent = req.idempotent ?? defaultIdempotent(req);
    const url = new URL(req.path.replace(/^\/+/, '') + queryString(req.query), this.baseUrl + '/');
    for (let attempt = 0; ; attempt++) {
      if (req.signal?.aborted) throw this.cancelled(label);
      let answer: Omit<HttpResponse, 'attempts'>;
      try {
        answer = await this.attempt(req, url, label);
      } catch (err) {
        if (!(err instanceof NetworkFailure)) throw err;
        // A broken connection may have delivered the request: only resend what is safe to send twice.
        if (isRetryableNetworkCode(err.code) && idempotent && attempt < this.maxRetries) {
          await this.wait(backoffDelayMs(attempt, this.retryBaseMs, this.retryMaxDelayMs), req.signal, label);
          continue;
        }
        throw this.networkError(err.code, label, attempt);
      }
      const status = answer.status;
      if (isRetryableStatus(status) && (idempotent || status === 429) && attempt < this.maxRetries) {
        const retryAfter = parseRetryAfter(answer.headers['retry-after']);
        if (retryAfter !== undefined && retryAfter > this.maxRetryAfterMs) throw this.retryAfterTooLong(status, retryAfter, label);
        await this.wait(retryAfter ?? backoffDelayMs(attempt, this.retryBaseMs, this.retryMaxDelayMs), req.signal, label);
        continue;
      }
      return { ...answer, attempts: attempt + 1 };
    }
  }

  /** Decodes a JSON answer; anything else (an HTML login page, garbage) is a clear error naming the endpoint. */
  decodeJson<T>(response: Pick<HttpResponse, 'data' | 'headers' | 'status'>, label: string): T {
    const text = response.data.toString('utf8');
    if (text.trim() === '') return {} as T;
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      const type = response.headers['content-type'] ?? '';
      const html = /html/i.test(type) || /^\s*</.test(text);
      const what = html
        ? 'an HTML page instead of JSON: is the address right, or is a login page or proxy in between?'
        : `something that is not JSON (${(err as Error).message.split('\n')[0]}), starting with ${JSON.stringify(text.slice(0, 60))}.`;
      throw this.error(
        `${label}: ${this.service} at ${this.displayUrl} answered (HTTP ${response.status}) with ${what}`,
        TransportErrorCodes.invalidResponse,
        response.status,
        label,
        text.slice(0, 500),
      );
    }
  }

  private async attempt(req: HttpRequest, start: URL, label: string): Promise<Omit<HttpResponse, 'attempts'>> {
    const controller = new AbortController();
    let reason: 'timeout' | 'cancelled' | undefined;
    const onAbort = () => {
      reason ??= 'cancelled';
      controller.abort();
    };
    req.signal?.addEventListener('abort', onAbort, { once: true });
    const deadlineMs = req.timeoutMs ?? this.timeoutMs;
    // Set while a body streams to a file: whether it came fast enough since the last deadline.
    let downloadKeepsUp: (() => boolean) | undefined;
    const onDeadline = () => {
      if (downloadKeepsUp?.()) {
        timer = setTimeout(onDeadline, deadlineMs);
        return;
      }
      reason ??= 'timeout';
      controller.abort();
    };
    let timer = setTimeout(onDeadline, deadlineMs);
    let stream: Readable | undefined;
    const destroyStream = () => stream?.destroy(new Error('aborted'));
    controller.signal.addEventListener('abort', destroyStream, { once: true });
    try {
      let url = start;
      let method: Method = req.method;
      let data: Buffer | string | undefined = req.json !== undefined ? JSON.stringify(req.json) : req.body;
      const contentType = req.json !== undefined ? 'application/json' : req.body !== undefined ? (req.contentType ?? 'application/octet-stream') : undefined;
      for (let hop = 0; ; hop++) {
        const headers: Record<string, string> = { ...(req.headers ?? {}) };
        if (contentType && data !== undefined) headers['Content-Type'] = contentType;
        if (!req.anonymous && url.origin === this.origin) {
          const authorization = await this.authorization(label);
          if (authorization) headers.Authorization = authorization;
        }
        if (controller.signal.aborted) throw new Error('aborted');
        const response = await this.http.request({ url: url.href, method, data, headers, signal: controller.signal });
        stream = response.data as Readable;
        if (controller.signal.aborted) destroyStream();
        const status = response.status;
        const responseHeaders = flatHeaders(response.headers as Record<string, unknown>);
        const location = responseHeaders.location;
        if (status >= 300 && status < 400 && location && req.followRedirects !== false) {
          stream.destroy();
          const target = new URL(location, url);
          if (target.origin !== url.origin) throw this.crossOriginRedirect(status, url, target, label);
          if (hop >= MAX_REDIRECTS) {
            throw this.error(
              `${label}: ${this.service} at ${this.displayUrl} redirected more than ${MAX_REDIRECTS} times.`,
              'TOO_MANY_REDIRECTS',
              status,
              label,
            );
          }
          if (status === 303 || ((status === 301 || status === 302) && method !== 'GET' && method !== 'HEAD')) {
            method = 'GET';
            data = undefined;
          }
          url = target;
          continue;
        }
        const ok = status >= 200 && status < 300;
        if (ok && req.toFile) {
          const progress = { bytes: 0 };
          let checked = 0;
          downloadKeepsUp = () => {
            const enough = progress.bytes - checked >= (MIN_DOWNLOAD_BYTES_PER_SECOND * deadlineMs) / 1000;
            checked = progress.bytes;
            return enough;
          };
          const bytes = await this.streamToFile(stream, req.toFile, req.maxResponseBytes ?? Infinity, label, progress);
          return { status, headers: responseHeaders, data: Buffer.alloc(0), bytes };
        }
        const body = await this.readBody(stream, ok ? (req.maxResponseBytes ?? this.maxResponseBytes) : ERROR_BODY_BYTES, !ok, label);
        // Error pages may echo the request (its Authorization header): they leave here without credentials.
        const kept = ok ? body.data : Buffer.from(this.redact(body.data.toString('utf8')), 'utf8');
        return { status, headers: responseHeaders, data: kept, bytes: body.bytes };
      }
    } catch (err) {
      if (reason === 'timeout') throw this.timeoutError(label, deadlineMs);
      if (reason === 'cancelled') throw this.cancelled(label);
      if (err instanceof HttpApiError) throw err;
      throw new NetworkFailure(networkCode(err));
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
      controller.signal.removeEventListener('abort', destroyStream);
    }
  }

  private async authorization(label: string): Promise<string | undefined> {
    try {
      return await this.auth.header();
    } catch (err) {
      if (err instanceof HttpApiError) throw this.error(err.message, err.errorCode, err.httpStatus, err.endpoint || label, err.detail);
      throw this.error(err instanceof Error ? err.message : String(err), TransportErrorCodes.signInFailed, undefined, label);
    }
  }

  private async readBody(stream: Readable, limit: number, truncate: boolean, label: string): Promise<{ data: Buffer; bytes: number }> {
    const chunks: Buffer[] = [];
    let bytes = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (bytes + chunk.length > limit) {
        stream.destroy();
        if (truncate) {
          chunks.push(chunk.subarray(0, limit - bytes));
          bytes = limit;
          break;
        }
        throw this.tooLarge(label, limit);
      }
      bytes += chunk.length;
      chunks.push(chunk);
    }
    return { data: Buffer.concat(chunks), bytes };
  }

  private async streamToFile(stream: Readable, file: string, limit: number, label: string, progress: { bytes: number }): Promise<number> {
    const part = `${file}.part`;
    const out = fs.createWriteStream(part);
    let bytes = 0;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        bytes += chunk.length;
        progress.bytes = bytes;
        if (bytes > limit) {
          stream.destroy();
          throw this.tooLarge(label, limit);
        }
        if (!out.write(chunk)) await once(out, 'drain');
      }
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
      await fs.promises.rename(part, file);
      return bytes;
    } catch (err) {
      out.destroy();
      await fs.promises.rm(part, { force: true });
      throw err;
    }
  }

  private async wait(ms: number, signal: AbortSignal | undefined, label: string): Promise<void> {
    try {
      await sleep(ms, signal);
    } catch {
      throw this.cancelled(label);
    }
  }

  private cancelled(label: string): HttpApiError {
    return this.error(`${label}: cancelled.`, TransportErrorCodes.cancelled, undefined, label);
  }

  private timeoutError(label: string, deadlineMs: number): HttpApiError {
    return this.error(
      `Cannot reach ${this.service} at ${this.displayUrl}: no complete answer to ${label} within ${formatSeconds(deadlineMs)}. Is it running and reachable (VPN, proxy)?`,
      TransportErrorCodes.timeout,
      undefined,
      label,
    );
  }

  private tooLarge(label: string, limit: number): HttpApiError {
    return this.error(
      `${label}: the answer of ${this.service} at ${this.displayUrl} is larger than ${formatBytes(limit)}, the limit for one answer; reading stopped. ` +
        'Raise MLFLOW_WB_MAX_RESPONSE_MB if it is expected, or download it to a file.',
      TransportErrorCodes.tooLarge,
      undefined,
      label,
    );
  }

  private crossOriginRedirect(status: number, from: URL, to: URL, label: string): HttpApiError {
    return this.error(
      `${label}: ${this.service} at ${redactUrl(from.origin)} redirected to another site, ${redactUrl(to.origin)} (HTTP ${status}). ` +
        'The redirect was not followed and no credentials were sent there: check the address (is it the workspace or server URL itself, not a login or proxy page?).',
      TransportErrorCodes.crossOriginRedirect,
      status,
      label,
    );
  }

  private retryAfterTooLong(status: number, retryAfterMs: number, label: string): HttpApiError {
    return this.error(
      `${label}: ${this.service} at ${this.displayUrl} answered HTTP ${status}${status === 429 ? ' (rate limiting)' : ''} and asks to wait ${formatSeconds(retryAfterMs)} before trying again, ` +
        `longer than the ${formatSeconds(this.maxRetryAfterMs)} the workbench waits: try again later.`,
      status === 429 ? TransportErrorCodes.rateLimited : `HTTP_${status}`,
      status,
      label,
    );
  }

  private networkError(code: string, label: string, retries: number): HttpApiError {
    const url = this.displayUrl;
    const after = retries > 0 ? `, after ${retries + 1} attempts` : '';
    switch (code) {
      case 'ECONNREFUSED':
        return this.error(`Cannot reach ${this.service} at ${url} (ECONNREFUSED${after}). Is it running? Check the address.`, code, undefined, label);
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return this.error(
          `Cannot reach ${this.service} at ${url}: the host name ${safeHost(this.baseUrl)} was not found (${code}). Check the address.`,
          code,
          undefined,
          label,
        );
      default:
        if (/CERT|SSL|TLS|SELF_SIGNED/.test(code)) {
          return this.error(
            `The TLS certificate of ${url} was not accepted (${code}). Check the address, or the CA certificates of this machine.`,
            code,
            undefined,
            label,
          );
        }
        return this.error(`Cannot reach ${this.service} at ${url} (${code}${after}) for ${label}. Is it running and reachable?`, code, undefined, label);
    }
  }
}

function defaultIdempotent(req: HttpRequest): boolean {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'PUT' || req.method === 'DELETE') return true;
  const body = req.json as { idempotency_token?: unknown } | undefined;
  return typeof body === 'object' && body !== null && typeof body.idempotency_token === 'string' && body.idempotency_token !== '';
}

export function queryString(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    // MLflow reads repeated fields as repeated keys (`run_ids=a&run_ids=b`), not `run_ids[]=`.
    if (Array.isArray(value)) for (const v of value) params.append(key, String(v));
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

function flatHeaders(headers: Record<string, unknown>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (typeof v === 'string') out[k.toLowerCase()] = v;
    else if (typeof v === 'number') out[k.toLowerCase()] = String(v);
    else if (Array.isArray(v) && typeof v[0] === 'string') out[k.toLowerCase()] = v[0];
  }
  return out;
}

function networkCode(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  if (typeof e.code === 'string' && e.code !== 'ERR_BAD_RESPONSE' && e.code !== 'ERR_NETWORK') return e.code;
  if (typeof e.cause?.code === 'string') return e.cause.code;
  return typeof e.code === 'string' ? e.code : 'NETWORK_ERROR';
}

function safeHost(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

function formatSeconds(ms: number): string {
  return ms < 10_000 ? `${Math.round(ms / 100) / 10} s` : `${Math.round(ms / 1000)} s`;
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round((n / (1024 * 1024)) * 10) / 10} MB` : `${Math.round(n / 1024)} KB`;
}
