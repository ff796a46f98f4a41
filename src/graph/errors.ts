import {
  ConflictError, DomainError, NotFoundError, StoreUnavailableError, ValidationError,
} from '../model/errors.js';

/** Seconds a client is told to wait (`Retry-After`) while the store is unreachable: a pool reconnects in that time. */
export const STORE_RETRY_AFTER_SECONDS = 5;

/**
 * Every error code the API answers with, and its status. docs/api.md lists the same, with when each is sent;
 * test/graph/error-catalogue.test.ts keeps the two in step.
 */
export const ERROR_STATUS = {
  BadRequest: 400,
  InvalidAuthenticationToken: 401,
  Forbidden: 403,
  ResourceNotFound: 404,
  MethodNotAllowed: 405,
  RequestTimeout: 408,
  Conflict: 409,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  ExpectationFailed: 417,
  FailedDependency: 424,
  TooManyRequests: 429,
  RequestHeaderFieldsTooLarge: 431,
  InternalServerError: 500,
  BadGateway: 502,
  ServiceUnavailable: 503,
  GatewayTimeout: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/**
 * The one error catalogue: every Graph error body is built here.
 * Shape: {"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}.
 */
export class GraphError extends Error {
  override name = 'GraphError';

  readonly statusCode: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra response headers: WWW-Authenticate, Allow, Retry-After. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.statusCode = ERROR_STATUS[code];
  }

  static badRequest(message: string): GraphError {
    return new GraphError('BadRequest', message);
  }

  static unauthenticated(message: string): GraphError {
    return new GraphError('InvalidAuthenticationToken', message, {
      'www-authenticate': 'Bearer realm="pfxstore", error="invalid_token"',
    });
  }

  static forbidden(message: string): GraphError {
    return new GraphError('Forbidden', message);
  }

  static notFound(message: string): GraphError {
    return new GraphError('ResourceNotFound', message);
  }

  static methodNotAllowed(method: string, allowed: readonly string[]): GraphError {
    return new GraphError('MethodNotAllowed',
      `The HTTP method '${method}' is not allowed on this resource; allowed: ${allowed.join(', ')}.`,
      { allow: allowed.join(', ') });
  }

  static conflict(message: string): GraphError {
    return new GraphError('Conflict', message);
  }

  static tooLarge(limitBytes: number): GraphError {
    return new GraphError('RequestEntityTooLarge',
      `The request body exceeds the limit of ${limitBytes} bytes.`);
  }

  static unsupportedMediaType(message: string): GraphError {
    return new GraphError('UnsupportedMediaType', message);
  }

  static tooManyRequests(retryAfterSeconds: number): GraphError {
    return new GraphError('TooManyRequests',
      `Too many requests; retry after ${retryAfterSeconds} seconds.`, { 'retry-after': String(retryAfterSeconds) });
  }

  static serviceUnavailable(retryAfterSeconds: number): GraphError {
    return new GraphError('ServiceUnavailable',
      `The store is unreachable; retry after ${retryAfterSeconds} seconds.`, { 'retry-after': String(retryAfterSeconds) });
  }

  /**
   * An error `serve --faults` answers on purpose: the catalogue's code for the status, `Retry-After` where Graph
   * sends it (429, 503), and a message that says so, so nobody hunts a real bug. `landed`: the write was carried out.
   */
  static injected(status: number, retryAfterSeconds: number, landed = false): GraphError {
    const code = (Object.keys(ERROR_STATUS) as ErrorCode[]).find((c) => ERROR_STATUS[c] === status);
    if (code === undefined) throw new Error(`no error code for status ${status}`);
    const retry = status === 429 || status === 503;
    const what = landed ? 'The request was carried out, but this answer was replaced by a fault' : 'A fault';
    return new GraphError(code,
      `${what} injected on purpose by serve --faults; not a real failure${retry ? `. Retry after ${retryAfterSeconds} seconds` : ''}.`,
      {
        ...(retry ? { 'retry-after': String(retryAfterSeconds) } : {}),
        ...(status === 401 ? { 'www-authenticate': 'Bearer realm="pfxstore", error="invalid_token"' } : {}),
      });
  }

  static internal(): GraphError {
    return new GraphError('InternalServerError', 'An unexpected error occurred; the request-id identifies it in the server log.');
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
