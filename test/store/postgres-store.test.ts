import type { Socket } from 'node:net';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { auditEventEntity } from '../../src/model/audit-event.js';
import { certificateEntity } from '../../src/model/certificate.js';
import { nowStored } from '../../src/model/datetime.js';
import { ConflictError, StoreUnavailableError, ValidationError } from '../../src/model/errors.js';
import { userEntity } from '../../src/model/user.js';
import type { ListQuery } from '../../src/odata/list-query.js';
import { parseListQuery } from '../../src/odata/query-options.js';
import { SEQUENCE_FIELD } from '../../src/store/row-mapping.js';
import type { PostgresStore } from '../../src/store/postgres.js';
import type { Row } from '../../src/store/store.js';
import { certificateRow, postgresTestDb, thumbprintFor, userRow } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait.js';
import { postgresMigrations } from '../../src/store/migrations/postgres.js';

const db = await postgresTestDb(import.meta.url);
const TENANT = randomUUID();
const OTHER_TENANT = randomUUID();
after(() => db.cleanup());

function auditRow(activity: string): Row {
  return {
    id: randomUUID(), displayName: activity, componentName: 'Certificates', actor: '{"type":"ItPro"}', activity,
    activityDateTime: nowStored(), activityType: activity, activityOperationType: activity.split(' ')[0],
    activityResult: 'Success', correlationId: randomUUID(), resources: '[]', category: 'Certificates',
  };
}

/** Stored rows without the store-internal sequence field, for deepEqual against what went in. */
function plain(row: Row | undefined): Row | undefined {
  if (!row) return row;
  const { [SEQUENCE_FIELD]: _seq, ...rest } = row;
  return rest;
}

