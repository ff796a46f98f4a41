/**
 * Issue #2's service benchmark, one run, same machine: pfxstore over plain HTTP with a valid token against
 * (1) a bare node:http + Map server (the ceiling) and (2) a bare node:http + better-sqlite3 durable server
 * (the floor), 32 connections each; then the PowerShell module's UPN query over 100,000 vs 1,000 stored
 * certificates; and pfxstore's peak RSS. Prints the ratios; exits non-zero when a target is missed.
 *
 *   npm run build && node dist/bench/service.js [--duration 10]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDevIdentity, mintDevToken } from '../src/graph/dev-identity.js';
import { CertificateService } from '../src/service/certificate-service.js';
import { SecretBox } from '../src/service/secret-box.js';
import { UserService } from '../src/service/user-service.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { makeTestPfx } from '../test/helpers/pfx-fixture.js';
import { certificateBody as benchBody, compare, DIST, load, report, spawnServer, type Spawned } from './lib.js';

const { values } = parseArgs({ options: { duration: { type: 'string', default: '10' }, only: { type: 'string', default: 'get,post,filter' } } });
const duration = Number(values.duration);
/** `--only get,post,filter`: run a subset while iterating on one path. */
const only = new Set(values.only!.split(','));
const CERTS = '/beta/deviceManagement/userPfxCertificates';
const MAIN = join(DIST, 'src', 'main.js');

const pfx = (await makeTestPfx()).toString('base64');
const certificateBody = (thumbprint: string, upn: string) => benchBody(pfx, thumbprint, upn);

/** Fills a fresh data directory through the service layer (validation, encryption, audit) without HTTP. */
async function seed(dataDir: string, count: number, certificatesPerUser: number): Promise<void> {
  const identity = await loadDevIdentity(dataDir);
  const store = new SqliteStore({ path: join(dataDir, 'pfxstore.db'), synchronous: 'normal' });
  const users = new UserService({ store, autoUsers: true });
  const service = new CertificateService({ store, secrets: SecretBox.load(dataDir), users });
  const context = {
    requestId: 'seed',
    principal: { tenantId: identity.tenantId, kind: 'application' as const, roles: new Set<string>(), scopes: new Set<string>() },
  };
  // Owners first (one create each), then the rest in concurrent chunks, which the store group-commits.
  const create = (i: number) => service.create(context, certificateBody(i.toString(16).padStart(40, '0'), `user${Math.floor(i / certificatesPerUser)}@contoso.com`));
  for (let i = 0; i < count; i += certificatesPerUser) await create(i);
  const rest = Array.from({ length: count }, (_, i) => i).filter((i) => i % certificatesPerUser !== 0);
  for (let start = 0; start < rest.length; start += 500) {
    await Promise.all(rest.slice(start, start + 500).map(create));
  }
  await store.close();
}

async function pfxstore(dataDir: string): Promise<{ server: Spawned; token: string }> {
  const server = await spawnServer(MAIN, ['serve', '--http', '--port', '0', '--data', dataDir, '--log-level', 'warn']);
  return { server, token: await mintDevToken(await loadDevIdentity(dataDir)) };
}

