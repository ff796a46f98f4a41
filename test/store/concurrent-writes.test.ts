import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { auditEventEntity } from '../../src/model/audit-event.js';
import { certificateEntity } from '../../src/model/certificate.js';
import { nowStored } from '../../src/model/datetime.js';
import { ConflictError } from '../../src/model/errors.js';
import { userEntity } from '../../src/model/user.js';
import { parseListQuery } from '../../src/odata/query-options.js';
import type { Row, Store } from '../../src/store/store.js';
import { certificateRow, thumbprintFor, userRow } from '../helpers/postgres.js';
import { storeFactories } from '../helpers/stores.js';

/** An audit event whose correlationId tells which write it belongs to. */
function auditFor(tag: string): Row {
  return {
    id: randomUUID(), displayName: 'Test', componentName: 'Certificates', actor: '{"type":"ItPro"}', activity: 'Test',
    activityDateTime: nowStored(), activityType: 'Test', activityOperationType: 'Create', activityResult: 'Success',
    correlationId: tag, resources: '[]', category: 'Certificates',
  };
}

/**
 * Writes started in one tick are committed together (SQLite's group commit, PostgreSQL's batched inserts).
 * Whatever one of them does wrong, the others' outcomes and audit events are their own.
 */
for (const factory of await storeFactories()) {
  describe(`${factory.name}: writes started together`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'pfxstore-together-'));
    let store: Store;
    let cleanup: () => Promise<void>;
    before(async () => ({ store, cleanup } = await factory.open(dir)));
    after(async () => {
      await store.close();
      await cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    const setup = async () => {
      const tenant = randomUUID();
      const owner = await store.insert(userEntity, tenant, userRow(`${tenant.slice(0, 8)}@contoso.com`));
      const insert = (n: number | string, tag: string) => store.insert(certificateEntity, tenant, certificateRow(owner, thumbprintFor(n)),
        { ownerId: owner.id as string, audit: auditFor(tag) });
      const tags = async () => (await store.list(auditEventEntity, tenant, parseListQuery('$top=999', auditEventEntity))).rows
        .map((r) => r.correlationId as string).sort();
      return { tenant, insert, tags };
    };

    test('new keys are stored; a taken key and a key repeated in the same tick are conflicts, with no audit event', async () => {
      const { tenant, insert, tags } = await setup();
      await insert('taken', 'first');
      const outcomes = await Promise.allSettled([insert('a', 'a'), insert('taken', 'taken-again'), insert('b', 'b'), insert('a', 'a-again')]);
      assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'rejected', 'fulfilled', 'rejected']);
      for (const o of [outcomes[1], outcomes[3]] as PromiseRejectedResult[]) assert.ok(o.reason instanceof ConflictError, String(o.reason));
      assert.deepEqual(await tags(), ['a', 'b', 'first']);
      assert.equal(await store.count(certificateEntity, tenant), 3);
    });

    test('an update whose change throws fails alone; the inserts, updates and deletes beside it land', async () => {
      const { tenant, insert, tags } = await setup();
      const [x, y, z] = await Promise.all([insert('x', 'x'), insert('y', 'y'), insert('z', 'z')]);
      const outcomes = await Promise.allSettled([
        store.update(certificateEntity, tenant, x.id as string, (current) => ({ ...current, keyName: 'renamed' }), { audit: auditFor('x-renamed') }),
        store.update(certificateEntity, tenant, y.id as string, () => { throw new Error('rule broken'); }, { audit: auditFor('y-broken') }),
        store.delete(certificateEntity, tenant, z.id as string, { audit: auditFor('z-deleted') }),
        insert('w', 'w'),
      ]);
      assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      assert.match(String((outcomes[1] as PromiseRejectedResult).reason), /rule broken/);
      assert.equal((await store.get(certificateEntity, tenant, x.id as string))!.keyName, 'renamed');
      assert.equal((await store.get(certificateEntity, tenant, y.id as string))!.keyName, y.keyName, 'the failed update changed nothing');
      assert.equal(await store.get(certificateEntity, tenant, z.id as string), undefined);
      assert.deepEqual(await tags(), ['w', 'x', 'x-renamed', 'y', 'z', 'z-deleted']);
    });
  });
}