describe('PostgresStore through the Store interface', { skip: db.skip }, () => {
  let store: PostgresStore;
  let schema: string;
  before(async () => {
    schema = db.newSchema();
    store = await db.open({ schema });
  });

  const auditCount = () => store.count(auditEventEntity, TENANT);

  test('creates its tables in the schema named by ?schema=, with the migration recorded', async () => {
    const { rows } = await db.query<{ table_name: string }>(schema,
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name', [schema]);
    assert.deepEqual(rows.map((r) => r.table_name), ['audit_events', 'certificate_expiry_days', 'schema_migrations', 'user_pfx_certificates', 'users']);
    const versions = await db.query(schema, 'SELECT version FROM schema_migrations ORDER BY version');
    assert.deepEqual(versions.rows, postgresMigrations.map((m) => ({ version: m.version })));
    assert.equal(store.kind, 'postgres');
  });

  test('inserts and reads back rows in stored form: text dates, enums, booleans, nulls, binary', async () => {
    const user = userRow('Alice@Contoso.com');
    const insertedUser = await store.insert(userEntity, TENANT, user);
    assert.deepEqual(plain(insertedUser), user);
    assert.equal(typeof (insertedUser as Row)[SEQUENCE_FIELD], 'number', 'the BIGINT sequence comes back as a number');

    const cert = certificateRow(user, thumbprintFor('crud'));
    const before = await auditCount();
    const inserted = await store.insert(certificateEntity, TENANT, cert, { ownerId: user.id as string, audit: auditRow('Create UserPFXCertificate') });
    const { encryptedPfxBlob: _b, encryptedPfxPassword: _p, ...publicPart } = cert;
    assert.deepEqual(plain(inserted), publicPart, 'an insert returns the row without the secrets it was given');
    assert.equal(await auditCount(), before + 1, 'the audit event is written with the insert');

    assert.deepEqual(plain(await store.get(certificateEntity, TENANT, cert.id as string, { withSecrets: true })), cert);
    assert.deepEqual(plain(await store.get(userEntity, TENANT, user.id as string)), user);
    assert.equal(await store.get(certificateEntity, TENANT, 'nope'), undefined);
    assert.deepEqual(plain(await store.get(certificateEntity, TENANT, cert.id as string)), publicPart, 'secrets are read only when asked for');
    assert.equal(await store.get(certificateEntity, OTHER_TENANT, cert.id as string), undefined, 'another tenant sees nothing');
  });

  test('findBy looks a user up by the lower-cased UPN, within the tenant', async () => {
    const user = await store.insert(userEntity, TENANT, userRow('Find.Me@Contoso.com', { accountEnabled: false, mail: 'find@contoso.com' }));
    const found = await store.findBy(userEntity, TENANT, 'userPrincipalName', 'find.me@contoso.com');
    assert.equal(found?.id, user.id);
    assert.equal(found?.accountEnabled, false);
    assert.equal(await store.findBy(userEntity, OTHER_TENANT, 'userPrincipalName', 'find.me@contoso.com'), undefined);
    assert.equal(await store.findBy(userEntity, TENANT, 'userPrincipalName', 'Find.Me@Contoso.com'), undefined, 'the value is compared as given');
  });

  test('update applies change to the current row and writes the audit event in the same transaction', async () => {
    const user = await store.insert(userEntity, TENANT, userRow('upd@contoso.com'));
    const cert = await store.insert(certificateEntity, TENANT, certificateRow(user, thumbprintFor('upd')), { ownerId: user.id as string });
    const before = await auditCount();
    const stored = await store.get(certificateEntity, TENANT, cert.id as string, { withSecrets: true });
    let seen: Row | undefined;
    const updated = await store.update(certificateEntity, TENANT, cert.id as string, (current) => {
      seen = current;
      return { ...current, intendedPurpose: 1, keyName: 'new key', encryptedPfxBlob: Buffer.from('new'), lastModifiedDateTime: nowStored() };
    }, { audit: auditRow('Patch UserPFXCertificate') });
    assert.deepEqual(plain(seen), plain(stored));
    assert.ok(Buffer.isBuffer(seen!.encryptedPfxBlob), 'change sees the secrets');
    assert.equal(updated?.intendedPurpose, 1);
    assert.equal(updated?.keyName, 'new key');
    assert.deepEqual(updated?.encryptedPfxBlob, Buffer.from('new'));
    assert.equal((updated as Row | undefined)?.[SEQUENCE_FIELD], (cert as Row)[SEQUENCE_FIELD], 'the sequence is the insertion order, not changed by updates');
    assert.deepEqual(plain(await store.get(certificateEntity, TENANT, cert.id as string, { withSecrets: true })), plain(updated));
    assert.equal(await auditCount(), before + 1);
  });

  test('update of an absent row returns undefined without calling change', async () => {
    let called = false;
    const result = await store.update(certificateEntity, TENANT, 'absent', (c) => { called = true; return c; });
    assert.equal(result, undefined);
    assert.equal(called, false);
  });

  test('a change that throws rolls back: the error comes out as it is, nothing is written', async () => {
    const user = await store.insert(userEntity, TENANT, userRow('rollback@contoso.com'));
    const before = await auditCount();
    await assert.rejects(
      store.update(userEntity, TENANT, user.id as string, () => { throw new ValidationError('bad change'); }, { audit: auditRow('Patch User') }),
      (err: unknown) => err instanceof ValidationError && err.message === 'bad change');
    assert.deepEqual(await store.get(userEntity, TENANT, user.id as string), user);
    assert.equal(await auditCount(), before);
    // The connection went back to the pool in a usable state (no transaction left open on it).
    await Promise.all(Array.from({ length: 12 }, () => store.ping()));
    assert.ok(await store.get(userEntity, TENANT, user.id as string));
  });

  test('delete: true then false, with the audit event only when something was deleted', async () => {
    const user = await store.insert(userEntity, TENANT, userRow('del@contoso.com'));
    const before = await auditCount();
    assert.equal(await store.delete(userEntity, TENANT, user.id as string, { audit: auditRow('Delete User') }), true);
    assert.equal(await store.delete(userEntity, TENANT, user.id as string, { audit: auditRow('Delete User') }), false);
    assert.equal(await store.get(userEntity, TENANT, user.id as string), undefined);
    assert.equal(await auditCount(), before + 1);
  });

  test('the same id twice is a ConflictError, and the failed insert writes no audit event', async () => {
    const user = await store.insert(userEntity, TENANT, userRow('dup@contoso.com'));
    const cert = certificateRow(user, thumbprintFor('dup'));
    await store.insert(certificateEntity, TENANT, cert, { ownerId: user.id as string });
    const before = await auditCount();
    await assert.rejects(
      store.insert(certificateEntity, TENANT, cert, { ownerId: user.id as string, audit: auditRow('Create UserPFXCertificate') }),
      ConflictError);
    assert.equal(await auditCount(), before);
    // The same id in another tenant is another row (the owner must exist there too).
    const otherUser = await store.insert(userEntity, OTHER_TENANT, { ...user });
    await store.insert(certificateEntity, OTHER_TENANT, cert, { ownerId: otherUser.id as string });
  });

  test('a UPN taken case-insensitively is a ConflictError, on insert and on rename', async () => {
    await store.insert(userEntity, TENANT, userRow('Taken@Contoso.com'));
    await assert.rejects(store.insert(userEntity, TENANT, userRow('taken@CONTOSO.com')), ConflictError);
    const other = await store.insert(userEntity, TENANT, userRow('free@contoso.com'));
    await assert.rejects(store.update(userEntity, TENANT, other.id as string, (c) => ({ ...c, userPrincipalName: 'TAKEN@contoso.com' })), ConflictError);
  });

  test('deleting a user who owns certificates is a ConflictError; a certificate of an unknown user too', async () => {
    const user = await store.insert(userEntity, TENANT, userRow('owner@contoso.com'));
    const cert = await store.insert(certificateEntity, TENANT, certificateRow(user, thumbprintFor('owned')), { ownerId: user.id as string });
    await assert.rejects(store.delete(userEntity, TENANT, user.id as string, { audit: auditRow('Delete User') }), ConflictError);
    assert.ok(await store.get(userEntity, TENANT, user.id as string));
    const ghost = userRow('ghost@contoso.com');
    await assert.rejects(
      store.insert(certificateEntity, TENANT, certificateRow(ghost, thumbprintFor('ghost')), { ownerId: ghost.id as string }),
      ConflictError);
    assert.equal(await store.delete(certificateEntity, TENANT, cert.id as string), true);
    assert.equal(await store.delete(userEntity, TENANT, user.id as string), true);
  });

  test("renaming a user renames their certificates' userPrincipalName (trigger)", async () => {
    const user = await store.insert(userEntity, TENANT, userRow('old.name@contoso.com'));
    const cert = await store.insert(certificateEntity, TENANT, certificateRow(user, thumbprintFor('rename')), { ownerId: user.id as string });
    await store.update(userEntity, TENANT, user.id as string, (c) => ({ ...c, userPrincipalName: 'New.Name@Contoso.com' }));
    const after = await store.get(certificateEntity, TENANT, cert.id as string);
    assert.equal(after?.userPrincipalName, 'New.Name@Contoso.com');
    const listed = await store.list(certificateEntity, TENANT, parseListQuery("$filter=userPrincipalName eq 'new.name@contoso.com'", certificateEntity));
    assert.deepEqual(listed.rows.map((r) => r.id), [cert.id]);
  });

  test('list: filter, order, count, and keyset pages through nextAfter', async () => {
    const tenant = randomUUID();
    const user = await store.insert(userEntity, tenant, userRow('lister@contoso.com'));
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const cert = await store.insert(certificateEntity, tenant,
        certificateRow(user, thumbprintFor(`list${i}`), { expirationDateTime: `202${i}-06-01T00:00:00.0000000Z`, intendedPurpose: i % 2 ? 4 : 8 }),
        { ownerId: user.id as string });
      ids.push(cert.id as string);
    }
    const all = await store.list(certificateEntity, tenant, parseListQuery('$count=true', certificateEntity));
    assert.deepEqual(all.rows.map((r) => r.id), ids, 'default order: insertion');
    assert.equal(all.count, 7);
    assert.equal(all.nextAfter, undefined);

    const vpn = parseListQuery("$filter=intendedPurpose eq 'vpn'&$orderby=expirationDateTime desc&$count=true", certificateEntity);
    const vpnPage = await store.list(certificateEntity, tenant, vpn);
    assert.deepEqual(vpnPage.rows.map((r) => r.id), [ids[5], ids[3], ids[1]]);
    assert.equal(vpnPage.count, 3);
    assert.equal(await store.count(certificateEntity, tenant, vpn.filter), 3);

    const paged: string[] = [];
    let query = parseListQuery('$top=3&$orderby=expirationDateTime desc', certificateEntity);
    for (;;) {
      const page = await store.list(certificateEntity, tenant, query);
      paged.push(...page.rows.map((r) => r.id as string));
      if (!page.nextAfter) break;
      query = { ...query, after: page.nextAfter as ListQuery['after'] };
    }
    assert.deepEqual(paged, [...ids].reverse());

    const skipped = await store.list(certificateEntity, tenant, parseListQuery('$skip=5', certificateEntity));
    assert.deepEqual(skipped.rows.map((r) => r.id), ids.slice(5));
  });

  test('text orders by bytes, as SQLite does, whatever the database collation', async () => {
    const tenant = randomUUID();
    for (const name of ['b', 'B', 'a', 'A', '_', 'é']) await store.insert(userEntity, tenant, userRow(`${randomUUID()}@x.com`, { displayName: name }));
    const page = await store.list(userEntity, tenant, parseListQuery('$orderby=displayName', userEntity));
    assert.deepEqual(page.rows.map((r) => r.displayName), ['A', 'B', '_', 'a', 'b', 'é']);
  });

  test('hostile filter strings are data: quotes, SQL, LIKE wildcards', async () => {
    const tenant = randomUUID();
    const names = ["O'Brien", "x' OR '1'='1", "'; DROP TABLE users; --", '100%', 'a_b', 'axb', 'c!d', 'plain'];
    for (const name of names) await store.insert(userEntity, tenant, userRow(`${randomUUID()}@x.com`, { displayName: name }));
    const matches = async (filter: string) =>
      (await store.list(userEntity, tenant, parseListQuery(`$filter=${encodeURIComponent(filter)}`, userEntity))).rows.map((r) => r.displayName).sort();
    assert.deepEqual(await matches("displayName eq 'O''Brien'"), ["O'Brien"]);
    assert.deepEqual(await matches("displayName eq 'x'' OR ''1''=''1'"), ["x' OR '1'='1"]);
    assert.deepEqual(await matches("displayName eq ''' OR 1=1 --'"), []);
    assert.deepEqual(await matches("displayName eq '''; DROP TABLE users; --'"), ["'; DROP TABLE users; --"]);
    assert.deepEqual(await matches("contains(displayName,'%')"), ['100%']);
    assert.deepEqual(await matches("contains(displayName,'_')"), ['a_b']);
    assert.deepEqual(await matches("startswith(displayName,'a_')"), ['a_b']);
    assert.deepEqual(await matches("endswith(displayName,'!d')"), ['c!d']);
    assert.deepEqual(await matches("contains(displayName,'''')"), ["'; DROP TABLE users; --", "O'Brien", "x' OR '1'='1"].sort());
    assert.equal(await store.count(userEntity, tenant), names.length, 'the users table is still there, with every row');
  });

  test('appendAudit records an event on its own', async () => {
    const before = await auditCount();
    await store.appendAudit(TENANT, auditRow('Export UserPFXCertificate'));
    assert.equal(await auditCount(), before + 1);
    const page = await store.list(auditEventEntity, TENANT, parseListQuery("$filter=activityOperationType eq 'Export'", auditEventEntity));
    assert.equal(page.rows.length, 1);
    assert.equal(page.rows[0].actor, '{"type":"ItPro"}');
  });

  test('ping answers; after close every call is a StoreUnavailableError; close twice is fine', async () => {
    const own = await db.open();
    await own.ping();
    await own.close();
    await own.close();
    await assert.rejects(own.ping(), StoreUnavailableError);
    await assert.rejects(own.get(userEntity, TENANT, 'x'), StoreUnavailableError);
  });
});

