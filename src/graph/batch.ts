import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ValidationError } from '../model/errors.js';
import { BATCH_ORIGIN_HEADER, batchOriginValue } from './batch-origin.js';
import { runScheduled } from './batch-schedule.js';
import { describe } from '../service/entity-body.js';
import { errorBody, GraphError } from './errors.js';
import { sendJson, serviceRoot, versionOf } from './odata-response.js';
import { resource } from './resource.js';
import { API_VERSIONS } from './versions.js';

/** Graph's JSON batching limit. */
const MAX_REQUESTS = 20;
const METHODS = new Set(['GET', 'POST', 'PATCH', 'PUT', 'DELETE']);

interface BatchRequest {
  readonly id: string;
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body?: unknown;
  readonly dependsOn: readonly string[];
}

interface BatchResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

/**
 * `POST /{version}/$batch` — https://learn.microsoft.com/graph/json-batching. Each request runs through the
 * whole pipeline (authentication, permissions, validation) with the batch's own token, so a batch can do no
 * more than its requests could one by one. Each request starts as soon as those it depends on have answered, so
 * independent ones run at once (batch-schedule.ts); dependants of a failed request answer 424. The answers come in
 * the requests' order.
 */
export function registerBatchRoute(app: FastifyInstance, publicUrl: string | undefined): void {
  resource(app, '/$batch', {
    POST: async (request, reply) => {
      const requests = readBatch(request.body);
      const outer: Outer = {
        version: versionOf(request),
        origin: serviceRoot(request, publicUrl),
        authorization: request.headers.authorization,
      };
      const responses = await runScheduled(requests, {
        run: (item) => run(app, outer, item),
        failed: (response) => response.status >= 400,
        skipped: (item, dependency) => failedDependency(item.id, dependency),
      });
      return sendJson(reply, 200, { responses });
    },
  });
}

/** What each request of a batch takes from the batch itself. */
interface Outer {
  readonly version: string;
  /** scheme://host:port of the batch request, for the absolute URLs of its answers. */
  readonly origin: string;
  readonly authorization: string | undefined;
}

/** Where a request of the batch may go: the sets and documents of the batch's own API version. */
const ROOTS = new Set(['users', 'devicemanagement', '$metadata', '']);

/**
 * The path of a request of the batch, under the batch's version. Graph takes URLs relative to the version
 * (`/users`); the Graph JS client's BatchRequestContent sends them with it (`/beta/users`), which is accepted
 * when it is the batch's own version.
 */
