import type { EntityDef, EnumDef, PropertyDef } from '../model/entity.js';
import { auditEventEntity } from '../model/audit-event.js';
import { certificateEntity, intendedPurposeEnum, paddingSchemeEnum } from '../model/certificate.js';
import { userEntity } from '../model/user.js';

/** CSDL for `$metadata`, derived from the property tables: the entity types, enums and sets this API serves. */
export function metadataXml(): string {
  const enums = [intendedPurposeEnum, paddingSchemeEnum].map(enumXml).join('\n');
  const types = [certificateEntity, userEntity, auditEventEntity].map(entityXml).join('\n');
  return `<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="microsoft.graph" xmlns="http://docs.oasis-open.org/odata/ns/edm">
${enums}
    <ComplexType Name="auditActor" OpenType="true"/>
    <ComplexType Name="auditResource" OpenType="true"/>
    <EntityType Name="entity" Abstract="true">
      <Key><PropertyRef Name="id"/></Key>
      <Property Name="id" Type="Edm.String" Nullable="false"/>
    </EntityType>
${types}
    <EntityType Name="deviceManagement" BaseType="microsoft.graph.entity">
      <NavigationProperty Name="userPfxCertificates" Type="Collection(microsoft.graph.userPFXCertificate)" ContainsTarget="true"/>
      <NavigationProperty Name="auditEvents" Type="Collection(microsoft.graph.auditEvent)" ContainsTarget="true"/>
    </EntityType>
    <EntityContainer Name="GraphService">
      <EntitySet Name="users" EntityType="microsoft.graph.user"/>
      <Singleton Name="deviceManagement" Type="microsoft.graph.deviceManagement"/>
    </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>
`;
}

function enumXml(def: EnumDef): string {
  const members = def.members.map((m) => `        <Member Name="${m.name}" Value="${m.value}"/>`).join('\n');
  return `    <EnumType Name="${def.name}">\n${members}\n    </EnumType>`;
}

function entityXml(entity: EntityDef): string {
  const props = entity.properties.filter((p) => p.name !== 'id').map(propertyXml).join('\n');
  return `    <EntityType Name="${entity.typeName}" BaseType="microsoft.graph.entity">\n${props}\n    </EntityType>`;
}

function propertyXml(p: PropertyDef): string {
  const nullable = p.nullable || p.secret ? '' : ' Nullable="false"';
  return `      <Property Name="${p.name}" Type="${edmType(p)}"${nullable}/>`;
}

function edmType(p: PropertyDef): string {
  switch (p.kind) {
    case 'enum': return `microsoft.graph.${p.enumDef!.name}`;
    case 'dateTimeOffset': return 'Edm.DateTimeOffset';
    case 'binary': return 'Edm.Binary';
    case 'boolean': return 'Edm.Boolean';
    case 'guid': return 'Edm.Guid';
    case 'int32': return 'Edm.Int32';
    case 'complex': return p.name === 'actor' ? 'microsoft.graph.auditActor' : 'Collection(microsoft.graph.auditResource)';
    default: return 'Edm.String';
  }
}
