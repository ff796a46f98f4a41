/**
 * Issue #4's PostgreSQL benchmark, one run, same machine, same database:
 * - POST create (~4 KB body) and GET by id: pfxstore on PostgreSQL (--http, a valid token) against a bare
 *   node:http + pg server doing the same single-row INSERT / SELECT by key (bench/servers/pg-server.ts), 32
 *   connections each; target ≥ 0.6× each.
 * - The total of two pfxstore instances on one schema (16 connections each): a figure, not a target (two cores
 *   shared with PostgreSQL and the load generator).
 * - The PowerShell module's UPN query, `$filter=tolower(userPrincipalName) eq '…'`, over 1,000,000 certificates
 *   vs 1,000 (10 per user, a random user per request): p99 within 2×. The rows are bulk-loaded with one
 *   INSERT … SELECT generate_series into a schema pfxstore migrated, then VACUUM ANALYZE'd, as a table that has
 *   lived a while would be.
 * Each comparison alternates the two sides and keeps each one's best round (bench/lib.ts `compare`).
 * Prints the figures and ratios; exits non-zero when a target is missed. Drops its schemas at the end.
 *
 *   npm run build && node dist/bench/postgres.js [--duration 10] [--only post,get,two,filter]
 *   PFXSTORE_BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test) picks the database.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { nowStored } from '../src/model/datetime.js';
import { loadDevIdentity, mintDevToken } from '../src/graph/dev-identity.js';
import { SecretBox } from '../src/service/secret-box.js';
import { PostgresStore } from '../src/store/postgres.js';
import { makeTestPfx } from '../test/helpers/pfx-fixture.js';
import { certificateBody as benchBody, compare, DIST, load, report, spawnServer, type LoadResult, type Spawned } from './lib.js';

const { values } = parseArgs({ options: { duration: { type: 'string', default: '10' }, only: { type: 'string', default: 'post,get,two,filter' } } });
const duration = Number(values.duration);
const only = new Set(values.only!.split(','));
const DB_URL = process.env.PFXSTORE_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CERTS = '/beta/deviceManagement/userPfxCertificates';
const MAIN = join(DIST, 'src', 'main.js');
const CERTIFICATES_PER_USER = 10;

const pfx = await makeTestPfx();
const pfx64 = pfx.toString('base64');
const certificateBody = (thumbprint: string, upn: string) => benchBody(pfx64, thumbprint, upn);

/** autocannon options posting a fresh certificate per request (the owners rotate over 100 users). */
function posting(url: string, headers: Record<string, string>) {
  let n = 0;
  return {
    url, method: 'POST' as const, headers: { ...headers, 'content-type': 'application/json' },
    requests: [{ setupRequest: (req: any) => ({ ...req, body: JSON.stringify(certificateBody(randomBytes(20).toString('hex'), `poster${n++ % 100}@contoso.com`)) }) }],
  };
}

const dataDir = mkdtempSync(join(tmpdir(), 'pfxstore-pgbench-'));
const identity = await loadDevIdentity(dataDir);
const tenantId = identity.tenantId;
const auth = { authorization: `Bearer ${await mintDevToken(identity)}` };
/** Named, so that an interrupted run can cancel its own bulk load before dropping the schemas. */
const APPLICATION_NAME = `pfxstore-bench-${process.pid}`;
const admin = new pg.Pool({ connectionString: DB_URL, max: 2, application_name: APPLICATION_NAME });
const schemas: string[] = [];
const servers: Spawned[] = [];

function newSchema(purpose: string): string {
  const name = `pfxbench_${process.pid}_${purpose}`;
  schemas.push(name);
  return name;
}

function urlFor(schema: string): string {
  const url = new URL(DB_URL);
  url.searchParams.set('schema', schema);
  return url.toString();
}

/** Creates `schema` with pfxstore's own migrations (as a server starting on it would). */
async function migrate(schema: string): Promise<void> {
  await (await PostgresStore.open({ url: urlFor(schema) })).close();
}

async function pfxstore(schema: string): Promise<Spawned> {
  const server = await spawnServer(MAIN, ['serve', '--http', '--port', '0', '--data', dataDir, '--db', urlFor(schema), '--log-level', 'warn']);
  servers.push(server);
  return server;
}

async function stop(server: Spawned): Promise<void> {
  servers.splice(servers.indexOf(server), 1);
  await server.stop();
}

function line(what: string, r: LoadResult): string {
  return `${what} ${r.rps.toFixed(0)} req/s (p99 ${r.p99Ms} ms${r.non2xx + r.errors > 0 ? `, non-2xx ${r.non2xx}, errors ${r.errors}` : ''})`;
}

/**
 * `count` certificates, CERTIFICATES_PER_USER per owner, and the owners, in stored form (store/store.ts): ids as
 * the service makes them, dates as fixed-width UTC text, enums as integers, secrets as at-rest ciphertext of the
 * real sizes (one sealed value shared by all rows: the queries measured here never decrypt).
 */
