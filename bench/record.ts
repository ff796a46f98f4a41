/**
 * Issue #14's cost of `serve --record`: N certificate creates (~4.5 KB bodies, the secret fields redacted in the
 * recording) against two `pfxstore serve --db memory --http` processes, one recording to a HAR file and one not,
 * in alternating rounds (each side's best kept). Reports creates/s and the server's CPU per request for each,
 * checks that the recording holds every request, and that it is valid JSON.
 *
 *   npm run build && node dist/bench/record.js [--requests 1000] [--concurrency 16] [--rounds 2]
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { loadDevIdentity, mintDevToken } from '../src/graph/dev-identity.js';
import { OpensslWorkspace } from '../test/helpers/openssl.js';
import { benchPfx, certificateBody, DIST, report, spawnServer, type Spawned } from './lib.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '2' },
  },
});
const REQUESTS = Number(values.requests);
const CONCURRENCY = Number(values.concurrency);
const ROUNDS = Number(values.rounds);
/** Recording may cost this much of the throughput at most. */
const TARGET = 0.8;

interface Side {
  readonly name: string;
  readonly server: Spawned;
  readonly token: string;
  readonly file?: string;
  sent: number;
}

interface Round {
  readonly rps: number;
  readonly cpuUsPerRequest: number;
}

async function start(name: string, dir: string, record: boolean): Promise<Side> {
  const data = join(dir, name);
  const file = record ? join(dir, `${name}.har`) : undefined;
  const server = await spawnServer(join(DIST, 'src', 'main.js'),
    ['serve', '--http', '--port', '0', '--db', 'memory', '--data', data, '--log-level', 'warn', ...(file ? ['--record', file] : [])]);
  return { name, server, token: await mintDevToken(await loadDevIdentity(data)), file, sent: 0 };
}

async function round(side: Side, pfx: string): Promise<Round> {
  const url = `${side.server.url}/beta/deviceManagement/userPfxCertificates`;
  const bodies = Array.from({ length: REQUESTS }, (_, i) =>
    JSON.stringify(certificateBody(pfx, randomBytes(20).toString('hex'), `user${i % 100}@contoso.com`)));
  let next = 0;
  const cpuBefore = side.server.cpuMs();
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      const res = await fetch(url, { method: 'POST', body, headers: { authorization: `Bearer ${side.token}`, 'content-type': 'application/json' } });
      if (res.status !== 201) throw new Error(`${side.name}: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    }
  }));
  const ms = performance.now() - started;
  side.sent += REQUESTS;
  return { rps: (REQUESTS * 1000) / ms, cpuUsPerRequest: ((side.server.cpuMs() - cpuBefore) * 1000) / REQUESTS };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'pfxstore-bench-record-'));
  const ws = await OpensslWorkspace.create('pfxstore-bench-record-pfx-');
  const sides: Side[] = [];
  try {
    const pfx = (await benchPfx(ws, 'bench')).base64;
    sides.push(await start('plain', dir, false), await start('recording', dir, true));
    const [plain, recording] = sides as [Side, Side];
    const results = new Map<Side, Round[]>([[plain, []], [recording, []]]);
    for (let i = 0; i < ROUNDS; i++) {
      for (const side of [plain, recording]) results.get(side)!.push(await round(side, pfx));
    }
    const best = (side: Side) => ({
      rps: Math.max(...results.get(side)!.map((r) => r.rps)),
      cpuUsPerRequest: Math.min(...results.get(side)!.map((r) => r.cpuUsPerRequest)),
    });
    const [a, b] = [best(plain), best(recording)];
    await recording.server.stop(); // the file complete
    sides.pop();
    const entries = (JSON.parse(readFileSync(recording.file!, 'utf8')) as { log: { entries: unknown[] } }).log.entries.length;
    process.stdout.write(
      `${REQUESTS} creates × ${ROUNDS} rounds, ${CONCURRENCY} at a time (best round of each):\n` +
      `  without --record: ${a.rps.toFixed(0)} creates/s, ${a.cpuUsPerRequest.toFixed(0)} µs server CPU/request\n` +
      `  with --record:    ${b.rps.toFixed(0)} creates/s, ${b.cpuUsPerRequest.toFixed(0)} µs server CPU/request ` +
      `(${entries} entries, ${(statSync(recording.file!).size / 1e6).toFixed(1)} MB)\n`);
    if (entries !== recording.sent) throw new Error(`the recording holds ${entries} entries, not ${recording.sent}`);
    const ok = report('creates/s with --record vs without', b.rps / a.rps, `≥ ${TARGET}`, b.rps / a.rps >= TARGET);
    process.exitCode = ok ? 0 : 1;
  } finally {
    await Promise.all(sides.map((s) => s.server.stop()));
    await ws.cleanup();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
