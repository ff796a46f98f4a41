import type { FastifyInstance, FastifyRequest } from 'fastify';
import { userEntity } from '../model/user.js';
import { parseEntityQuery } from '../odata/query-options.js';
import type { UserService } from '../service/user-service.js';
import { countFilterOf, listQueryOf, sendCount, sendList } from './collection.js';
import { formatEntity } from './entity-format.js';
import { apiBase, rawQuery, sendEntity } from './odata-response.js';
import { requirePermission } from './permissions.js';
import { context } from './request-context.js';
import { resource } from './resource.js';

/** `/users`: the owner lookups Graph clients make (CONTRACT §5). */
export function registerUserRoutes(app: FastifyInstance, options: { service: UserService; publicUrl?: string }): void {
  const { service, publicUrl } = options;
  const base = (request: FastifyRequest) => apiBase(request, publicUrl);
  const set = { setPath: userEntity.setPath, publicUrl };
  // Fastify has already percent-decoded the parameter.
  const keyOf = (request: FastifyRequest) => (request.params as { key: string }).key;

  resource(app, `/${set.setPath}`, {
    GET: async (request, reply) => {
      requirePermission(request.principal, 'readUsers');
      const query = listQueryOf(request, userEntity);
      const page = await service.list(context(request), query);
      return sendList(request, reply, set, query, page, page.rows.map((row) => formatEntity(userEntity, row, { select: query.select })));
    },
    POST: async (request, reply) => {
      requirePermission(request.principal, 'writeUsers');
      const row = await service.create(context(request), request.body);
      return sendEntity(request, reply.header('location', `${base(request)}/users/${row.id}`), 201, set, userEntity, row);
    },
  });

  resource(app, `/${set.setPath}/$count`, {
    GET: async (request, reply) => {
      requirePermission(request.principal, 'readUsers');
      return sendCount(reply, await service.count(context(request), countFilterOf(request, userEntity)));
    },
  });

  resource(app, `/${set.setPath}/:key`, {
    GET: async (request, reply) => {
      requirePermission(request.principal, 'readUsers');
      const { select } = parseEntityQuery(rawQuery(request), userEntity);
      const row = await service.get(context(request), keyOf(request));
      return sendEntity(request, reply, 200, set, userEntity, row, { select });
    },
    PATCH: async (request, reply) => {
      requirePermission(request.principal, 'writeUsers');
      await service.update(context(request), keyOf(request), request.body);
      return reply.code(204).send();
    },
    DELETE: async (request, reply) => {
      requirePermission(request.principal, 'writeUsers');
      await service.delete(context(request), keyOf(request));
      return reply.code(204).send();
    },
  });
}
