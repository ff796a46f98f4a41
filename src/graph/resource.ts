import type { FastifyInstance, RouteHandlerMethod } from 'fastify';
import { decodeBody } from './body-parsing.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
const METHODS: readonly Method[] = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'];
/** Methods whose requests may carry a body, and so may need it decompressed. */
const WITH_BODY: ReadonlySet<Method> = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

declare module 'fastify' {
  interface FastifyInstance {
    /** Every path of the API with its methods: what a 405 names (app.ts). */
    knownPaths: KnownPaths;
  }
}

export interface KnownPath {
  /** The route's pattern, `/beta/users/:key`: its label in the metrics. */
  readonly url: string;
  readonly pattern: RegExp;
  readonly allowed: readonly Method[];
}

/**
 * The API's paths and the methods each one has. Another method on a known path is answered 405 with `Allow`
 * (CONTRACT §3) from this table by the not-found handler, rather than by a route per path and method: those
 * routes were more than half of the ~230 Fastify compiled at every start, and a test suite starts many servers.
 */
export class KnownPaths {
  /** Paths without parameters first: `users/$count` must win over `users/:key`. */
  private readonly fixed: KnownPath[] = [];
  private readonly parametric: KnownPath[] = [];

  add(url: string, allowed: readonly Method[]): void {
    const segments = url.split('/').map((s) => s.startsWith(':') ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    // Case-insensitive, trailing slash ignored: as the router matches.
    const entry = { url, pattern: new RegExp(`^${segments.join('/')}/?$`, 'i'), allowed };
    (url.includes('/:') ? this.parametric : this.fixed).push(entry);
  }

  /** The known path that `path` (no query string) is, or undefined when the API has no such path. */
  find(path: string): KnownPath | undefined {
    return this.fixed.find((e) => e.pattern.test(path)) ?? this.parametric.find((e) => e.pattern.test(path));
  }
}

/** Registers the handlers of one path, and notes its methods in `app.knownPaths` for the 405 of every other one. */
export function resource(app: FastifyInstance, url: string, handlers: Partial<Record<Method, RouteHandlerMethod>>): void {
  const allowed = METHODS.filter((m) => handlers[m]);
  for (const method of allowed) {
    app.route({ method, url, handler: handlers[method]!, ...(WITH_BODY.has(method) ? { preParsing: decodeBody } : {}) });
  }
  app.knownPaths.add(`${app.prefix}${url}`, allowed);
}
