import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EntityDef } from '../model/entity.js';
import type { Row } from '../store/store.js';
import { batchOrigin } from './batch-origin.js';
import { entityDocument, type FormatOptions } from './entity-format.js';

/** CONTRACT §3: the Content-Type of every JSON success body, as Graph writes it. */
export const ODATA_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

export function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).header('content-type', ODATA_JSON).send(JSON.stringify(body));
}

/** Where an entity answer comes from: its entity set's path (`users`), and --public-url if set. */
export interface EntitySet {
  readonly setPath: string;
  readonly publicUrl?: string;
}

/** One entity, formatted by entityDocument (entity-format.ts) under its `…/$metadata#{set}/$entity` context. */
export function sendEntity(request: FastifyRequest, reply: FastifyReply, status: number, set: EntitySet,
  entity: EntityDef, row: Row, options: FormatOptions = {}): FastifyReply {
  const contextUrl = `${apiBase(request, set.publicUrl)}/$metadata#${set.setPath}/$entity`;
  return reply.code(status).header('content-type', ODATA_JSON).send(entityDocument(entity, row, options, contextUrl));
}

/** scheme://host[:port] as the client addressed us (the outer request's, inside `$batch`), or --public-url behind a proxy. */
export function serviceRoot(request: FastifyRequest, publicUrl: string | undefined): string {
  if (publicUrl) return publicUrl;
  return batchOrigin(request.headers) ?? `${request.protocol}://${request.headers.host ?? request.hostname}`;
}

/** `scheme://host:port/{version}`: the base of every absolute URL in a response (@odata.context, nextLink, Location). */
export function apiBase(request: FastifyRequest, publicUrl: string | undefined): string {
  return `${serviceRoot(request, publicUrl)}/${versionOf(request)}`;
}

/** The API version segment (`beta`, `v1.0`, `localtest`) of the request's path. */
export function versionOf(request: FastifyRequest): string {
  // The first path segment, found without splitting the whole URL: this runs for every entity answered.
  const end = request.url.indexOf('/', 1);
  return end < 0 ? request.url.slice(1) : request.url.slice(1, end);
}

/** The raw query text after `?`, exactly as it arrived: the OData layer decodes it (values may be un-encoded). */
export function rawQuery(request: FastifyRequest): string {
  const i = request.url.indexOf('?');
  return i < 0 ? '' : request.url.slice(i + 1);
}
