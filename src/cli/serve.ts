import { parseServeConfig, SERVE_FLAGS } from '../server/config.js';
import type { Command } from './command.js';
import type { RunningServer } from '../server/listen.js';
import { SUMMARIES } from './summaries.js';

export const serveCommand: Command = {
  summary: SUMMARIES.serve,
  usage: 'pfxstore serve [--host H] [--port N] [--data DIR] [--db URL] [--http] [--tls-cert F --tls-key F] ' +
    '[--auth dev|oidc] [--issuer I --audience A --jwks-uri U] [--console-client-id ID] [--console-scopes "S S"] [--public-url URL] [--throttle off|intune] ' +
    '[--log-level L] [--log-format json|pretty] [--no-auto-users] [--body-limit BYTES] [--request-timeout-ms MS] [--grace-ms MS] ' +
    '[--pg-pool-size N] [--pg-statement-timeout-ms MS] [--pg-connect-timeout-ms MS] [--seed FILE] [--faults SPEC [--faults-seed N]] ' +
    '[--record FILE.har]',
  flags: [{ title: 'Options (each also read from its variable; a flag wins over it)', flags: SERVE_FLAGS }],
  notes: [
    'PFXSTORE_SECRET_KEY (base64, 32 bytes) overrides the at-rest key file in --data: set the same value on every instance',
    'that shares a PostgreSQL database.',
    'stdout carries the listening line (then, in dev mode, the tenant id, dev client secret and dev CA path); logs go to stderr.',
    'A bad --seed stops the start, naming each bad item and property, with exit status 2 (as a usage error); nothing of it is loaded.',
  ],
  async run(args) {
    const config = parseServeConfig(args);
    // Loaded after the flags are checked: Fastify, the stores and pg cost about a second of start-up.
    const [{ startServer }, { SeedError }] = await Promise.all([import('../server/listen.js'), import('../service/seed-document.js')]);
    let server: RunningServer;
    try {
      server = await startServer(config);
    } catch (err) {
      // A bad seed is bad input, as a bad flag is: exit 2, with its message alone (it names the item; usage would not help).
      if (!(err instanceof SeedError)) throw err;
      process.stderr.write(`pfxstore serve: ${err.message}\n`);
      return 2;
    }
    // Handlers first: whoever reads the listening line may signal at once.
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      server.app.log.info({ signal }, 'shutting down');
      server.close().then(() => process.exit(0), (err) => {
        server.app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    // CONTRACT §1: the listening line, then (dev mode) the tenant, client secret and CA — one write, so a reader
    // that sees the first line has the rest. Logs go to stderr so scripts can read stdout.
    const banner = [`pfxstore listening on ${server.url}`];
    if (server.devIdentity) {
      banner.push(`tenant id: ${server.devIdentity.tenantId}`, `dev client secret: ${server.devIdentity.clientSecret}`);
      if (server.caPath) banner.push(`dev CA certificate: ${server.caPath}`);
    }
    // Last, so the lines before keep their places; the seed repeats a failing run (--faults-seed).
    if (config.faults) banner.push(`faults: ${config.faults.text} (seed ${config.faultsSeed})`);
    process.stdout.write(`${banner.join('\n')}\n`);
    return -1; // keeps running
  },
};
