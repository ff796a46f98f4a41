import { entity, property } from './entity.js';

/**
 * microsoft.graph.auditEvent (Intune) — https://learn.microsoft.com/graph/api/resources/intune-auditing-auditevent
 * `actor` and `resources` are complex values (kind `complex`): JSON text, returned, never filtered on.
 */
export const auditEventEntity = entity({
  typeName: 'auditEvent',
  odataType: '#microsoft.graph.auditEvent',
  table: 'audit_events',
  sequenceColumn: 'seq',
  properties: [
    property({ name: 'id', kind: 'guid', column: 'id' }),
    property({ name: 'displayName', kind: 'string', column: 'display_name' }),
    property({ name: 'componentName', kind: 'string', column: 'component_name' }),
    property({ name: 'actor', kind: 'complex', column: 'actor_json', filterable: false }),
    property({ name: 'activity', kind: 'string', column: 'activity' }),
    property({ name: 'activityDateTime', kind: 'dateTimeOffset', column: 'activity_date_time' }),
    property({ name: 'activityType', kind: 'string', column: 'activity_type' }),
    property({ name: 'activityOperationType', kind: 'string', column: 'activity_operation_type' }),
    property({ name: 'activityResult', kind: 'string', column: 'activity_result' }),
    property({ name: 'correlationId', kind: 'guid', column: 'correlation_id' }),
    property({ name: 'resources', kind: 'complex', column: 'resources_json', filterable: false }),
    property({ name: 'category', kind: 'string', column: 'category' }),
  ],
});
