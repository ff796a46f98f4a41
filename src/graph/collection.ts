import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EntityDef } from '../model/entity.js';
import { parseCountQuery, parseListQuery } from '../odata/query-options.js';
import { encodeSkipToken } from '../odata/skiptoken.js';
import { nextLinkQuery } from '../odata/query-string.js';
import type { ListQuery } from '../odata/list-query.js';
import type { BoundExpr } from '../odata/filter-ast.js';
import type { Page } from '../store/store.js';
import { apiBase, rawQuery, sendJson } from './odata-response.js';

export interface CollectionSet {
  /** Path of the entity set below the version, e.g. `deviceManagement/userPfxCertificates`. */
  readonly setPath: string;
  readonly publicUrl?: string;
}

/** The list query options of a collection GET (CONTRACT §4.4), from the raw query text. */
export function listQueryOf(request: FastifyRequest, entity: EntityDef): ListQuery {
  return parseListQuery(rawQuery(request), entity);
}

/** The `$filter` of a `…/$count` GET (the only option it takes). */
export function countFilterOf(request: FastifyRequest, entity: EntityDef): BoundExpr | undefined {
  return parseCountQuery(rawQuery(request), entity).filter;
}

/**
 * A list response (CONTRACT §4.4): `@odata.context`, `@odata.count` when asked, `value`, and `@odata.nextLink`
 * carrying the original query options plus an opaque `$skiptoken` for the next keyset page.
 */
export function sendList(request: FastifyRequest, reply: FastifyReply, set: CollectionSet, query: ListQuery,
  page: Page, items: readonly unknown[]): FastifyReply {
  const base = apiBase(request, set.publicUrl);
  const body: Record<string, unknown> = { '@odata.context': `${base}/$metadata#${set.setPath}${selectSuffix(query)}` };
  if (page.count !== undefined) body['@odata.count'] = page.count;
  if (page.nextAfter) {
    body['@odata.nextLink'] = `${base}/${set.setPath}?${nextLinkQuery(rawQuery(request), encodeSkipToken(query, [...page.nextAfter]))}`;
  }
  body.value = items;
  return sendJson(reply, 200, body);
}

/** `…/$count`: the number of matching entities as text/plain. */
export function sendCount(reply: FastifyReply, count: number): FastifyReply {
  return reply.code(200).header('content-type', 'text/plain;charset=utf-8').send(String(count));
}

function selectSuffix(query: ListQuery): string {
  return query.select ? `(${query.select.map((p) => p.name).join(',')})` : '';
}
