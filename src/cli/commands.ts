import type { Command } from './command.js';
import { getCommand } from './get.js';
import { importCommand } from './import.js';
import { keygenCommand } from './keygen.js';
import { listCommand } from './list.js';
import { removeCommand } from './remove.js';
import { usersCommand } from './users.js';
import { verifyCommand } from './verify.js';

/**
 * A command whose module is loaded only when it runs. `serve` pulls in Fastify, the stores, pg and
 * prom-client (about 1 s of start-up), `token` pulls in jose; the client commands, run many times from
 * scripts, must not pay for them.
 */
function lazy(summary: string, load: () => Promise<Command>): Command {
  let loaded: Command | undefined;
  return {
    summary,
    // Read by main.ts only after run() failed with a usage error, when the module is loaded.
    get usage() {
      return loaded?.usage ?? '';
    },
    async run(args) {
      loaded = await load();
      return loaded.run(args);
    },
  };
}

/** Every `pfxstore` command, by name. */
export const commands: Record<string, Command> = {
  serve: lazy('run the Graph-compatible server', async () => (await import('./serve.js')).serveCommand),
  token: lazy('print a dev-mode access token', async () => (await import('./token.js')).tokenCommand),
  keygen: keygenCommand,
  import: importCommand,
  list: listCommand,
  get: getCommand,
  remove: removeCommand,
  verify: verifyCommand,
  users: usersCommand,
};
