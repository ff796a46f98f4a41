import type { FastifyInstance } from 'fastify';
import { auditEventEntity } from '../model/audit-event.js';
import { parseEntityQuery } from '../odata/query-options.js';
import type { AuditService } from '../service/audit-service.js';
import { countFilterOf, listQueryOf, sendCount, sendList } from './collection.js';
import { formatEntity } from './entity-format.js';
import { rawQuery, sendEntity } from './odata-response.js';
import { requirePermission } from './permissions.js';
import { context } from './request-context.js';
import { resource } from './resource.js';

const SET_PATH = auditEventEntity.setPath;

/** `deviceManagement/auditEvents`: who created, changed, deleted or exported what (CONTRACT §6). Read-only. */
export function registerAuditRoutes(app: FastifyInstance, options: { service: AuditService; publicUrl?: string }): void {
  const { service, publicUrl } = options;
  const set = { setPath: SET_PATH, publicUrl };

  resource(app, `/${SET_PATH}`, {
    GET: async (request, reply) => {
      requirePermission(request.principal, 'readCertificates');
      const query = listQueryOf(request, auditEventEntity);
      const page = await service.list(context(request), query);
      return sendList(request, reply, set, query, page,
        page.rows.map((row) => formatEntity(auditEventEntity, row, { select: query.select, withType: true })));
    },
  });

  resource(app, `/${SET_PATH}/$count`, {
    GET: async (request, reply) => {
      requirePermission(request.principal, 'readCertificates');
      return sendCount(reply, await service.count(context(request), countFilterOf(request, auditEventEntity)));
    },
  });

  resource(app, `/${SET_PATH}/:id`, {
    GET: async (request, reply) => {
      requirePermission(request.principal, 'readCertificates');
      const { select } = parseEntityQuery(rawQuery(request), auditEventEntity);
      const row = await service.get(context(request), (request.params as { id: string }).id);
      return sendEntity(request, reply, 200, set, auditEventEntity, row, { select, withType: true });
    },
  });
}
