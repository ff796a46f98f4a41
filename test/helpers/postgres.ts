import { randomBytes, randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { nowStored } from '../../src/model/datetime.js';
import { PostgresStore, type PostgresStoreOptions } from '../../src/store/postgres.js';
import type { Row } from '../../src/store/store.js';
import type { StoreFactory } from './stores.js';

/**
 * PostgreSQL for tests: database `test` on the local server (trust auth), one fresh schema per test (or per
 * file), dropped afterwards. When the server cannot be reached the PostgreSQL tests skip, unless
 * PFXSTORE_REQUIRE_POSTGRES=1 (CI), where the test file fails instead: a green CI run has really run them.
 * PFXSTORE_TEST_POSTGRES_URL points the tests at another server.
 */
export const POSTGRES_TEST_URL = process.env.PFXSTORE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** PFXSTORE_REQUIRE_POSTGRES=1: a PostgreSQL test that cannot run fails instead of skipping. */
export const POSTGRES_REQUIRED = process.env.PFXSTORE_REQUIRE_POSTGRES === '1';

export interface PostgresTestDb {
  /** A reason to skip (PostgreSQL unreachable), or false. Pass as `{ skip: db.skip }`. */
  readonly skip: string | false;
  /** A new schema name unique to this run; the schema itself is created by the store that opens it. */
  newSchema(): string;
  /** The test URL with `?schema=`, plus any other URL parameters. */
  urlFor(schema: string, params?: Record<string, string>): string;
  /** Opens a store on `schema` (a new one when omitted). Closed by cleanup() unless closed before. */
  open(options?: Partial<PostgresStoreOptions> & { schema?: string }): Promise<PostgresStore>;
  /** Runs SQL as the test superuser with `schema` as search_path. */
  query<R extends pg.QueryResultRow = Record<string, unknown>>(schema: string, sql: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
  /** A dedicated admin connection (for holding locks across calls); ended by cleanup(). */
  connect(schema: string): Promise<pg.Client>;
  /** Closes the stores and connections opened here and drops every schema handed out. Safe to call again. */
  cleanup(): Promise<void>;
}

/** Call once at the top of a test file: `const db = await postgresTestDb(import.meta.url);` */
export async function postgresTestDb(fileUrl: string): Promise<PostgresTestDb> {
  const unreachable = await probe();
  if (unreachable && POSTGRES_REQUIRED) {
    throw new Error(`PFXSTORE_REQUIRE_POSTGRES=1 but PostgreSQL is unreachable at ${POSTGRES_TEST_URL}: ${unreachable}`);
  }
  const label = basename(fileURLToPath(fileUrl)).replace(/\.test\.[jt]s$/, '').replace(/[^a-z0-9]+/gi, '_').toLowerCase().slice(0, 24);
  const schemas = new Set<string>();
  const stores: PostgresStore[] = [];
  const clients: pg.Client[] = [];
  let admin: pg.Pool | undefined;
  const adminPool = (): pg.Pool => (admin ??= new pg.Pool({ connectionString: POSTGRES_TEST_URL, max: 3 }));
  let counter = 0;

  const db: PostgresTestDb = {
    skip: unreachable ? `PostgreSQL unreachable at ${POSTGRES_TEST_URL} (${unreachable}); PFXSTORE_REQUIRE_POSTGRES=1 makes this a failure` : false,
    newSchema() {
      const name = `pfxtest_${label}_${process.pid}_${++counter}_${randomBytes(3).toString('hex')}`;
      schemas.add(name);
      return name;
    },
    urlFor(schema, params = {}) {
      const url = new URL(POSTGRES_TEST_URL);
      url.searchParams.set('schema', schema);
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      return url.toString();
    },
    async open(options = {}) {
      const schema = options.schema ?? db.newSchema();
      const store = await PostgresStore.open({ url: db.urlFor(schema), connectTimeoutMs: 3000, ...options, schema });
      stores.push(store);
      return store;
    },
    async query<R extends pg.QueryResultRow>(schema: string, sql: string, params: unknown[] = []) {
      const client = await adminPool().connect();
      try {
        await client.query(`SET search_path TO ${pg.escapeIdentifier(schema)}`);
        return await client.query<R>(sql, params);
      } finally {
        client.release(true); // never hand a connection with a changed search_path to the next caller
      }
    },
    async connect(schema) {
      const client = new pg.Client({ connectionString: POSTGRES_TEST_URL, options: `-c search_path=${schema}` });
      client.on('error', () => undefined); // terminated on purpose by some tests
      await client.connect();
      clients.push(client);
      return client;
    },
    async cleanup() {
      await Promise.all(stores.splice(0).map((s) => s.close()));
      await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
      if (schemas.size > 0 && !unreachable) {
        const pool = adminPool();
        for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
        schemas.clear();
      }
      const ending = admin;
      admin = undefined;
      await ending?.end();
    },
  };
  return db;
}

/** The integration suite's PostgreSQL store (test/helpers/stores.ts): undefined when skipped. */
export async function postgresStoreFactory(): Promise<StoreFactory | undefined> {
  if (await probe()) {
    if (POSTGRES_REQUIRED) throw new Error(`PFXSTORE_REQUIRE_POSTGRES=1 but PostgreSQL is unreachable at ${POSTGRES_TEST_URL}`);
    return undefined;
  }
  return {
    name: 'postgres',
    async open() {
      const db = await postgresTestDb(import.meta.url);
      const store = await db.open();
      return { store, cleanup: () => db.cleanup() };
    },
  };
}

/** Why PostgreSQL cannot be used, or undefined when it answers. */
async function probe(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: POSTGRES_TEST_URL, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code ?? (err as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A user row in stored form. */
export function userRow(upn: string, overrides: Row = {}): Row {
  return { id: randomUUID(), userPrincipalName: upn, displayName: `Display ${upn}`, mail: null, accountEnabled: true, createdDateTime: nowStored(), ...overrides };
}

/** A certificate row in stored form, owned by `user`; pass it with `{ ownerId: user.id }`. */
export function certificateRow(user: Row, thumbprint: string, overrides: Row = {}): Row {
  const now = nowStored();
  return {
    id: `${(user.id as string).replace(/-/g, '')}-${thumbprint}`,
    thumbprint,
    intendedPurpose: 4,
    userPrincipalName: user.userPrincipalName,
    startDateTime: '2026-01-01T00:00:00.0000000Z',
    expirationDateTime: '2027-01-01T00:00:00.0000000Z',
    providerName: 'Microsoft Software Key Storage Provider',
    keyName: `key-${thumbprint.slice(0, 8)}`,
    paddingScheme: 5,
    encryptedPfxBlob: Buffer.from([0x30, 0x82, 0x01, 0x00, 0xff]),
    encryptedPfxPassword: Buffer.from([0x01, 0x02, 0x00, 0xfe]),
    createdDateTime: now,
    lastModifiedDateTime: now,
    ...overrides,
  };
}

/** A 40-hex thumbprint, distinct for each n. */
export function thumbprintFor(n: number | string): string {
  return Buffer.from(String(n).padStart(20, '0')).toString('hex').slice(0, 40);
}
