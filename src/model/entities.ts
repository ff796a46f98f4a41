import { auditEventEntity } from './audit-event.js';
import { certificateEntity } from './certificate.js';
import type { EntityDef } from './entity.js';
import { userEntity } from './user.js';

/** Every entity the API serves: what the stores prepare statements for and `$metadata` declares. */
export const ENTITIES: readonly EntityDef[] = [userEntity, certificateEntity, auditEventEntity];

/** The last segment of an entity set's path (`userPfxCertificates`): what an OData key literal may follow. */
export function setName(entity: EntityDef): string {
  return entity.setPath.slice(entity.setPath.lastIndexOf('/') + 1);
}
