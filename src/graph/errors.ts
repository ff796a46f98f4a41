import {
  ConflictError, DomainError, NotFoundError, StoreUnavailableError, ValidationError,
} from '../model/errors.js';

/** Seconds a client is told to wait (`Retry-After`) while the store is unreachable: a pool reconnects in that time. */
export const STORE_RETRY_AFTER_SECONDS = 5;

/**
 * The one error catalogue: every Graph error body is built here.
 * Shape: {"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}.
 */
export class GraphError extends Error {
  override name = 'GraphError';

  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    /** Extra response headers: WWW-Authenticate, Allow, Retry-After. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }

  static badRequest(message: string): GraphError {
    return new GraphError(400, 'BadRequest', message);
  }

  static unauthenticated(message: string): GraphError {
    return new GraphError(401, 'InvalidAuthenticationToken', message, {
      'www-authenticate': 'Bearer realm="pfxstore", error="invalid_token"',
    });
  }

  static forbidden(message: string): GraphError {
    return new GraphError(403, 'Forbidden', message);
  }

  static notFound(message: string): GraphError {
    return new GraphError(404, 'ResourceNotFound', message);
  }

  static methodNotAllowed(method: string, allowed: readonly string[]): GraphError {
    return new GraphError(405, 'MethodNotAllowed',
      `The HTTP method '${method}' is not allowed on this resource; allowed: ${allowed.join(', ')}.`,
      { allow: allowed.join(', ') });
  }

  static conflict(message: string): GraphError {
    return new GraphError(409, 'Conflict', message);
  }

  static tooLarge(limitBytes: number): GraphError {
    return new GraphError(413, 'RequestEntityTooLarge',
      `The request body exceeds the limit of ${limitBytes} bytes.`);
  }

  static unsupportedMediaType(message: string): GraphError {
    return new GraphError(415, 'UnsupportedMediaType', message);
  }

  static tooManyRequests(retryAfterSeconds: number): GraphError {
    return new GraphError(429, 'TooManyRequests',
      `Too many requests; retry after ${retryAfterSeconds} seconds.`, { 'retry-after': String(retryAfterSeconds) });
  }

  static serviceUnavailable(retryAfterSeconds: number): GraphError {
    return new GraphError(503, 'ServiceUnavailable',
      `The store is unreachable; retry after ${retryAfterSeconds} seconds.`, { 'retry-after': String(retryAfterSeconds) });
  }

  static internal(): GraphError {
    return new GraphError(500, 'InternalServerError', 'An unexpected error occurred; the request-id identifies it in the server log.');
  }

  /** Domain errors map to Graph errors by type; anything else is an internal error (logged by the caller). */
  static from(err: unknown, retryAfterSeconds = STORE_RETRY_AFTER_SECONDS): GraphError | undefined {
    if (err instanceof GraphError) return err;
    if (!(err instanceof DomainError)) return undefined;
    if (err instanceof ValidationError) return GraphError.badRequest(err.message);
    if (err instanceof NotFoundError) return GraphError.notFound(err.message);
    if (err instanceof ConflictError) return GraphError.conflict(err.message);
    if (err instanceof StoreUnavailableError) return GraphError.serviceUnavailable(retryAfterSeconds);
    return undefined;
  }
}

export interface ErrorBody {
  error: {
    code: string;
    message: string;
    innerError: { date: string; 'request-id': string; 'client-request-id': string };
  };
}

export function errorBody(err: GraphError, requestId: string, clientRequestId: string, now = new Date()): ErrorBody {
  return {
    error: {
      code: err.code,
      message: err.message,
      // Graph writes innerError.date in UTC without the 'Z' and without fractions.
      innerError: { date: now.toISOString().slice(0, 19), 'request-id': requestId, 'client-request-id': clientRequestId },
    },
  };
}