describe('PostgresStore failure handling', { skip: db.skip }, () => {

  test('a statement that waits past statement_timeout is a StoreUnavailableError, and the store carries on', async () => {
    const schema = db.newSchema();
    const store = await db.open({ schema, statementTimeoutMs: 300 });
    const user = await store.insert(userEntity, TENANT, userRow('locked@contoso.com'));
    const locker = await db.connect(schema);
    await locker.query('BEGIN');
    await locker.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [user.id]);
    const started = Date.now();
    await assert.rejects(store.update(userEntity, TENANT, user.id as string, (c) => ({ ...c, displayName: 'x' })), StoreUnavailableError);
    assert.ok(Date.now() - started < 2000, 'bounded by the statement timeout');
    await locker.query('ROLLBACK');
    const updated = await store.update(userEntity, TENANT, user.id as string, (c) => ({ ...c, displayName: 'after' }));
    assert.equal(updated?.displayName, 'after');
  });

  test('connections killed by the server (57P01): idle ones are replaced unnoticed, a statement in flight is a StoreUnavailableError', async () => {
    const schema = db.newSchema();
    const appName = `pfxtest_kill_${process.pid}`;
    const store = await db.open({ schema, url: db.urlFor(schema, { application_name: appName }) });
    const user = await store.insert(userEntity, TENANT, userRow('killed@contoso.com'));
    const kill = async () => Number((await db.query<{ n: string }>(schema,
      'SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE application_name = $1', [appName])).rows[0].n);

    // What a PostgreSQL restart does to a pool: every idle connection dies. The next calls must not notice.
    await Promise.all(Array.from({ length: 5 }, () => store.ping()));
    assert.ok(await kill() >= 1);
    for (let i = 0; i < 10; i++) assert.ok(await store.get(userEntity, TENANT, user.id as string), `call ${i} after the kill`);

    // A statement running when its session dies fails (it may have done anything): 503, and the next call works.
    const locker = await db.connect(schema);
    await locker.query('BEGIN');
    await locker.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [user.id]);
    // Settled into a value now: a rejection must not count as unhandled while the test polls.
    const waiting = store.update(userEntity, TENANT, user.id as string, (c) => ({ ...c, displayName: 'never' })).then(() => 'updated', (err: unknown) => err);
    await waitFor(async () => (await db.query(schema,
      "SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'", [appName])).rows.length > 0,
    { what: "the store's UPDATE to wait on the row lock" });
    assert.equal(await kill(), 1);
    const outcome = await waiting;
    assert.ok(outcome instanceof StoreUnavailableError, `the statement in flight fails with a StoreUnavailableError, got ${String(outcome)}`);
    await locker.query('ROLLBACK');
    const updated = await store.update(userEntity, TENANT, user.id as string, (c) => ({ ...c, displayName: 'after' }));
    assert.equal(updated?.displayName, 'after');
  });
});