async function bulkLoad(schema: string, count: number): Promise<void> {
  const box = SecretBox.load(dataDir);
  const blob = box.seal(pfx, `${tenantId}/bulk/encryptedPfxBlob`);
  const password = box.seal(Buffer.from(randomBytes(512).toString('base64')), `${tenantId}/bulk/encryptedPfxPassword`);
  const now = nowStored();
  const client = await admin.connect();
  try {
    await client.query(`SET search_path TO ${pg.escapeIdentifier(schema)}`);
    await client.query(`
      INSERT INTO users (tenant_id, id, user_principal_name, upn_lower, display_name, mail, account_enabled, created_date_time)
      SELECT $1, md5('user' || u)::uuid::text, 'user' || u || '@contoso.com', 'user' || u || '@contoso.com', 'user' || u, NULL, true, $2
      FROM generate_series(0, $3::int - 1) AS u`, [tenantId, now, count / CERTIFICATES_PER_USER]);
    await client.query(`
      INSERT INTO user_pfx_certificates (tenant_id, id, user_id, thumbprint, intended_purpose, user_principal_name, upn_lower,
        start_date_time, expiration_date_time, provider_name, key_name, padding_scheme, created_date_time, last_modified_date_time,
        encrypted_pfx_blob, encrypted_pfx_password)
      SELECT $1, replace(o.id, '-', '') || '-' || c.thumbprint, o.id, c.thumbprint, 1, o.upn, o.upn,
        '2026-01-01T00:00:00.0000000Z', c.expiration, 'Microsoft Software Key Storage Provider', 'PFXEncryptionKey', 5, $2, $2, $5, $6
      FROM generate_series(0, $3::int - 1) AS i
      CROSS JOIN LATERAL (SELECT md5('user' || (i / $4::int))::uuid::text AS id, 'user' || (i / $4::int) || '@contoso.com' AS upn) o
      CROSS JOIN LATERAL (SELECT left(md5('t' || i) || md5('h' || i), 40) AS thumbprint,
        (2027 + i % 5) || '-' || lpad((1 + i % 12)::text, 2, '0') || '-01T00:00:00.0000000Z' AS expiration) c`,
    [tenantId, now, count, CERTIFICATES_PER_USER, blob, password]);
    await client.query('VACUUM (ANALYZE) users');
    await client.query('VACUUM (ANALYZE) user_pfx_certificates');
  } finally {
    client.release(true);
  }
}

/**
 * A pfxstore on `count` bulk-loaded certificates, and autocannon options for the module's UPN query there, a
 * random owner per request. Checks first that the query finds the owner's certificates, so the bench measures
 * real answers.
 */
