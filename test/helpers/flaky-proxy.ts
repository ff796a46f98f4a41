/**
 * A tiny misbehaving plain-HTTP proxy in front of a real pfxstore (run with --http): per request it forwards, answers
 * 429/503 with Retry-After itself, drops the connection before forwarding, or forwards and then drops the connection
 * (the server carried the request out; the client never hears so). Used by the retry tests of import and push.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { ProxyServer } from './proxy-server.js';

export type Action = 'pass' | 'throttle' | 'unavailable' | 'drop' | 'drop-after';

/** Forwards to `target`, except where `rule` says otherwise for the nth request of a method and path. */
export class FlakyProxy extends ProxyServer {
  rule: (method: string, path: string, nth: number) => Action = () => 'pass';
  readonly log: string[] = [];
  private readonly counts = new Map<string, number>();

  reset(rule: FlakyProxy['rule']): void {
    this.rule = rule;
    this.log.length = 0;
    this.counts.clear();
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = new URL(req.url!, 'http://x').pathname;
    const key = `${req.method} ${path}`;
    const nth = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, nth);
    const action = this.rule(req.method!, path, nth);
    this.log.push(`${key} ${action}`);
    if (action === 'throttle' || action === 'unavailable') {
      const [status, code] = action === 'throttle' ? [429, 'TooManyRequests'] : [503, 'ServiceUnavailable'];
      res.writeHead(status, { 'content-type': 'application/json', 'retry-after': '1' });
      res.end(JSON.stringify({ error: { code, message: 'try again later', innerError: {} } }));
      return;
    }
    if (action === 'drop') {
      req.socket.destroy();
      return;
    }
    const upstream = await forward(this.target, req, Buffer.concat(chunks));
    if (action === 'drop-after') {
      req.socket.destroy(); // the server did it; the client never hears so
      return;
    }
    res.writeHead(upstream.status, upstream.headers);
    res.end(upstream.body);
  }
}

function forward(target: URL, req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    // The Host header stays the proxy's, so the server's nextLinks point back through the proxy.
    const out = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    out.on('error', reject);
    out.end(body);
  });
}