const dirs: string[] = [];
const tempDir = () => { const d = mkdtempSync(join(tmpdir(), 'pfxstore-bench-')); dirs.push(d); return d; };
let ok = true;
const servers: Spawned[] = [];
try {
  const mainDir = tempDir();
  await seed(mainDir, 1000, 10);
  const { server, token } = await pfxstore(mainDir);
  servers.push(server);
  const auth = { authorization: `Bearer ${token}` };
  const sample = await (await fetch(`${server.url}${CERTS}?$top=1`, { headers: auth })).json() as { value: { id: string }[] };
  const id = sample.value[0].id;

  if (only.has('get')) {
    // ---- GET one certificate by id: pfxstore vs the Map ceiling holding the same entity JSON ----
    const map = await spawnServer(join(DIST, 'bench', 'servers', 'map-server.js'), []);
    await fetch(`${map.url}${CERTS}/${id}`, { method: 'PUT', body: await (await fetch(`${server.url}${CERTS}/${id}`, { headers: auth })).text() });
    await load({ url: `${server.url}${CERTS}/${id}`, headers: auth, duration: 2 }); // warm-up
    const cpu = { ours: 0, ref: 0, oursRequests: 0, refRequests: 0 };
    const measured = async (target: Spawned, url: string, headers: Record<string, string>, side: 'ours' | 'ref') => {
      const before = target.cpuMs();
      const result = await load({ url, headers, duration });
      cpu[side] += target.cpuMs() - before;
      cpu[side === 'ours' ? 'oursRequests' : 'refRequests'] += result.rps * duration;
      return result;
    };
    const [ours, ref] = await compare(
      () => measured(server, `${server.url}${CERTS}/${id}`, auth, 'ours'),
      // The same request bytes to both, bearer header included: the ceiling reads it too, it just trusts it.
      () => measured(map, `${map.url}${CERTS}/${id}`, auth, 'ref'));
    await map.stop();
    console.log(`GET by id      pfxstore ${ours.rps.toFixed(0)} req/s (p99 ${ours.p99Ms} ms, non-2xx ${ours.non2xx}, ` +
      `${(1000 * cpu.ours / cpu.oursRequests).toFixed(0)} µs CPU/request)  bare Map ${ref.rps.toFixed(0)} req/s ` +
      `(${(1000 * cpu.ref / cpu.refRequests).toFixed(0)} µs CPU/request)`);
    ok = report('GET by id, pfxstore / bare Map server', ours.rps / ref.rps, '≥ 0.50', ours.rps / ref.rps >= 0.5 && ours.non2xx === 0) && ok;
  }

  if (only.has('post')) {
    // ---- POST create, ~4 KB body: pfxstore vs the durable SQLite floor ----
    let n = 0;
    const post = (url: string, headers: Record<string, string>) => load({
      url, duration, method: 'POST', headers: { ...headers, 'content-type': 'application/json' },
      requests: [{ setupRequest: (req: any) => ({ ...req, body: JSON.stringify(certificateBody(randomBytes(20).toString('hex'), `poster${n++ % 100}@contoso.com`)) }) }],
    });
    console.log(`POST body      ${JSON.stringify(certificateBody('0'.repeat(40), 'poster0@contoso.com')).length} bytes`);
    const sqliteRef = await spawnServer(join(DIST, 'bench', 'servers', 'sqlite-server.js'), [join(tempDir(), 'ref.db')]);
    const [ours, ref] = await compare(() => post(`${server.url}${CERTS}`, auth), () => post(`${sqliteRef.url}/`, {}));
    await sqliteRef.stop();
    console.log(`POST create    pfxstore ${ours.rps.toFixed(0)} req/s (p99 ${ours.p99Ms} ms, non-2xx ${ours.non2xx})  bare SQLite ${ref.rps.toFixed(0)} req/s`);
    ok = report('POST create, pfxstore / bare durable SQLite server', ours.rps / ref.rps, '≥ 0.60', ours.rps / ref.rps >= 0.6 && ours.non2xx === 0) && ok;
  }

  if (only.has('filter')) {
    // ---- The module's UPN query over 1,000 vs 100,000 certificates (10 per user either way) ----
    const bigDir = tempDir();
    const seedStart = Date.now();
    await seed(bigDir, 100_000, 10);
    console.log(`seeded 100,000 certificates in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`);
    const big = await pfxstore(bigDir);
    servers.push(big.server);
    const query = (upn: string) => `${CERTS}?$filter=tolower(userPrincipalName)%20eq%20'${upn}'`;
    const [small, large] = await compare(
      () => load({ url: `${server.url}${query('user42@contoso.com')}`, headers: auth, duration }),
      () => load({ url: `${big.server.url}${query('user4242@contoso.com')}`, headers: { authorization: `Bearer ${big.token}` }, duration }));
    console.log(`UPN filter     1,000 certs: ${small.rps.toFixed(0)} req/s p99 ${small.p99Ms} ms   100,000 certs: ${large.rps.toFixed(0)} req/s p99 ${large.p99Ms} ms`);
    const p99Ratio = large.p99Ms / Math.max(small.p99Ms, 1);
    ok = report('UPN filter p99, 100,000 / 1,000 certificates', p99Ratio, '≤ 2.00', p99Ratio <= 2 && small.non2xx + large.non2xx === 0) && ok;
  }

  const peakRss = Math.max(...servers.map((s) => s.peakRssMb()));
  ok = report('peak RSS of pfxstore, MB', peakRss, '≤ 200', peakRss <= 200) && ok;
} finally {
  for (const s of servers) await s.stop().catch(() => {});
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
process.exitCode = ok ? 0 : 1;
