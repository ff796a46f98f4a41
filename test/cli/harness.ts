/**
 * Running the real CLI (`node dist/src/main.js …`) as a child process against a real pfxstore server, with
 * PFX files and keys made by OpenSSL at test time. Passwords travel in environment variables only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openssl, OpensslWorkspace } from '../helpers/openssl.js';
import { loadDevIdentity, mintDevToken, type MintOptions } from '../../src/graph/dev-identity.js';
import { type ChildServer, spawnServer } from '../helpers/child-server.js';
import { listen } from '../helpers/server.js';

/** dist/src/main.js, from dist/test/cli. */
const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'main.js');

export const EXPORT_ROLES = ['DeviceManagementConfiguration.ReadWrite.All', 'User.ReadWrite.All', 'UserPfxCertificate.Export.All'];

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: Record<string, string | undefined>;
  readonly input?: string;
  readonly cwd?: string;
}

/** The parent's environment without any PFXSTORE_* setting, so only what a test passes reaches the CLI. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PFXSTORE_') && k !== 'NODE_TEST_CONTEXT'));
}

export function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      env: Object.fromEntries(Object.entries({ ...cleanEnv(), ...options.env }).filter(([, v]) => v !== undefined)),
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill(), 60_000);
    child.stdout.on('data', (c) => { stdout += c; });
    child.stderr.on('data', (c) => { stderr += c; });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** The CLI as a child process, for a test that reads its output as it comes (and may kill it); stdin is closed. */
export function spawnCli(args: readonly string[], options: Omit<RunOptions, 'input'> = {}): ChildProcess {
  return spawn(process.execPath, [MAIN, ...args], {
    env: Object.fromEntries(Object.entries({ ...cleanEnv(), ...options.env }).filter(([, v]) => v !== undefined)),
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * The crash half of a resumability test: runs a `--json` command, reads its result lines and SIGKILLs it once
 * `killAfter` have arrived (waiting on its output, not on time). Fails when the command ended by itself first.
 */
export async function runKilledAfter<T>(args: readonly string[], options: Omit<RunOptions, 'input'>, killAfter: number): Promise<T[]> {
  const child = spawnCli(args, options);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })));
  let stderr = '';
  child.stderr!.on('data', (c) => { stderr += c; });
  const lines: T[] = [];
  for await (const line of createInterface({ input: child.stdout! })) {
    lines.push(JSON.parse(line) as T);
    if (lines.length === killAfter) child.kill('SIGKILL');
  }
  const end = await exited;
  if (end.signal !== 'SIGKILL') throw new Error(`the first run ended by itself before it could be killed (${end.code}): ${stderr}`);
  return lines;
}

/** What the tests use of a server, whether it runs in the test's process or in its own. */
export interface CliServerHandle {
  readonly url: string;
  readonly dataDir: string;
  readonly caPath?: string;
  token(options?: MintOptions): Promise<string>;
}

/** A listening server plus the environment that points the CLI at it: URL, a default-roles token, the dev CA. */
export interface CliServer {
  readonly server: CliServerHandle;
  readonly baseUrl: string;
  readonly env: Record<string, string>;
  /** Dev mode instead: no token; the CLI mints one from the data directory and trusts its dev CA. */
  readonly devEnv: Record<string, string>;
  stop(): Promise<void>;
}

export async function startCliServer(args: string[] = []): Promise<CliServer> {
  const server = await listen(args);
  const baseUrl = `${server.url}/beta`;
  return {
    server,
    baseUrl,
    env: { PFXSTORE_URL: baseUrl, PFXSTORE_TOKEN: await server.token(), ...(server.caPath ? { PFXSTORE_CA: server.caPath } : {}) },
    devEnv: { PFXSTORE_URL: baseUrl, PFXSTORE_DATA: server.dataDir },
    stop: () => server.stop(),
  };
}

export interface PfxOptions {
  readonly password: string;
  readonly days?: number;
  readonly legacy?: boolean;
  readonly expired?: boolean;
  readonly notYetValid?: boolean;
  readonly subject?: string;
  readonly extensions?: readonly string[];
}

/**
 * `pfxstore serve` as a process of its own (HTTPS with its dev CA, a temporary data directory), for the commands
 * that talk to two servers (`diff`, `push`): the CLI, this server and the one in the test's process are three
 * processes. Tokens are minted from its data directory, as `pfxstore token` does.
 */
