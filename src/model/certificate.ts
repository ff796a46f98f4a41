import { entity, property, type EnumDef } from './entity.js';

export const intendedPurposeEnum: EnumDef = {
  name: 'userPfxIntendedPurpose',
  members: [
    { name: 'unassigned', value: 0 },
    { name: 'smimeEncryption', value: 1 },
    { name: 'smimeSigning', value: 2 },
    { name: 'vpn', value: 4 },
    { name: 'wifi', value: 8 },
  ],
};

export const paddingSchemeEnum: EnumDef = {
  name: 'userPfxPaddingScheme',
  members: [
    { name: 'none', value: 0 },
    { name: 'pkcs1', value: 1 },
    { name: 'oaepSha1', value: 2 },
    { name: 'oaepSha256', value: 3 },
    { name: 'oaepSha384', value: 4 },
    { name: 'oaepSha512', value: 5 },
  ],
};

/**
 * microsoft.graph.userPFXCertificate — https://learn.microsoft.com/graph/api/resources/intune-raimportcerts-userpfxcertificate
 * Graph declares the enums and dates non-nullable and the strings nullable, even those a create must carry.
 */
export const certificateEntity = entity({
  typeName: 'userPFXCertificate',
  odataType: '#microsoft.graph.userPFXCertificate',
  setPath: 'deviceManagement/userPfxCertificates',
  table: 'user_pfx_certificates',
  sequenceColumn: 'seq',
  ownerColumn: 'user_id',
  properties: [
    property({ name: 'id', kind: 'string', column: 'id', serverSet: true }),
    property({ name: 'thumbprint', kind: 'string', column: 'thumbprint', caseInsensitive: true, required: true, patchable: true }),
    property({ name: 'intendedPurpose', kind: 'enum', enumDef: intendedPurposeEnum, column: 'intended_purpose', declaredNullable: false, patchable: true }),
    property({ name: 'userPrincipalName', kind: 'string', column: 'user_principal_name', filterColumn: 'upn_lower', caseInsensitive: true, required: true, patchable: true }),
    property({ name: 'startDateTime', kind: 'dateTimeOffset', column: 'start_date_time', required: true, declaredNullable: false, patchable: true }),
    property({ name: 'expirationDateTime', kind: 'dateTimeOffset', column: 'expiration_date_time', required: true, declaredNullable: false, patchable: true }),
    property({ name: 'providerName', kind: 'string', column: 'provider_name', required: true, patchable: true }),
    property({ name: 'keyName', kind: 'string', column: 'key_name', required: true, patchable: true }),
    property({ name: 'paddingScheme', kind: 'enum', enumDef: paddingSchemeEnum, column: 'padding_scheme', declaredNullable: false, patchable: true }),
    property({ name: 'encryptedPfxBlob', kind: 'binary', column: 'encrypted_pfx_blob', secret: true, required: true, patchable: true }),
    property({ name: 'encryptedPfxPassword', kind: 'string', column: 'encrypted_pfx_password', secret: true, required: true, patchable: true }),
    property({ name: 'createdDateTime', kind: 'dateTimeOffset', column: 'created_date_time', serverSet: true, declaredNullable: false }),
    property({ name: 'lastModifiedDateTime', kind: 'dateTimeOffset', column: 'last_modified_date_time', serverSet: true, declaredNullable: false }),
  ],
});
