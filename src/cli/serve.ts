import { parseServeConfig } from '../server/config.js';
import { startServer } from '../server/listen.js';
import type { Command } from './command.js';

export const serveCommand: Command = {
  summary: 'run the Graph-compatible server',
  usage: 'pfxstore serve [--host H] [--port N] [--data DIR] [--db URL] [--http] [--tls-cert F --tls-key F] ' +
    '[--auth dev|oidc] [--issuer I --audience A --jwks-uri U] [--public-url URL] [--throttle off|intune] ' +
    '[--log-level L] [--no-auto-users]',
  async run(args) {
    const config = parseServeConfig(args);
    const server = await startServer(config);
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
    process.stdout.write(`${banner.join('\n')}\n`);
    return -1; // keeps running
  },
};
