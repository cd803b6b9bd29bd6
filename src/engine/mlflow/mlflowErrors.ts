// The errors of the MLflow REST client, and helpers to read them.
import { HttpApiError, TransportErrorCodes } from '../http/httpErrors';

export { isCancelled, isUnreachable } from '../http/httpErrors';
export { redactUrl } from '../http/redaction';

/** An error from the tracking server, with MLflow's `error_code` and a message fit for a person. */
export class MlflowApiError extends HttpApiError {
  constructor(message: string, errorCode: string, httpStatus: number | undefined, endpoint: string, detail?: string) {
    super(message, errorCode, httpStatus, endpoint, detail);
    this.name = 'MlflowApiError';
  }
}

/** Error codes of MlflowApiError that are not MLflow's own. */
export const ClientErrorCodes = {
  endpointNotFound: 'ENDPOINT_NOT_FOUND',
  unauthenticated: 'UNAUTHENTICATED',
  permissionDenied: 'PERMISSION_DENIED',
  timeout: TransportErrorCodes.timeout,
  cancelled: TransportErrorCodes.cancelled,
  tooLarge: TransportErrorCodes.tooLarge,
  crossOriginRedirect: TransportErrorCodes.crossOriginRedirect,
  invalidResponse: TransportErrorCodes.invalidResponse,
} as const;

/** MLflow messages can carry SQL noise after the first sentence; people need the first one. */
export function firstSentence(message: string): string {
  const line = message.split('\n')[0] ?? message;
  const match = /^(.{20,}?[.!?])(\s|$)/.exec(line);
  return (match ? match[1] : line).trim();
}

export function truncate(text: string, max: number): string {
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}
