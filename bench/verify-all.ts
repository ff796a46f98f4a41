/**
 * Issue #12's `verify --all` benchmark, one run, same machine:
 *
 * N records (OpenSSL-3-default PFX files, imported by the CLI from a manifest, one user each) in a real
 * `pfxstore serve` started as a child process (dev mode, HTTPS, SQLite in a fresh data directory); then
 * `pfxstore verify --all --json` (a real child process, start-up included, timed spawn to exit) against it,
 * versus a bare node:crypto loop in this process over the same N records: RSA-OAEP decryption of each stored
 * password, the PKCS#12 MAC, PBKDF2 and AES for each encrypted part (import-baseline.ts's `bareOpen`). The bare
 * loop gets the records and their parameters beforehand, untimed; it does not fetch, parse a certificate or key,
 * compare thumbprints or match the key pair — the CLI does all of that on top.
 * Target: CLI records/s ≥ 0.5 × bare records/s. Interleaved runs, the best of each; CPU times as a cross-check.
 *
 *   npm run build && node dist/bench/verify-all.js [--records 1000] [--runs 3] [--certs 8] [--concurrency 4]
 *     [--page-size 100] [--keep]
 *
 * The CLI's output is checked: one JSON line per record, every id once, every record deliverable. Exits non-zero
 * when the target is missed or a check fails.
 */
import { constants, createPrivateKey, type KeyObject, privateDecrypt } from 'node:crypto';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { CertificateApi, type UserPfxCertificate } from '../src/client/certificates.js';
import { connect } from '../src/cli/client-connection.js';
import { collect } from '../src/cli/output.js';
import { EXPORT_ROLE } from '../src/graph/permissions.js';
import { bareOpen, type FileWork, planFile } from './import-baseline.js';
import { writeManifest } from './import-bulk.js';
import { commonFlags, CPU_PROBE, MAIN, runImport } from './import-cli.js';
import { makeBenchFiles } from './import-fixtures.js';
import { report, spawnServer } from './lib.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '3' },
    certs: { type: 'string', default: '8' },
    concurrency: { type: 'string', default: '4' },
    'page-size': { type: 'string', default: '100' },
    keep: { type: 'boolean', default: false },
  },
});
const count = (name: 'records' | 'runs' | 'certs' | 'concurrency' | 'page-size', min: number): number => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, not '${values[name]}'`);
  return n;
};
const RECORDS = count('records', 1);
const RUNS = count('runs', 1);
const CERTS = count('certs', 1);
const CONCURRENCY = count('concurrency', 1);
const PAGE_SIZE = count('page-size', 1);
const PASSWORD = 'bench Passw0rd';
const OAEP_HASH: Readonly<Record<string, string>> = { oaepSha256: 'sha256', oaepSha384: 'sha384', oaepSha512: 'sha512' };

interface Timing {
  readonly ms: number;
  readonly cpuMs: number;
}
interface BareRecord {
  readonly work: FileWork;
  readonly ciphertext: Buffer;
  readonly oaepHash: string;
}
const rate = (n: number, ms: number) => (n * 1000) / ms;
const fmt = (perSecond: number) => `${perSecond.toFixed(0).padStart(5)} records/s`;

const generationStart = performance.now();
const fixtures = await makeBenchFiles({ count: RECORDS, certs: CERTS, password: PASSWORD });
console.log(`generated ${RECORDS} PFX files (OpenSSL 3 default format, ${CERTS} certificates over one RSA-2048 key, one export each) ` +
  `in ${((performance.now() - generationStart) / 1000).toFixed(1)} s  [${fixtures.ws.dir}]`);
const dataDir = await mkdtemp(join(tmpdir(), 'pfxstore-bench-verify-'));
const server = await spawnServer(MAIN, ['serve', '--port', '0', '--data', dataDir, '--log-level', 'warn']);
const connection = ['--url', `${server.url}/beta`, '--data', dataDir, '--ca', join(dataDir, 'dev-ca.pem')];
let ok: boolean;
try {
  await importRecords();
  ok = await cliVersusBare(await storedRecords());
} finally {
  await server.stop();
  await rm(dataDir, { recursive: true, force: true });
  if (values.keep) console.log(`kept ${fixtures.ws.dir}`);
  else await fixtures.ws.cleanup();
}
process.exitCode = ok ? 0 : 1;

async function importRecords(): Promise<void> {
  const started = performance.now();
  const manifest = await writeManifest(fixtures, RECORDS);
  const run = await runImport(['--manifest', manifest, '--concurrency', '8', ...commonFlags(fixtures.publicKeyPath), '--json', ...connection],
    { cwd: fixtures.ws.dir, password: PASSWORD, logFile: fixtures.ws.path('import.log') });
  const summary = JSON.parse(run.stdout || '{}') as { imported?: number };
  if (run.code !== 0 || summary.imported !== RECORDS) throw new Error(`import exited ${run.code}, imported ${summary.imported} of ${RECORDS}:\n${run.stderrTail}`);
  console.log(`imported ${RECORDS} records (RSA-OAEP-SHA512 passwords, one user each) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** The stored records with their secrets, as the bare loop's input (fetched once, untimed). */
