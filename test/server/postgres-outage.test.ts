import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { parseServeConfig } from '../../src/server/config.js';
import { loadDevIdentity } from '../../src/graph/dev-identity.js';
import { CERTS, certificateBody, graphError } from '../helpers/certificate-fixtures.js';
import { MAIN, spawnServer, type ChildServer } from '../helpers/child-server.js';
import { POSTGRES_REQUIRED } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait.js';

/**
 * CONTRACT §3 / issue 4: PostgreSQL stops while pfxstore runs. API requests answer 503 ServiceUnavailable with
 * Retry-After within a bounded time, /readyz fails, /healthz does not; once PostgreSQL is back, service resumes
 * without a restart and every create answered 201 is still there.
 *
 * Why a private cluster: stopping the machine's shared cluster (the one `.ci/run` starts) would break every
 * other PostgreSQL test file running at the same time (`node --test --test-concurrency=2`), and any other
 * engineer's run on the same machine. So this file runs the machine's own PostgreSQL binaries (initdb, pg_ctl)
 * on a throwaway data directory and a free port, and stops *that* server with a real fast shutdown, exactly
 * what `pg_ctlcluster … stop` does. Nobody else connects to it; it is removed afterwards whatever happens.
 *
 * Skipped when the PostgreSQL server binaries are not installed; PFXSTORE_REQUIRE_POSTGRES=1 (CI) makes that a
 * failure instead, so a green CI run has really stopped and restarted a server.
 */

/** The bound on any answer during the outage: pfxstore's connect timeout (default 3000 ms) plus scheduling slack. */
const OUTAGE_ANSWER_BOUND_MS = parseServeConfig([], process.env).pgConnectTimeoutMs + 5000;
const RECOVERY_BOUND_MS = 20_000;

/** A PostgreSQL server of its own, from the installed binaries, run as the `postgres` user when we are root. */
class PrivateCluster {
  private constructor(private readonly bin: string, private readonly dir: string, readonly port: number) {}

  /** The directory of initdb/pg_ctl (Debian's layout, else PATH), or undefined when PostgreSQL is not installed. */
  static binDir(): string | undefined {
    const fromEnv = process.env.PFXSTORE_PG_BINDIR;
    if (fromEnv) return fromEnv;
    const root = '/usr/lib/postgresql';
    const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
    const candidates = [...versions.map((v) => join(root, v, 'bin')), ...(process.env.PATH ?? '').split(':').filter(Boolean)];
    return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
  }

