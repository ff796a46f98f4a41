import { entity, property, type ComplexTypeDef } from './entity.js';

/** microsoft.graph.roleScopeTagInfo — the Intune scope tags an auditActor held. */
export const roleScopeTagInfoType: ComplexTypeDef = {
  name: 'roleScopeTagInfo',
  properties: [
    { name: 'displayName', type: 'string' },
    { name: 'roleScopeTagId', type: 'string' },
  ],
};

/** microsoft.graph.auditActor — https://learn.microsoft.com/graph/api/resources/intune-auditing-auditactor */
export const auditActorType: ComplexTypeDef = {
  name: 'auditActor',
  properties: [
    { name: 'applicationDisplayName', type: 'string' },
    { name: 'applicationId', type: 'string' },
    { name: 'auditActorType', type: 'string' },
    { name: 'ipAddress', type: 'string' },
    { name: 'remoteTenantId', type: 'string' },
    { name: 'remoteUserId', type: 'string' },
    { name: 'servicePrincipalName', type: 'string' },
    { name: 'type', type: 'string' },
    { name: 'userId', type: 'string' },
    { name: 'userPermissions', type: 'string', collection: true },
    { name: 'userPrincipalName', type: 'string' },
    { name: 'userRoleScopeTags', type: roleScopeTagInfoType, collection: true },
  ],
};

/** microsoft.graph.auditProperty — one changed property of an auditResource. */
export const auditPropertyType: ComplexTypeDef = {
  name: 'auditProperty',
  properties: [
    { name: 'displayName', type: 'string' },
    { name: 'newValue', type: 'string' },
    { name: 'oldValue', type: 'string' },
  ],
};

/** microsoft.graph.auditResource — https://learn.microsoft.com/graph/api/resources/intune-auditing-auditresource */
export const auditResourceType: ComplexTypeDef = {
  name: 'auditResource',
  properties: [
    { name: 'auditResourceType', type: 'string' },
    { name: 'displayName', type: 'string' },
    { name: 'modifiedProperties', type: auditPropertyType, collection: true },
    { name: 'resourceId', type: 'string' },
    { name: 'type', type: 'string' },
  ],
};

/**
 * microsoft.graph.auditEvent (Intune) — https://learn.microsoft.com/graph/api/resources/intune-auditing-auditevent
 * `actor` and `resources` are complex values (kind `complex`): JSON text, returned, never filtered on. pfxstore
 * writes every column of every event, but Graph declares all but the time and correlation id nullable.
 */
export const auditEventEntity = entity({
  typeName: 'auditEvent',
  odataType: '#microsoft.graph.auditEvent',
  setPath: 'deviceManagement/auditEvents',
  table: 'audit_events',
  sequenceColumn: 'seq',
  properties: [
    property({ name: 'id', kind: 'guid', column: 'id' }),
    property({ name: 'displayName', kind: 'string', column: 'display_name' }),
    property({ name: 'componentName', kind: 'string', column: 'component_name' }),
    property({ name: 'actor', kind: 'complex', complexType: auditActorType, column: 'actor_json', filterable: false }),
    property({ name: 'activity', kind: 'string', column: 'activity' }),
    property({ name: 'activityDateTime', kind: 'dateTimeOffset', column: 'activity_date_time', declaredNullable: false }),
    property({ name: 'activityType', kind: 'string', column: 'activity_type' }),
    property({ name: 'activityOperationType', kind: 'string', column: 'activity_operation_type' }),
    property({ name: 'activityResult', kind: 'string', column: 'activity_result' }),
    property({ name: 'correlationId', kind: 'guid', column: 'correlation_id', declaredNullable: false }),
    property({ name: 'resources', kind: 'complex', complexType: auditResourceType, collection: true, column: 'resources_json', filterable: false }),
    property({ name: 'category', kind: 'string', column: 'category' }),
  ],
});
