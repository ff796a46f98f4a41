import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { clientError, HEADERS_TIMEOUT_MS, refuseTunnel, unmetExpectation } from './edge-errors.js';

/**
 * Bounds on slow clients (a body trickling in a byte at a time would otherwise hold its connection forever).
 * Node checks them on an interval, 30 s by default, which would let a request overrun its bound by that much.
 */
export function slowClientBounds(requestTimeoutMs: number) {
  return {
    requestTimeout: requestTimeoutMs,
    headersTimeout: Math.min(requestTimeoutMs, HEADERS_TIMEOUT_MS),
    connectionsCheckingInterval: Math.min(1000, Math.max(25, Math.floor(requestTimeoutMs / 4))),
  };
}

/** Answers that Node's server, not the app, gives: an unmet `Expect`, a `CONNECT` tunnel (edge-errors.ts). */
export function guardEdges(server: Server): void {
  server.on('checkExpectation', unmetExpectation);
  server.on('connect', refuseTunnel);
}

/** The URL a listening server answers on, `https://127.0.0.1:8443` (an IPv6 host in brackets: `http://[::1]:80`). */
export function listeningUrl(server: Server, host: string, tls: boolean): string {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Fastify's keep-alive default, which the app's own server has: longer than the 60 s of common load balancers. */
const KEEP_ALIVE_TIMEOUT_MS = 72_000;

/**
 * A node:http(s) server for `handler` (the app's, from Fastify's serverFactory), set up as Fastify sets up the
 * server it makes itself, with the same answers for what fails before the app sees a request: the listeners
 * of server/app-host.ts.
 */
export function createListener(options: { requestTimeoutMs: number; tls?: { cert: string; key: string } },
  handler: (req: IncomingMessage, res: ServerResponse) => void): Server {
  const bounds = slowClientBounds(options.requestTimeoutMs);
  const server = options.tls ? createHttpsServer({ ...options.tls, ...bounds }, handler) : createHttpServer(bounds, handler);
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  guardEdges(server);
  server.on('clientError', clientError(options.requestTimeoutMs));
  return server;
}

/**
 * Waits for `closing` — a close that stops `server` accepting and ends once in-flight requests are answered —
 * for at most `graceMs`. A keep-alive connection whose request finishes during the drain would hold the close
 * open until its idle timeout, so idle sockets are closed as they appear; past the grace period every
 * connection is cut.
 */
export async function drain(server: Server, closing: Promise<unknown>, graceMs: number): Promise<void> {
  const sweep = setInterval(() => server.closeIdleConnections(), 50);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      server.closeAllConnections();
      resolve();
    }, graceMs);
  });
  try {
    await Promise.race([closing, deadline]);
  } finally {
    clearInterval(sweep);
    clearTimeout(timer);
  }
}