  static async create(bin: string): Promise<PrivateCluster> {
    const asRoot = process.getuid?.() === 0;
    // The postgres user must be able to reach the directory: a private TMPDIR of root's would not do.
    const parent = asRoot && (statSync(tmpdir()).mode & 0o001) === 0 ? '/tmp' : tmpdir();
    const dir = mkdtempSync(join(parent, 'pfxstore-pgoutage-'));
    if (asRoot) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
      chownSync(dir, uid, gid);
    }
    const cluster = new PrivateCluster(bin, dir, await freePort());
    try {
      // --no-sync only spares initdb's own fsyncs; the running server keeps fsync=on, as any real one.
      await cluster.pg('initdb', ['-D', cluster.dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
      await cluster.start();
    } catch (err) {
      cluster.destroy();
      throw err;
    }
    return cluster;
  }

  private get dataDir(): string {
    return join(this.dir, 'data');
  }

  url(schema: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres?schema=${schema}`;
  }

  /** Starts the server and returns once it accepts connections (pg_ctl -w waits for that). */
  async start(): Promise<void> {
    await this.pg('pg_ctl', ['-D', this.dataDir, '-l', join(this.dir, 'server.log'), '-w', '-t', '30',
      '-o', `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1`, 'start']);
    await this.pg('pg_isready', ['-h', '127.0.0.1', '-p', String(this.port), '-t', '10']);
  }

  /** A fast shutdown, as `pg_ctlcluster … stop`: sessions are terminated, the server exits. */
  async stop(): Promise<void> {
    await this.pg('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', '-t', '30', 'stop']);
  }

  /**
   * Stops the server if it runs and removes its files. Synchronous, so that it also works from an 'exit' or
   * signal handler (an interrupted run must not leave a postgres behind); never throws.
   */
  destroy(): void {
    try {
      if (existsSync(join(this.dataDir, 'postmaster.pid'))) {
        execFileSync(...this.command('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']), { stdio: 'ignore', timeout: 30_000 });
      }
    } catch {
      // already stopped
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Runs a PostgreSQL tool; not execFileSync, which would freeze this process's own requests meanwhile. */
  private async pg(tool: string, args: string[]): Promise<void> {
    await run(...this.command(tool, args), { cwd: this.dir, timeout: 60_000 });
  }

  /** initdb refuses to run as root: then run as the `postgres` user. */
  private command(tool: string, args: string[]): [string, string[]] {
    return process.getuid?.() === 0
      ? ['runuser', ['-u', 'postgres', '--', join(this.bin, tool), ...args]]
      : [join(this.bin, tool), args];
  }
}

const run = promisify(execFile);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

const binDir = PrivateCluster.binDir();
if (!binDir && POSTGRES_REQUIRED) throw new Error('PFXSTORE_REQUIRE_POSTGRES=1 but no PostgreSQL server binaries (initdb, pg_ctl) are installed');
const skip = binDir ? false : 'PostgreSQL server binaries not found (set PFXSTORE_PG_BINDIR); PFXSTORE_REQUIRE_POSTGRES=1 makes this a failure';

interface Answer {
  readonly status: number;
  readonly ms: number;
  readonly res: Response;
  readonly text: string;
}

describe('pfxstore while its PostgreSQL server stops and starts again', { skip }, () => {
  let cluster: PrivateCluster | undefined;
  let server: ChildServer | undefined;
  let dataDir: string;
  let token: string;
  let slowest503Ms = 0;

  const destroyOnExit = () => cluster?.destroy();
  const destroyOnSignal = (signal: NodeJS.Signals) => {
    server?.process.kill('SIGTERM');
    cluster?.destroy();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    process.kill(process.pid, signal); // the default action, now that the handler is gone
  };

  before(async () => {
    process.once('exit', destroyOnExit);
    process.once('SIGINT', destroyOnSignal);
    process.once('SIGTERM', destroyOnSignal);
    cluster = await PrivateCluster.create(binDir!);
    dataDir = mkdtempSync(join(tmpdir(), 'pfxstore-outage-'));
    await loadDevIdentity(dataDir); // what serve makes at its first start; pfxstore token only reads it
    token = execFileSync(process.execPath, [MAIN, 'token', '--data', dataDir], { encoding: 'utf8' }).trim();
    // Default pool size and timeouts: the bound asserted below is derived from those defaults.
    server = await spawnServer(['--http', '--data', dataDir, '--db', cluster.url('outage')]);
  });

  after(async () => {
    if (server && server.process.exitCode === null) {
      server.process.kill('SIGTERM');
      await server.exited;
    }
    cluster?.destroy();
    cluster = undefined;
    process.off('exit', destroyOnExit).off('SIGINT', destroyOnSignal).off('SIGTERM', destroyOnSignal);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function call(path: string, init: RequestInit = {}): Promise<Answer> {
    const started = Date.now();
    const res = await fetch(`${server!.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
      signal: AbortSignal.timeout(30_000), // a hang fails the test instead of stalling the run
    });
    const text = await res.text();
    return { status: res.status, ms: Date.now() - started, res, text };
  }

  const create = async () => call(CERTS, { method: 'POST', body: JSON.stringify(await certificateBody({ userPrincipalName: 'outage@contoso.com' })) });

  /** The Graph 503 of CONTRACT §3, answered within the bound. */
  function assertUnavailable(what: string, a: Answer): void {
    assert.ok(a.ms < OUTAGE_ANSWER_BOUND_MS, `${what}: answered after ${a.ms} ms (bound ${OUTAGE_ANSWER_BOUND_MS} ms)`);
    slowest503Ms = Math.max(slowest503Ms, a.ms);
    const headers = Object.fromEntries(a.res.headers);
    graphError({ statusCode: a.status, headers, json: () => JSON.parse(a.text) }, 503, 'ServiceUnavailable', /unreachable/);
    assert.match(headers['retry-after'] ?? '', /^[1-9]\d*$/, `${what}: Retry-After in whole seconds`);
  }

  /** Every id the collection holds, following @odata.nextLink. */
  async function allIds(): Promise<Set<string>> {
    const ids = new Set<string>();
    let path: string | undefined = `${CERTS}?$select=id&$top=500`;
    while (path) {
      const a = await call(path);
      assert.equal(a.status, 200, a.text);
      const body = JSON.parse(a.text) as { value: { id: string }[]; '@odata.nextLink'?: string };
      for (const { id } of body.value) ids.add(id);
      path = body['@odata.nextLink']?.slice(server!.url.length);
    }
    return ids;
  }

