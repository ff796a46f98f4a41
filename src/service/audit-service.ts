import { auditEventEntity } from '../model/audit-event.js';
import { NotFoundError } from '../model/errors.js';
import type { BoundExpr } from '../odata/filter-ast.js';
import type { ListQuery } from '../odata/list-query.js';
import type { RowOf } from '../model/entity.js';
import type { Page, Store } from '../store/store.js';
import type { RequestContext } from './context.js';

/** Reading the audit trail (CONTRACT §6); events are written by the services whose changes they record. */
export class AuditService {
  constructor(private readonly deps: { readonly store: Store }) {}

  list(context: RequestContext, query: ListQuery): Promise<Page> {
    return this.deps.store.list(auditEventEntity, context.principal.tenantId, query);
  }

  count(context: RequestContext, filter?: BoundExpr): Promise<number> {
    return this.deps.store.count(auditEventEntity, context.principal.tenantId, filter);
  }

  async get(context: RequestContext, id: string): Promise<RowOf<typeof auditEventEntity>> {
    const key = id.toLowerCase();
    const row = await this.deps.store.get(auditEventEntity, context.principal.tenantId, key);
    if (!row) throw new NotFoundError(`No auditEvent with id '${key}' exists.`);
    return row;
  }
}
