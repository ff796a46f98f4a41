import { auditCommand } from './audit.js';
import type { Command } from './command.js';
import { getCommand } from './get.js';
import { importCommand } from './import.js';
import { keyCommand } from './key.js';
import { keygenCommand } from './keygen.js';
import { keysCommand } from './keys.js';
import { listCommand } from './list.js';
import { recoverCommand } from './recover.js';
import { rekeyCommand } from './rekey.js';
import { removeCommand } from './remove.js';
import { usersCommand } from './users.js';
import { verifyCommand } from './verify.js';

/**
 * A command whose module is loaded only when it is asked for (to run, or for its help). `token` pulls in jose,
 * `serve` its flag table, and Fastify, the stores, pg and prom-client (about 1 s) once its flags are checked;
 * the client commands, run many times from scripts, must not pay for them.
 */
class LazyCommand {
  private loaded?: Promise<Command>;

  constructor(readonly summary: string, private readonly importer: () => Promise<Command>) {}

  load(): Promise<Command> {
    return (this.loaded ??= this.importer());
  }
}

/** Every `pfxstore` command, by name, with its summary (enough for the list of commands). */
export const commands: Readonly<Record<string, Command | LazyCommand>> = {
  serve: new LazyCommand('run the Graph-compatible server', async () => (await import('./serve.js')).serveCommand),
  token: new LazyCommand('print a dev-mode access token', async () => (await import('./token.js')).tokenCommand),
  keygen: keygenCommand,
  key: keyCommand,
  import: importCommand,
  list: listCommand,
  get: getCommand,
  remove: removeCommand,
  verify: verifyCommand,
  rekey: rekeyCommand,
  keys: keysCommand,
  recover: recoverCommand,
  users: usersCommand,
  audit: auditCommand,
};

/** The command of that name, its module loaded; undefined for no such command. */
export async function loadCommand(name: string): Promise<Command | undefined> {
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  return command instanceof LazyCommand ? command.load() : command;
}
