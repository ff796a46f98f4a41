import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseServeConfig } from '../../src/server/config.js';
import { mintDevToken, type MintOptions } from '../../src/graph/dev-identity.js';
import { startServer, type RunningServer } from '../../src/server/listen.js';

export interface ListeningServer extends RunningServer {
  readonly dataDir: string;
  token(options?: MintOptions): Promise<string>;
  stop(): Promise<void>;
}

/** A real listening pfxstore (HTTPS with the dev CA unless `--http` is passed) on a free port. */
export async function listen(args: string[] = []): Promise<ListeningServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pfxstore-srv-'));
  const server = await startServer(parseServeConfig(['--port', '0', '--data', dataDir, '--log-level', 'silent', ...args], {}));
  return {
    ...server,
    dataDir,
    token: (options) => mintDevToken(server.devIdentity!, options),
    async stop() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
