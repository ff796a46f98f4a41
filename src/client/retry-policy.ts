/**
 * When and how long to wait before trying a request again. Graph's throttling guidance
 * (https://learn.microsoft.com/graph/throttling): on 429/503 wait the `Retry-After` seconds, else back off
 * exponentially. Dropped connections are retried with a short backoff — subject to the idempotency rule the
 * Graph client applies.
 */

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** A longer `Retry-After` is cut to this, so a misconfigured server cannot park the CLI for hours. */
  readonly maxRetryAfterSeconds: number;
  /** Backoff for answers without `Retry-After` and for dropped connections: base × 2^(retry-1), with jitter. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 6,
  maxRetryAfterSeconds: 120,
  baseDelayMs: 250,
  maxDelayMs: 30_000,
});

/**
 * Statuses that say "try again later": 429 and 503 (CONTRACT §3: both carry Retry-After), and 504, a gateway
 * that gave up waiting — the three the Graph SDKs' retry handlers retry.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 503 || status === 504;
}

/**
 * Whether an answer with this status may come after the request was carried out: a 503 can be a write whose
 * answer was lost, a 504 a gateway that stopped waiting for one. A 429 is refused before anything runs.
 */
export function mayHaveLanded(status: number): boolean {
  return status === 503 || status === 504;
}

/**
 * Node error codes of a connection that went away; TLS and DNS failures are not worth retrying. Nor is a
 * refused connection: nothing listens at that address, which is a wrong URL or a server not started far more
 * often than a restart, and waiting out six backoffs before saying so helps neither.
 */
const DROPPED = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

export function isDroppedConnection(code: string): boolean {
  return DROPPED.has(code);
}

/**
 * `Retry-After` as milliseconds: delta-seconds (what Graph and pfxstore send) or an HTTP-date (RFC 9110 §10.2.3).
 * Undefined when absent or unreadable.
 */
export function retryAfterMs(header: string | string[] | undefined, policy: RetryPolicy, nowMs = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  let seconds: number;
  if (/^\s*\d+\s*$/.test(value)) seconds = Number(value);
  else {
    const date = Date.parse(value);
    if (Number.isNaN(date)) return undefined;
    seconds = Math.max(0, Math.ceil((date - nowMs) / 1000));
  }
  return Math.min(seconds, policy.maxRetryAfterSeconds) * 1000;
}

/** Exponential backoff with "equal jitter": half fixed, half random, so parallel workers do not retry in step. */
export function backoffMs(retry: number, policy: RetryPolicy): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}
