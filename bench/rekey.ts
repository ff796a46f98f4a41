/**
 * Issue #12's rekey benchmark, one run, same machine: N records under an OLD connector key in a real
 * `pfxstore serve` (child process, SQLite, HTTPS with its dev CA), then `pfxstore rekey` (a real child process in
 * dev mode, spawn to exit, start-up included) against a bare loop doing the same RSA-OAEP decrypt + encrypt with
 * `node:crypto` and nothing else, in this process. Target: rekey records/s ≥ 0.5 × bare records/s.
 *
 * The records are POSTed directly: one OpenSSL-made PFX for N users, each with its own OAEP encryption of the
 * password under OLD (SHA-256; rekey keeps each record's padding, so the bare loop uses it too). Rounds alternate
 * bare and CLI; the CLI's rounds go OLD → NEW, then NEW → OLD, so every round moves all N records. rekey runs as a
 * person would (summary on stdout, nothing per record off a terminal); its summary is checked, and after each round
 * every stored password is decrypted with the round's target key. The best round of each side counts (on a shared
 * machine a burst of other work hits whichever run it lands on). Also printed, to say where the time goes: CPU per
 * record of the bare loop, the CLI (all threads) and the server; rekey's fixed cost (a run that selects nothing);
 * and one round with --new-private-key (two more private-key operations per record), not held to the target.
 *
 *   npm run build && node dist/bench/rekey.js [--records 1000] [--rounds 2] [--concurrency 4] [--bits 2048]
 *     [--profile DIR]
 *
 * `--bits` sizes both connector keys (2048, keygen's default; 3072; 4096). `--profile DIR` adds one untimed rekey
 * under `node --cpu-prof` and leaves its .cpuprofile in DIR.
 */
