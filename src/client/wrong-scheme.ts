/**
 * Telling a wrong scheme from a broken connection. Plain HTTP sent to an HTTPS port is met by a TLS server
 * that closes the socket without a byte (Node reports ECONNRESET, "socket hang up") — which looks like a
 * dropped connection and would be retried for nothing; a TLS hello sent to a plain-HTTP server is answered
 * with an HTTP 400 that OpenSSL reads as a bad record (EPROTO "wrong version number"). Both are named here
 * with the scheme the server does speak.
 */
import { connect } from 'node:tls';

/** OpenSSL's words for "the answer to the hello was not TLS" (1.1 and 3.x; BoringSSL's too). */
const NOT_TLS = /wrong version number|packet length too long|unknown protocol|http request/i;

/** The message for an https: request that a plain-HTTP server answered, or undefined when that is not what happened. */
export function plainHttpAnswer(code: string, message: string, base: URL): string | undefined {
  if (base.protocol !== 'https:' || code !== 'EPROTO' || !NOT_TLS.test(message)) return undefined;
  return `the server at ${base.host} speaks plain HTTP, not HTTPS: use ${withScheme(base, 'http:')}`;
}

/** The message for an http: request to a server that speaks TLS, found by a TLS handshake with it. */
export async function tlsOnlyServer(base: URL, timeoutMs: number): Promise<string | undefined> {
  if (base.protocol !== 'http:') return undefined;
  return (await speaksTls(base, timeoutMs)) ? `the server at ${base.host} speaks HTTPS, not plain HTTP: use ${withScheme(base, 'https:')}` : undefined;
}

/**
 * Whether a TLS handshake with host:port completes. The certificate is not checked — nothing is sent over
 * the connection, and the question is only which protocol the port speaks.
 */
function speaksTls(base: URL, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: base.hostname.replace(/^\[|\]$/g, ''), port: Number(base.port || 80), rejectUnauthorized: false });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('secureConnect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}

function withScheme(base: URL, protocol: 'http:' | 'https:'): string {
  const url = new URL(base.href);
  // Keep the port the server was found on, also when it was the old scheme's default (http://host is :80).
  const port = base.port || (base.protocol === 'https:' ? '443' : '80');
  url.protocol = protocol;
  url.port = port;
  return url.href.replace(/\/+$/, '');
}
