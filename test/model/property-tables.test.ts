import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { auditEventEntity } from '../../src/model/audit-event.js';
import { certificateEntity } from '../../src/model/certificate.js';
import type { EntityDef } from '../../src/model/entity.js';
import { userEntity } from '../../src/model/user.js';

describe('property tables', () => {
  const properties = [certificateEntity, userEntity, auditEventEntity].flatMap((e) => e.properties.map((p) => ({ entity: e.typeName, p })));

  test('a property whose value can be null in a response is declared nullable', () => {
    for (const { entity, p } of properties) {
      if (p.storedNullable || p.secret) assert.ok(p.declaredNullable, `${entity}.${p.name}`);
    }
  });

  test('a complex property names its complex type', () => {
    for (const { entity, p } of properties) assert.equal(p.kind === 'complex', p.complexType !== undefined, `${entity}.${p.name}`);
  });

  test(`required on create: the certificate properties CONTRACT §4.2 names, and a user's userPrincipalName`, () => {
    const required = (e: EntityDef) => e.properties.filter((p) => p.required).map((p) => p.name);
    assert.deepEqual(required(certificateEntity), ['thumbprint', 'userPrincipalName', 'startDateTime', 'expirationDateTime',
      'providerName', 'keyName', 'encryptedPfxBlob', 'encryptedPfxPassword']);
    assert.deepEqual(required(userEntity), ['userPrincipalName']);
    assert.deepEqual(required(auditEventEntity), []);
  });
});
