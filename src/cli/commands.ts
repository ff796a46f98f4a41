import type { Command } from './command.js';
import { type CommandName, SUMMARIES } from './summaries.js';

/**
 * A command whose module is loaded only when it is asked for (to run, or for its help). `serve` pulls in Fastify,
 * the stores, pg and prom-client (about 1 s) once its flags are checked, and every command module brings its own
 * dependencies: loading all of them took ~15 ms of each run of one (51 ms against 36 for `rekey` alone), which
 * scripts running a command per record, and `rekey`'s benchmark, pay every time.
 */
class LazyCommand {
  private loaded?: Promise<Command>;

  constructor(readonly summary: string, private readonly importer: () => Promise<Command>) {}

  load(): Promise<Command> {
    return (this.loaded ??= this.importer());
  }
}

const IMPORTERS: Readonly<Record<CommandName, () => Promise<Command>>> = {
  serve: async () => (await import('./serve.js')).serveCommand,
  token: async () => (await import('./token.js')).tokenCommand,
  keygen: async () => (await import('./keygen.js')).keygenCommand,
  key: async () => (await import('./key.js')).keyCommand,
  import: async () => (await import('./import.js')).importCommand,
  list: async () => (await import('./list.js')).listCommand,
  get: async () => (await import('./get.js')).getCommand,
  remove: async () => (await import('./remove.js')).removeCommand,
  verify: async () => (await import('./verify.js')).verifyCommand,
  rekey: async () => (await import('./rekey.js')).rekeyCommand,
  keys: async () => (await import('./keys.js')).keysCommand,
  push: async () => (await import('./push.js')).pushCommand,
  recover: async () => (await import('./recover.js')).recoverCommand,
  users: async () => (await import('./users.js')).usersCommand,
  audit: async () => (await import('./audit.js')).auditCommand,
  diff: async () => (await import('./diff.js')).diffCommand,
};

/** Every `pfxstore` command, by name, with its summary (enough for the list of commands). */
export const commands: Readonly<Record<string, LazyCommand>> = Object.fromEntries(
  (Object.keys(IMPORTERS) as CommandName[]).map((name) => [name, new LazyCommand(SUMMARIES[name], IMPORTERS[name])]));

/** The command of that name, its module loaded; undefined for no such command. */
export async function loadCommand(name: string): Promise<Command | undefined> {
  return Object.hasOwn(commands, name) ? commands[name]!.load() : undefined;
}
