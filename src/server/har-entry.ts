import { STATUS_CODES } from 'node:http';
import { decodeLoosely, Redactor } from './har-redact.js';

/** What the recorder saw of one exchange (har-recorder.ts); turned into a HAR 1.2 entry by `harEntry`. */
export interface Exchange {
  /** When the request arrived (epoch ms). */
  readonly startedMs: number;
  /** Milliseconds from arrival: the request body read, the response handed to Node, the response finished. */
  readonly bodyReadMs: number | undefined;
  readonly sentMs: number | undefined;
  readonly doneMs: number;
  readonly method: string;
  /** scheme://host[:port], as the client addressed the server (its Host header). */
  readonly origin: string;
  /** Path and query exactly as sent (before the key syntax is rewritten for routing). */
  readonly path: string;
  readonly httpVersion: string;
  /** Node's rawHeaders: names as the client wrote them, name and value alternating. */
  readonly rawHeaders: readonly string[];
  /** The request body after gzip/deflate decoding, as the parser read it; undefined when there was none or it was not read. */
  readonly body: Buffer | undefined;
  readonly status: number;
  readonly responseHeaders: Readonly<Record<string, string | number | readonly string[] | undefined>>;
  /** The response body as Fastify sent it; undefined for a stream (not recorded). */
  readonly payload: string | Buffer | undefined;
  readonly requestId: string;
}

/** A body that is not UTF-8 text is recorded by its size only: no part of it could be redacted with confidence. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * One HAR 1.2 entry (http://www.softwareishard.com/blog/har-12-spec/), secrets redacted and scrubbed, as JSON.
 * Unknown timings are -1 as the spec asks; send/wait/receive are the server's view: reading the request body,
 * handling, writing the response.
 */
export function harEntry(x: Exchange): string {
  const redact = new Redactor();
  const requestType = headerOf(x.rawHeaders, 'content-type') ?? '';
  const declaredLength = Number(headerOf(x.rawHeaders, 'content-length') ?? NaN);
  const queryAt = x.path.indexOf('?');
  const rawQuery = queryAt < 0 ? '' : x.path.slice(queryAt + 1);
  const path = queryAt < 0 ? x.path : x.path.slice(0, queryAt);
  const sentMs = x.sentMs ?? x.doneMs;
  const send = x.bodyReadMs ?? 0;

  const request = {
    method: x.method,
    url: absoluteUrl(x.origin, rawQuery === '' ? path : `${path}?${redact.query(rawQuery)}`),
    httpVersion: x.httpVersion,
    cookies: [],
    headers: pairs(x.rawHeaders).map(([name, value]) => ({ name, value: redact.header(name, value) })),
    queryString: rawQuery === '' ? [] : rawQuery.split('&').filter(Boolean).map((pair) => {
      const eq = pair.indexOf('=');
      const name = decodeLoosely(eq < 0 ? pair : pair.slice(0, eq));
      return { name, value: redact.field(name, decodeLoosely(eq < 0 ? '' : pair.slice(eq + 1))) };
    }),
    headersSize: -1,
    bodySize: Number.isInteger(declaredLength) ? declaredLength : x.body?.length ?? 0,
    ...(x.body && x.body.length > 0 ? { postData: postData(redact, x.body, requestType) } : {}),
  };

  const responseType = String(x.responseHeaders['content-type'] ?? '');
  const payload = typeof x.payload === 'string' ? Buffer.from(x.payload, 'utf8') : x.payload;
  const responseLength = Number(x.responseHeaders['content-length'] ?? payload?.length ?? -1);
  const content = {
    size: payload?.length ?? -1,
    mimeType: responseType,
    ...(payload ? bodyText(redact, payload, responseType) : { comment: 'streamed body: not recorded' }),
  };
  const response = {
    status: x.status,
    statusText: STATUS_CODES[x.status] ?? '',
    httpVersion: x.httpVersion,
    cookies: [],
    headers: Object.entries(x.responseHeaders).flatMap(([name, value]) =>
      (Array.isArray(value) ? value : [value]).filter((v) => v !== undefined).map((v) => ({ name, value: redact.header(name, String(v)) }))),
    content,
    redirectURL: String(x.responseHeaders.location ?? ''),
    headersSize: -1,
    bodySize: Number.isInteger(responseLength) ? responseLength : -1,
  };

  const entry = {
    startedDateTime: new Date(x.startedMs).toISOString(),
    time: round(x.doneMs),
    request,
    response,
    cache: {},
    timings: {
      blocked: -1, dns: -1, connect: -1, ssl: -1,
      send: round(send), wait: round(Math.max(0, sentMs - send)), receive: round(Math.max(0, x.doneMs - sentMs)),
    },
    _requestId: x.requestId,
  };
  return redact.scrub(JSON.stringify(entry));
}

function postData(redact: Redactor, body: Buffer, mimeType: string) {
  const text = bodyText(redact, body, mimeType);
  if (!/^application\/x-www-form-urlencoded/i.test(mimeType) || text.text === undefined) return { mimeType, ...text };
  // HAR lists a form's fields as params too; the text already has its secrets redacted.
  const params = [...new URLSearchParams(text.text)].map(([name, value]) => ({ name, value: redact.field(name, value) }));
  return { mimeType, ...text, params };
}

function bodyText(redact: Redactor, body: Buffer, mimeType: string): { text?: string; comment?: string } {
  let text: string;
  try {
    text = UTF8.decode(body);
  } catch {
    return { comment: `${body.length} bytes that are not UTF-8 text: not recorded` };
  }
  return { text: redact.body(text, mimeType) };
}

/** The client's URL made absolute; WHATWG URL percent-encodes what a client may send raw (`'`, spaces in a query). */
function absoluteUrl(origin: string, path: string): string {
  try {
    return new URL(path, origin).href;
  } catch {
    return `${origin}${path}`;
  }
}

function pairs(raw: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}

function headerOf(raw: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) return raw[i + 1];
  return undefined;
}

/** Milliseconds to the microsecond: enough for a person, and short lines. */
function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