async function storedRecords(): Promise<UserPfxCertificate[]> {
  const api = new CertificateApi(await connect({ url: `${server.url}/beta`, data: dataDir, ca: join(dataDir, 'dev-ca.pem') }, { extraRoles: [EXPORT_ROLE] }));
  try {
    return await collect(api.listWithSecrets({}, 1000));
  } finally {
    api.client.close();
  }
}

async function cliVersusBare(records: UserPfxCertificate[]): Promise<boolean> {
  const privateKey = createPrivateKey(readFileSync(fixtures.privateKeyPath));
  const bareRecords: BareRecord[] = records.map((r) => ({
    work: planFile(Buffer.from(r.encryptedPfxBlob!, 'base64')),
    ciphertext: Buffer.from(r.encryptedPfxPassword!, 'base64'),
    oaepHash: OAEP_HASH[r.paddingScheme]!,
  }));
  const steps = bareRecords[0]!.work;
  console.log(`\n== verify --all over ${RECORDS} records (--concurrency ${CONCURRENCY}, --page-size ${PAGE_SIZE}); per record RSA-OAEP-SHA512 ` +
    `decryption (2048-bit), a ${steps.mac.digest} MAC (PKCS#12 KDF, ${steps.mac.iterations} iterations), ` +
    `${steps.decrypts.map((d) => `PBKDF2-${d.prf} ${d.iterations} + ${d.cipher}`).join(', ')}`);
  for (const r of bareRecords.slice(0, 20)) bareVerify(r, privateKey); // warm-up: JIT, OpenSSL's algorithm fetches

  const ids = new Set(records.map((r) => r.id));
  const bare: Timing[] = [];
  const cli: Timing[] = [];
  for (let run = 1; run <= RUNS; run++) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (const r of bareRecords) bareVerify(r, privateKey);
    const used = process.cpuUsage(cpu);
    bare.push({ ms: performance.now() - start, cpuMs: (used.user + used.system) / 1000 });
    const serverCpu = server.cpuMs();
    const child = await runVerifyAll();
    checkOutput(child, ids);
    cli.push(child);
    console.log(`run ${run}: bare node:crypto ${fmt(rate(RECORDS, bare.at(-1)!.ms))} (${(bare.at(-1)!.ms / RECORDS).toFixed(2)} ms/record)   ` +
      `pfxstore verify --all ${fmt(rate(RECORDS, child.ms))} (${child.ms.toFixed(0)} ms in all; CPU: CLI ${(child.cpuMs / RECORDS).toFixed(2)} ms/record, ` +
      `server ${((server.cpuMs() - serverCpu) / RECORDS).toFixed(2)} ms/record)`);
  }
  const best = (timings: Timing[], key: keyof Timing) => rate(RECORDS, Math.min(...timings.map((t) => t[key])));
  const [bareWall, cliWall, bareCpu, cliCpu] = [best(bare, 'ms'), best(cli, 'ms'), best(bare, 'cpuMs'), best(cli, 'cpuMs')];
  console.log(`best of ${RUNS}, wall: bare ${fmt(bareWall)}, CLI ${fmt(cliWall)}   ` +
    `per CPU-second: bare ${fmt(bareCpu)}, CLI ${fmt(cliCpu)} (ratio ${(cliCpu / bareCpu).toFixed(2)})`);
  return report(`verify --all / bare node:crypto, records/s over ${RECORDS} records`, cliWall / bareWall, '≥ 0.50', cliWall / bareWall >= 0.5);
}

/** What the connector does with one record, bare: decrypt the password, read it as Latin-1, open the PFX. */
function bareVerify(r: BareRecord, privateKey: KeyObject): void {
  const password = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: r.oaepHash }, r.ciphertext).toString('latin1');
  bareOpen(r.work, password);
}

interface CliRun extends Timing {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `pfxstore verify --all --json` in dev mode (the minted token carries the export role), spawn to exit. */
function runVerifyAll(): Promise<CliRun> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PFXSTORE_')));
  const args = ['verify', '--all', '--private-key', fixtures.privateKeyPath, '--json', '--concurrency', String(CONCURRENCY), '--page-size', String(PAGE_SIZE), ...connection];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', CPU_PROBE, MAIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    let cpu = '';
    child.stdout!.on('data', (c: Buffer) => out.push(c));
    child.stderr!.on('data', (c: Buffer) => { stderr += c; });
    child.stdio[3]!.on('data', (c: Buffer) => { cpu += c; });
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout: Buffer.concat(out).toString(), stderr, ms: performance.now() - started, cpuMs: Number(cpu) / 1000 });
    });
  });
}

/** Every stored record checked once, and deliverable. */
function checkOutput(run: CliRun, ids: ReadonlySet<string>): void {
  if (run.code !== 0) throw new Error(`verify --all exited ${run.code}:\n${run.stderr.slice(-4000)}`);
  const lines = run.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { id: string; deliverable: boolean });
  const seen = new Set(lines.map((l) => l.id));
  if (lines.length !== ids.size || seen.size !== ids.size || [...ids].some((id) => !seen.has(id))) {
    throw new Error(`verify --all printed ${lines.length} lines (${seen.size} distinct ids) for ${ids.size} records`);
  }
  const bad = lines.find((l) => !l.deliverable);
  if (bad) throw new Error(`verify --all: record ${bad.id} is not deliverable:\n${JSON.stringify(bad)}`);
}