  test('503 with Retry-After while it is down, bounded; service and every 201 back after, without a restart', async (t) => {
    const answered201 = new Set<string>();
    let around503 = 0;
    const remember = (a: Answer) => { if (a.status === 201) answered201.add((JSON.parse(a.text) as { id: string }).id); };

    // ---- before: some certificates ----
    for (const a of await Promise.all(Array.from({ length: 20 }, create))) {
      assert.equal(a.status, 201, a.text);
      remember(a);
    }

    // ---- the stop lands while creates are in flight: each answers 201 (kept) or 503, nothing else ----
    let writing = true;
    let stopping = false;
    /** Creates sent once the stop had begun, and answered. */
    let answeredAfterStop = 0;
    const unexpected: string[] = [];
    // Writers never throw (a failure is collected), so none outlives the test whatever happens.
    const writers = Array.from({ length: 4 }, async () => {
      while (writing) {
        try {
          const sentAfterStop = stopping;
          const a = await create();
          if (sentAfterStop) answeredAfterStop++;
          remember(a);
          if (a.status === 503) {
            around503++;
            assertUnavailable('a create in flight at the stop', a);
          } else if (a.status !== 201) {
            unexpected.push(`${a.status} ${a.text}`);
          }
        } catch (err) {
          unexpected.push(String(err));
        }
      }
    });
    // The stop lands while the writers are creating: once each has had a few creates answered.
    await waitFor(() => answered201.size >= 20 + 4 * 3, { what: 'creates answered before the stop', timeoutMs: 30_000 });
    const stoppedAt = Date.now();
    stopping = true;
    let stopMs: number | undefined;
    try {
      await cluster!.stop();
      stopMs = Date.now() - stoppedAt;
      // The writers go on until each has had a create that it sent after the stop began answered (each a 503 by
      // then, or a 201 that landed before the server went), so the 503 of a create in flight is seen.
      await waitFor(() => answeredAfterStop >= 4 * 2, { what: 'creates sent during the stop answered', timeoutMs: 4 * 2 * OUTAGE_ANSWER_BOUND_MS });
      writing = false;
      await Promise.all(writers);
      assert.deepEqual(unexpected, [], 'creates around the stop answer 201 or 503 only');

      // ---- while down: every kind of API call answers the Graph 503, promptly; twice, 0.5 s apart ----
      const known = [...answered201][0];
      for (let round = 0; round < 2; round++) {
        const calls: Record<string, Promise<Answer>> = {
          create: create(),
          'get by id': call(`${CERTS}/${known}`),
          'UPN list': call(`${CERTS}?$filter=tolower(userPrincipalName) eq 'outage@contoso.com'`),
          $count: call(`${CERTS}/$count`),
          patch: call(`${CERTS}/${known}`, { method: 'PATCH', body: JSON.stringify({ keyName: 'other' }) }),
          delete: call(`${CERTS}/${known}`, { method: 'DELETE' }),
          users: call('/v1.0/users'),
        };
        const answers = await Promise.all(Object.entries(calls).map(async ([what, answer]): Promise<[string, Answer]> => [what, await answer]));
        for (const [what, a] of answers) assertUnavailable(`${what} (round ${round + 1})`, a);

        const ready = await call('/readyz');
        assert.equal(ready.status, 503, '/readyz fails while the store is unreachable');
        assert.ok(ready.ms < OUTAGE_ANSWER_BOUND_MS, `/readyz answered after ${ready.ms} ms`);
        const health = await call('/healthz');
        assert.equal(health.status, 200, '/healthz: the process itself is fine');
        // This pause is part of what is tested, not a wait for something: the second round checks that the
        // answers are still prompt 503s a moment later in the outage, not only right after the stop.
        if (round === 0) await new Promise((resolve) => setTimeout(resolve, 500));
      }
    } finally {
      writing = false;
      await Promise.all(writers);
      // The outage stays short whatever failed above (the after hook removes the cluster in any case).
      await cluster!.start();
    }
    const outageMs = Date.now() - stoppedAt;

    // ---- back: the same process serves again; nothing answered 201 was lost ----
    const recoveredFrom = Date.now();
    let last: Answer | undefined;
    await waitFor(async () => (last = await call(`${CERTS}/$count`)).status === 200, {
      what: `service to resume within ${RECOVERY_BOUND_MS} ms of PostgreSQL being back`,
      timeoutMs: RECOVERY_BOUND_MS, intervalMs: 200,
    }).catch((err: Error) => assert.fail(`${err.message}; last answer ${last?.status} ${last?.text}`));
    assert.equal((await call('/readyz')).status, 200);
    const recoveryMs = Date.now() - recoveredFrom;
    const stored = await allIds();
    assert.deepEqual([...answered201].filter((id) => !stored.has(id)), [], 'every create answered 201 is stored');
    const after201 = await create();
    assert.equal(after201.status, 201, after201.text);
    assert.ok(answered201.size > 20, 'creates succeeded alongside the stop too');
    t.diagnostic(`outage ${outageMs} ms (stop ${stopMs} ms); creates answered 201: ${answered201.size}, 503 around the stop: ${around503}; ` +
      `slowest 503 ${slowest503Ms} ms; service back ${recoveryMs} ms after the start`);
    assert.ok(outageMs < 30_000, `the outage window stayed short (${outageMs} ms, stop took ${stopMs} ms)`);
  });
});
