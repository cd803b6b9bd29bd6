/** An error from a server (or from reaching it), with a code and a message fit for a person. Never holds a secret. */
export class HttpApiError extends Error {
  constructor(
    message: string,
    /** The server's `error_code` (e.g. RESOURCE_DOES_NOT_EXIST), HTTP_<status>, or one of TransportErrorCodes / a socket code. */
    readonly errorCode: string,
    readonly httpStatus: number | undefined,
    /** The endpoint asked, e.g. `runs/search` or `/api/2.0/dbfs/read`. */
    readonly endpoint: string,
    /** The server's full explanation (may be long); the message keeps what a person needs. */
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'HttpApiError';
  }
}

/** The constructor the transport builds its errors with, so each client keeps its own error class. */
export type HttpErrorClass = new (message: string, errorCode: string, httpStatus: number | undefined, endpoint: string, detail?: string) => HttpApiError;

/** Codes of errors the transport raises itself (not a server's error_code). */
export const TransportErrorCodes = {
  timeout: 'TIMEOUT',
  cancelled: 'CANCELLED',
  tooLarge: 'RESPONSE_TOO_LARGE',
  crossOriginRedirect: 'CROSS_ORIGIN_REDIRECT',
  invalidResponse: 'INVALID_RESPONSE',
  rateLimited: 'REQUEST_LIMIT_EXCEEDED',
  signInFailed: 'SIGN_IN_FAILED',
} as const;

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'TIMEOUT']);

/** True when the server could not be reached at all (down, wrong host, no answer in time). */
export function isUnreachable(err: unknown): boolean {
  return err instanceof HttpApiError && err.httpStatus === undefined && UNREACHABLE_CODES.has(err.errorCode);
}

/** True when the call was cancelled through its AbortSignal. */
export function isCancelled(err: unknown): boolean {
  return err instanceof HttpApiError && err.errorCode === TransportErrorCodes.cancelled;
}
