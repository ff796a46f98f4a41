import type { ComplexMemberDef, ComplexTypeDef, EntityDef, EnumDef, PropertyDef } from '../model/entity.js';
import { intendedPurposeEnum, paddingSchemeEnum } from '../model/certificate.js';
import { ENTITIES } from '../model/entities.js';

/**
 * CSDL for `$metadata`, derived from the property tables: the entity types, enums, complex types and sets this API
 * serves, with Graph's beta names, types and nullability (test/graph/metadata-csdl.test.ts holds it to Microsoft's).
 */
export function metadataXml(): string {
  const entities = ENTITIES;
  const enums = [intendedPurposeEnum, paddingSchemeEnum].map(enumXml).join('\n');
  const complexTypes = complexTypesOf(entities).map(complexTypeXml).join('\n');
  const types = entities.map(entityXml).join('\n');
  return `<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="microsoft.graph" xmlns="http://docs.oasis-open.org/odata/ns/edm">
${enums}
${complexTypes}
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

/** Every complex type the entities' properties reach, directly or through another complex type, each once. */
function complexTypesOf(entities: readonly EntityDef[]): ComplexTypeDef[] {
  const found = new Set<ComplexTypeDef>();
  const visit = (type: ComplexTypeDef): void => {
    if (found.has(type)) return;
    found.add(type);
    for (const member of type.properties) if (member.type !== 'string') visit(member.type);
  };
  for (const p of entities.flatMap((e) => e.properties)) if (p.complexType) visit(p.complexType);
  return [...found];
}

function complexTypeXml(type: ComplexTypeDef): string {
  const props = type.properties.map((m) => `      <Property Name="${m.name}" Type="${memberType(m)}"/>`).join('\n');
  return `    <ComplexType Name="${type.name}">\n${props}\n    </ComplexType>`;
}

function memberType(m: ComplexMemberDef): string {
  return collectionOf(m.type === 'string' ? 'Edm.String' : `microsoft.graph.${m.type.name}`, m.collection);
}

function entityXml(entity: EntityDef): string {
  const props = entity.properties.filter((p) => p.name !== 'id').map(propertyXml).join('\n');
  return `    <EntityType Name="${entity.typeName}" BaseType="microsoft.graph.entity">\n${props}\n    </EntityType>`;
}

function propertyXml(p: PropertyDef): string {
  const nullable = p.declaredNullable ? '' : ' Nullable="false"';
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
    case 'complex': return collectionOf(`microsoft.graph.${p.complexType!.name}`, p.collection);
    default: return 'Edm.String';
  }
}

function collectionOf(type: string, collection: boolean | undefined): string {
  return collection ? `Collection(${type})` : type;
}
