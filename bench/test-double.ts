/**
 * Issue #14's benchmark, one run, same machine:
 * 1. `startPfxstore()` to its first answered API request (a token minted, a list read), against a bare node:http
 *    server listening and answering its first request, in the same process: median of alternating starts.
 * 2. `serve --db memory`: GET by id and POST create against the bare node:http Map server (bench/servers), 32
 *    connections each.
 * 3. The memory store's resident memory holding 100,000 certificates (created over HTTP, ~4 KB each).
 * Prints the ratios; exits non-zero when a target is missed.
 *
 *   npm run build && node dist/bench/test-double.js [--duration 10] [--starts 30] [--count 100000]
 *     [--only start|throughput|memory]   (one section alone, e.g. while profiling the throughput)
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDevIdentity, mintDevToken } from '../src/graph/dev-identity.js';
import { startPfxstore } from '../src/testing/index.js';
import { makeTestPfx } from '../test/helpers/pfx-fixture.js';
import { certificateBody, compare, DIST, load, report, spawnServer, type Spawned } from './lib.js';

const { values } = parseArgs({ options: {
  duration: { type: 'string', default: '10' }, starts: { type: 'string', default: '30' }, count: { type: 'string', default: '100000' },
  only: { type: 'string' },
} });
const SECTIONS = ['start', 'throughput', 'memory'];
if (values.only !== undefined && !SECTIONS.includes(values.only)) throw new Error(`--only takes one of ${SECTIONS.join(', ')}`);
const runs = (section: string) => values.only === undefined || values.only === section;
const duration = Number(values.duration);
const starts = Number(values.starts);
const count = Number(values.count);
const CERTS = '/beta/deviceManagement/userPfxCertificates';
const pfx = (await makeTestPfx()).toString('base64');
const body = (upn: string) => JSON.stringify(certificateBody(pfx, randomBytes(20).toString('hex'), upn));

/** The reference: a bare node:http server made, listening, and answering its first request. */
async function bareStart(): Promise<number> {
  const started = performance.now();
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"value":[]}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  await (await fetch(`http://127.0.0.1:${address.port}${CERTS}`, { headers: { authorization: 'Bearer x' } })).json();
  const ms = performance.now() - started;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  return ms;
}

