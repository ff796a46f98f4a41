/**
 * Issue #13's scrape benchmark: `GET /metrics` with 1,000,000 certificates, on SQLite and on PostgreSQL, and
 * what keeping it cheap costs the writes.
 *   scrape     GET /metrics from `pfxstore serve` over HTTPS (the process series, the request series and the
 *              expiry series of two tenants), best and median of the rounds
 *   counts     store.expiryCounts alone, called directly (the day counts plus the index ranges the
 *              boundaries cut: store/expiry-sql.ts)
 *   reference  the same figures counted from the certificates in one pass over their
 *              (tenant_id, expiration_date_time) index: what a scrape would cost without the day counts.
 *              Its answer must equal the store's.
 *   writes     creates through the store, 2,000 in flight, into a fresh tenant: with the day-count triggers,
 *              then with them dropped (last, on a copy nobody scrapes again)
 * The certificates are written directly through the store (no HTTP, no validation), in stored form with small
 * stand-in secrets, 90% in one tenant and 10% in another, expiries spread over five years around now, at every
 * time of day.
 *
 *   npm run build && node dist/bench/metrics.js [--count 1000000] [--only sqlite,postgres] [--rounds 5]
 *   PFXSTORE_BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test) picks the database.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { loadDevIdentity } from '../src/graph/dev-identity.js';
import { certificateEntity } from '../src/model/certificate.js';
import { nowStored } from '../src/model/datetime.js';
import { userEntity } from '../src/model/user.js';
import { EXPIRY_WINDOW_DAYS } from '../src/service/expiry-service.js';
import { PostgresStore } from '../src/store/postgres.js';
import { SqliteStore } from '../src/store/sqlite.js';
import type { ExpiryCounts, Store } from '../src/store/store.js';
import { DIST, spawnServer, type Spawned } from './lib.js';

const { values } = parseArgs({ options: {
  count: { type: 'string', default: '1000000' },
  only: { type: 'string', default: 'sqlite,postgres' },
  rounds: { type: 'string', default: '5' },
} });
const COUNT = Number(values.count);
const ROUNDS = Number(values.rounds);
const WRITES = Math.min(100_000, COUNT / 10);
const only = new Set(values.only!.split(','));
const DB_URL = process.env.PFXSTORE_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MAIN = join(DIST, 'src', 'main.js');
const DAY_MS = 86_400_000;
const NOW = new Date();
const OWNERS_PER_TENANT = 1000;

/** Certificate i's expiry: from two years ago to three years ahead, a prime step apart, so every time of day occurs. */
function expiryOf(i: number): string {
  const spanMs = 5 * 365 * DAY_MS;
  return nowStored(new Date(NOW.getTime() - 2 * 365 * DAY_MS + ((i * 7_919_000) % spanMs)));
}

/** `count` certificates of one tenant, straight into the store, 2,000 writes in flight (both stores batch them). */
async function seedTenant(store: Store, tenantId: string, count: number, from: number): Promise<number> {
  const started = performance.now();
  const now = nowStored();
  const owners = Array.from({ length: OWNERS_PER_TENANT }, (_, u) => ({
    id: randomUUID(), userPrincipalName: `user${u}@contoso.com`, displayName: `user${u}`, mail: null, accountEnabled: true, createdDateTime: now,
  }));
  await Promise.all(owners.map((owner) => store.insert(userEntity, tenantId, owner)));
  for (let start = 0; start < count; start += 2000) {
    await Promise.all(Array.from({ length: Math.min(2000, count - start) }, (_, k) => {
      const i = from + start + k;
      const owner = owners[i % OWNERS_PER_TENANT];
      const thumbprint = i.toString(16).padStart(40, '0');
      return store.insert(certificateEntity, tenantId, {
        id: `${owner.id.replace(/-/g, '')}-${thumbprint}`, thumbprint, intendedPurpose: 1, userPrincipalName: owner.userPrincipalName,
        startDateTime: '2020-01-01T00:00:00.0000000Z', expirationDateTime: expiryOf(i),
        providerName: 'Microsoft Software Key Storage Provider', keyName: 'PFXEncryptionKey', paddingScheme: 5,
        encryptedPfxBlob: Buffer.from([0x30, 0x82, 0x01, 0x00]), encryptedPfxPassword: Buffer.from([0x01, 0x02]),
        createdDateTime: now, lastModifiedDateTime: now,
      }, { ownerId: owner.id });
    }));
  }
  return performance.now() - started;
}

