import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { makeTestApp, type TestApp } from '../helpers/app.js';
import { sqliteFactory } from '../helpers/stores.js';

/**
 * `$metadata` against Microsoft's published beta CSDL (test/fixtures/graph-beta-csdl.xml, verbatim copies of the
 * types pfxstore declares): every property and member pfxstore declares must exist in Microsoft's type with the
 * same Edm type and nullability, and a complex type must declare all of Microsoft's properties, since a client
 * deserialises a whole complex value with its own generated model.
 */

// The fixture lives in the source tree (tsc does not copy .xml): dist/test/graph/ → the repository root.
const FIXTURE = new URL('../../../test/fixtures/graph-beta-csdl.xml', import.meta.url);

/** The one type pfxstore declares that Graph's is far larger than: it only holds the two navigation properties. */
const UNCHECKED = new Set(['deviceManagement']);

describe('$metadata agrees with Microsoft Graph beta CSDL', () => {
  let t: TestApp;
  let ours: Schema;
  let graph: Schema;
  before(async () => {
    t = await makeTestApp(sqliteFactory);
    const res = await t.call({ method: 'GET', url: '/beta/$metadata', token: null });
    assert.equal(res.statusCode, 200);
    ours = readSchema(res.body);
    graph = readSchema(readFileSync(FIXTURE, 'utf8'));
  });
  after(() => t.close());

  test('the fixture holds the types it says it holds', () => {
    assert.deepEqual([...graph.enums.keys()].sort(), ['userPfxIntendedPurpose', 'userPfxPaddingScheme']);
    assert.deepEqual([...graph.types.keys()].sort(),
      ['auditActor', 'auditEvent', 'auditProperty', 'auditResource', 'entity', 'roleScopeTagInfo', 'user', 'userPFXCertificate']);
    assert.equal(graph.types.get('auditActor')!.properties.size, 12);
    assert.equal(graph.types.get('auditResource')!.properties.size, 5);
  });

  test(`every enum has Microsoft's members and values`, () => {
    assert.ok(ours.enums.size > 0);
    for (const [name, members] of ours.enums) {
      assert.ok(graph.enums.has(name), `enum ${name} is not in Graph's beta CSDL`);
      assert.deepEqual(members, graph.enums.get(name), `members of ${name}`);
    }
  });

  test(`every property of every entity and complex type is Graph's: name, Edm type, Nullable`, () => {
    for (const [name, type] of ours.types) {
      if (UNCHECKED.has(name)) continue;
      const theirs = graph.types.get(name);
      assert.ok(theirs, `${type.kind} ${name} is not in Graph's beta CSDL`);
      assert.equal(type.kind, theirs.kind, `${name} is a ${theirs.kind} in Graph`);
      for (const [property, declared] of type.properties) {
        const expected: DeclaredProperty | undefined = theirs.properties.get(property) ?? inherited(graph, theirs, property);
        assert.ok(expected, `${name}.${property} is not a property of Graph's ${name}`);
        assert.deepEqual(declared, expected, `${name}.${property}`);
      }
    }
  });

  test(`complex types declare all of Graph's properties`, () => {
    const complex = [...ours.types.values()].filter((type) => type.kind === 'ComplexType');
    assert.deepEqual(complex.map((type) => type.name).sort(), ['auditActor', 'auditProperty', 'auditResource', 'roleScopeTagInfo']);
    for (const type of complex) {
      assert.deepEqual([...type.properties.keys()].sort(), [...graph.types.get(type.name)!.properties.keys()].sort(), type.name);
    }
  });

  test('every type a property names is declared', () => {
    for (const type of ours.types.values()) {
      for (const [property, { type: edmType }] of type.properties) {
        const named = /^(?:Collection\()?microsoft\.graph\.(\w+)\)?$/.exec(edmType)?.[1];
        if (named) assert.ok(ours.types.has(named) || ours.enums.has(named), `${type.name}.${property}: ${named} is not declared`);
      }
    }
  });
});

/**
 * A small reader for the few CSDL elements compared here (EnumType/Member, EntityType/ComplexType/Property), written
 * with regular expressions because no XML parser is a dependency and these elements are flat and regular: one
 * element per tag, attributes in double quotes, no CDATA. Anything else in the document (Annotation, Key,
 * NavigationProperty) is skipped.
 */
interface Schema {
  readonly enums: Map<string, Array<{ name: string; value: number }>>;
  readonly types: Map<string, StructuredType>;
}

interface StructuredType {
  readonly kind: 'EntityType' | 'ComplexType';
  readonly name: string;
  readonly baseType?: string;
  readonly properties: Map<string, DeclaredProperty>;
}

/** Type with the schema alias expanded; Nullable as a boolean (absent means true). */
interface DeclaredProperty {
  readonly type: string;
  readonly nullable: boolean;
}

function readSchema(xml: string): Schema {
  const enums: Schema['enums'] = new Map();
  const types: Schema['types'] = new Map();
  const withoutComments = xml.replace(/<!--[\s\S]*?-->/g, '');
  for (const [, kind, head, body = ''] of withoutComments.matchAll(/<(EnumType|EntityType|ComplexType)\b([^>]*?)(?:\/>|>([\s\S]*?)<\/\1>)/g)) {
    const { Name: name, BaseType: baseType } = attributes(head);
    if (kind === 'EnumType') {
      enums.set(name, [...body.matchAll(/<Member\b([^>]*?)\/?>/g)].map(([, a]) => {
        const { Name, Value } = attributes(a);
        return { name: Name, value: Number(Value) };
      }));
      continue;
    }
    const properties = new Map([...body.matchAll(/<Property\s([^>]*?)\/?>/g)].map(([, a]) => {
      const { Name, Type, Nullable } = attributes(a);
      return [Name, { type: expandAlias(Type), nullable: Nullable !== 'false' }] as const;
    }));
    types.set(name, { kind: kind as StructuredType['kind'], name, baseType: baseType && expandAlias(baseType), properties });
  }
  return { enums, types };
}

function attributes(text: string): Record<string, string> {
  return Object.fromEntries([...text.matchAll(/(\w+)="([^"]*)"/g)].map(([, name, value]) => [name, value]));
}

/** `graph.x` and `Collection(graph.x)` → `microsoft.graph.x`, `Collection(microsoft.graph.x)`. */
function expandAlias(type: string): string {
  return type.replace(/(^|\()graph\./, '$1microsoft.graph.');
}

/** A property of Graph's type's base type (`id` comes from `entity`). */
function inherited(schema: Schema, type: StructuredType, property: string): DeclaredProperty | undefined {
  const base = type.baseType && schema.types.get(type.baseType.replace(/^microsoft\.graph\./, ''));
  return base ? base.properties.get(property) ?? inherited(schema, base, property) : undefined;
}
