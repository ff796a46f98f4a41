/**
 * One HTTP exchange over node:http/node:https with keep-alive sockets. No retries, no JSON: the Graph
 * client layers those on top. What this layer knows and the client needs is whether a failed request may
 * have reached the server (`ConnectionError.maybeSent`).
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { createSecureContext, rootCertificates } from 'node:tls';
import { ConnectionError } from './errors.js';

export interface TransportOptions {
  /** Extra CA certificates (PEM) trusted in addition to the system ones — e.g. pfxstore's dev CA. */
  readonly extraCaPem?: string;
  /** Upper bound of sockets per host; set to the command's concurrency. */
  readonly maxSockets?: number;
  /** The flag that names a CA for this server, for the advice an untrusted certificate gets. Default `--ca`. */
  readonly caFlag?: string;
}

export interface HttpRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly body?: Buffer;
  readonly timeoutMs: number;
}

export interface HttpResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export class Transport {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly caFlag: string;

  constructor(options: TransportOptions = {}) {
    this.caFlag = options.caFlag ?? '--ca';
    const maxSockets = options.maxSockets ?? 8;
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets });
    // `ca` replaces Node's default trust store, so the bundled roots go in explicitly next to the extra CA.
    // Built once as a SecureContext rather than passed as `ca`: https.Agent#getName concatenates a `ca`
    // option (~140 PEM roots, ~200 KB) into its pool key on every request, ~3 ms of CPU each, and each new
    // socket would parse them all again (bench/import.ts, bulk import with --ca).
    this.httpsAgent = new https.Agent({
      keepAlive: true,
      maxSockets,
      ...(options.extraCaPem ? { secureContext: createSecureContext({ ca: [...rootCertificates, options.extraCaPem] }) } : {}),
    });
  }

  send(request: HttpRequest): Promise<HttpResponse> {
    const secure = request.url.protocol === 'https:';
    const lib = secure ? https : http;
    return new Promise((resolve, reject) => {
      // Until the connection is up nothing can have been sent; after it, the server may have the request.
      let connected = false;
      const req = lib.request(request.url, {
        method: request.method,
        headers: request.body ? { ...request.headers, 'content-length': String(request.body.length) } : request.headers,
        agent: secure ? this.httpsAgent : this.httpAgent,
      });
      req.on('socket', (socket: Socket) => {
        // A reused keep-alive socket is already up; a new one counts from its (TLS) handshake.
        if (req.reusedSocket) connected = true;
        else socket.once(secure ? 'secureConnect' : 'connect', () => { connected = true; });
      });
      req.setTimeout(request.timeoutMs, () => {
        req.destroy(Object.assign(new Error(`no answer within ${Math.round(request.timeoutMs / 1000)} s`), { code: 'ETIMEDOUT' }));
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        reject(new ConnectionError(err.code ?? 'ERR_CONNECTION', describe(err, request.url, this.caFlag), connected));
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err: NodeJS.ErrnoException) => {
          reject(new ConnectionError(err.code ?? 'ECONNRESET', describe(err, request.url, this.caFlag), true));
        });
        res.on('end', () => {
          if (!res.complete) {
            reject(new ConnectionError('ECONNRESET', `the connection to ${request.url.host} closed in the middle of the answer`, true));
            return;
          }
          resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, body: Buffer.concat(chunks) });
        });
      });
      req.end(request.body);
    });
  }

  /** Closes the idle keep-alive sockets so the process can exit. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

function describe(err: NodeJS.ErrnoException, url: URL, caFlag: string): string {
  const where = url.host;
  switch (err.code) {
    case 'ECONNREFUSED': return `nothing is listening at ${where} (connection refused)`;
    case 'ENOTFOUND': return `the host name ${url.hostname} does not resolve`;
    case 'ECONNRESET': return `the connection to ${where} was reset`;
    case 'ETIMEDOUT': return `${where}: ${err.message}`;
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return `the TLS certificate of ${where} is not trusted (${err.message}); pass the CA with ${caFlag} FILE`;
    default:
      return err.message === 'socket hang up' ? `the connection to ${where} was closed before an answer (socket hang up)` : `${where}: ${err.message}`;
  }
}