/** The reference: every figure counted from the certificates, one pass over the expiration index. */
function referenceSql(placeholder: (n: number) => string): { sql: string; params: string[] } {
  const params: string[] = [];
  // SQLite's `?` cannot be referenced again: every use binds its own copy.
  const bind = (value: string) => placeholder(params.push(value));
  const at = nowStored(NOW);
  const expired = `SUM(CASE WHEN expiration_date_time <= ${bind(at)} THEN 1 ELSE 0 END) AS expired`;
  const windows = EXPIRY_WINDOW_DAYS.map((days, i) => `SUM(CASE WHEN expiration_date_time > ${bind(at)} AND ` +
    `expiration_date_time < ${bind(nowStored(new Date(NOW.getTime() + days * DAY_MS)))} THEN 1 ELSE 0 END) AS within_${i}`);
  return {
    sql: `SELECT tenant_id, COUNT(*) AS total, ${expired}, ${windows.join(', ')} FROM user_pfx_certificates GROUP BY tenant_id ORDER BY tenant_id`,
    params,
  };
}

function fromReference(rows: Record<string, unknown>[]): ExpiryCounts[] {
  return rows.map((r) => ({
    tenantId: r.tenant_id as string, total: Number(r.total), expired: Number(r.expired),
    expiringWithin: EXPIRY_WINDOW_DAYS.map((_, i) => Number(r[`within_${i}`])),
  }));
}

