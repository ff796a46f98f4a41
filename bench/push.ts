/**
 * Issue #13's push benchmark: how fast `pfxstore push` copies N records to a target that throttles like Intune
 * (`serve --throttle intune`: 200 writes and 2,000 reads per tenant per 20-second window, then 429 with
 * Retry-After), against what that throttle allows at best, in the same run. Two more runs say where the time goes:
 * the same push to an unthrottled target (the CLI's own pace), and a rerun against the throttled target once
 * everything is there (all skipped: lookups only).
 *
 * Three real `pfxstore serve` processes (SQLite, HTTPS with their dev CAs): the source, with N records under the
 * source key (one OpenSSL-made PFX for N users, each password its own RSA-OAEP encryption), and two targets, each
 * with the N users (created before the throttled one is restarted with `--throttle intune`, so its budget is the
 * push's alone). `pfxstore push` runs as a real child process (dev mode on the source), spawn to exit. After each
 * push every record on the target is checked: one per user, the same PFX blob, the password decrypting with the
 * target key.
 *
 * The throttle's best: one write per record, 200 per window from the first, so N records need at least
 * (ceil(N / 200) - 1) × 20 s plus the last window's share at the unthrottled pace. Target: ≥ 0.9 of that rate.
 *
 *   npm run build && node dist/bench/push.js [--records 500] [--concurrency 8]
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { type CertificateBody, CertificateApi, type UserPfxCertificate } from '../src/client/certificates.js';
import { UserApi } from '../src/client/users.js';
import { connect } from '../src/cli/client-connection.js';
import { runPool } from '../src/cli/pool.js';
import { loadDevIdentity, mintDevToken } from '../src/graph/dev-identity.js';
import { EXPORT_ROLE } from '../src/graph/permissions.js';
import { INTUNE_LIMITS } from '../src/graph/throttle.js';
import { decryptPassword, encryptPassword } from '../src/pfx/index.js';
import { OpensslWorkspace, openssl } from '../test/helpers/openssl.js';
import { type CliRun, MAIN, runCommand } from './import-cli.js';
import { benchPfx, certificateBody, report, type Spawned, recordsPerSecond, spawnServer } from './lib.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '8' },
  },
});
const RECORDS = Number(values.records);
const CONCURRENCY = values.concurrency!;
if (!Number.isInteger(RECORDS) || RECORDS < 1) throw new Error('--records takes an integer ≥ 1');
const PASSWORD = 'bench Passw0rd';
const PADDING = 'oaepSha256';
const PROVIDER = 'Microsoft Software Key Storage Provider';
const TARGET_NAME = 'IntunePfxKey';
/** The variable the target's token travels in (`--to-token-env`), never argv; runCommand passes no PFXSTORE_* on. */
const TOKEN_VAR = 'BENCH_PUSH_TARGET_TOKEN';
const upnOf = (i: number) => `push${String(i + 1).padStart(5, '0')}@contoso.com`;

interface Target {
  readonly dir: string;
  server: Spawned;
  readonly token: string;
  readonly api: CertificateApi;
}

const ws = await OpensslWorkspace.create('pfxstore-bench-push-');
const dirs = await Promise.all(['source', 'plain', 'throttled'].map((name) => mkdtemp(join(tmpdir(), `pfxstore-bench-push-${name}-`))));
const [sourceDir, plainDir, throttledDir] = dirs as [string, string, string];
const servers: Spawned[] = [];
const clients: CertificateApi[] = [];
let ok: boolean;
try {
  const [sourceKey, targetKey, pfx] = await Promise.all([makeKey('source'), makeKey('target'), benchPfx(ws, PASSWORD)]);
  const source = await serve(sourceDir);
  const sourceApi = new CertificateApi(await connect({ url: `${source.url}/beta`, data: sourceDir }, { extraRoles: [EXPORT_ROLE], concurrency: 8 }));
  clients.push(sourceApi);
  const started = performance.now();
  await runPool(Array.from({ length: RECORDS }, (_, i) => i), 8, async (i) => {
    const body = certificateBody(pfx.base64, pfx.thumbprint, upnOf(i));
    await sourceApi.create({ ...body, keyName: 'SourceKey', paddingScheme: PADDING,
      encryptedPfxPassword: encryptPassword(PASSWORD, sourceKey.publicKey, PADDING).toString('base64') } as CertificateBody);
  });
  const sourceRecords = await records(sourceApi);
  const [plain, throttled] = await Promise.all([target(plainDir, []), target(throttledDir, ['--throttle', 'intune'])]);
  console.log(`${RECORDS} records on the source, ${RECORDS} users on each target: ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const push = async (to: Target): Promise<CliRun & { retries: number }> => {
    process.env[TOKEN_VAR] = to.token;
    const result = await runCommand('push', [
      '--to', `${to.server.url}/beta`, '--to-token-env', TOKEN_VAR, '--to-ca', join(to.dir, 'dev-ca.pem'),
      '--private-key', sourceKey.privatePath, '--public-key', targetKey.publicPath, '--provider-name', PROVIDER, '--key-name', TARGET_NAME,
      '--concurrency', CONCURRENCY, '--url', `${source.url}/beta`, '--data', sourceDir,
    ], { cwd: ws.dir, logFile: ws.path('push.log') });
    if (result.code !== 0) throw new Error(`push exited ${result.code}:\n${result.stdout}${result.stderrTail}`);
    return { ...result, retries: Number(/\((\d+) retries\)/.exec(result.stdout)?.[1] ?? 0) };
  };
  const expect = (result: CliRun, pushed: number) => {
    const want = `pushed ${pushed} · skipped ${RECORDS - pushed} · failed 0`;
    if (!result.stdout.startsWith(want)) throw new Error(`expected "${want}", got:\n${result.stdout}`);
  };

  console.log(`\n== push of ${RECORDS} records (--concurrency ${CONCURRENCY}; each record: a user lookup, a record lookup, a create)`);
  const unthrottled = await push(plain);
  expect(unthrottled, RECORDS);
  await check(plain, sourceRecords, targetKey.privateKey);
  const pace = recordsPerSecond(RECORDS, unthrottled.ms);
  console.log(`unthrottled target: ${fmt(RECORDS, unthrottled.ms)} (${(unthrottled.ms / 1000).toFixed(1)} s, CLI CPU ${(unthrottled.cpuMs / RECORDS).toFixed(2)} ms per record)`);

  const limited = await push(throttled);
  expect(limited, RECORDS);
  await check(throttled, sourceRecords, targetKey.privateKey);
  // The throttle's best: full windows of writes, then the rest at the CLI's own pace.
  const { windowMs, writes } = INTUNE_LIMITS;
  const fullWindows = Math.ceil(RECORDS / writes) - 1;
  const bestMs = fullWindows * windowMs + ((RECORDS - fullWindows * writes) * 1000) / pace;
  console.log(`throttled target (--throttle intune, ${writes} writes per ${windowMs / 1000} s): ${fmt(RECORDS, limited.ms)} ` +
    `(${(limited.ms / 1000).toFixed(1)} s, ${limited.retries} retries after 429); the throttle's best: ${fmt(RECORDS, bestMs)} ` +
    `(${(bestMs / 1000).toFixed(1)} s); in the long run at most ${((writes * 1000) / windowMs).toFixed(0)} records/s`);

  const rerun = await push(throttled);
  expect(rerun, 0);
  console.log(`rerun against the throttled target, everything there already (lookups only): ${fmt(RECORDS, rerun.ms)} ` +
    `(${(rerun.ms / 1000).toFixed(1)} s, ${rerun.retries} retries)`);

  const ratio = bestMs / limited.ms;
  ok = report(`push to a throttled target / the throttle's best, records/s over ${RECORDS} records`, ratio, '≥ 0.90', ratio >= 0.9);
} finally {
  for (const c of clients) c.client.close();
  await Promise.all(servers.map((s) => s.stop()));
  await Promise.all([ws.cleanup(), ...dirs.map((d) => rm(d, { recursive: true, force: true }))]);
}
process.exitCode = ok ? 0 : 1;

