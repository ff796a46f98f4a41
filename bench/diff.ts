/**
 * Issue #13's `diff` figure: `pfxstore diff --json` between two `pfxstore serve` processes on SQLite, COUNT records
 * each, run as a user runs it (a new CLI process, here in dev mode, --against with a token and CA). The other
 * side has drifted: 1% of the records under another key name, 0.5% missing there, as many there only. COUNT must
 * be a multiple of 200. Prints the
 * time of each run and the CLI's peak RSS (GNU time's %M), which shows what matching as records arrive keeps.
 *
 *   npm run build && node dist/bench/diff.js [--count 100000] [--rounds 3]
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDevIdentity, mintDevToken } from '../src/graph/dev-identity.js';
import { certificateEntity } from '../src/model/certificate.js';
import { nowStored } from '../src/model/datetime.js';
import { userEntity } from '../src/model/user.js';
import { SecretBox } from '../src/service/secret-box.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { makeTestPfx } from '../test/helpers/pfx-fixture.js';
import { DIST, spawnServer, type Spawned } from './lib.js';

const { values } = parseArgs({ options: { count: { type: 'string', default: '100000' }, rounds: { type: 'string', default: '3' } } });
const COUNT = Number(values.count);
const ROUNDS = Number(values.rounds);
const MAIN = join(DIST, 'src', 'main.js');
const CERTIFICATES_PER_USER = 10;
const GNU_TIME = '/usr/bin/time';

/** Record i on this side: undefined when the side lacks it; `there` has its own extra records past COUNT. */
function recordOf(side: 'here' | 'there', i: number): { keyName: string } | undefined {
  if (side === 'here' && i >= COUNT) return undefined;
  if (side === 'there' && i < COUNT && i % 200 === 7) return undefined;
  return { keyName: side === 'there' && i % 100 === 3 ? 'PFXEncryptionKey2027' : 'PFXEncryptionKey' };
}

/** Both sides' records straight into their stores, 2,000 writes in flight. */
async function seed(side: 'here' | 'there', dataDir: string): Promise<void> {
  const identity = await loadDevIdentity(dataDir);
  const tenantId = identity.tenantId;
  const store = new SqliteStore({ path: join(dataDir, 'pfxstore.db'), synchronous: 'normal' });
  try {
    const box = SecretBox.load(dataDir);
    const blob = box.seal(await makeTestPfx(), `${tenantId}/bulk/encryptedPfxBlob`);
    const password = box.seal(Buffer.from(randomBytes(512).toString('base64')), `${tenantId}/bulk/encryptedPfxPassword`);
    const now = nowStored();
    const total = side === 'here' ? COUNT : COUNT + COUNT / 200;
    const users = Array.from({ length: Math.ceil(total / CERTIFICATES_PER_USER) }, (_, u) => ({
      id: randomUUID(), userPrincipalName: `user${u}@contoso.com`, displayName: `user${u}`, mail: null, accountEnabled: true, createdDateTime: now,
    }));
    const inChunks = async (n: number, write: (i: number) => Promise<unknown>) => {
      for (let start = 0; start < n; start += 2000) {
        await Promise.all(Array.from({ length: Math.min(2000, n - start) }, (_, k) => write(start + k)));
      }
    };
    await inChunks(users.length, (u) => store.insert(userEntity, tenantId, users[u]));
    await inChunks(total, async (i) => {
      const record = recordOf(side, i);
      if (!record) return;
      const owner = users[Math.floor(i / CERTIFICATES_PER_USER)]!;
      const thumbprint = i.toString(16).padStart(40, '0');
      await store.insert(certificateEntity, tenantId, {
        id: `${owner.id.replace(/-/g, '')}-${thumbprint}`, thumbprint, intendedPurpose: 1, userPrincipalName: owner.userPrincipalName,
        startDateTime: '2026-01-01T00:00:00.0000000Z', expirationDateTime: '2027-01-01T00:00:00.0000000Z',
        providerName: 'Microsoft Software Key Storage Provider', keyName: record.keyName, paddingScheme: 5,
        encryptedPfxBlob: blob, encryptedPfxPassword: password, createdDateTime: now, lastModifiedDateTime: now,
      }, { ownerId: owner.id });
    });
  } finally {
    await store.close();
  }
}

/** The CLI, under GNU time when there is one (its last stderr line then holds the peak RSS in kB). */
function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string; ms: number; rssMb?: number }> {
  const timed = existsSync(GNU_TIME);
  const [command, argv] = timed ? [GNU_TIME, ['-f', 'maxrss_kb=%M', process.execPath, MAIN, ...args]] : [process.execPath, [MAIN, ...args]];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => { stdout += c; });
    child.stderr.on('data', (c) => { stderr += c; });
    child.on('error', reject);
    child.on('close', (code) => {
      const rss = /maxrss_kb=(\d+)\s*$/.exec(stderr);
      resolve({ code, stdout, stderr: stderr.replace(/maxrss_kb=\d+\s*$/, ''), ms: performance.now() - started, rssMb: rss ? Number(rss[1]) / 1024 : undefined });
    });
  });
}

async function main(): Promise<void> {
  const dirs = { here: mkdtempSync(join(tmpdir(), 'pfxstore-diffbench-')), there: mkdtempSync(join(tmpdir(), 'pfxstore-diffbench-')) };
  const servers: Spawned[] = [];
  try {
    const t = performance.now();
    await Promise.all([seed('here', dirs.here), seed('there', dirs.there)]);
    console.log(`seeded ${COUNT.toLocaleString('en')} records on each side in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    for (const dir of [dirs.here, dirs.there]) servers.push(await spawnServer(MAIN, ['serve', '--port', '0', '--data', dir, '--log-level', 'warn']));
    const [here, there] = servers as [Spawned, Spawned];
    const token = await mintDevToken(await loadDevIdentity(dirs.there));
    const env = { PFXSTORE_URL: `${here.url}/beta`, PFXSTORE_DATA: dirs.here, THERE_TOKEN: token };
    const args = ['diff', '--json', '--against', `${there.url}/beta`, '--against-token-env', 'THERE_TOKEN', '--against-ca', join(dirs.there, 'dev-ca.pem')];
    const want = { onlyHere: COUNT / 200, onlyThere: COUNT / 200, different: COUNT / 100 };
    for (let round = 0; round < ROUNDS; round++) {
      const r = await runCli(args, env);
      if (r.code !== 1) throw new Error(`pfxstore diff exited ${r.code}: ${r.stderr}`);
      const report = JSON.parse(r.stdout) as { onlyHere: unknown[]; onlyThere: unknown[]; different: unknown[]; same: number };
      const got = { onlyHere: report.onlyHere.length, onlyThere: report.onlyThere.length, different: report.different.length };
      console.log(`pfxstore diff --json, ${COUNT.toLocaleString('en')} records a side: ${(r.ms / 1000).toFixed(2)} s` +
        `${r.rssMb === undefined ? '' : `, peak RSS ${r.rssMb.toFixed(0)} MB`} (${got.onlyHere} only here, ${got.onlyThere} only there, ` +
        `${got.different} different, ${report.same} the same)`);
      if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`expected ${JSON.stringify(want)}`);
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop().catch(() => undefined)));
    for (const dir of Object.values(dirs)) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
