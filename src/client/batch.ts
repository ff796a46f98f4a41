/**
 * JSON batching of the CLI's requests (https://learn.microsoft.com/graph/json-batching): what is handed to a
 * BatchQueue goes to the service as `POST /$batch` requests of up to 20, with up to `batchesInFlight` of them on the
 * wire at once. One HTTPS exchange carries twenty writes, so the per-request cost on both sides (TLS records, headers,
 * authentication, logging) is paid once for twenty, and the server runs them together (one SQLite commit).
 *
 * A batch leaves as soon as it is full and a slot is free, and at the end of the event loop's turn with whatever has
 * queued if a slot is free; otherwise the requests wait for a slot. Each request's promise settles with its own
 * answer: 2xx resolves, anything else rejects with the GraphRequestError its sub-response makes. A 429 or 503
 * sub-response is retried like a request of GraphClient (Retry-After, capped by the retry policy; else backoff) in a
 * later batch. The batch request itself goes through GraphClient, which retries it on 429/503 and after a dropped
 * connection (when every request in it is idempotent); if it still fails, each of its requests fails with that error.
 */
import { errorFromResponse } from './errors.js';
import type { GraphClient, GraphResponse } from './graph-client.js';
import { backoffMs, isRetryableStatus, retryAfterMs } from './retry-policy.js';

/** Graph's limit of requests in one batch. */
export const MAX_BATCH_REQUESTS = 20;

export interface BatchedRequest {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Relative to the client's base URL, as for GraphClient: `deviceManagement/userPfxCertificates/{id}`. */
  readonly path: string;
  readonly body?: unknown;
  /** Whether repeating it is harmless: a batch is resent after a dropped connection only when all its requests are. */
  readonly idempotent: boolean;
}

export interface BatchQueueOptions {
  /** Batch requests on the wire at once (a socket each). */
  readonly batchesInFlight: number;
  /** Requests per batch, at most Graph's 20. */
  readonly maxRequests?: number;
}

interface Queued {
  readonly request: BatchedRequest;
  /** This request's attempts so far, for its retry limit and backoff. */
  attempts: number;
  readonly resolve: (response: GraphResponse<unknown>) => void;
  readonly reject: (err: unknown) => void;
}

interface SubResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}

export class BatchQueue {
  private pending: Queued[] = [];
  private inFlight = 0;
  private flushing = false;
  private readonly size: number;

  constructor(private readonly client: GraphClient, private readonly options: BatchQueueOptions) {
    this.size = Math.min(MAX_BATCH_REQUESTS, Math.max(1, options.maxRequests ?? MAX_BATCH_REQUESTS));
  }

  send<T>(request: BatchedRequest): Promise<GraphResponse<T>> {
    return new Promise<GraphResponse<T>>((resolve, reject) => {
      this.enqueue({ request, attempts: 0, resolve: resolve as Queued['resolve'], reject });
    });
  }

  private enqueue(item: Queued): void {
    this.pending.push(item);
    // A full batch goes now, while the caller goes on preparing the next; a partial one waits for the turn's end.
    if (this.pending.length >= this.size && this.inFlight < this.options.batchesInFlight) this.sendBatch();
    else this.flushAtTurnEnd();
  }

  private flushAtTurnEnd(): void {
    if (this.flushing || this.pending.length === 0) return;
    this.flushing = true;
    setImmediate(() => {
      this.flushing = false;
      while (this.pending.length > 0 && this.inFlight < this.options.batchesInFlight) this.sendBatch();
    });
  }

  private sendBatch(): void {
    const items = this.pending.splice(0, this.size);
    this.inFlight += 1;
    void this.exchange(items).then((settle) => {
      // The slot is free before the callers hear, so what they queue next can leave at once.
      this.inFlight -= 1;
      settle();
      this.flushAtTurnEnd();
    });
  }

  /** One batch request; resolves with what settles its items (never rejects). */
  private async exchange(items: Queued[]): Promise<() => void> {
    for (const item of items) item.attempts += 1;
    let answers: Map<string, SubResponse>;
    try {
      const response = await this.client.post<unknown>('$batch', {
        requests: items.map(({ request }, i) => ({
          id: String(i + 1),
          method: request.method,
          url: `/${request.path.replace(/^\/+/, '')}`,
          ...(request.body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: request.body }),
        })),
      }, { idempotent: items.every((item) => item.request.idempotent) });
      answers = readAnswers(response.body);
    } catch (err) {
      return () => items.forEach((item) => item.reject(err));
    }
    return () => items.forEach((item, i) => this.settle(item, answers.get(String(i + 1))));
  }

  private settle(item: Queued, answer: SubResponse | undefined): void {
    if (!answer) {
      item.reject(new Error(`the server's answer to $batch has no response for ${item.request.method} /${item.request.path}`));
      return;
    }
    const { status, headers, body } = answer;
    if (status >= 200 && status < 300) {
      item.resolve({ status, body, requestId: headers['request-id'] });
      return;
    }
    const policy = this.client.retryPolicy;
    if (isRetryableStatus(status) && item.attempts < policy.maxAttempts) {
      const delayMs = retryAfterMs(headers['retry-after'], policy) ?? backoffMs(item.attempts, policy);
      const event = { method: item.request.method, path: this.client.urlPath(item.request.path), attempt: item.attempts + 1, reason: `${status}`, delayMs };
      void this.client.waitToRetry(event).then(() => this.enqueue(item));
      return;
    }
    item.reject(errorFromResponse(status, '', headers, body, false));
  }
}

/** The sub-responses of a batch answer by id, their header names in lower case (Graph writes `Retry-After`). */
function readAnswers(body: unknown): Map<string, SubResponse> {
  const responses = (body as { responses?: unknown } | undefined)?.responses;
  if (!Array.isArray(responses)) throw new Error("the server's answer to $batch is not a batch response (no 'responses' array)");
  const answers = new Map<string, SubResponse>();
  for (const r of responses as { id?: unknown; status?: unknown; headers?: unknown; body?: unknown }[]) {
    if (typeof r?.id !== 'string' || typeof r.status !== 'number') continue;
    const headers = typeof r.headers === 'object' && r.headers !== null
      ? Object.fromEntries(Object.entries(r.headers).map(([name, value]) => [name.toLowerCase(), String(value)]))
      : {};
    answers.set(r.id, { status: r.status, headers, body: r.body });
  }
  return answers;
}
