import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { clientRequestId, sendError, setGraphHeaders } from '../graph/error-reply.js';
import { errorBody, GraphError } from '../graph/errors.js';

/**
 * Answers for requests that fail before any route runs — in Fastify's router (a bad escape, an overlong key) or
 * in Node's HTTP parser (a malformed request line, oversized headers, a client too slow to send its request, an
 * `Expect` it cannot meet). Left to them, each answers in its own shape or with an empty body; a Graph client
 * expects the Graph error body and the request-id header on every answer (CONTRACT §3).
 */

/** Node's default limit on the request line and headers together (`--max-http-header-size`). */
const HEADER_LIMIT_BYTES = 16 * 1024;
/** A client has this long to send its request line and headers (less when the whole request has less). */
export const HEADERS_TIMEOUT_MS = 10_000;

/** Fastify's `frameworkErrors`: errors its router raises before routing, with a request and reply to answer on. */
export function frameworkError(maxKeyLength: number) {
  return (err: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply): void => {
    setGraphHeaders(request, reply);
    switch (err.code) {
      case 'FST_ERR_BAD_URL':
        sendError(request, reply, GraphError.badRequest(badEscapeMessage(request.raw.url ?? '')));
        return;
      case 'FST_ERR_MAX_PARAM_LENGTH':
        sendError(request, reply, GraphError.badRequest(
          `A key in the URL is longer than ${maxKeyLength} characters. A userPfxCertificate is addressed as ` +
          "'{user id}-{thumbprint}' (32 and 40 hex digits), a user by its object id or userPrincipalName."));
        return;
      default:
        request.log.error({ err }, 'unexpected routing error');
        sendError(request, reply, GraphError.internal());
    }
  };
}

/** Names the first percent-escape of the path that does not decode (a stray `%`, or bytes that are not UTF-8). */
export function badEscapeMessage(url: string): string {
  const path = url.split('?')[0];
  for (const match of path.matchAll(/(?:%[0-9a-f]{2})+|%.{0,2}/gi)) {
    const escape = match[0];
    if (!/^(%[0-9a-f]{2})+$/i.test(escape)) {
      return `The URL has a malformed percent-encoding: '${escape}' is not an escape; write '%' followed by two hex digits (a '%' itself is '%25').`;
    }
    try {
      decodeURIComponent(escape);
    } catch {
      return `The URL has a malformed percent-encoding: '${escape}' does not decode to UTF-8 text.`;
    }
  }
  return 'The URL has a malformed percent-encoding.';
}

/**
 * Node's `clientError`: the parser gave up on a request, or the request took too long to arrive. There is no
 * request object, so the answer is written on the socket as Node itself would, then the connection closes.
 */
export function clientError(requestTimeoutMs: number) {
  return (err: Error & { code?: string; reason?: string }, socket: Duplex): void => {
    // A reset or an already closed socket has nobody left to answer.
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    // Once a response has begun on this connection, more bytes would corrupt it: only close.
    const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
    if (socket.writable && !inFlight?.headersSent) {
      socket.write(rawErrorResponse(clientErrorOf(err, requestTimeoutMs)));
    }
    closeAfterWrite(socket);
  };
}

/** Closes once the answer written is flushed: destroying at once could cut it off on a TLS socket. */
function closeAfterWrite(socket: Duplex): void {
  const net = socket as Duplex & { destroySoon?: () => void };
  if (net.destroySoon) net.destroySoon();
  else socket.destroy();
}

function clientErrorOf(err: Error & { code?: string; reason?: string }, requestTimeoutMs: number): GraphError {
  switch (err.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new GraphError('RequestTimeout',
        `The request did not arrive in time: its headers must arrive within ${Math.min(requestTimeoutMs, HEADERS_TIMEOUT_MS) / 1000} s ` +
        `and the whole request within ${requestTimeoutMs / 1000} s; send it again without pausing.`);
    case 'HPE_HEADER_OVERFLOW':
      return new GraphError('RequestHeaderFieldsTooLarge',
        `The request line and headers exceed ${HEADER_LIMIT_BYTES / 1024} KB; send fewer or shorter headers.`);
    case 'HPE_INVALID_URL':
      return GraphError.badRequest('The request target is malformed: spaces and control characters in a URL must be percent-encoded.');
    case 'HPE_INVALID_CONSTANT':
      return GraphError.badRequest("The request line is malformed: expected 'METHOD /path HTTP/1.1', with any space in the path percent-encoded as %20.");
    case 'HPE_INVALID_METHOD':
      return GraphError.badRequest('The request line is malformed: the method is not an HTTP method.');
    case 'HPE_INVALID_VERSION':
      return GraphError.badRequest("The request line is malformed: the protocol must be 'HTTP/1.1' or 'HTTP/1.0'.");
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return GraphError.badRequest('The request has both Content-Length and Transfer-Encoding; send one.');
    default:
      return GraphError.badRequest(`The request is not valid HTTP/1.1${err.reason ? `: ${err.reason}` : ''}.`);
  }
}

function rawErrorResponse(err: GraphError, headers: IncomingMessage['headers'] = {}): string {
  const requestId = randomUUID();
  const correlationId = clientRequestId({ id: requestId, headers });
  const body = JSON.stringify(errorBody(err, requestId, correlationId));
  return [
    `HTTP/1.1 ${err.statusCode} ${STATUS_TEXT[err.statusCode] ?? 'Bad Request'}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `request-id: ${requestId}`,
    `client-request-id: ${correlationId.replace(/[^\x20-\x7e]/g, '')}`,
    'OData-Version: 4.0',
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request', 405: 'Method Not Allowed', 408: 'Request Timeout', 431: 'Request Header Fields Too Large',
};

/**
 * Node's `connect`: a CONNECT request asks for a tunnel, which Node would answer by closing the connection.
 * This API has no tunnels, so it refuses the method like any other it does not support.
 */
export function refuseTunnel(request: IncomingMessage, socket: Duplex): void {
  const err = new GraphError('MethodNotAllowed', "The HTTP method 'CONNECT' is not allowed: this API does not open tunnels.");
  socket.on('error', () => {});
  if (socket.writable) socket.write(rawErrorResponse(err, request.headers));
  closeAfterWrite(socket);
}

/**
 * Node's `checkExpectation`: an `Expect` header other than `100-continue`, which Node would answer with an empty
 * 417. RFC 9110 §10.1.1 lets a server refuse unknown expectations; the refusal still gets Graph's body.
 */
export function unmetExpectation(request: IncomingMessage, response: ServerResponse): void {
  const requestId = randomUUID();
  const correlationId = clientRequestId({ id: requestId, headers: request.headers });
  const err = new GraphError('ExpectationFailed',
    `The expectation '${String(request.headers.expect).slice(0, 100)}' is not supported; only 'Expect: 100-continue' is.`);
  const body = JSON.stringify(errorBody(err, requestId, correlationId));
  response.writeHead(417, {
    'content-type': 'application/json', 'content-length': Buffer.byteLength(body),
    'request-id': requestId, 'client-request-id': correlationId, 'odata-version': '4.0', connection: 'close',
  });
  response.end(body);
}
