import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EntityDef } from '../model/entity.js';
import { parseCountQuery, parseListQuery } from '../odata/query-options.js';
import { encodeSkipToken } from '../odata/skiptoken.js';
import { nextLinkQuery } from '../odata/query-string.js';
import type { ListQuery } from '../odata/list-query.js';
import type { BoundExpr } from '../odata/filter-ast.js';
import type { Page } from '../store/store.js';
import { apiBase, rawQuery, sendJson } from './odata-response.js';

export interface CollectionOptions {
  readonly entity: EntityDef;
  /** Path of the entity set below the version, e.g. `deviceManagement/userPfxCertificates`. */
  readonly setPath: string;
  readonly publicUrl?: string;
}

/**
 * A list response (CONTRACT §4.4): `@odata.context`, `@odata.count` when asked, `value`, and `@odata.nextLink`
 * carrying the original query options plus an opaque `$skiptoken` for the next keyset page.
 */
export async function sendList(
  request: FastifyRequest, reply: FastifyReply, options: CollectionOptions,
  run: (query: ListQuery) => Promise<{ page: Page; items: unknown[] }>,
): Promise<FastifyReply> {
  const raw = rawQuery(request);
  const query = parseListQuery(raw, options.entity);
  const { page, items } = await run(query);
  const base = apiBase(request, options.publicUrl);
  const body: Record<string, unknown> = { '@odata.context': `${base}/$metadata#${options.setPath}${selectSuffix(query)}` };
  if (page.count !== undefined) body['@odata.count'] = page.count;
  if (page.nextAfter) {
    body['@odata.nextLink'] = `${base}/${options.setPath}?${nextLinkQuery(raw, encodeSkipToken(query, [...page.nextAfter]))}`;
  }
  body.value = items;
  return sendJson(reply, 200, body);
}

/** `…/$count`: the number of matching entities as text/plain (honours `$filter`). */
export async function sendCount(request: FastifyRequest, reply: FastifyReply, entity: EntityDef,
  count: (filter?: BoundExpr) => Promise<number>): Promise<FastifyReply> {
  const { filter } = parseCountQuery(rawQuery(request), entity);
  const n = await count(filter);
  return reply.code(200).header('content-type', 'text/plain;charset=utf-8').send(String(n));
}

function selectSuffix(query: ListQuery): string {
  return query.select ? `(${query.select.map((p) => p.name).join(',')})` : '';
}
