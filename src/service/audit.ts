import { timeOrderedUuid } from '../model/guid.js';
import { nowStored } from '../model/datetime.js';
import type { Row } from '../store/store.js';
import type { RequestContext } from './context.js';
import type { Principal } from './principal.js';

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
  const name = `${operation} ${subject.type}`;
  // An export's reason (pfxstore-export-reason) goes in `activity`, Intune's free text; `displayName` and
  // `activityType` keep the bare name, so they still sort and match exactly.
  const activity = operation === 'Export' && context.exportReason !== undefined ? `${name}: ${context.exportReason}` : name;
  return {
    id: timeOrderedUuid(now),
    displayName: name,
    componentName: subject.category,
    actor: actorJson(principal),
    activity,
    activityDateTime: nowStored(new Date(now)),
    activityType: name,
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

/**
 * The auditActor of a principal, as JSON text. It depends on the principal alone, and a client's requests share
 * one principal object (the token verifier keeps it while the token lives), so it is written once per principal
 * rather than once per write.
 */
const actors = new WeakMap<Principal, string>();

function actorJson(principal: Principal): string {
  let json = actors.get(principal);
  if (json === undefined) {
    json = JSON.stringify({
      '@odata.type': 'microsoft.graph.auditActor',
      type: 'ItPro',
      auditActorType: principal.kind === 'application' ? 'application' : 'user',
      userPermissions: [...(principal.kind === 'application' ? principal.roles : principal.scopes)],
      applicationId: principal.appId ?? null,
      applicationDisplayName: principal.displayName ?? null,
      userPrincipalName: principal.userPrincipalName ?? null,
      servicePrincipalName: principal.kind === 'application' ? principal.appId ?? null : null,
      ipAddress: null,
      userId: principal.objectId ?? null,
      remoteTenantId: null,
      remoteUserId: null,
    });
    actors.set(principal, json);
  }
  return json;
}
