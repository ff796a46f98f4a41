/**
 * A plain-HTTP proxy in front of a real pfxstore that can answer requests of a `$batch` itself — a 429 with
 * Retry-After, a 503, any error — so the client's handling of each sub-response can be tested against a server
 * that otherwise runs everything. The requests it answers never reach the server; the rest of their batch does,
 * and the answers are put back together in the batch's order. It also records each batch as it arrived and how many
 * were in flight at once, and can answer a whole `$batch` with a status or drop its connection.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { ProxyServer } from './proxy-server.js';

export interface SubRequest {
  readonly id: string;
  readonly method: string;
  readonly url: string;
  readonly body?: unknown;
}

/** A sub-response made here instead of the server's. */
export interface Answer {
  readonly status: number;
  readonly retryAfter?: string;
  readonly code?: string;
  readonly message?: string;
}

/**
 * For a request of a batch, and how many times this method and URL have come before (1 = first): forward it, answer it
 * here, or leave it out of the batch's answer (`omit`).
 */
export type SubRule = (request: SubRequest, nth: number) => 'forward' | 'omit' | Answer;
/**
 * For the nth `$batch` request: forward it, answer it whole with a status, drop its connection unanswered, or answer
 * 200 with this body.
 */
export type BatchRule = (nth: number) => 'forward' | 'drop' | number | { readonly body: unknown };

export class BatchProxy extends ProxyServer {
  /** Each `$batch` as it arrived: its requests' method and URL. */
  readonly batches: SubRequest[][] = [];
  /** The most `$batch` requests open at once. */
  mostInFlight = 0;
  private subRule: SubRule = () => 'forward';
  private batchRule: BatchRule = () => 'forward';
  private inFlight = 0;
  private readonly seen = new Map<string, number>();
  private batchCount = 0;

  reset(rules: { sub?: SubRule; batch?: BatchRule } = {}): void {
    this.subRule = rules.sub ?? (() => 'forward');
    this.batchRule = rules.batch ?? (() => 'forward');
    this.batches.length = 0;
    this.seen.clear();
    this.batchCount = 0;
    this.mostInFlight = 0;
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    if (req.method !== 'POST' || !/\/\$batch$/.test(new URL(req.url!, 'http://x').pathname)) {
      const upstream = await forward(this.target, req.method!, req.url!, req.headers, body);
      res.writeHead(upstream.status, upstream.headers).end(upstream.body);
      return;
    }
    this.mostInFlight = Math.max(this.mostInFlight, ++this.inFlight);
    try {
      await this.batch(req, res, body);
    } finally {
      this.inFlight -= 1;
    }
  }

  private async batch(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const whole = this.batchRule(++this.batchCount);
    const { requests } = JSON.parse(body.toString('utf8')) as { requests: SubRequest[] };
    this.batches.push(requests.map(({ id, method, url }) => ({ id, method, url })));
    if (whole === 'drop') {
      req.socket.destroy();
      return;
    }
    if (typeof whole === 'object') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(whole.body));
      return;
    }
    if (typeof whole === 'number') {
      res.writeHead(whole, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { code: 'InternalServerError', message: `the proxy answered the whole batch ${whole}`, innerError: {} } }));
      return;
    }
    const here = new Map<string, Answer | 'omit'>();
    for (const r of requests) {
      const key = `${r.method} ${r.url}`;
      const nth = (this.seen.get(key) ?? 0) + 1;
      this.seen.set(key, nth);
      const rule = this.subRule(r, nth);
      if (rule !== 'forward') here.set(r.id, rule);
    }
    const onward = requests.filter((r) => !here.has(r.id));
    const answers = new Map<string, unknown>();
    if (onward.length > 0) {
      const upstream = await forward(this.target, 'POST', req.url!, req.headers, Buffer.from(JSON.stringify({ requests: onward })));
      if (upstream.status !== 200) {
        res.writeHead(upstream.status, upstream.headers).end(upstream.body);
        return;
      }
      for (const r of (JSON.parse(upstream.body.toString('utf8')) as { responses: { id: string }[] }).responses) answers.set(r.id, r);
    }
    for (const [id, a] of here) {
      if (a === 'omit') continue;
      answers.set(id, {
        id, status: a.status,
        headers: { 'Content-Type': 'application/json', ...(a.retryAfter === undefined ? {} : { 'Retry-After': a.retryAfter }) },
        body: { error: { code: a.code ?? 'TooManyRequests', message: a.message ?? 'answered by the test proxy', innerError: {} } },
      });
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ responses: requests.flatMap((r) => (answers.has(r.id) ? [answers.get(r.id)] : [])) }));
  }
}

interface Forwarded {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

function forward(target: URL, method: string, path: string, headers: IncomingHttpHeaders, body: Buffer): Promise<Forwarded> {
  return new Promise((resolve, reject) => {
    // The Host header stays the proxy's, so the server's links point back through it; the length is the new body's.
    const out = http.request({ host: target.hostname, port: target.port, method, path, headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    out.on('error', reject);
    out.end(body);
  });
}