function getMetrics(url: string, ca: Buffer): Promise<{ ms: number; body: string }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpsRequest(`${url}/metrics`, { ca }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => (res.statusCode === 200 ? resolve({ ms: performance.now() - started, body }) : reject(new Error(`/metrics: ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function timed<T>(rounds: number, work: () => Promise<T>): Promise<{ best: number; median: number; last: T }> {
  const times: number[] = [];
  let last!: T;
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    last = await work();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { best: times[0], median: times[Math.floor(times.length / 2)], last };
}

const ms = (n: number) => `${n.toFixed(1).padStart(7)} ms`;
const rate = (n: number, elapsedMs: number) => `${Math.round(n / (elapsedMs / 1000)).toLocaleString('en')}/s`;

async function measure(kind: 'sqlite' | 'postgres'): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pfxstore-metricsbench-'));
  const schema = `pfxbench_${process.pid}_metrics`;
  const schemaUrl = () => { const u = new URL(DB_URL); u.searchParams.set('schema', schema); return u.toString(); };
  const dbPath = join(dataDir, 'pfxstore.db');
  const open = async (): Promise<Store> => (kind === 'sqlite' ? new SqliteStore({ path: dbPath, synchronous: 'normal' }) : PostgresStore.open({ url: schemaUrl() }));
  let admin: pg.Client | undefined;
  let server: Spawned | undefined;
  let store: Store | undefined;
  try {
    const identity = await loadDevIdentity(dataDir);
    const tenants = [identity.tenantId, randomUUID()];
    if (kind === 'postgres') {
      admin = new pg.Client({ connectionString: DB_URL, options: `-c search_path=${schema}` });
      await admin.connect();
    }
    store = await open();
    const seedMs = await seedTenant(store, tenants[0], COUNT * 0.9, 0) + await seedTenant(store, tenants[1], COUNT * 0.1, COUNT * 0.9);
    console.log(`${kind}: seeded ${COUNT.toLocaleString('en')} certificates in ${(seedMs / 1000).toFixed(1)} s (${rate(COUNT, seedMs)})`);
    if (admin) {
      // As a table that has lived a while: statistics and visibility map up to date.
      for (const table of ['users', 'user_pfx_certificates', 'certificate_expiry_days']) await admin.query(`VACUUM (ANALYZE) ${table}`);
    }

    const counts = await timed(ROUNDS, () => store!.expiryCounts(NOW, EXPIRY_WINDOW_DAYS));
    let reference: { best: number; median: number; last: ExpiryCounts[] };
    if (kind === 'sqlite') {
      await store.close(); // the file is held exclusively
      store = undefined;
      const db = new Database(dbPath, { readonly: true });
      const { sql, params } = referenceSql(() => '?');
      const statement = db.prepare(sql);
      reference = await timed(ROUNDS, async () => fromReference(statement.all(...params) as Record<string, unknown>[]));
      db.close();
    } else {
      const { sql, params } = referenceSql((n) => `$${n}`);
      reference = await timed(ROUNDS, async () => fromReference((await admin!.query(sql, params)).rows));
    }
    if (JSON.stringify(counts.last) !== JSON.stringify(reference.last)) {
      throw new Error(`the store counted ${JSON.stringify(counts.last)}\nthe certificates say ${JSON.stringify(reference.last)}`);
    }
    await store?.close();
    store = undefined;

    server = await spawnServer(MAIN, ['serve', '--port', '0', '--data', dataDir, '--log-level', 'warn', ...(kind === 'postgres' ? ['--db', schemaUrl()] : [])]);
    const ca = readFileSync(join(dataDir, 'dev-ca.pem'));
    await getMetrics(server.url, ca); // TLS session and the first scrape's preparing, outside the figures
    const scrape = await timed(ROUNDS, () => getMetrics(server!.url, ca));
    const total = new RegExp(`^pfxstore_certificates_total\\{tenant="${tenants[0]}"\\} (\\d+)$`, 'm').exec(scrape.last.body)?.[1];
    if (Number(total) !== COUNT * 0.9) throw new Error(`/metrics shows ${total} certificates for the first tenant`);
    await server.stop();
    server = undefined;

    // What the day counts cost a write: creates into fresh tenants with the triggers, then without them.
    store = await open();
    const withTriggers = await seedTenant(store, randomUUID(), WRITES, 2 * COUNT);
    await store.close();
    store = undefined;
    const drop = ['insert', 'delete', 'update'].map((op) => `DROP TRIGGER certificate_expiry_days_${op}${kind === 'postgres' ? ' ON user_pfx_certificates' : ''}`);
    if (kind === 'sqlite') {
      const db = new Database(dbPath);
      for (const sql of drop) db.exec(sql);
      db.close();
    } else {
      for (const sql of drop) await admin!.query(sql);
    }
    store = await open();
    const withoutTriggers = await seedTenant(store, randomUUID(), WRITES, 3 * COUNT);

    const rows = COUNT.toLocaleString('en');
    console.log([
      `${kind}: GET /metrics with ${rows} certificates in 2 tenants`,
      `  scrape      ${ms(scrape.best)} best, ${ms(scrape.median)} median  GET /metrics over HTTPS (${(scrape.last.body.length / 1024).toFixed(1)} KB)`,
      `  counts      ${ms(counts.best)} best, ${ms(counts.median)} median  store.expiryCounts, called directly`,
      `  reference   ${ms(reference.best)} best, ${ms(reference.median)} median  the same figures counted from the certificates (index scan)`,
      `  writes      ${rate(WRITES, withTriggers)} creates with the day-count triggers, ${rate(WRITES, withoutTriggers)} without ` +
        `(${WRITES.toLocaleString('en')} each; ratio with/without ${(withoutTriggers / withTriggers).toFixed(2)})`,
    ].join('\n'));
  } finally {
    await server?.stop().catch(() => undefined);
    await store?.close().catch(() => undefined);
    if (admin) {
      await admin.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`)
        .catch((err: Error) => console.error(`could not drop the bench schema ${schema}: ${err.message}`));
      await admin.end().catch(() => undefined);
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

for (const kind of ['sqlite', 'postgres'] as const) {
  if (only.has(kind)) await measure(kind);
}
