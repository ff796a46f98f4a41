import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { certificateEntity } from '../../src/model/certificate.js';
import { userEntity } from '../../src/model/user.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { Row } from '../../src/store/store.js';
import { certificateRow, thumbprintFor, userRow } from '../helpers/postgres.js';

/**
 * The SQLite store keeps rows read by id in memory (it holds its file exclusively). These tests show a cached
 * row is never served after a write changed or removed it, and that cached rows cannot be changed by a caller.
 */
describe('SQLite row cache', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pfxstore-rowcache-'));
  const TENANT = randomUUID();
  let store: SqliteStore;
  let owner: Row;
  before(async () => {
    store = new SqliteStore({ path: join(dir, 'cache.db'), synchronous: 'normal' });
    owner = await store.insert(userEntity, TENANT, userRow('cache@contoso.com'));
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const insertCertificate = (n: number, overrides: Row = {}) =>
    store.insert(certificateEntity, TENANT, certificateRow(owner, thumbprintFor(n), overrides), { ownerId: owner.id as string });

  test('a public read is served from memory, frozen, and without secrets', async () => {
    const { id } = await insertCertificate(1);
    const first = await store.get(certificateEntity, TENANT, id as string);
    const second = await store.get(certificateEntity, TENANT, id as string);
    assert.equal(first, second, 'the same row object');
    assert.ok(Object.isFrozen(first));
    assert.throws(() => { (first as Row).keyName = 'changed'; }, TypeError);
    assert.equal(first!.encryptedPfxBlob, undefined);
    const withSecrets = await store.get(certificateEntity, TENANT, id as string, { withSecrets: true });
    assert.notEqual(withSecrets, first, 'reads with secrets bypass the cache');
    assert.ok(Buffer.isBuffer(withSecrets!.encryptedPfxBlob));
  });

  test('an update is visible to the next read, also when the row was read while the update was queued', async () => {
    const { id } = await insertCertificate(2);
    await store.get(certificateEntity, TENANT, id as string);
    const updating = store.update(certificateEntity, TENANT, id as string, (current) => ({ ...current, keyName: 'rotated' }));
    // The write is queued for group commit; this read runs before it and caches the old row.
    assert.equal((await store.get(certificateEntity, TENANT, id as string))!.keyName, `key-${thumbprintFor(2).slice(0, 8)}`);
    await updating;
    assert.equal((await store.get(certificateEntity, TENANT, id as string))!.keyName, 'rotated');
  });

  test('a delete and a re-create under the same id are visible to the next read', async () => {
    const { id } = await insertCertificate(3);
    await store.get(certificateEntity, TENANT, id as string);
    assert.equal(await store.delete(certificateEntity, TENANT, id as string), true);
    assert.equal(await store.get(certificateEntity, TENANT, id as string), undefined);
    await insertCertificate(3, { keyName: 'second' });
    assert.equal((await store.get(certificateEntity, TENANT, id as string))!.keyName, 'second');
  });

  test('a failed write leaves the next read correct', async () => {
    const { id } = await insertCertificate(4);
    await store.get(certificateEntity, TENANT, id as string);
    await assert.rejects(store.update(certificateEntity, TENANT, id as string, () => { throw new Error('rule broken'); }), /rule broken/);
    assert.equal((await store.get(certificateEntity, TENANT, id as string))!.keyName, `key-${thumbprintFor(4).slice(0, 8)}`);
  });

  test("renaming a user shows on their cached certificates (the rename trigger's write)", async () => {
    const renamed = await store.insert(userEntity, TENANT, userRow('before@contoso.com'));
    const { id } = await store.insert(certificateEntity, TENANT, certificateRow(renamed, thumbprintFor(6)),
      { ownerId: renamed.id as string });
    assert.equal((await store.get(certificateEntity, TENANT, id as string))!.userPrincipalName, 'before@contoso.com');
    await store.update(userEntity, TENANT, renamed.id as string, (current) => ({ ...current, userPrincipalName: 'after@contoso.com' }));
    assert.equal((await store.get(certificateEntity, TENANT, id as string))!.userPrincipalName, 'after@contoso.com');
  });

  test('tenants do not share cached rows', async () => {
    const { id } = await insertCertificate(5);
    await store.get(certificateEntity, TENANT, id as string);
    assert.equal(await store.get(certificateEntity, randomUUID(), id as string), undefined);
    assert.equal(store.peek(certificateEntity, randomUUID(), id as string), undefined);
  });

  test('peek answers at once what get would, and only while the cached row is current', async () => {
    const { id } = await insertCertificate(7);
    assert.equal(store.peek(certificateEntity, TENANT, id as string), undefined, 'not read yet: ask get');
    const read = await store.get(certificateEntity, TENANT, id as string);
    assert.equal(store.peek(certificateEntity, TENANT, id as string), read);
    const updating = store.update(certificateEntity, TENANT, id as string, (current) => ({ ...current, keyName: 'peeked' }));
    assert.equal(store.peek(certificateEntity, TENANT, id as string), read, 'a write still queued has not happened yet');
    await updating;
    assert.equal(store.peek(certificateEntity, TENANT, id as string), undefined, 'the update dropped the old row');
    assert.equal((await store.get(certificateEntity, TENANT, id as string))!.keyName, 'peeked');
    assert.equal(store.peek(certificateEntity, TENANT, id as string)!.keyName, 'peeked');
    await store.delete(certificateEntity, TENANT, id as string);
    assert.equal(store.peek(certificateEntity, TENANT, id as string), undefined);
  });
});
