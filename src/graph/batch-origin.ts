import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * `$batch` runs its requests through `app.inject`, whose requests have no socket: left alone, their absolute
 * URLs (`@odata.context`, `@odata.nextLink`, `Location`) would read `http://localhost:80/…`. The batch hands
 * each of them the outer request's origin in this header instead. Its value starts with a secret made when the
 * process starts, so a client that sends the header itself (on a request or inside a batch) does not choose
 * the origin of the URLs it is answered with, nor of the answers a cache in front might keep.
 */
export const BATCH_ORIGIN_HEADER = 'x-pfxstore-batch-origin';
const SECRET = randomBytes(24).toString('base64url');

export function batchOriginValue(origin: string): string {
  return `${SECRET} ${origin}`;
}

/** The outer request's origin when this request runs inside a `$batch`, else undefined. */
export function batchOrigin(headers: IncomingHttpHeaders): string | undefined {
  const value = headers[BATCH_ORIGIN_HEADER];
  return typeof value === 'string' && value.startsWith(`${SECRET} `) ? value.slice(SECRET.length + 1) : undefined;
}
