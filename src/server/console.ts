/**
 * The web console (issue #15): the files Vite built into dist/web, served at /console/ on the API's origin.
 * The build is read once at start-up (a few hashed files, ~100 KB), so a request is a map lookup; a missing build
 * answers a Graph error saying how to make it instead of a bare 404.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GraphError } from '../graph/errors.js';
import { sendError } from '../graph/error-reply.js';
import type { ServeConfig } from './config.js';

/** dist/web (the console's build; dist/console holds tsc's output of console/src/pfx), from dist/src/server/console.js. */
export const CONSOLE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');

const PREFIX = '/console';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** Vite names every file under assets/ by its content hash: a new build is a new name, so a year is safe. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html names the current hashes: the browser must ask again each time (a 200 is ~1 KB). */
const REVALIDATE = 'no-cache';

interface ConsoleFile {
  readonly body: Buffer;
  readonly type: string;
  readonly cacheControl: string;
}

/**
 * The headers of every response under /console (errors and 404s too). The CSP allows no inline script or style:
 * Vite emits external files only. connect-src and form-action name the identity provider in oidc mode, where the
 * browser fetches its metadata and token endpoint and is sent to its authorize page; in dev mode that is 'self'.
 */
export function consoleSecurityHeaders(config: Pick<ServeConfig, 'auth' | 'issuer'>): Readonly<Record<string, string>> {
  const authority = config.auth === 'oidc' && config.issuer ? ` ${issuerOrigin(config.issuer)}` : '';
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self'${authority}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    `form-action 'self'${authority}`,
  ].join('; ');
  return {
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
}

/** The issuer may hold `{tenantid}` (multi-tenant Entra ID): only its origin goes into the policy. */
function issuerOrigin(issuer: string): string {
  return new URL(issuer.replace(/\{tenantid\}/gi, 'common')).origin;
}

export interface ConsoleOptions {
  readonly config: Pick<ServeConfig, 'auth' | 'issuer'>;
  /** Where the build is; dist/web unless a test points elsewhere. */
  readonly dir?: string;
}

/** GET /console → /console/, the app's files, and index.html for every other app path (the app routes itself). */
export function registerConsole(app: FastifyInstance, options: ConsoleOptions): void {
  const headers = consoleSecurityHeaders(options.config);
  const files = readBuild(options.dir ?? CONSOLE_DIR);

  // A hook on the whole app, not a route's: the headers must reach 404s and the routes of other files
  // (the auth side's /console/config.json) as well. Paths are case-insensitive here, as everywhere in the router.
  app.addHook('onRequest', (request, reply, done) => {
    const path = request.url.slice(0, PREFIX.length + 1).toLowerCase();
    if (path === PREFIX || path === `${PREFIX}/` || path === `${PREFIX}?`) reply.headers(headers);
    done();
  });

  const serve = async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0];
    // The router ignores a trailing slash, so /console and /console/ reach this one handler: relative asset
    // URLs in index.html only resolve under the slash.
    if (path.toLowerCase() === PREFIX) return reply.redirect(`${PREFIX}/${request.url.slice(PREFIX.length)}`, 301);
    if (!files) {
      return sendError(request, reply, new GraphError('ServiceUnavailable',
        "The web console is not built: run 'npm run build' (or 'npm run build:console') and restart the server."));
    }
    const name = decodeSafe(path.slice(PREFIX.length + 1));
    const file = files.get(name) ?? (looksLikeFile(name) ? undefined : files.get('index.html'));
    if (!file) return sendError(request, reply, GraphError.notFound(`The console has no file '${name}'.`));
    return reply.header('content-type', file.type).header('cache-control', file.cacheControl).send(file.body);
  };
  app.get(PREFIX, serve);
  app.get(`${PREFIX}/*`, serve);
}

/** A path whose last segment has an extension asks for a file; without one it is a page of the app. */
function looksLikeFile(name: string): boolean {
  return extname(name.split('/').pop() ?? '') !== '';
}

function decodeSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Every file of the build by its path under /console/, or undefined when there is no build (no index.html). */
function readBuild(dir: string): Map<string, ConsoleFile> | undefined {
  let names: string[];
  try {
    if (!statSync(join(dir, 'index.html')).isFile()) return undefined;
    names = walk(dir);
  } catch {
    return undefined;
  }
  const files = new Map<string, ConsoleFile>();
  for (const path of names) {
    const name = relative(dir, path).split(sep).join('/');
    files.set(name, {
      body: readFileSync(path),
      type: TYPES[extname(name)] ?? 'application/octet-stream',
      cacheControl: name.startsWith('assets/') ? IMMUTABLE : REVALIDATE,
    });
  }
  return files;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return walk(path);
    return entry.isFile() ? [path] : [];
  });
}
