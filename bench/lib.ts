import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { OpensslWorkspace } from '../test/helpers/openssl.js';

/** dist/ root, from dist/bench. */
export const DIST = join(dirname(fileURLToPath(import.meta.url)), '..');

/** A realistic create body: a real PFX (~2.5 KB), an RSA-4096-sized encrypted password: ~4.5 KB of JSON. */
export function certificateBody(pfxBase64: string, thumbprint: string, upn: string): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.userPFXCertificate',
    thumbprint, intendedPurpose: 'smimeEncryption', userPrincipalName: upn,
    startDateTime: '2026-01-01T00:00:00Z', expirationDateTime: '2027-01-01T00:00:00Z',
    providerName: 'Microsoft Software Key Storage Provider', keyName: 'PFXEncryptionKey', paddingScheme: 'oaepSha512',
    encryptedPfxBlob: pfxBase64, encryptedPfxPassword: randomBytes(512).toString('base64'),
  };
}

export interface Spawned {
  readonly child: ChildProcess;
  readonly url: string;
  /** Peak resident set size so far (VmHWM), in MB. */
  peakRssMb(): number;
  /** Resident set size now (VmRSS), in MB. */
  rssMb(): number;
  /** CPU time (user + system) the process has used so far, in ms. */
  cpuMs(): number;
  stop(): Promise<void>;
}

/** Starts a node script and waits for its "listening" line (pfxstore's, or the reference servers'). */
export function spawnServer(script: string, args: string[]): Promise<Spawned> {
  const nodeFlags = process.env.BENCH_SERVER_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeFlags, script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`${script} exited (${code}) before listening`)));
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const match = /pfxstore listening on (\S+)/.exec(out) ?? /listening (\d+)/.exec(out);
      if (!match) return;
      resolve({
        child,
        url: match[1].startsWith('http') ? match[1] : `http://127.0.0.1:${match[1]}`,
        cpuMs: () => {
          // Fields 14 and 15 of /proc/PID/stat: utime and stime in clock ticks (100 per second on Linux).
          const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
          return (Number(fields[11]) + Number(fields[12])) * 10;
        },
        peakRssMb: () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024,
        rssMb: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024,
        stop: () => new Promise((done) => {
          // Stopped already: 'exit' has fired and will not again.
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.removeAllListeners('exit');
          child.on('exit', () => done());
          child.kill('SIGTERM');
        }),
      });
    });
  });
}

export interface LoadResult {
  readonly rps: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly non2xx: number;
}

export async function load(options: autocannon.Options): Promise<LoadResult> {
  const result = await autocannon({ connections: 32, duration: 10, ...options });
  return { rps: result.requests.average, p99Ms: result.latency.p99, errors: result.errors, non2xx: result.non2xx };
}

/**
 * Measures two targets in alternation, `rounds` times each, and keeps each one's best round (highest
 * requests/s, lowest p99). On a shared 2-core machine a burst of other work hits whichever run it lands on;
 * alternating and keeping the best compares the two under the same conditions.
 */
export async function compare(a: () => Promise<LoadResult>, b: () => Promise<LoadResult>, rounds = 2): Promise<[LoadResult, LoadResult]> {
  const as: LoadResult[] = [], bs: LoadResult[] = [];
  for (let i = 0; i < rounds; i++) {
    as.push(await a());
    bs.push(await b());
  }
  return [best(as), best(bs)];
}

function best(results: LoadResult[]): LoadResult {
  return {
    rps: Math.max(...results.map((r) => r.rps)),
    p99Ms: Math.min(...results.map((r) => r.p99Ms)),
    errors: results.reduce((n, r) => n + r.errors, 0),
    non2xx: results.reduce((n, r) => n + r.non2xx, 0),
  };
}

export function report(name: string, ratio: number, target: string, ok: boolean): boolean {
  process.stdout.write(`${ok ? 'PASS' : 'MISS'}  ${name}: ${ratio.toFixed(2)} (target ${target})\n`);
  return ok;
}

/** One OpenSSL-made PFX (a 2048-bit user key, a year's certificate) for benchmarks that store it for many users. */
export async function benchPfx(ws: OpensslWorkspace, password: string): Promise<{ base64: string; thumbprint: string }> {
  const key = await ws.rsaKey('user', 2048);
  const cert = await ws.certificate('user', { key, subject: '/CN=bench user/O=pfxstore bench', days: 365 });
  const path = await ws.pkcs12('user', { cert, key, password });
  return { base64: readFileSync(path).toString('base64'), thumbprint: await ws.sha1Fingerprint(cert) };
}

export function recordsPerSecond(records: number, ms: number): number {
  return (records * 1000) / ms;
}
