import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { after, before, describe, test } from 'node:test';
import { certificateEntity } from '../../src/model/certificate.js';
import { nowStored } from '../../src/model/datetime.js';
import { userEntity } from '../../src/model/user.js';
import { parseListQuery } from '../../src/odata/query-options.js';
import type { ExpiryCounts, Row, Store } from '../../src/store/store.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { certificateRow, postgresTestDb, thumbprintFor, userRow } from '../helpers/postgres.js';
import { storeFactories } from '../helpers/stores.js';

const NOW = new Date('2026-12-05T12:00:00.000Z');
const DAY = 86_400_000;
const WINDOWS = [7, 30, 90];
/** Stored form of NOW + ms. */
const at = (ms: number) => nowStored(new Date(NOW.getTime() + ms));

/** Expiries around each boundary, with the counts each one belongs to. */
const TENANT_A_EXPIRIES = [
  at(-400 * DAY), // expired long ago
  at(-DAY), // expired yesterday
  '2026-12-05T06:00:00.0000000Z', // expired earlier today
  at(0), // expiring exactly now: expired
  at(1), // a millisecond from now: within 7, 30, 90
  at(6 * DAY), // within 7
  at(7 * DAY - 1), // the last instant within 7
  at(7 * DAY), // exactly 7 days away: not within 7, within 30
  at(8 * DAY), // within 30
  at(30 * DAY), // within 90 only
  at(89 * DAY), // within 90
  at(200 * DAY), // none
];

function byTenant(counts: ExpiryCounts[]): Map<string, { total: number; expired: number; within: number[] }> {
  return new Map(counts.map((c) => [c.tenantId, { total: c.total, expired: c.expired, within: [...c.expiringWithin] }]));
}

/** Store.expiryCounts at the boundaries, on every store, and after each kind of write. */
for (const factory of await storeFactories()) {
  describe(`${factory.name}: expiryCounts`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'pfxstore-expiry-'));
    const tenantA = randomUUID();
    const tenantB = randomUUID();
    let store: Store;
    let cleanup: () => Promise<void>;
    let ownerA: Row;
    let n = 0;
    const addCertificate = (tenantId: string, owner: Row, expirationDateTime: string) =>
      store.insert(certificateEntity, tenantId, certificateRow(owner, thumbprintFor(++n), { startDateTime: '2020-01-01T00:00:00.0000000Z', expirationDateTime }),
        { ownerId: owner.id as string });
    const counts = async () => byTenant(await store.expiryCounts(NOW, WINDOWS));

    before(async () => {
      ({ store, cleanup } = await factory.open(dir));
      ownerA = await store.insert(userEntity, tenantA, userRow('alice@contoso.com'));
      const ownerB = await store.insert(userEntity, tenantB, userRow('bob@fabrikam.com'));
      // Started together: both stores write these in groups (one statement per batch in PostgreSQL).
      await Promise.all(TENANT_A_EXPIRIES.map((e) => addCertificate(tenantA, ownerA, e)));
      await addCertificate(tenantB, ownerB, at(-2 * DAY));
      await addCertificate(tenantB, ownerB, at(6 * DAY));
    });
    after(async () => {
      await store.close();
      await cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    test('counts per tenant at the boundaries: now is expired, exactly N days away is not within N', async () => {
      const c = await counts();
      assert.deepEqual(c.get(tenantA), { total: 12, expired: 4, within: [3, 5, 7] });
      assert.deepEqual(c.get(tenantB), { total: 2, expired: 1, within: [1, 1, 1] });
      assert.equal(c.size, 2, 'only tenants with certificates');
      assert.deepEqual(await counts(), c, 'the same again (PostgreSQL has folded its deltas in between)');
    });

    test('a create, a PATCH of the expiry, and a delete are counted at once', async () => {
      const added = await addCertificate(tenantA, ownerA, at(2 * DAY));
      assert.deepEqual((await counts()).get(tenantA), { total: 13, expired: 4, within: [4, 6, 8] });

      // Renewed: from 2 days away to 100 days away.
      await store.update(certificateEntity, tenantA, added.id, (current) => ({ ...current, expirationDateTime: at(100 * DAY) }));
      assert.deepEqual((await counts()).get(tenantA), { total: 13, expired: 4, within: [3, 5, 7] });
      // Back to yesterday, within the same tenant: one more expired.
      await store.update(certificateEntity, tenantA, added.id, (current) => ({ ...current, expirationDateTime: at(-DAY) }));
      assert.deepEqual((await counts()).get(tenantA), { total: 13, expired: 5, within: [3, 5, 7] });
      // A PATCH that keeps the expiry changes nothing.
      await store.update(certificateEntity, tenantA, added.id, (current) => ({ ...current, keyName: 'renamed' }));
      assert.deepEqual((await counts()).get(tenantA), { total: 13, expired: 5, within: [3, 5, 7] });

      assert.equal(await store.delete(certificateEntity, tenantA, added.id), true);
      const c = await counts();
      assert.deepEqual(c.get(tenantA), { total: 12, expired: 4, within: [3, 5, 7] });
      assert.deepEqual(c.get(tenantB), { total: 2, expired: 1, within: [1, 1, 1] }, 'the other tenant untouched');
    });

    test('later, the same certificates count differently: the windows move with now', async () => {
      const later = byTenant(await store.expiryCounts(new Date(NOW.getTime() + 7 * DAY), WINDOWS));
      // Now + 7 days: the 1 ms, 6-day and 7-day-minus-1-ms ones have expired, and the 7-day one expires exactly then.
      assert.deepEqual(later.get(tenantA), { total: 12, expired: 8, within: [1, 2, 3] });
    });

    test('a tenant whose certificates are all deleted shows 0, and windows are whole days from 1', async () => {
      const tenantC = randomUUID();
      const owner = await store.insert(userEntity, tenantC, userRow('carol@contoso.com'));
      const only = await addCertificate(tenantC, owner, at(3 * DAY));
      assert.deepEqual((await counts()).get(tenantC), { total: 1, expired: 0, within: [1, 1, 1] });
      await store.delete(certificateEntity, tenantC, only.id);
      assert.deepEqual((await counts()).get(tenantC), { total: 0, expired: 0, within: [0, 0, 0] });
      await assert.rejects(store.expiryCounts(NOW, [0]), /whole days from 1/);
      await assert.rejects(store.expiryCounts(NOW, [1.5]), /whole days from 1/);
    });
  });
}

