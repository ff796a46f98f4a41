import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { auditEventEntity } from '../../src/model/audit-event.js';
import { certificateEntity } from '../../src/model/certificate.js';
import { nowStored } from '../../src/model/datetime.js';
import { ConflictError, StoreUnavailableError } from '../../src/model/errors.js';
import { userEntity } from '../../src/model/user.js';
import { parseListQuery } from '../../src/odata/query-options.js';
import type { PostgresStore } from '../../src/store/postgres.js';
import type { Row } from '../../src/store/store.js';
import { certificateRow, postgresTestDb, thumbprintFor, userRow } from '../helpers/postgres.js';

const db = await postgresTestDb(import.meta.url);
after(() => db.cleanup());

/** An audit event whose correlationId tells which insert it belongs to. */
function auditFor(tag: string): Row {
  return {
    id: randomUUID(), displayName: 'Create UserPFXCertificate', componentName: 'Certificates', actor: '{"type":"ItPro"}',
    activity: 'Create UserPFXCertificate', activityDateTime: nowStored(), activityType: 'Create UserPFXCertificate',
    activityOperationType: 'Create', activityResult: 'Success', correlationId: tag, resources: '[]', category: 'Certificates',
  };
}

/**
 * Inserts made in one tick go to PostgreSQL as one statement (store/postgres.ts, flushInserts). These tests
 * start several in one tick and check that each caller still gets exactly its own outcome, and that audit
 * events exist for the rows inserted and for no others.
 */
