import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerFactory, type onResponseHookHandler } from 'fastify';
import type { TokenVerifier } from '../graph/auth.js';
import type { Principal } from '../service/principal.js';
import { registerBodyParsing } from '../graph/body-parsing.js';
import { GraphError } from '../graph/errors.js';
import { sendError, setGraphHeaders } from '../graph/error-reply.js';
import { registerApi } from '../graph/api.js';
import type { ApiDeps } from '../graph/api-deps.js';
import { AuditService } from '../service/audit-service.js';
import { CertificateService } from '../service/certificate-service.js';
import { ExpiryService } from '../service/expiry-service.js';
import { UserService } from '../service/user-service.js';
import { registerPublicRoutes } from '../graph/public-routes.js';
import { registerResetRoute } from '../graph/reset.js';
import type { SeedPlan } from '../service/seed-plan.js';
import { Seeder } from '../service/seeder.js';
import { API_VERSIONS } from '../graph/versions.js';
import type { Throttle } from '../graph/throttle.js';
import type { ServerMetrics } from './metrics.js';
import { requestLogging } from './request-logging.js';
import { installRecorder } from './har-recorder.js';
import type { LogFormat } from './log-format.js';
import { clientError, frameworkError } from './edge-errors.js';
import { guardEdges, slowClientBounds } from './node-server.js';
import type { DevIdentity } from '../graph/dev-identity.js';
import type { ServeConfig } from './config.js';
import type { SecretBox } from '../service/secret-box.js';
import type { Store } from '../store/store.js';
import { ENTITIES, setName } from '../model/entities.js';
import { KnownPaths } from '../graph/resource.js';
import { installFaults } from './faults.js';
import { registerConsole } from './console.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the API's authentication hook; every API handler can rely on it. */
    principal: Principal;
  }
}

export interface AppDeps {
  readonly config: ServeConfig;
  readonly store: Store;
  readonly verifier: TokenVerifier;
  readonly secrets: SecretBox;
  readonly metrics: ServerMetrics;
  readonly throttle?: Throttle;
  /** Present with `--auth dev`: the token endpoint and OpenID metadata are served from it. */
  readonly devIdentity?: DevIdentity;
  /** pino options, or false for none (tests). */
  readonly logger?: boolean | Record<string, unknown>;
  /** `pretty`: one log line per request instead of two (see log-format.ts); `json` when absent. */
  readonly logFormat?: LogFormat;
  readonly https?: { cert: string; key: string };
  /**
   * Instead of `https` and the server Fastify makes: the app's own server is this one, never listened on, and
   * the caller serves the app's handler on listeners of its own (server/app-host.ts).
   */
  readonly serverFactory?: FastifyServerFactory;
  /** The clock of the services' timestamps (created, modified, audit events); Date.now unless a test sets one. */
  readonly now?: () => number;
  /** The checked seed (--seed) that `POST /_pfxstore/reset?reseed=true` loads again, asked for at each reset. */
  readonly seed?: () => SeedPlan | undefined;
  /** The web console's build; dist/web unless a test points elsewhere (server/console.ts). */
  readonly consoleDir?: string;
}

/** The longest key a path segment may carry; longer ones are refused before routing (edge-errors.ts). */
const MAX_KEY_LENGTH = 1024;