function serve(dir: string, args: readonly string[] = []): Promise<Spawned> {
  return spawnServer(MAIN, ['serve', '--port', '0', '--data', dir, '--log-level', 'warn', ...args]).then((s) => {
    servers.push(s);
    return s;
  });
}

/** A target with the N users, created unthrottled; then restarted with `args`, so its throttle budget is untouched. */
async function target(dir: string, args: readonly string[]): Promise<Target> {
  let server = await serve(dir);
  const token = await mintDevToken(await loadDevIdentity(dir), { roles: ['DeviceManagementConfiguration.ReadWrite.All', 'User.ReadWrite.All', EXPORT_ROLE] });
  const setup = await connect({ url: `${server.url}/beta`, data: dir }, { concurrency: 8 });
  try {
    const users = new UserApi(setup);
    await runPool(Array.from({ length: RECORDS }, (_, i) => i), 8, async (i) => {
      await users.create({ userPrincipalName: upnOf(i), displayName: `push ${i + 1}`, accountEnabled: true });
    });
  } finally {
    setup.close();
  }
  if (args.length > 0) {
    await server.stop();
    servers.splice(servers.indexOf(server), 1);
    server = await serve(dir, args);
  }
  // The bench's own reads (the checks) come after each push, never during one.
  const api = new CertificateApi(await connect({ url: `${server.url}/beta`, data: dir, token }, { concurrency: 4 }));
  clients.push(api);
  return { dir, server, token, api };
}

/** Every source record on the target once, the same blob, the password for the target key. */
async function check(to: Target, source: readonly UserPfxCertificate[], key: KeyObject): Promise<void> {
  const there = new Map((await records(to.api)).map((r) => [r.userPrincipalName, r]));
  const wrong = source.filter((r) => {
    const copy = there.get(r.userPrincipalName);
    return !copy || copy.encryptedPfxBlob !== r.encryptedPfxBlob || copy.keyName !== TARGET_NAME ||
      decryptPassword(Buffer.from(copy.encryptedPfxPassword!, 'base64'), key, copy.paddingScheme).toString('latin1') !== PASSWORD;
  });
  if (there.size !== source.length || wrong.length > 0) throw new Error(`${there.size} records on the target, ${wrong.length} missing or wrong`);
}

async function records(api: CertificateApi): Promise<UserPfxCertificate[]> {
  const all: UserPfxCertificate[] = [];
  for await (const r of api.listWithSecrets({}, 1000)) all.push(r);
  return all;
}

async function makeKey(label: string): Promise<{ privatePath: string; publicPath: string; privateKey: KeyObject; publicKey: KeyObject }> {
  const privatePath = await ws.rsaKey(label, 2048);
  const publicPath = ws.path(`${label}.pub.pem`);
  await openssl(['pkey', '-in', privatePath, '-pubout', '-out', publicPath]);
  return { privatePath, publicPath, privateKey: createPrivateKey(readFileSync(privatePath)), publicKey: createPublicKey(readFileSync(publicPath)) };
}

function fmt(records: number, ms: number): string {
  return `${recordsPerSecond(records, ms).toFixed(1).padStart(6)} records/s`;
}