import { constants, createPrivateKey, createPublicKey, type KeyObject, privateDecrypt, publicEncrypt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { type CertificateBody, CertificateApi, type UserPfxCertificate } from '../src/client/certificates.js';
import { connect } from '../src/cli/client-connection.js';
import { runPool } from '../src/cli/pool.js';
import { EXPORT_ROLE } from '../src/graph/permissions.js';
import { decryptPassword, encryptPassword } from '../src/pfx/index.js';
import { OpensslWorkspace, openssl } from '../test/helpers/openssl.js';
import { type CliRun, MAIN, runCommand } from './import-cli.js';
import { benchPfx, certificateBody, report, recordsPerSecond, spawnServer } from './lib.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '4' },
    bits: { type: 'string', default: '2048' },
    profile: { type: 'string' },
  },
});
const RECORDS = Number(values.records);
const ROUNDS = Number(values.rounds);
const CONCURRENCY = values.concurrency!;
const BITS = Number(values.bits) as 2048 | 3072 | 4096;
if (!Number.isInteger(RECORDS) || RECORDS < 1 || !Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error('--records and --rounds take integers ≥ 1');
if (![2048, 3072, 4096].includes(BITS)) throw new Error('--bits takes 2048, 3072 or 4096');
const PASSWORD = 'bench Passw0rd';
const PADDING = 'oaepSha256';
const PROVIDER = 'Microsoft Software Key Storage Provider';

interface Key {
  readonly name: string;
  readonly privatePath: string;
  readonly publicPath: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

interface Timing {
  readonly ms: number;
  readonly cpuMs: number;
}

const ws = await OpensslWorkspace.create('pfxstore-bench-rekey-');
const dataDir = await mkdtemp(join(tmpdir(), 'pfxstore-bench-data-'));
let ok: boolean;
try {
  const [oldKey, newKey, pfx] = await Promise.all([makeKey('old'), makeKey('new'), benchPfx(ws, PASSWORD)]);
  const server = await spawnServer(MAIN, ['serve', '--port', '0', '--data', dataDir, '--log-level', 'warn']);
  const connection = { url: `${server.url}/beta`, data: dataDir };
  const api = new CertificateApi(await connect(connection, { extraRoles: [EXPORT_ROLE], concurrency: 8 }));
  try {
    const started = performance.now();
    await runPool(Array.from({ length: RECORDS }, (_, i) => i), 8, async (i) => {
      const body = certificateBody(pfx.base64, pfx.thumbprint, `rekey${String(i + 1).padStart(5, '0')}@contoso.com`);
      await api.create({ ...body, keyName: oldKey.name, paddingScheme: PADDING,
        encryptedPfxPassword: encryptPassword(PASSWORD, oldKey.publicKey, PADDING).toString('base64') } as CertificateBody);
    });
    console.log(`${RECORDS} records under ${oldKey.name} (one OpenSSL PFX for ${RECORDS} users; RSA-${BITS} connector keys, ${PADDING}) ` +
      `created in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const ciphertexts = (await records(api)).map((r) => Buffer.from(r.encryptedPfxPassword!, 'base64'));

    const cliArgs = (from: Key, to: Key, extra: readonly string[]) => [
      '--private-key', from.privatePath, '--public-key', to.publicPath, '--provider-name', PROVIDER, '--key-name', to.name,
      '--concurrency', CONCURRENCY, '--url', connection.url, '--data', dataDir, ...extra,
    ];
    const run = async (from: Key, to: Key, extra: readonly string[] = [], nodeFlags: readonly string[] = []) => {
      const serverCpu = server.cpuMs();
      const result = await runCommand('rekey', cliArgs(from, to, extra), { cwd: ws.dir, logFile: ws.path('rekey.log'), nodeFlags });
      return { ...result, serverCpuMs: server.cpuMs() - serverCpu };
    };
    /** A run that selects nothing: start-up, token, TLS, count and one list request — what rekey pays whatever the count. */
    const fixedCost = async (): Promise<Timing> => {
      const result = await run(oldKey, newKey, ['--only-key-name', 'NoSuchKey']);
      if (result.code !== 0) throw new Error(`rekey selecting nothing exited ${result.code}:\n${result.stderrTail}`);
      return result;
    };

    for (const c of ciphertexts.slice(0, 50)) bareWork(c, oldKey, newKey); // warm-up: JIT, OpenSSL's algorithm fetches
    console.log(`\n== rekey of ${RECORDS} records (--concurrency ${CONCURRENCY}) vs a bare node:crypto loop of the same RSA-OAEP decrypt + encrypt`);
    const bare: Timing[] = [];
    const cli: (Timing & { serverCpuMs: number })[] = [];
    const fixed: Timing[] = [];
    let [from, to] = [oldKey, newKey];
    for (let round = 1; round <= ROUNDS; round++) {
      const cpu = process.cpuUsage();
      const start = performance.now();
      for (const c of ciphertexts) bareWork(c, oldKey, newKey);
      const used = process.cpuUsage(cpu);
      bare.push({ ms: performance.now() - start, cpuMs: (used.user + used.system) / 1000 });
      const result = await run(from, to);
      await check(result, api, to);
      cli.push(result);
      fixed.push(await fixedCost());
      console.log(`round ${round}: bare ${fmt(RECORDS, bare.at(-1)!.ms)}   rekey ${from.name} → ${to.name} ${fmt(RECORDS, result.ms)} ` +
        `(${result.ms.toFixed(0)} ms; CPU per record: bare ${perRecord(bare.at(-1)!.cpuMs)}, CLI ${perRecord(result.cpuMs)}, server ` +
        `${perRecord(result.serverCpuMs)})   fixed cost ${fixed.at(-1)!.ms.toFixed(0)} ms (${fixed.at(-1)!.cpuMs.toFixed(0)} ms CPU)`);
      [from, to] = [to, from];
    }
    if (values.profile) {
      const dir = resolve(values.profile);
      await check(await run(from, to, [], ['--cpu-prof', '--cpu-prof-dir', dir]), api, to);
      console.log(`CPU profile of one rekey written to ${dir}`);
      [from, to] = [to, from];
    }
    const checked = await run(from, to, ['--new-private-key', to.privatePath]);
    await check(checked, api, to);
    console.log(`with --new-private-key (two more private-key operations per record; no target): ${fmt(RECORDS, checked.ms)} ` +
      `(CPU per record: CLI ${perRecord(checked.cpuMs)}, server ${perRecord(checked.serverCpuMs)})`);

    const best = (timings: readonly Timing[], key: keyof Timing) => Math.min(...timings.map((t) => t[key]));
    const [bareRate, cliRate] = [recordsPerSecond(RECORDS, best(bare, 'ms')), recordsPerSecond(RECORDS, best(cli, 'ms'))];
    const steadyRate = recordsPerSecond(RECORDS, best(cli, 'ms') - best(fixed, 'ms'));
    console.log(`best of ${ROUNDS}: bare ${bareRate.toFixed(0)} records/s, rekey ${cliRate.toFixed(0)} records/s; ` +
      `without rekey's fixed cost ${steadyRate.toFixed(0)} records/s (${(steadyRate / bareRate).toFixed(2)} of bare)`);
    console.log(`CPU per record, best: bare ${perRecord(best(bare, 'cpuMs'))}, CLI ${perRecord(best(cli, 'cpuMs'))} ` +
      `(of which fixed ${perRecord(best(fixed, 'cpuMs'))}), server ${perRecord(Math.min(...cli.map((c) => c.serverCpuMs)))}`);
    ok = report(`rekey / bare node:crypto, records/s over ${RECORDS} records`, cliRate / bareRate, '≥ 0.50', cliRate / bareRate >= 0.5);
  } finally {
    api.client.close();
    await server.stop();
  }
} finally {
  await Promise.all([ws.cleanup(), rm(dataDir, { recursive: true, force: true })]);
}
process.exitCode = ok ? 0 : 1;

/** What rekey does to one record's password, and nothing else. */
function bareWork(ciphertext: Buffer, from: Key, to: Key): Buffer {
  const password = privateDecrypt({ key: from.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, ciphertext);
  return publicEncrypt({ key: to.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, password);
}

/** Every record rekeyed by this run, and every stored password now decrypting with the target key. */
async function check(result: CliRun, api: CertificateApi, to: Key): Promise<void> {
  if (result.code !== 0) throw new Error(`rekey exited ${result.code}:\n${result.stdout}${result.stderrTail}`);
  if (!result.stdout.startsWith(`rekeyed ${RECORDS} · skipped 0 · failed 0\n`)) throw new Error(`rekey did not rekey every record:\n${result.stdout}`);
  const stored = await records(api);
  const wrong = stored.filter((r) => r.keyName !== to.name ||
    decryptPassword(Buffer.from(r.encryptedPfxPassword!, 'base64'), to.privateKey, r.paddingScheme).toString('latin1') !== PASSWORD);
  if (stored.length !== RECORDS || wrong.length > 0) throw new Error(`${stored.length} records stored, ${wrong.length} not under ${to.name}`);
}

async function records(api: CertificateApi): Promise<UserPfxCertificate[]> {
  const all: UserPfxCertificate[] = [];
  for await (const r of api.listWithSecrets()) all.push(r);
  return all;
}

async function makeKey(label: string): Promise<Key> {
  const privatePath = await ws.rsaKey(label, BITS);
  const publicPath = ws.path(`${label}.pub.pem`);
  await openssl(['pkey', '-in', privatePath, '-pubout', '-out', publicPath]);
  return {
    name: `Bench${label[0]!.toUpperCase()}${label.slice(1)}Key`, privatePath, publicPath,
    privateKey: createPrivateKey(readFileSync(privatePath)), publicKey: createPublicKey(readFileSync(publicPath)),
  };
}

function fmt(records: number, ms: number): string {
  return `${recordsPerSecond(records, ms).toFixed(0).padStart(5)} records/s`;
}

function perRecord(ms: number): string {
  return `${(ms / RECORDS).toFixed(2)} ms`;
}
