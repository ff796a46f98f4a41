/**
 * A small Microsoft Graph client for the CLI: JSON in and out, Graph error bodies turned into
 * `GraphRequestError`, retries on 429/503 (honouring `Retry-After`) and on dropped connections, paging along
 * `@odata.nextLink`. Works against pfxstore and graph.microsoft.com alike: nothing here is pfxstore-only.
 */
import { randomUUID } from 'node:crypto';
import { ConnectionError, errorFromResponse, GraphRequestError } from './errors.js';
import {
  backoffMs, DEFAULT_RETRY_POLICY, isDroppedConnection, isRetryableStatus, mayHaveLanded, retryAfterMs, type RetryPolicy,
} from './retry-policy.js';
import { Transport, type HttpResponse } from './transport.js';
import { plainHttpAnswer, tlsOnlyServer } from './wrong-scheme.js';

export interface GraphClientOptions {
  /** e.g. `https://graph.microsoft.com/beta`; paths are relative to it. */
  readonly baseUrl: string;
  readonly token: string;
  readonly extraCaPem?: string;
  /** The flag that names a CA for this server (`--ca`, `--against-ca`…), for the advice an untrusted certificate gets. */
  readonly caFlag?: string;
  /** Sockets kept open to the server; match the command's concurrency. */
  readonly maxConnections?: number;
  readonly retry?: Partial<RetryPolicy>;
  readonly timeoutMs?: number;
  /** Told before each wait, so a command can show why it is pausing. */
  readonly onRetry?: (event: RetryEvent) => void;
}

export interface RetryEvent {
  readonly method: string;
  readonly path: string;
  /** The attempt about to be made (2 = first retry). */
  readonly attempt: number;
  readonly reason: string;
  readonly delayMs: number;
}

export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

export interface RequestOptions {
  readonly query?: Query;
  readonly body?: unknown;
  /**
   * Whether repeating the request is harmless. Defaults by method (GET, PUT, DELETE: yes; POST, PATCH: no).
   * A request that is not idempotent is retried after a dropped connection only when it provably never
   * reached the server — unless `reconcilable`.
   */
  readonly idempotent?: boolean;
  /**
   * A create the server deduplicates (it answers 409 for a duplicate): safe to resend after a dropped
   * connection, with a 409 then flagged `afterDroppedAttempt` ("the first attempt landed").
   */
  readonly reconcilable?: boolean;
  /** Extra request headers (pfxstore's `pfxstore-export-reason`); Graph ignores those it does not know. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface GraphResponse<T> {
  readonly status: number;
  readonly body: T;
  readonly requestId: string | undefined;
}

interface ListPage<T> {
  readonly value?: T[];
  readonly '@odata.nextLink'?: string;
}

const USER_AGENT = 'pfxstore-cli/0.1 (+https://github.com/; Node.js)';

export class GraphClient {
  private readonly base: URL;
  private readonly transport: Transport;
  private readonly policy: RetryPolicy;
  private readonly timeoutMs: number;
  /** Whether a plain-HTTP base URL names a TLS server; asked at most once (see plainError). */
  private tlsProbe?: Promise<string | undefined>;

