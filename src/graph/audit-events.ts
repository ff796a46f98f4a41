import type { FastifyInstance, FastifyRequest } from 'fastify';
import { auditEventEntity } from '../model/audit-event.js';
import { NotFoundError } from '../model/errors.js';
import { parseEntityQuery } from '../odata/query-options.js';
import type { Store } from '../store/store.js';
import { sendCount, sendList } from './collection.js';
import { formatEntity } from './entity-format.js';
import { rawQuery, sendEntity } from './odata-response.js';
import { requirePermission } from './permissions.js';
import { resource } from './resource.js';

const SET_PATH = 'deviceManagement/auditEvents';

/** `deviceManagement/auditEvents`: who created, changed, deleted or exported what (CONTRACT §6). Read-only. */
export function registerAuditRoutes(app: FastifyInstance, options: { store: Store; publicUrl?: string }): void {
  const { store, publicUrl } = options;
  const tenant = (request: FastifyRequest) => request.principal.tenantId;

  resource(app, `/${SET_PATH}`, {
    GET: async (request, reply) => {
      requirePermission(request.principal, 'readCertificates');
      return sendList(request, reply, { entity: auditEventEntity, setPath: SET_PATH, publicUrl }, async (query) => {
        const page = await store.list(auditEventEntity, tenant(request), query);
        return { page, items: page.rows.map((row) => formatEntity(auditEventEntity, row, { select: query.select, withType: true })) };
      });
    },
  });

  resource(app, `/${SET_PATH}/$count`, {
    GET: async (request, reply) => {
      requirePermission(request.principal, 'readCertificates');
      return sendCount(request, reply, auditEventEntity, (filter) => store.count(auditEventEntity, tenant(request), filter));
    },
  });

  resource(app, `/${SET_PATH}/:id`, {
    GET: async (request, reply) => {
      requirePermission(request.principal, 'readCertificates');
      const { select } = parseEntityQuery(rawQuery(request), auditEventEntity);
      const id = (request.params as { id: string }).id.toLowerCase();
      const row = await store.get(auditEventEntity, tenant(request), id);
      if (!row) throw new NotFoundError(`No auditEvent with id '${id}' exists.`);
      return sendEntity(request, reply, 200, { setPath: SET_PATH, publicUrl }, auditEventEntity, row, { select, withType: true });
    },
  });
}
