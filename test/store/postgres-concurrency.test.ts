import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { auditEventEntity } from '../../src/model/audit-event.js';
import { certificateEntity } from '../../src/model/certificate.js';
import { nowStored } from '../../src/model/datetime.js';
import { ConflictError } from '../../src/model/errors.js';
import { userEntity } from '../../src/model/user.js';
import type { ListQuery } from '../../src/odata/list-query.js';
import { parseListQuery } from '../../src/odata/query-options.js';
import type { PostgresStore } from '../../src/store/postgres.js';
import type { Row } from '../../src/store/store.js';
import { certificateRow, postgresTestDb, thumbprintFor, userRow } from '../helpers/postgres.js';
import { postgresMigrations } from '../../src/store/migrations/postgres.js';

/** Several pfxstore instances (each its own pool) on one database: what a scaled-out deployment does. */
const db = await postgresTestDb(import.meta.url);
after(() => db.cleanup());

function auditRow(): Row {
  return {
    id: randomUUID(), displayName: 'Create', componentName: 'Certificates', actor: '{}', activity: 'Create',
    activityDateTime: nowStored(), activityType: 'Create', activityOperationType: 'Create', activityResult: 'Success',
    correlationId: randomUUID(), resources: '[]', category: 'Certificates',
  };
}

/** Every id of a list, following nextAfter to the end. */
async function listAll(store: PostgresStore, tenant: string, query: ListQuery): Promise<string[]> {
  const ids: string[] = [];
  let q = query;
  for (;;) {
    const page = await store.list(certificateEntity, tenant, q);
    ids.push(...page.rows.map((r) => r.id as string));
    if (!page.nextAfter) return ids;
    q = { ...q, after: page.nextAfter as ListQuery['after'] };
  }
}

describe('PostgresStore with several instances on one schema', { skip: db.skip }, () => {
  test('instances opening the same fresh schema together all migrate without error, once', async () => {
    const schema = db.newSchema();
    const stores = await Promise.all(Array.from({ length: 4 }, () => db.open({ schema })));
    const { rows } = await db.query(schema, 'SELECT version FROM schema_migrations ORDER BY version');
    assert.deepEqual(rows, postgresMigrations.map((m) => ({ version: m.version })));
    // Each of them works on the shared tables.
    await Promise.all(stores.map((s, i) => s.insert(userEntity, 'tenant', userRow(`user${i}@contoso.com`))));
    assert.equal(await stores[0].count(userEntity, 'tenant'), 4);
  });

  test('two instances racing the same insert: exactly one succeeds, the other gets a ConflictError', async () => {
    const schema = db.newSchema();
    const [a, b] = await Promise.all([db.open({ schema }), db.open({ schema })]);
    const tenant = randomUUID();
    const user = await a.insert(userEntity, tenant, userRow('racer@contoso.com'));
    const rounds = 25;
    for (let i = 0; i < rounds; i++) {
      const cert = certificateRow(user, thumbprintFor(`race${i}`));
      const options = { ownerId: user.id as string };
      const results = await Promise.allSettled([
        a.insert(certificateEntity, tenant, cert, { ...options, audit: auditRow() }),
        b.insert(certificateEntity, tenant, cert, { ...options, audit: auditRow() }),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.equal(won.length, 1, `round ${i}: one winner`);
      assert.ok(lost[0].reason instanceof ConflictError, `round ${i}: the loser gets a ConflictError, got ${String(lost[0].reason)}`);
    }
    assert.equal(await a.count(certificateEntity, tenant), rounds);
    assert.equal(await b.count(auditEventEntity, tenant), rounds, 'the losing inserts left no audit event behind');

    // The same for users, whose second unique key is the lower-cased UPN.
    const users = await Promise.allSettled([
      a.insert(userEntity, tenant, userRow('Same@Contoso.com')),
      b.insert(userEntity, tenant, userRow('same@contoso.com')),
    ]);
    assert.deepEqual(users.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
  });

  test('keyset paging returns every existing row exactly once while another instance inserts', async () => {
    const schema = db.newSchema();
    const [reader, writer] = await Promise.all([db.open({ schema }), db.open({ schema })]);
    const tenant = randomUUID();
    const user = await writer.insert(userEntity, tenant, userRow('pager@contoso.com'));
    const existing: string[] = [];
    for (let i = 0; i < 240; i++) {
      const expiration = `20${27 + (i % 9)}-0${1 + (i % 9)}-01T00:00:00.0000000Z`; // many ties: the sequence breaks them
      const cert = await writer.insert(certificateEntity, tenant, certificateRow(user, thumbprintFor(`seed${i}`), { expirationDateTime: expiration }),
        { ownerId: user.id as string });
      existing.push(cert.id as string);
    }

    let writing = true;
    let inserted = 0;
    const background = (async () => {
      while (writing) {
        await writer.insert(certificateEntity, tenant,
          certificateRow(user, thumbprintFor(`bg${inserted}`), { expirationDateTime: `2030-0${1 + (inserted % 9)}-15T00:00:00.0000000Z` }),
          { ownerId: user.id as string });
        inserted++;
      }
    })();
    try {
      for (const raw of ['$top=17', '$top=23&$orderby=expirationDateTime desc', '$top=31&$orderby=expirationDateTime,thumbprint desc']) {
        const ids = await listAll(reader, tenant, parseListQuery(raw, certificateEntity));
        assert.equal(new Set(ids).size, ids.length, `${raw}: no row twice`);
        const seen = new Set(ids);
        assert.deepEqual(existing.filter((id) => !seen.has(id)), [], `${raw}: no existing row missed`);
      }
    } finally {
      writing = false;
      await background;
    }
    assert.ok(inserted > 0, 'the writer really ran alongside');
  });
});
