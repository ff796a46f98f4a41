import type { FastifyRequest } from 'fastify';
import type { RequestContext } from '../service/context.js';

/** The service-layer view of an authenticated request. */
export function context(request: FastifyRequest): RequestContext {
  return { principal: request.principal, requestId: request.id };
}
