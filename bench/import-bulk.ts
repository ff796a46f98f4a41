/**
 * Bulk import over HTTPS: a real `pfxstore serve` (dev mode, TLS with its dev CA) in a fresh data
 * directory per round, so every round creates all its certificates, and the real CLI importing a
 * manifest at one `--concurrency`. The time is the CLI's, spawn to exit; the server start is not in it.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commonFlags, MAIN, runImport } from './import-cli.js';
import type { BenchFiles } from './import-fixtures.js';
import { spawnServer } from './lib.js';

export interface BulkRound {
  readonly concurrency: number;
  readonly ms: number;
  /** CPU time (all threads) of the CLI, and of the server during the import (Linux only, else NaN). */
  readonly cliCpuMs: number;
  readonly serverCpuMs: number;
  readonly imported: number;
  readonly failed: number;
  readonly retries: number;
  /** The first failures, as the CLI names them. */
  readonly problems: readonly string[];
}

interface Summary {
  imported: number;
  updated: number;
  skipped: number;
  failed: number;
  retries: number;
  results: { file: string; row?: number; outcome: string; message?: string }[];
}

/**
 * Row i imports file i for its own user (`bench00001@contoso.com`, …): files of one certificate share a
 * thumbprint, so distinct owners are what make every row a distinct record — one certificate per user,
 * as in a real S/MIME roll-out.
 */
export async function writeManifest(files: BenchFiles, count: number): Promise<string> {
  const rows = files.files.slice(0, count).map((f, i) => `${f},bench${String(i + 1).padStart(5, '0')}@contoso.com,smimeEncryption`);
  return files.ws.write('bulk.csv', `path,upn,purpose\n${rows.join('\n')}\n`);
}

export async function bulkRound(files: BenchFiles, manifest: string, count: number, concurrency: number): Promise<BulkRound> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pfxstore-bench-data-'));
  const server = await spawnServer(MAIN, ['serve', '--port', '0', '--data', dataDir, '--log-level', 'warn']);
  try {
    const serverCpuBefore = processCpuMs(server.child.pid);
    const run = await runImport([
      '--manifest', manifest, '--concurrency', String(concurrency), ...commonFlags(files.publicKeyPath), '--json',
      '--url', `${server.url}/beta`, '--data', dataDir, '--ca', join(dataDir, 'dev-ca.pem'),
    ], { cwd: files.ws.dir, password: files.password, logFile: files.ws.path(`bulk-c${concurrency}.log`) });
    const serverCpuMs = processCpuMs(server.child.pid) - serverCpuBefore;
    let summary: Summary;
    try {
      summary = JSON.parse(run.stdout) as Summary;
    } catch {
      throw new Error(`import --concurrency ${concurrency} exited ${run.code} without a JSON summary:\n${run.stderrTail}`);
    }
    const problems = summary.results.filter((r) => r.outcome !== 'imported').slice(0, 5)
      .map((r) => `row ${r.row} ${r.file}: ${r.outcome}${r.message ? ` — ${r.message}` : ''}`);
    const notImported = count - summary.imported;
    return {
      concurrency, ms: run.ms, cliCpuMs: run.cpuMs, serverCpuMs,
      imported: summary.imported, failed: Math.max(summary.failed, notImported), retries: summary.retries, problems,
    };
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** utime + stime of a process from /proc/PID/stat, in ms (USER_HZ is 100 on every Linux Node supports). */
function processCpuMs(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // fields 14 and 15 of proc(5), counted after the name
  } catch {
    return Number.NaN;
  }
}
