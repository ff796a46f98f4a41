import { timeOrderedUuid } from '../model/guid.js';
import { nowStored } from '../model/datetime.js';
import type { Row } from '../store/store.js';
import type { RequestContext } from './context.js';

export type AuditOperation = 'Create' | 'Patch' | 'Delete' | 'Export';

export interface AuditSubject {
  /** `UserPFXCertificate` or `User`. */
  readonly type: string;
  readonly ids: readonly string[];
  readonly category: string;
}

/**
 * An Intune-shaped auditEvent row (https://learn.microsoft.com/graph/api/resources/intune-auditing-auditevent).
 * It names who did what to which entity, and never carries a secret value.
 */
export function auditEvent(context: RequestContext, operation: AuditOperation, subject: AuditSubject, now = Date.now()): Row {
  const { principal } = context;
  const activity = `${operation} ${subject.type}`;
  return {
    id: timeOrderedUuid(now),
    displayName: activity,
    componentName: subject.category,
    actor: JSON.stringify({
      '@odata.type': 'microsoft.graph.auditActor',
      type: 'ItPro',
      auditActorType: principal.kind === 'application' ? 'application' : 'user',
      userPermissions: [...(principal.kind === 'application' ? principal.roles : principal.scopes)],
      applicationId: principal.appId ?? null,
      applicationDisplayName: null,
      userPrincipalName: principal.userPrincipalName ?? null,
      servicePrincipalName: principal.kind === 'application' ? principal.appId ?? null : null,
      ipAddress: null,
      userId: principal.objectId ?? null,
      remoteTenantId: null,
      remoteUserId: null,
    }),
    activity,
    activityDateTime: nowStored(new Date(now)),
    activityType: activity,
    activityOperationType: operation,
    activityResult: 'Success',
    correlationId: context.requestId,
    resources: JSON.stringify(subject.ids.map((id) => ({
      '@odata.type': 'microsoft.graph.auditResource',
      displayName: id,
      type: subject.type,
      auditResourceType: subject.type,
      resourceId: id,
      modifiedProperties: [],
    }))),
    category: subject.category,
  };
}