function subRequestPath(version: string, url: string): string {
  const path = url.replace(/^\/+/, '');
  const first = path.split(/[/?(]/, 1)[0];
  const rest = first.toLowerCase() === version.toLowerCase() ? path.slice(first.length).replace(/^\/+/, '') : path;
  const root = rest.split(/[/?(]/, 1)[0];
  if (!ROOTS.has(root.toLowerCase())) {
    const message = API_VERSIONS.some((v) => v.toLowerCase() === first.toLowerCase())
      ? `The URL '${url}' names the API version '${first}', but this batch was sent to '/${version}/$batch': ` +
        `requests of a batch run in the batch's version; send it relative to it, such as '/users'.`
      : `The URL '${url}' does not start with a resource of this API ('${root}'): ` +
        `use '/users…' or '/deviceManagement/…', relative to '/${version}'.`;
    throw GraphError.badRequest(message);
  }
  return `/${version}/${rest}`;
}

async function run(app: FastifyInstance, outer: Outer, item: BatchRequest): Promise<BatchResponse> {
  let url: string;
  try {
    url = subRequestPath(outer.version, item.url);
  } catch (err) {
    return errorResponse(item.id, err as GraphError);
  }
  // The request's own headers, less those the batch itself sets.
  const headers: Record<string, string> = Object.fromEntries(Object.entries(item.headers)
    .filter(([name]) => !OWN_HEADERS.has(name.toLowerCase())));
  if (outer.authorization) headers.authorization = outer.authorization;
  headers[BATCH_ORIGIN_HEADER] = batchOriginValue(outer.origin);
  if (item.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
    headers['content-type'] = 'application/json';
  }
  const response = await app.inject({
    method: item.method as 'GET',
    url,
    headers,
    payload: item.body === undefined ? undefined : typeof item.body === 'string' ? item.body : JSON.stringify(item.body),
  });
  const responseHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (['content-type', 'location', 'retry-after', 'odata-version', 'request-id', 'client-request-id', 'allow', 'www-authenticate'].includes(name)) {
      responseHeaders[name === 'content-type' ? 'Content-Type' : name] = String(value);
    }
  }
  const out: BatchResponse = { id: item.id, status: response.statusCode, headers: responseHeaders };
  if (response.body.length > 0) {
    const type = String(response.headers['content-type'] ?? '');
    out.body = type.startsWith('application/json') ? JSON.parse(response.body) : response.body;
  }
  return out;
}

/** Headers the batch sets on each of its requests: the batch's token, and the origin of its answers' URLs. */
const OWN_HEADERS = new Set(['authorization', BATCH_ORIGIN_HEADER]);

function errorResponse(id: string, err: GraphError): BatchResponse {
  const requestId = randomUUID();
  return {
    id,
    status: err.statusCode,
    headers: { 'Content-Type': 'application/json', 'request-id': requestId, 'client-request-id': requestId },
    body: errorBody(err, requestId, requestId),
  };
}

function failedDependency(id: string, dependency: string): BatchResponse {
  return errorResponse(id, new GraphError('FailedDependency', `The request it depends on ('${dependency}') failed.`));
}

function readBatch(body: unknown): BatchRequest[] {
  const bad = (message: string) => new ValidationError(`Invalid batch request: ${message}.`);
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw bad("the body must be a JSON object with a 'requests' array");
  const { requests, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw bad(`unknown property '${unknown[0]}'`);
  if (!Array.isArray(requests) || requests.length === 0) throw bad("'requests' must be a non-empty array");
  if (requests.length > MAX_REQUESTS) throw bad(`at most ${MAX_REQUESTS} requests are allowed, not ${requests.length}`);
  const ids = new Set<string>();
  const parsed = requests.map((r: unknown, i: number): BatchRequest => {
    if (!r || typeof r !== 'object' || Array.isArray(r)) throw bad(`requests[${i}] must be an object`);
    const { id, method, url, headers = {}, body: itemBody, dependsOn = [] } = r as Record<string, unknown>;
    if (typeof id !== 'string' || id === '') throw bad(`requests[${i}].id must be a non-empty string, not ${describe(id)}`);
    if (ids.has(id)) throw bad(`the id '${id}' is used by more than one request`);
    ids.add(id);
    if (typeof method !== 'string' || !METHODS.has(method.toUpperCase())) {
      throw bad(`requests[${i}].method must be one of ${[...METHODS].join(', ')}, not ${describe(method)}`);
    }
    if (typeof url !== 'string' || url === '' || /^[a-z]+:/i.test(url) || /\$batch/i.test(url)) {
      throw bad(`requests[${i}].url must be a relative URL such as '/users' (no nested $batch), not ${describe(url)}`);
    }
    if (typeof headers !== 'object' || headers === null || Array.isArray(headers) ||
        Object.values(headers).some((v) => typeof v !== 'string')) {
      throw bad(`requests[${i}].headers must be an object of strings`);
    }
    if (!Array.isArray(dependsOn) || dependsOn.some((d) => typeof d !== 'string')) {
      throw bad(`requests[${i}].dependsOn must be an array of request ids`);
    }
    return { id, method: method.toUpperCase(), url, headers: headers as Record<string, string>, body: itemBody, dependsOn };
  });
  for (const r of parsed) {
    const missing = r.dependsOn.find((d) => !ids.has(d));
    if (missing) throw bad(`request '${r.id}' depends on '${missing}', which is not in the batch`);
  }
  return parsed;
}