describe('PostgresStore batched inserts', { skip: db.skip }, () => {
  const TENANT = randomUUID();
  let store: PostgresStore;
  let owner: Row;
  before(async () => {
    store = await db.open();
    owner = await store.insert(userEntity, TENANT, userRow('batch@contoso.com'));
  });

  const insert = (thumbprint: string, tag: string, tenant = TENANT, user = owner) =>
    store.insert(certificateEntity, tenant, certificateRow(user, thumbprint), { ownerId: user.id as string, audit: auditFor(tag) });
  const auditTags = async (tenant = TENANT) =>
    (await store.list(auditEventEntity, tenant, parseListQuery('$top=999', auditEventEntity))).rows.map((r) => r.correlationId as string).sort();

  test('one tick of inserts: new keys are stored, a taken key and a repeated key are conflicts, each audited once', async () => {
    await insert(thumbprintFor('taken'), 'taken-first');
    const outcomes = await Promise.allSettled([
      insert(thumbprintFor('a'), 'a'),
      insert(thumbprintFor('b'), 'b'),
      insert(thumbprintFor('taken'), 'taken-again'),
      insert(thumbprintFor('a'), 'a-again'),
    ]);
    assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'fulfilled', 'rejected', 'rejected']);
    assert.equal((outcomes[0] as PromiseFulfilledResult<Row>).value.thumbprint, thumbprintFor('a'));
    assert.equal((outcomes[1] as PromiseFulfilledResult<Row>).value.thumbprint, thumbprintFor('b'));
    for (const rejected of outcomes.slice(2) as PromiseRejectedResult[]) assert.ok(rejected.reason instanceof ConflictError, String(rejected.reason));
    assert.deepEqual(await auditTags(), ['a', 'b', 'taken-first']);
    assert.equal(await store.count(certificateEntity, TENANT), 3);
  });

  test('a row the whole statement cannot take (no such owner) fails alone; the rest of the tick is stored', async () => {
    const tenant = randomUUID();
    const user = await store.insert(userEntity, tenant, userRow('fk@contoso.com'));
    const ghost = userRow('ghost@contoso.com');
    const outcomes = await Promise.allSettled([
      insert(thumbprintFor('c'), 'c', tenant, user),
      insert(thumbprintFor('ghost'), 'ghost', tenant, ghost),
      insert(thumbprintFor('d'), 'd', tenant, user),
    ]);
    assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.ok((outcomes[1] as PromiseRejectedResult).reason instanceof ConflictError);
    assert.deepEqual(await auditTags(tenant), ['c', 'd']);
  });

  test('secrets of different sizes in one batch are stored byte for byte, each in its own row', async () => {
    const tenant = randomUUID();
    const user = await store.insert(userEntity, tenant, userRow('bytes@contoso.com'));
    const rows = [0, 1, 7, 3000, 70_000].map((size, i) => certificateRow(user, thumbprintFor(`bytes${i}`), {
      encryptedPfxBlob: randomBytes(size), encryptedPfxPassword: randomBytes(i + 1),
    }));
    await Promise.all(rows.map((row) => store.insert(certificateEntity, tenant, row, { ownerId: user.id as string })));
    for (const row of rows) {
      const stored = await store.get(certificateEntity, tenant, row.id as string, { withSecrets: true });
      assert.deepEqual(stored!.encryptedPfxBlob, row.encryptedPfxBlob);
      assert.deepEqual(stored!.encryptedPfxPassword, row.encryptedPfxPassword);
    }
  });

  test('the same id in two tenants is two rows', async () => {
    const other = randomUUID();
    const user = await store.insert(userEntity, other, { ...owner });
    const [mine, theirs] = await Promise.all([insert(thumbprintFor('shared'), 'mine'), insert(thumbprintFor('shared'), 'theirs', other, user)]);
    assert.equal(mine.id, theirs.id);
    assert.deepEqual(await auditTags(other), ['theirs']);
  });

  test('a batch of more than one statement holds (250 inserts in one tick)', async () => {
    const tenant = randomUUID();
    const user = await store.insert(userEntity, tenant, userRow('many@contoso.com'));
    const rows = await Promise.all(Array.from({ length: 250 }, (_, i) => insert(thumbprintFor(`many${i}`), `many${i}`, tenant, user)));
    assert.equal(new Set(rows.map((r) => r.id)).size, 250);
    assert.equal(await store.count(certificateEntity, tenant), 250);
    assert.equal((await auditTags(tenant)).length, 250);
  });

  test('lookups made in one tick each get their own row, or nothing, tenant by tenant', async () => {
    const other = randomUUID();
    const theirs = await store.insert(userEntity, other, userRow('theirs@contoso.com'));
    const found = await Promise.all([
      store.findBy(userEntity, TENANT, 'userPrincipalName', 'batch@contoso.com'),
      store.findBy(userEntity, TENANT, 'userPrincipalName', 'theirs@contoso.com'),
      store.findBy(userEntity, other, 'userPrincipalName', 'theirs@contoso.com'),
      store.findBy(userEntity, other, 'userPrincipalName', 'batch@contoso.com'),
      store.findBy(userEntity, TENANT, 'userPrincipalName', 'batch@contoso.com'),
      store.findBy(userEntity, TENANT, 'userPrincipalName', "o'hostile'); drop table users; --"),
    ]);
    assert.deepEqual(found.map((row) => row?.id), [owner.id, undefined, theirs.id, undefined, owner.id, undefined]);
    assert.equal(found[0]!.userPrincipalName, 'batch@contoso.com');
    await assert.rejects(store.findBy(userEntity, TENANT, 'nope', 'x'), /Unknown property nope/);
  });

  test('GETs by id made in one tick each get their own row, with or without secrets, never another tenant\'s', async () => {
    const tenant = randomUUID();
    const user = await store.insert(userEntity, tenant, userRow('gets@contoso.com'));
    const rows = await Promise.all([1, 2, 3].map((n) => insert(thumbprintFor(`get${n}`), `get${n}`, tenant, user)));
    const [a, b, aWithSecrets, missing, elsewhere] = await Promise.all([
      store.get(certificateEntity, tenant, rows[0].id as string),
      store.get(certificateEntity, tenant, rows[1].id as string),
      store.get(certificateEntity, tenant, rows[0].id as string, { withSecrets: true }),
      store.get(certificateEntity, tenant, 'no-such-id'),
      store.get(certificateEntity, TENANT, rows[2].id as string),
    ]);
    assert.equal(a!.id, rows[0].id);
    assert.equal(a!.encryptedPfxBlob, undefined);
    assert.equal(b!.id, rows[1].id);
    assert.ok(Buffer.isBuffer(aWithSecrets!.encryptedPfxBlob));
    assert.equal(missing, undefined);
    assert.equal(elsewhere, undefined);
  });

  test('inserts after close are refused as unavailable', async () => {
    const closing = await db.open();
    await closing.close();
    await assert.rejects(closing.insert(userEntity, TENANT, userRow('late@contoso.com')), StoreUnavailableError);
  });
});