/** Builds the configured server without listening: tests inject into it, server/listen.ts listens. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const timeouts = slowClientBounds(deps.config.requestTimeoutMs);
  const app = Fastify({
    logger: deps.logger ?? false,
    // With no logger, Fastify's own shortcut (no child at all) is already the cheapest.
    ...(deps.logger ? requestLogging(deps.logFormat === 'pretty') : {}),
    // Fastify hands `https` (or, without it, `http`) to Node's createServer.
    ...(deps.serverFactory ? { serverFactory: deps.serverFactory }
      : deps.https ? { https: { ...deps.https, ...timeouts } } : { https: null, http: timeouts }),
    requestTimeout: deps.config.requestTimeoutMs,
    bodyLimit: deps.config.bodyLimitBytes,
    // Graph's paths are case-insensitive (`deviceManagement` = `devicemanagement`). Keys are at most ~80
    // characters and a userPrincipalName 113; Fastify's default of 100 would cut a long UPN with a 414.
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: MAX_KEY_LENGTH },
    frameworkErrors: frameworkError(MAX_KEY_LENGTH),
    clientErrorHandler: clientError(deps.config.requestTimeoutMs),
    genReqId: () => randomUUID(),
    // The request-id is always fresh (CONTRACT §3); a client's own id travels as client-request-id.
    requestIdHeader: false,
    rewriteUrl: (req) => normaliseKeySyntax(req.url ?? '/'),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  }) as unknown as FastifyInstance;

  app.decorate('knownPaths', new KnownPaths());
  guardEdges(app.server);
  app.decorateRequest('principal', null as unknown as Principal);
  // Callback-style hooks: they run on every request, and an async hook costs a promise and a microtask each.
  app.addHook('onRequest', (request, reply, done) => {
    setGraphHeaders(request, reply);
    done();
  });
  if (deps.config.faults) installFaults(app, { rules: deps.config.faults, seed: deps.config.faultsSeed ?? 0, metrics: deps.metrics });
  // Request metrics: each route gets an onResponse hook that knows its own path, because reading it back from
  // the request (`request.routeOptions`) builds a dozen-property object on every response.
  app.addHook('onRoute', (route) => {
    const url = route.url;
    const observe: onResponseHookHandler = (request, reply, done) => {
      deps.metrics.observe(url, request.method, reply.statusCode, reply.elapsedTime);
      done();
    };
    const own = route.onResponse ?? [];
    route.onResponse = [...(Array.isArray(own) ? own : [own]), observe];
  });

  // Before any route: the recorder hooks into each route as it is added.
  if (deps.config.recordFile) await installRecorder(app, { path: deps.config.recordFile, bodyLimitBytes: deps.config.bodyLimitBytes });
  registerBodyParsing(app);
  app.setErrorHandler((err, request, reply) => sendError(request, reply, toGraphError(err, request)));
  app.setNotFoundHandler(async (request, reply) => {
    const known = app.knownPaths.find(request.url.split('?')[0]);
    reply.raw.once('finish', () => deps.metrics.observe(known?.url ?? 'unmatched', request.method, reply.statusCode, reply.elapsedTime));
    if (known) {
      // As on the path's own methods, a token is checked before anything is said about the path.
      await deps.verifier.verify(request.headers.authorization);
      return sendError(request, reply, GraphError.methodNotAllowed(request.method, known.allowed));
    }
    const unclosed = UNCLOSED_KEY.exec(request.url.split('?')[0]);
    if (unclosed) {
      return sendError(request, reply, GraphError.badRequest(
        `The key after '${unclosed[1]}(' is not closed: write ${unclosed[1]}('{key}') or ${unclosed[1]}/{key}.`));
    }
    return sendError(request, reply, GraphError.notFound(
      `Resource not found for the segment '${lastSegment(request.url)}'; no such path in this API.`));
  });

  const api = apiDeps(deps);
  registerPublicRoutes(app, api);
  // A test double's switch: only where tokens are the server's own, never in front of a real identity provider.
  if (deps.devIdentity) {
    registerResetRoute(app, {
      verifier: deps.verifier,
      seeder: new Seeder({ store: deps.store, users: api.users, certificates: api.certificates, autoUsers: deps.config.autoUsers, seed: deps.seed }),
    });
  }
  registerConsole(app, { config: deps.config, dir: deps.consoleDir });
  for (const version of API_VERSIONS) {
    await app.register(async (scope) => registerApi(scope, api), { prefix: `/${version}` });
  }
  return app;
}

/** The services the routes call, made once for every API version, and what else the HTTP surface needs. */
function apiDeps(deps: AppDeps): ApiDeps {
  const { store, config } = deps;
  const users = new UserService({ store, autoUsers: config.autoUsers, now: deps.now });
  const expiry = new ExpiryService({ store, now: deps.now });
  return {
    users,
    certificates: new CertificateService({ store, secrets: deps.secrets, users, now: deps.now }),
    audit: new AuditService({ store }),
    verifier: deps.verifier,
    throttle: deps.throttle,
    devIdentity: deps.devIdentity,
    consoleSignIn: config.auth === 'oidc' && config.consoleClientId
      ? { issuer: config.issuer!, clientId: config.consoleClientId, scopes: config.consoleScopes } : undefined,
    publicUrl: config.publicUrl,
    ready: () => store.ping(),
    metricsText: () => deps.metrics.text(expiry),
    now: deps.now,
  };
}

/** Fastify's own errors, by code (never by message), and everything else as a logged 500 that leaks nothing. */
function toGraphError(err: unknown, request: FastifyRequest): GraphError {
  const known = GraphError.from(err);
  if (known) return known;
  const code = (err as { code?: string }).code ?? '';
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return GraphError.tooLarge(request.routeOptions.bodyLimit ?? 0);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return GraphError.unsupportedMediaType(
        `The Content-Type '${request.headers['content-type'] ?? ''}' is not supported; send 'application/json'.`);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return GraphError.badRequest('The request body is empty; expected a JSON object.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return GraphError.badRequest('The request body does not match its Content-Length header.');
    // The client went away, or was cut off by the request timeout, while its body was arriving: nobody is left
    // to read an answer, and it is not a fault of the server's.
    case 'ECONNRESET':
      return GraphError.badRequest('The connection closed before the request body arrived in full.');
  }
  if (code.startsWith('Z_')) {
    return GraphError.badRequest(`The request body is not valid ${request.headers['content-encoding']} data.`);
  }
  request.log.error({ err }, 'unexpected error');
  return GraphError.internal();
}

/** The entity sets whose entities have keys: `userPfxCertificates|users|auditEvents`. */
const SETS = ENTITIES.map(setName).join('|');
/** An entity set followed by an OData key literal that never closes: `userPfxCertificates('abc`. */
const UNCLOSED_KEY = new RegExp(`/(${SETS})\\((?![^/]*\\))`, 'i');
/** An entity set followed by an OData key literal: `users('k')`, or unquoted `userPfxCertificates(k)`. */
const KEY_LITERAL = new RegExp(`/(${SETS})\\(('|%27)?([^)/?]*?)(?:'|%27)?\\)`, 'i');

/**
 * OData key syntax → path segment, before routing: `userPfxCertificates('k')`, `userPfxCertificates(k)` (the
 * PowerShell module's update path) and `users('k')` all become `…/k`.
 */
export function normaliseKeySyntax(url: string): string {
  // Most URLs have no parenthesis at all: skip the pattern (this runs before every request is routed).
  if (!url.includes('(')) return url;
  return url.replace(KEY_LITERAL,
    // In a quoted key, OData writes a quote as two: users('o''brien@contoso.com').
    (_match, set: string, quote: string | undefined, key: string) =>
      `/${set}/${quote ? key.replace(/''|%27%27/gi, "'") : key}`);
}

function lastSegment(url: string): string {
  const path = url.split('?')[0];
  return decodeURIComponentSafe(path.split('/').filter(Boolean).pop() ?? '/');
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
