import type * as http from 'node:http';

/**
 * An error the emulated workspace answers with, in Databricks' body shape
 * `{"error_code": "...", "message": "..."}` (REST API 2.0/2.1 error responses).
 */
export class DatabricksError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly errorCode: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'DatabricksError';
  }

  static invalidParameter(message: string): DatabricksError {
    return new DatabricksError(400, 'INVALID_PARAMETER_VALUE', message);
  }

  static doesNotExist(message: string): DatabricksError {
    return new DatabricksError(404, 'RESOURCE_DOES_NOT_EXIST', message);
  }

  static alreadyExists(message: string): DatabricksError {
    return new DatabricksError(400, 'RESOURCE_ALREADY_EXISTS', message);
  }

  /** Missing or malformed Authorization header: what a workspace answers before any routing. */
  static unauthenticated(): DatabricksError {
    return new DatabricksError(401, 'UNAUTHENTICATED', 'Credential was not sent or was of an unsupported type for this API.');
  }

  /** A bearer token the workspace does not know (expired, revoked, other workspace). */
  static invalidToken(): DatabricksError {
    return new DatabricksError(403, 'PERMISSION_DENIED', 'Invalid access token.', { 'X-Databricks-Reason-Phrase': 'Invalid access token.' });
  }

  static rateLimited(retryAfterSeconds: number): DatabricksError {
    return new DatabricksError(429, 'REQUEST_LIMIT_EXCEEDED', 'Too many requests. Please wait a moment and try again.', {
      'Retry-After': String(retryAfterSeconds),
    });
  }

  static endpointNotFound(method: string, path: string): DatabricksError {
    return new DatabricksError(404, 'ENDPOINT_NOT_FOUND', `No API found for '${method} ${path}'`);
  }
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendError(res: http.ServerResponse, err: DatabricksError): void {
  sendJson(res, err.httpStatus, { error_code: err.errorCode, message: err.message }, err.headers);
}
