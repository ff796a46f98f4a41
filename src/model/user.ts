import { entity, property } from './entity.js';

/** microsoft.graph.user — the subset pfxstore keeps: enough for the owner lookups clients make. */
export const userEntity = entity({
  typeName: 'user',
  odataType: '#microsoft.graph.user',
  setPath: 'users',
  table: 'users',
  sequenceColumn: 'seq',
  properties: [
    property({ name: 'id', kind: 'guid', column: 'id', serverSet: true }),
    property({ name: 'userPrincipalName', kind: 'string', column: 'user_principal_name', filterColumn: 'upn_lower', caseInsensitive: true, required: true, patchable: true }),
    property({ name: 'displayName', kind: 'string', column: 'display_name', storedNullable: true, patchable: true }),
    property({ name: 'mail', kind: 'string', column: 'mail', storedNullable: true, patchable: true }),
    property({ name: 'accountEnabled', kind: 'boolean', column: 'account_enabled', patchable: true }),
    property({ name: 'createdDateTime', kind: 'dateTimeOffset', column: 'created_date_time', serverSet: true }),
  ],
});
