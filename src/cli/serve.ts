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
    // CONTRACT §1: one listening line on stdout; logs go to stderr so scripts can read stdout.
    process.stdout.write(`pfxstore listening on ${server.url}\n`);
    if (server.devIdentity) {
      process.stdout.write(`tenant id: ${server.devIdentity.tenantId}\n`);
      process.stdout.write(`dev client secret: ${server.devIdentity.clientSecret}\n`);
      if (server.caPath) process.stdout.write(`dev CA certificate: ${server.caPath}\n`);
    }
    return -1; // keeps running
  },
};