  constructor(private readonly options: GraphClientOptions) {
    this.base = new URL(options.baseUrl.replace(/\/+$/, ''));
    if (this.base.protocol !== 'https:' && this.base.protocol !== 'http:') {
      throw new Error(`the service URL must be http(s)://…, not '${options.baseUrl}'`);
    }
    this.transport = new Transport({ extraCaPem: options.extraCaPem, maxSockets: options.maxConnections, caFlag: options.caFlag });
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  async get<T>(path: string, query?: Query, headers?: RequestOptions['headers']): Promise<T> {
    return (await this.request<T>('GET', path, { query, headers })).body;
  }

  async post<T>(path: string, body: unknown, options: Omit<RequestOptions, 'body'> = {}): Promise<GraphResponse<T>> {
    return this.request<T>('POST', path, { ...options, body });
  }

  async patch(path: string, body: unknown, options: Omit<RequestOptions, 'body'> = {}): Promise<void> {
    await this.request('PATCH', path, { ...options, body });
  }

  async delete(path: string): Promise<void> {
    await this.request('DELETE', path);
  }

  /** Every item of a collection: follows `@odata.nextLink` to the last page. */
  async *list<T>(path: string, query?: Query): AsyncGenerator<T> {
    let next: string | undefined = path;
    let first = true;
    while (next !== undefined) {
      const page: ListPage<T> = await this.get<ListPage<T>>(next, first ? query : undefined);
      first = false;
      yield* page.value ?? [];
      next = page['@odata.nextLink'];
    }
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<GraphResponse<T>> {
    const url = this.resolve(path, options.query);
    const body = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    const idempotent = options.idempotent ?? ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'].includes(method);
    const headers: Record<string, string> = {
      ...options.headers,
      authorization: `Bearer ${this.options.token}`,
      accept: 'application/json',
      'user-agent': USER_AGENT,
      // One id for all attempts, so the server's logs tie the retries together.
      'client-request-id': randomUUID(),
      ...(body ? { 'content-type': 'application/json' } : {}),
    };
    /** Why an earlier attempt may have been carried out without this client learning it; undefined while none may. */
    let earlier: string | undefined;
    for (let attempt = 1; ; attempt++) {
      let response: HttpResponse;
      try {
        response = await this.transport.send({ method, url, headers, body, timeoutMs: this.timeoutMs });
      } catch (err) {
        if (!(err instanceof ConnectionError)) throw err;
        const plain = await this.plainError(err);
        if (plain !== undefined) throw plain;
        const safe = idempotent || options.reconcilable || !err.maybeSent;
        if (!safe || !isDroppedConnection(err.code) || attempt >= this.policy.maxAttempts) {
          throw new ConnectionError(err.code, `${method} ${url.pathname}: ${err.message}` +
            (err.maybeSent && !safe ? ' — it may or may not have been carried out' : ''), err.maybeSent);
        }
        if (err.maybeSent) earlier ??= 'the connection dropped after sending';
        await this.waitToRetry({ method, path: url.pathname, attempt: attempt + 1, reason: err.code, delayMs: backoffMs(attempt, this.policy) });
        continue;
      }
      if (isRetryableStatus(response.status) && attempt < this.policy.maxAttempts) {
        // So that a 409 on the retry of a create reads "the first attempt landed", as after a dropped connection.
        if (mayHaveLanded(response.status)) earlier ??= `an attempt was answered ${response.status}`;
        const wait = retryAfterMs(response.headers['retry-after'], this.policy) ?? backoffMs(attempt, this.policy);
        await this.waitToRetry({ method, path: url.pathname, attempt: attempt + 1, reason: `${response.status}`, delayMs: wait });
        continue;
      }
      const parsed = parseBody(response);
      if (response.status >= 200 && response.status < 300) {
        return { status: response.status, body: parsed as T, requestId: header(response, 'request-id') };
      }
      throw errorFromResponse(response.status, response.statusText, response.headers, parsed, earlier !== undefined, earlier);
    }
  }

  close(): void {
    this.transport.close();
  }

  /** How this client retries; client/batch.ts retries a batch's throttled requests by it too. */
  get retryPolicy(): RetryPolicy {
    return this.policy;
  }

  /** The path of the URL a path relative to the base goes to (`/beta/…`), as retry events name it. */
  urlPath(path: string): string {
    return this.resolve(path, undefined).pathname;
  }

  /** Tells `onRetry`, then waits `delayMs`. */
  async waitToRetry(event: RetryEvent): Promise<void> {
    this.options.onRetry?.(event);
    await new Promise((r) => setTimeout(r, event.delayMs));
  }

  /**
   * A failure that retrying cannot mend, said in terms of the base URL: nothing listens there, or the server
   * speaks the other scheme. Undefined for anything else. The TLS probe is made once per client, on the
   * first reset of a plain-HTTP connection; a real drop keeps its retries.
   */
  private async plainError(err: ConnectionError): Promise<ConnectionError | undefined> {
    const base = this.base.href.replace(/\/+$/, '');
    if (err.code === 'ECONNREFUSED') return new ConnectionError(err.code, `nothing is listening at ${base} (connection refused)`, false);
    const plainHttp = plainHttpAnswer(err.code, err.message, this.base);
    if (plainHttp !== undefined) return new ConnectionError(err.code, plainHttp, false);
    if (err.code !== 'ECONNRESET' || this.base.protocol !== 'http:') return undefined;
    this.tlsProbe ??= tlsOnlyServer(this.base, Math.min(this.timeoutMs, 5_000));
    const tlsOnly = await this.tlsProbe;
    return tlsOnly === undefined ? undefined : new ConnectionError(err.code, tlsOnly, false);
  }

  /** `path` relative to the base URL, or an absolute URL (a nextLink) on the same origin. */
  private resolve(path: string, query: Query | undefined): URL {
    let url: URL;
    if (/^https?:\/\//i.test(path)) {
      url = new URL(path);
      // The bearer token goes with every request: never to a host the user did not name.
      if (url.origin !== this.base.origin) {
        throw new Error(`the server sent a link to another origin (${url.origin}); refusing to send the token there`);
      }
    } else {
      url = new URL(`${this.base.href.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`);
    }
    if (query) {
      // Graph reads `$filter` etc. literally; values are percent-encoded (spaces as %20, which Graph prefers to '+').
      const parts = Object.entries(query)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`);
      if (parts.length > 0) url = new URL(`${url.href}${url.search ? '&' : '?'}${parts.join('&')}`);
    }
    return url;
  }
}

function header(response: HttpResponse, name: string): string | undefined {
  const v = response.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function parseBody(response: HttpResponse): unknown {
  if (response.body.length === 0) return undefined;
  const text = response.body.toString('utf8');
  if (/json/i.test(header(response, 'content-type') ?? '')) {
    try {
      return JSON.parse(text);
    } catch {
      if (response.status < 300) throw new Error(`the server's answer is not valid JSON (status ${response.status})`);
    }
  }
  return text;
}

export { GraphRequestError, ConnectionError };
