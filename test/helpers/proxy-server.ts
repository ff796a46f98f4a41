/** The listening half of the test proxies (flaky-proxy.ts, batch-proxy.ts): plain HTTP on 127.0.0.1, a free port. */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export abstract class ProxyServer {
  private readonly server = http.createServer((req, res) => void this.handle(req, res));

  constructor(protected readonly target: URL) {}

  /** Listens; resolves to the proxy's base URL. */
  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  protected abstract handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}
