import type { FastifyInstance, RouteHandlerMethod } from 'fastify';
import { decodeBody } from './body-parsing.js';
import { GraphError } from './errors.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
const METHODS: readonly Method[] = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'];
/** Methods whose requests may carry a body, and so may need it decompressed. */
const WITH_BODY: ReadonlySet<Method> = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

/**
 * Registers the handlers of one path, and answers every other method with 405 and an `Allow` header
 * (CONTRACT §3), so a known path never falls through to 404.
 */
export function resource(app: FastifyInstance, url: string, handlers: Partial<Record<Method, RouteHandlerMethod>>): void {
  const allowed = METHODS.filter((m) => handlers[m]);
  for (const method of allowed) {
    app.route({ method, url, handler: handlers[method]!, ...(WITH_BODY.has(method) ? { preParsing: decodeBody } : {}) });
  }
  const others = [...METHODS.filter((m) => !handlers[m]), 'OPTIONS' as const];
  app.route({
    method: others,
    url,
    handler: async (request) => {
      throw GraphError.methodNotAllowed(request.method, allowed);
    },
  });
}