export async function spawnCliServer(args: string[] = []): Promise<CliServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pfxstore-child-'));
  let child: ChildServer;
  try {
    child = await spawnServer(['--data', dataDir, ...args]);
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  const identity = await loadDevIdentity(dataDir);
  // With --http there is no dev CA.
  const caPath = child.url.startsWith('https:') ? join(dataDir, 'dev-ca.pem') : undefined;
  const server: CliServerHandle = { url: child.url, dataDir, caPath, token: (options) => mintDevToken(identity, options) };
  const baseUrl = `${child.url}/beta`;
  return {
    server,
    baseUrl,
    env: { PFXSTORE_URL: baseUrl, PFXSTORE_TOKEN: await server.token(), ...(caPath ? { PFXSTORE_CA: caPath } : {}) },
    devEnv: { PFXSTORE_URL: baseUrl, PFXSTORE_DATA: dataDir },
    async stop() {
      child.process.kill('SIGTERM');
      await child.exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface MadePfx {
  readonly path: string;
  readonly certPath: string;
  /** `openssl x509 -fingerprint -sha1`, lowercase without colons. */
  readonly thumbprint: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/**
 * One OpenSSL workspace per test file: the connector key pair and one user key shared by every leaf
 * certificate (distinct subjects and serials give distinct thumbprints; RSA key generation is the slow part).
 */
export class PfxFactory {
  private caSerial = 1;

  private constructor(readonly ws: OpensslWorkspace, readonly connectorKey: string, readonly connectorPub: string, readonly userKey: string) {}

  static async create(): Promise<PfxFactory> {
    const ws = await OpensslWorkspace.create('pfxstore-cli-');
    const [connectorKey, userKey] = await Promise.all([ws.rsaKey('connector', 2048), ws.rsaKey('user', 2048)]);
    const connectorPub = ws.path('connector.pub.pem');
    await openssl(['pkey', '-in', connectorKey, '-pubout', '-out', connectorPub]);
    return new PfxFactory(ws, connectorKey, connectorPub, userKey);
  }

  path(name: string): string {
    return this.ws.path(name);
  }

  /**
   * A PFX for `/CN=name` (or `subject`), valid from now for `days`, already expired with `expired`, or valid only
   * from 2099 with `notYetValid`; `extensions` (`-addext` forms) replace the default leaf extensions.
   */
  async pfx(name: string, options: PfxOptions): Promise<MadePfx> {
    const certPath = options.expired ? await this.caCertificate(name, '20200101000000Z', '20210101000000Z')
      : options.notYetValid ? await this.caCertificate(name, '20990101000000Z', '21000101000000Z')
      : await this.ws.certificate(name, {
        key: this.userKey, subject: options.subject ?? `/CN=${name}`, days: options.days ?? 30, extensions: options.extensions,
      });
    const path = await this.ws.pkcs12(name, { cert: certPath, key: this.userKey, password: options.password, legacy: options.legacy });
    const [thumbprint, validity] = await Promise.all([this.ws.sha1Fingerprint(certPath), this.ws.validity(certPath)]);
    return { path, certPath, thumbprint, ...validity };
  }

  async write(name: string, content: string | Buffer): Promise<string> {
    const file = this.ws.path(name);
    await writeFile(file, content);
    return file;
  }

  cleanup(): Promise<void> {
    return this.ws.cleanup();
  }

  /** OpenSSL 3.0 cannot set the dates with `req -days` (nor `x509 -not_before`); `openssl ca -startdate/-enddate` can. */
  private async caCertificate(name: string, startdate: string, enddate: string): Promise<string> {
    // Files of its own per certificate, so that several can be made at once; distinct serials name distinct new_certs_dir files.
    const dir = this.ws.path('');
    const cnf = await this.write(`${name}.ca.cnf`, [
      '[ca]', 'default_ca = d', '[d]', `database = ${join(dir, `${name}.index.txt`)}`, `serial = ${join(dir, `${name}.serial.txt`)}`,
      `new_certs_dir = ${dir}`, 'default_md = sha256', 'policy = p', 'unique_subject = no', '[p]', 'commonName = supplied', '',
    ].join('\n'));
    await this.write(`${name}.index.txt`, '');
    await this.write(`${name}.serial.txt`, `${String(this.caSerial++).padStart(2, '0')}\n`);
    const csr = this.ws.path(`${name}.csr.pem`);
    const cert = this.ws.path(`${name}.crt.pem`);
    await openssl(['req', '-new', '-key', this.userKey, '-subj', `/CN=${name}`, '-out', csr]);
    await openssl(['ca', '-batch', '-config', cnf, '-selfsign', '-keyfile', this.userKey, '-in', csr,
      '-startdate', startdate, '-enddate', enddate, '-notext', '-out', cert]);
    return cert;
  }
}

/** The flags every import needs besides files and password. */
export function importFlags(f: PfxFactory, upn: string): string[] {
  return ['--upn', upn, '--public-key', f.connectorPub, '--provider-name', 'Microsoft Software Key Storage Provider', '--key-name', 'PFXEncryptionKey'];
}
