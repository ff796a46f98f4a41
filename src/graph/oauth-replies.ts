import type { FastifyReply } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { GUID } from '../model/guid.js';

/** The dev authority's tenant path segment, lowercased, or undefined when it is not a GUID. */
export function tenantOf(params: unknown): string | undefined {
  const tenant = (params as { tenant?: string }).tenant ?? '';
  return GUID.test(tenant) ? tenant.toLowerCase() : undefined;
}

/** OAuth's own error shape (RFC 6749 §5.2), which client libraries read, never cached. */
export function oauthError(reply: FastifyReply, status: number, error: string, description: string) {
  return reply.code(status).header('cache-control', 'no-store').send({ error, error_description: description });
}

/** Compares secrets in constant time. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a), y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
