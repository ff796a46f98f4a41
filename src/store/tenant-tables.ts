import { auditEventEntity } from '../model/audit-event.js';
import { certificateEntity } from '../model/certificate.js';
import { userEntity } from '../model/user.js';

/**
 * Every table that holds a tenant's rows, in the order `Store.removeTenant` empties them: certificates before
 * their owners (a foreign key), and the expiry counts after the certificates, whose delete triggers still
 * write to them. A new table with a tenant_id column belongs here, or a reset would leave its rows behind.
 */
export const TENANT_TABLES: readonly string[] = [
  certificateEntity.table,
  userEntity.table,
  auditEventEntity.table,
  'certificate_expiry_days',
];

/** One DELETE per table, for a dialect's placeholder (`?` or `$1`). */
export function removeTenantSql(placeholder: string): string[] {
  return TENANT_TABLES.map((table) => `DELETE FROM ${table} WHERE tenant_id = ${placeholder}`);
}
