/**
 * What can go wrong talking to a Graph-compatible service, in two kinds: the service answered with an
 * error (a Graph error body, CONTRACT §3), or no answer came back at all.
 */

/** A non-2xx answer. `code`/`message` come from the Graph error body when there is one. */
export class GraphRequestError extends Error {
  override name = 'GraphRequestError';

  constructor(
    readonly status: number,
    readonly code: string,
    readonly serverMessage: string,
    readonly requestId: string | undefined,
    readonly clientRequestId: string | undefined,
    /**
     * True when an earlier attempt of this request may have reached the server before its connection dropped.
     * A 409 on a create then means "the first attempt landed", not "it was there before".
     */
    readonly afterDroppedAttempt = false,
    /** What became of that earlier attempt, for a report: `the connection dropped after sending`, `… answered 503`. */
    readonly earlierAttempt?: string,
  ) {
    super(`${status} ${code}: ${serverMessage}${requestId ? ` (request-id ${requestId})` : ''}`);
  }
}

/** No usable answer: refused, reset, timed out, TLS failure… `code` is Node's (ECONNRESET, …). */
export class ConnectionError extends Error {
  override name = 'ConnectionError';

  constructor(
    readonly code: string,
    message: string,
    /** False only when the request provably never reached the server (nothing was sent). */
    readonly maybeSent: boolean,
  ) {
    super(message);
  }
}

/** Builds the error for a non-2xx answer from whatever body came back (JSON Graph error, HTML from a proxy, nothing). */
export function errorFromResponse(
  status: number,
  statusText: string,
  headers: Readonly<Record<string, string | string[] | undefined>>,
  body: unknown,
  afterDroppedAttempt: boolean,
  earlierAttempt?: string,
): GraphRequestError {
  const header = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const graph = (body as { error?: { code?: unknown; message?: unknown; innerError?: Record<string, unknown> } } | undefined)?.error;
  const inner = graph?.innerError;
  const requestId = header('request-id') ?? (typeof inner?.['request-id'] === 'string' ? inner['request-id'] : undefined);
  const clientRequestId = header('client-request-id') ?? (typeof inner?.['client-request-id'] === 'string' ? inner['client-request-id'] : undefined);
  if (graph && typeof graph.code === 'string') {
    return new GraphRequestError(status, graph.code, String(graph.message ?? ''), requestId, clientRequestId, afterDroppedAttempt, earlierAttempt);
  }
  // Not a Graph error body: a proxy page or an empty answer. Show a bounded snippet, never a whole HTML page.
  const text = typeof body === 'string' ? body.replace(/\s+/g, ' ').trim().slice(0, 200) : '';
  return new GraphRequestError(status, statusText || 'HttpError', text || `the server answered ${status} without a Graph error body`,
    requestId, clientRequestId, afterDroppedAttempt, earlierAttempt);
}
