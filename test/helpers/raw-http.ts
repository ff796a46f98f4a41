import assert from 'node:assert/strict';
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { GUID } from '../../src/model/guid.js';

/** Where to send raw bytes: a listening pfxstore, over TLS when `ca` is given. */
export interface RawTarget {
  readonly host: string;
  readonly port: number;
  readonly ca?: Buffer;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Milliseconds from the first byte sent to the whole response read. */
  readonly elapsedMs: number;
}

export function targetOf(url: string, ca?: Buffer): RawTarget {
  const { hostname, port } = new URL(url);
  return { host: hostname, port: Number(port), ca };
}

/**
 * Sends bytes exactly as given (no client library would send a malformed request line) and reads the first
 * response: by Content-Length, by chunks, or to the end of the connection. `parts` after the first are sent
 * `gapMs` apart, for slow clients. Rejects when nothing complete arrives within `timeoutMs`.
 */
export function rawRequest(target: RawTarget, parts: string | Buffer | (string | Buffer)[],
  options: { gapMs?: number; timeoutMs?: number; head?: boolean } = {}): Promise<RawResponse> {
  const chunks = Array.isArray(parts) ? parts : [parts];
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket: Socket = target.ca
      ? tlsConnect({ host: target.host, port: target.port, ca: target.ca, servername: 'localhost' })
      : tcpConnect({ host: target.host, port: target.port });
    let received = Buffer.alloc(0);
    let timer: NodeJS.Timeout | undefined;
    const deadline = setTimeout(() => finish(new Error(`no complete response within ${options.timeoutMs ?? 10_000} ms: ${received.toString('latin1').slice(0, 200)}`)), options.timeoutMs ?? 10_000);
    const finish = (result: RawResponse | Error) => {
      clearTimeout(deadline);
      clearTimeout(timer);
      socket.destroy();
      if (result instanceof Error) reject(result); else resolve(result);
    };
    const sendNext = (i: number) => {
      if (i >= chunks.length || socket.destroyed) return;
      // The gap is the behaviour under test (a client trickling its request), not a wait for something.
      socket.write(chunks[i], () => { timer = setTimeout(() => sendNext(i + 1), options.gapMs ?? 0); });
    };
    socket.once(target.ca ? 'secureConnect' : 'connect', () => sendNext(0));
    socket.on('data', (data: Buffer) => {
      received = Buffer.concat([received, data]);
      const parsed = parseResponse(received, options.head === true, false);
      if (parsed) finish({ ...parsed, elapsedMs: Date.now() - started });
    });
    socket.on('error', () => { /* the server may close first; 'close' decides */ });
    socket.on('close', () => {
      const parsed = parseResponse(received, options.head === true, true);
      finish(parsed ? { ...parsed, elapsedMs: Date.now() - started } : new Error(`connection closed without a response: '${received.toString('latin1').slice(0, 200)}'`));
    });
  });
}

function parseResponse(bytes: Buffer, head: boolean, closed: boolean): Omit<RawResponse, 'elapsedMs'> | undefined {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine, ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = bytes.subarray(end + 4);
  // An interim answer (100 Continue to an Expect) comes before the real one.
  if (status >= 100 && status < 200) return parseResponse(rest, head, closed);
  if (head || status === 204 || status === 304) return { status, headers, body: '' };
  if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    return rest.length >= length ? { status, headers, body: rest.subarray(0, length).toString('utf8') } : undefined;
  }
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const body = dechunk(rest);
    return body === undefined ? undefined : { status, headers, body };
  }
  return closed ? { status, headers, body: rest.toString('utf8') } : undefined;
}

function dechunk(bytes: Buffer): string | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(bytes.subarray(at, lineEnd).toString('latin1'), 16);
    if (size === 0) return Buffer.concat(parts).toString('utf8');
    if (bytes.length < lineEnd + 2 + size + 2) return undefined;
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

/** CONTRACT §3: a Graph error body with its request-id in header and body, at this status and code. */
export function assertGraphError(res: RawResponse, status: number, code: string, message: RegExp): void {
  assert.equal(res.status, status, res.body);
  assertGraphShaped(res);
  const { error } = JSON.parse(res.body);
  assert.equal(error.code, code);
  assert.match(error.message, message);
}

/** Any error answer: JSON `{"error":{code,message,innerError}}`, request-id header equal to the body's. */
export function assertGraphShaped(res: RawResponse): void {
  assert.match(res.headers['content-type'] ?? '', /^application\/json/, `content-type of a ${res.status}`);
  assert.match(res.headers['request-id'] ?? '', GUID, 'request-id header');
  const body = JSON.parse(res.body);
  assert.deepEqual(Object.keys(body), ['error'], res.body);
  assert.equal(typeof body.error.code, 'string');
  assert.ok(body.error.message.length > 0, res.body);
  assert.match(body.error.innerError.date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  assert.equal(body.error.innerError['request-id'], res.headers['request-id']);
}