// These need no PostgreSQL: they check what happens when there is none.
describe('PostgresStore without a server', () => {
  test('nothing listening: open rejects with StoreUnavailableError at once', async () => {
    const { createServer } = await import('node:net');
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r())); // the port is now closed: ECONNREFUSED
    const { PostgresStore } = await import('../../src/store/postgres.js');
    const started = Date.now();
    await assert.rejects(PostgresStore.open({ url: `postgres://postgres@127.0.0.1:${port}/test`, connectTimeoutMs: 1000 }), StoreUnavailableError);
    assert.ok(Date.now() - started < 1000);
  });

  test('a server that never answers: open rejects with StoreUnavailableError within the connect timeout', async () => {
    const { createServer } = await import('node:net');
    const sockets = new Set<Socket>();
    const server = createServer((s) => { sockets.add(s); s.on('error', () => undefined); }); // accepts, says nothing
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const { PostgresStore } = await import('../../src/store/postgres.js');
      const started = Date.now();
      await assert.rejects(PostgresStore.open({ url: `postgres://postgres@127.0.0.1:${port}/test`, connectTimeoutMs: 400 }), StoreUnavailableError);
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 350 && elapsed < 2000, `gave up after ${elapsed} ms`);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  test('a schema name that is not a plain identifier is refused before connecting', async () => {
    const { PostgresStore } = await import('../../src/store/postgres.js');
    await assert.rejects(PostgresStore.open({ url: 'postgres://postgres@127.0.0.1:1/test?schema=a;b' }), /plain lower-case identifier/);
    await assert.rejects(PostgresStore.open({ url: 'postgres://postgres@127.0.0.1:1/test', schema: 'Upper' }), /plain lower-case identifier/);
  });
});