async function upnQuery(count: number): Promise<Parameters<typeof load>[0]> {
  const schema = newSchema(`upn${count}`);
  await migrate(schema);
  const started = Date.now();
  await bulkLoad(schema, count);
  console.log(`loaded ${count.toLocaleString('en')} certificates in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const server = await pfxstore(schema);
  const path = (user: number) => `${CERTS}?$filter=tolower(userPrincipalName)%20eq%20'user${user}@contoso.com'`;
  const users = count / CERTIFICATES_PER_USER;
  const sample = (await (await fetch(`${server.url}${path(users - 1)}`, { headers: auth })).json()) as { value?: unknown[] };
  if (sample.value?.length !== CERTIFICATES_PER_USER) throw new Error(`the UPN query over ${count} certificates found ${JSON.stringify(sample).slice(0, 300)}`);
  return {
    url: `${server.url}${CERTS}`, headers: auth,
    requests: [{ setupRequest: (req: any) => ({ ...req, path: path(randomInt(users)) }) }],
  };
}

let ok = true;
let interrupted = false;
let cleaning: Promise<void> | undefined;
/** Once, whichever comes first: the end of the run or Ctrl-C. */
const cleanup = () => (cleaning ??= dropEverything());

async function dropEverything(): Promise<void> {
  await Promise.all(servers.splice(0).map((s) => s.stop().catch(() => undefined)));
  const client = new pg.Client({ connectionString: DB_URL });
  try {
    await client.connect();
    // A bulk load still running (Ctrl-C) would hold its locks, and DROP SCHEMA would wait for it.
    await client.query('SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [APPLICATION_NAME]);
    for (const schema of schemas.splice(0)) await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
  } catch (err) {
    console.error(`could not drop the bench schemas ${schemas.join(', ')}: ${(err as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
  await admin.end().catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
}
process.once('SIGINT', () => {
  interrupted = true;
  void cleanup().finally(() => process.exit(130));
});

try {
  const single: { post?: LoadResult; get?: LoadResult } = {};
  if (only.has('post') || only.has('get') || only.has('two')) {
    const mainSchema = newSchema('main');
    const refSchema = newSchema('ref');
    const a = await pfxstore(mainSchema);
    await migrate(refSchema);
    const owner = { id: '00000000-0000-4000-8000-000000000001', upn: 'reference@contoso.com' };
    await admin.query(`INSERT INTO ${pg.escapeIdentifier(refSchema)}.users (tenant_id, id, user_principal_name, upn_lower, account_enabled, created_date_time)
      VALUES ($1, $2, $3, $3, true, $4)`, [tenantId, owner.id, owner.upn, nowStored()]);
    const ref = await spawnServer(join(DIST, 'bench', 'servers', 'pg-server.js'), [DB_URL, refSchema, tenantId, owner.id, owner.upn]);
    servers.push(ref);
    console.log(`POST body      ${JSON.stringify(certificateBody('0'.repeat(40), 'poster0@contoso.com')).length} bytes`);

    // ---- POST create: pfxstore vs the bare INSERT ----
    if (only.has('post')) {
      await load({ ...posting(`${a.url}${CERTS}`, auth), duration: 2 }); // warm-up: owners created, statements prepared
      await load({ ...posting(`${ref.url}${CERTS}`, {}), duration: 2 });
      const [ours, bare] = await compare(
        () => load({ ...posting(`${a.url}${CERTS}`, auth), duration }),
        () => load({ ...posting(`${ref.url}${CERTS}`, {}), duration }));
      single.post = ours;
      console.log(`POST create    ${line('pfxstore', single.post)}  ${line('bare pg', bare)}`);
      const ratio = single.post.rps / bare.rps;
      ok = report('POST create, pfxstore / bare node:http + pg', ratio, '≥ 0.60', ratio >= 0.6 && single.post.non2xx + single.post.errors === 0) && ok;
    }

    // ---- GET by id: pfxstore vs the bare SELECT ----
    const created = await fetch(`${a.url}${CERTS}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(certificateBody(randomBytes(20).toString('hex'), 'reader@contoso.com')) });
    const id = ((await created.json()) as { id: string }).id;
    if (only.has('get')) {
      const refCreated = await fetch(`${ref.url}${CERTS}`, { method: 'POST', body: JSON.stringify(certificateBody(randomBytes(20).toString('hex'), owner.upn)) });
      const refId = ((await refCreated.json()) as { id: string }).id;
      await load({ url: `${a.url}${CERTS}/${id}`, headers: auth, duration: 2 });
      await load({ url: `${ref.url}${CERTS}/${refId}`, duration: 2 });
      const [ours, bare] = await compare(
        () => load({ url: `${a.url}${CERTS}/${id}`, headers: auth, duration }),
        () => load({ url: `${ref.url}${CERTS}/${refId}`, duration }));
      single.get = ours;
      console.log(`GET by id      ${line('pfxstore', single.get)}  ${line('bare pg', bare)}`);
      const ratio = single.get.rps / bare.rps;
      ok = report('GET by id, pfxstore / bare node:http + pg', ratio, '≥ 0.60', ratio >= 0.6 && single.get.non2xx + single.get.errors === 0) && ok;
    }
    await stop(ref);

    // ---- two instances on one schema, 16 connections each: the total (a figure) ----
    if (only.has('two')) {
      const b = await pfxstore(mainSchema);
      await load({ url: `${b.url}${CERTS}/${id}`, headers: auth, duration: 2 });
      const both = async (options: (server: Spawned) => Parameters<typeof load>[0]) => {
        const results = await Promise.all([a, b].map((s) => load({ ...options(s), connections: 16, duration })));
        return { rps: results[0].rps + results[1].rps, results };
      };
      const post = await both((s) => posting(`${s.url}${CERTS}`, auth));
      const get = await both((s) => ({ url: `${s.url}${CERTS}/${id}`, headers: auth }));
      const versus = (r: LoadResult | undefined) => (r ? ` (one instance: ${r.rps.toFixed(0)} req/s)` : '');
      console.log(`two instances  POST ${post.rps.toFixed(0)} req/s${versus(single.post)}, p99 ${post.results.map((r) => r.p99Ms).join('/')} ms; ` +
        `GET ${get.rps.toFixed(0)} req/s${versus(single.get)}, p99 ${get.results.map((r) => r.p99Ms).join('/')} ms`);
      const failed = [...post.results, ...get.results].reduce((n, r) => n + r.non2xx + r.errors, 0);
      if (failed > 0) ok = report('two instances: failed requests', failed, '0', false) && ok;
      await stop(b);
    }
    await stop(a);
  }

  // ---- the module's UPN query: 1,000,000 vs 1,000 certificates ----
  if (only.has('filter')) {
    const smallQuery = await upnQuery(1000);
    const largeQuery = await upnQuery(1_000_000);
    await load({ ...smallQuery, duration: 2 }); // warm-up
    await load({ ...largeQuery, duration: 2 });
    const [small, large] = await compare(() => load({ ...smallQuery, duration }), () => load({ ...largeQuery, duration }));
    console.log(`UPN filter     ${line('1,000 certs:', small)}  ${line('1,000,000 certs:', large)}`);
    const ratio = large.p99Ms / Math.max(small.p99Ms, 1);
    ok = report('UPN filter p99, 1,000,000 / 1,000 certificates', ratio, '≤ 2.00', ratio <= 2 && small.non2xx + large.non2xx + small.errors + large.errors === 0) && ok;
  }
} catch (err) {
  if (!interrupted) throw err; // else: the cancelled bulk load, expected
} finally {
  await cleanup();
}
process.exitCode = ok ? 0 : 1;