/** Several instances on one database: each counts the others' writes, and their deltas fold into one row a day. */
const db = await postgresTestDb(import.meta.url);
after(() => db.cleanup());
describe('postgres: expiryCounts across instances', { skip: db.skip }, () => {
  test("one instance's writes are in the other's counts; deltas fold to one row per tenant and day", async () => {
    const schema = db.newSchema();
    const one = await db.open({ schema });
    const two = await db.open({ schema });
    const tenant = randomUUID();
    const owner = await one.insert(userEntity, tenant, userRow('dave@contoso.com'));
    const write = (store: Store, i: number, expirationDateTime: string) =>
      store.insert(certificateEntity, tenant, certificateRow(owner, thumbprintFor(`x${i}`), { expirationDateTime }), { ownerId: owner.id as string });
    // Many statements for one day (one delta row each), from both instances at once.
    await Promise.all(Array.from({ length: 40 }, (_, i) => write(i % 2 ? one : two, i, at(3 * DAY + i))));
    for (let i = 40; i < 50; i++) await write(i % 2 ? one : two, i, at(3 * DAY + i));
    const rows = async () => (await db.query(schema, 'SELECT day, certificates FROM certificate_expiry_days WHERE tenant_id = $1', [tenant])).rows;
    assert.ok((await rows()).length > 1, 'deltas before a count');
    assert.deepEqual(byTenant(await two.expiryCounts(NOW, WINDOWS)).get(tenant), { total: 50, expired: 0, within: [50, 50, 50] });
    assert.deepEqual(await rows(), [{ day: at(3 * DAY).slice(0, 10), certificates: '50' }]);
    const [first] = (await one.list(certificateEntity, tenant, parseListQuery('$top=1', certificateEntity))).rows;
    await two.delete(certificateEntity, tenant, first.id);
    assert.deepEqual(byTenant(await one.expiryCounts(NOW, WINDOWS)).get(tenant), { total: 49, expired: 0, within: [49, 49, 49] });
  });
});

/** Stores \`n\` certificates of one tenant, expiring 1, 2, … days after NOW, and answers their tenant. */
async function storeSome(store: Store, n: number): Promise<string> {
  const tenant = randomUUID();
  const owner = await store.insert(userEntity, tenant, userRow('erin@contoso.com'));
  for (let i = 0; i < n; i++) {
    await store.insert(certificateEntity, tenant, certificateRow(owner, thumbprintFor(`u${i}`), { expirationDateTime: at((i + 1) * DAY - 1) }),
      { ownerId: owner.id as string });
  }
  return tenant;
}
const UPGRADED = { total: 10, expired: 0, within: [7, 10, 10] };

/**
 * A database from before the day counts: the migration that adds them counts the certificates already there.
 * Made by storing certificates, then taking the migration's table, triggers and record away again.
 */
describe('upgrading: the day counts start from the certificates already stored', () => {
  test('sqlite (migration 3)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pfxstore-expiry-upgrade-'));
    try {
      const path = join(dir, 'pfxstore.db');
      let store = new SqliteStore({ path, synchronous: 'normal' });
      const tenant = await storeSome(store, 10);
      await store.close();
      const db = new Database(path);
      db.exec(`DROP TRIGGER certificate_expiry_days_insert; DROP TRIGGER certificate_expiry_days_delete;
        DROP TRIGGER certificate_expiry_days_update; DROP TABLE certificate_expiry_days; DELETE FROM schema_migrations WHERE version = 3;`);
      db.close();
      store = new SqliteStore({ path, synchronous: 'normal' });
      assert.deepEqual(byTenant(await store.expiryCounts(NOW, WINDOWS)).get(tenant), UPGRADED);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('postgres (migration 2)', { skip: db.skip }, async () => {
    const schema = db.newSchema();
    const before = await db.open({ schema });
    const tenant = await storeSome(before, 10);
    await before.close();
    await db.query(schema, `DROP TABLE certificate_expiry_days; DROP FUNCTION certificate_expiry_days_count() CASCADE;
      DELETE FROM schema_migrations WHERE version = 2;`);
    const after = await db.open({ schema });
    assert.deepEqual(byTenant(await after.expiryCounts(NOW, WINDOWS)).get(tenant), UPGRADED);
  });
});
