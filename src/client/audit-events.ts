/**
 * `deviceManagement/auditEvents` (Intune's audit trail): who created, changed, deleted or exported what.
 * https://learn.microsoft.com/graph/api/resources/intune-auditing-auditevent
 */
import type { GraphClient } from './graph-client.js';

export const AUDIT_EVENTS_PATH = 'deviceManagement/auditEvents';

export interface AuditActor {
  readonly auditActorType?: string | null;
  readonly userPrincipalName?: string | null;
  readonly applicationId?: string | null;
  readonly servicePrincipalName?: string | null;
  readonly userPermissions?: readonly string[] | null;
}

export interface AuditResource {
  readonly resourceId?: string | null;
  readonly type?: string | null;
  readonly displayName?: string | null;
}

export interface AuditEvent {
  readonly id: string;
  readonly activity?: string | null;
  readonly activityDateTime: string;
  readonly activityOperationType?: string | null;
  readonly activityResult?: string | null;
  readonly category?: string | null;
  readonly correlationId: string;
  readonly actor?: AuditActor | null;
  readonly resources?: readonly AuditResource[] | null;
}

export interface AuditQuery {
  /** Events at or after this instant: `activityDateTime ge …`, on the server. */
  readonly since?: Date;
}

export class AuditApi {
  constructor(readonly client: GraphClient) {}

  /**
   * Every event, oldest first, across all pages. Only the time is filtered on the server: `actor` and
   * `resources` are complex values that Graph's `$filter` cannot reach, so callers narrow by them afterwards.
   */
  list(query: AuditQuery = {}, pageSize?: number): AsyncGenerator<AuditEvent> {
    return this.client.list<AuditEvent>(AUDIT_EVENTS_PATH, {
      $filter: query.since === undefined ? undefined : `activityDateTime ge ${query.since.toISOString()}`,
      $orderby: 'activityDateTime',
      $top: pageSize,
    });
  }
}

/** Whether the event names this entity id among its resources (ids compared case-insensitively, as GUIDs are). */
export function namesResource(event: AuditEvent, id: string): boolean {
  const wanted = id.toLowerCase();
  return (event.resources ?? []).some((r) => r.resourceId?.toLowerCase() === wanted);
}

/**
 * Whether the event was done by this user (userPrincipalName) or, for an application acting as itself, by this
 * application (appId); any case. A person's events are not an application's, though their token names one.
 */
export function doneBy(event: AuditEvent, who: string): boolean {
  const wanted = who.toLowerCase();
  const actor = event.actor ?? {};
  const names = actor.auditActorType === 'application' ? [actor.applicationId, actor.servicePrincipalName] : [actor.userPrincipalName];
  return names.some((v) => v?.toLowerCase() === wanted);
}