/** One test's life: start, first answer (measured), then the test's own work — ten more requests — and stop. */
async function pfxstoreTest(): Promise<number> {
  const started = performance.now();
  const server = await startPfxstore({ http: true });
  const auth = { authorization: `Bearer ${await server.token()}` };
  const answer = await fetch(`${server.url}/deviceManagement/userPfxCertificates`, { headers: auth });
  if (answer.status !== 200) throw new Error(`the first request answered ${answer.status}`);
  await answer.json();
  const ms = performance.now() - started;
  for (let i = 0; i < 10; i++) await (await fetch(`${server.url}/users`, { headers: auth })).json();
  await server.stop();
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
let ok = true;
const servers: Spawned[] = [];
/** The spawned servers' dev identity (their records are in memory; only the keys are kept here). */
const dataDir = mkdtempSync(join(tmpdir(), 'pfxstore-bench-'));
/** Request headers with a token of the servers' dev identity (made by the first server started in dataDir). */
async function headers() {
  const auth = { authorization: `Bearer ${await mintDevToken(await loadDevIdentity(dataDir))}` };
  return { auth, json: { ...auth, 'content-type': 'application/json' } };
}
try {
  if (runs('start')) {
    // ---- 1. start-up: the first of each pays for loading modules and, for pfxstore, the process's keys ----
    const coldStarted = performance.now();
    await pfxstoreTest();
    const coldMs = performance.now() - coldStarted;
    await bareStart();
    const bare: number[] = [], ours: number[] = [];
    // Alternated, so that a busy moment of the machine falls on both alike.
    for (let i = 0; i < starts; i++) {
      bare.push(await bareStart());
      ours.push(await pfxstoreTest());
    }
    console.log(`start to first answer   startPfxstore median ${median(ours).toFixed(1)} ms (min ${Math.min(...ours).toFixed(1)}; ` +
      `the process's first, with its keys and modules, ${coldMs.toFixed(0)} ms)   ` +
      `bare node:http median ${median(bare).toFixed(1)} ms (min ${Math.min(...bare).toFixed(1)}), ${starts} starts each`);
    const startRatio = median(ours) / median(bare);
    ok = report('startPfxstore to first answer / bare node:http', startRatio, '≤ 3.00', startRatio <= 3) && ok;
  }

  if (runs('throughput')) {
    // ---- 2. serve --db memory against the bare Map server ----
    const memory = await spawnServer(join(DIST, 'src', 'main.js'),
      ['serve', '--db', 'memory', '--http', '--port', '0', '--data', dataDir, '--log-level', 'warn']);
    servers.push(memory);
    const map = await spawnServer(join(DIST, 'bench', 'servers', 'map-server.js'), []);
    servers.push(map);
    const { auth, json } = await headers();
    const created = await fetch(`${memory.url}${CERTS}`, { method: 'POST', headers: json, body: body('getter@contoso.com') });
    const entity = await created.text();
    const id = (JSON.parse(entity) as { id: string }).id;
    await fetch(`${map.url}${CERTS}/${id}`, { method: 'PUT', body: entity });
    await load({ url: `${memory.url}${CERTS}/${id}`, headers: auth, duration: 2 }); // warm-up
    const [get, getRef] = await compare(
      () => load({ url: `${memory.url}${CERTS}/${id}`, headers: auth, duration }),
      // The same request bytes to both, bearer header included: the ceiling reads it too, it just trusts it.
      () => load({ url: `${map.url}${CERTS}/${id}`, headers: auth, duration }));
    console.log(`GET by id      memory ${get.rps.toFixed(0)} req/s (p99 ${get.p99Ms} ms, non-2xx ${get.non2xx})  bare Map ${getRef.rps.toFixed(0)} req/s`);
    ok = report('GET by id, serve --db memory / bare Map server', get.rps / getRef.rps, '≥ 0.50', get.rps / getRef.rps >= 0.5 && get.non2xx === 0) && ok;

    let n = 0;
    const post = (url: string) => load({
      url, duration, method: 'POST', headers: json,
      requests: [{ setupRequest: (req: any) => ({ ...req, body: body(`poster${n++ % 100}@contoso.com`) }) }],
    });
    const [create, createRef] = await compare(() => post(`${memory.url}${CERTS}`), () => post(`${map.url}${CERTS}`));
    console.log(`POST create    memory ${create.rps.toFixed(0)} req/s (p99 ${create.p99Ms} ms, non-2xx ${create.non2xx})  bare Map ${createRef.rps.toFixed(0)} req/s`);
    ok = report('POST create, serve --db memory / bare Map server', create.rps / createRef.rps, '≥ 0.50',
      create.rps / createRef.rps >= 0.5 && create.non2xx === 0) && ok;
    await memory.stop();
    await map.stop();
  }

  if (runs('memory')) {
    // ---- 3. memory for `count` certificates, on a fresh memory server ----
    const fresh = await spawnServer(join(DIST, 'src', 'main.js'),
      ['serve', '--db', 'memory', '--http', '--port', '0', '--data', dataDir, '--log-level', 'warn']);
    servers.push(fresh);
    const { auth, json } = await headers();
    const empty = await fetch(`${fresh.url}${CERTS}/$count`, { headers: auth });
    await empty.text();
    const rssBefore = fresh.rssMb();
    let made = 0;
    const filled = await load({
      url: `${fresh.url}${CERTS}`, method: 'POST', headers: json, amount: count, connections: 16,
      requests: [{ setupRequest: (req: any) => ({ ...req, body: body(`user${Math.floor(made++ / 10)}@contoso.com`) }) }],
    });
    const stored = Number(await (await fetch(`${fresh.url}${CERTS}/$count`, { headers: auth })).text());
    const rssAfter = fresh.rssMb();
    console.log(`memory         ${stored.toLocaleString('en')} certificates: RSS ${rssBefore.toFixed(0)} MB empty → ${rssAfter.toFixed(0)} MB ` +
      `(${(((rssAfter - rssBefore) * 1024 * 1024) / stored / 1024).toFixed(1)} KB a certificate; peak ${fresh.peakRssMb().toFixed(0)} MB; ` +
      `filled at ${filled.rps.toFixed(0)} creates/s)`);
    ok = report(`certificates stored of ${count}`, stored / count, '= 1.00', stored === count && filled.non2xx === 0) && ok;
  }
} finally {
  for (const s of servers) await s.stop().catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
}
process.exitCode = ok ? 0 : 1;
