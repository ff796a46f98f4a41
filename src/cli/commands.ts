import type { Command } from './command.js';
import { serveCommand } from './serve.js';
import { tokenCommand } from './token.js';

/** Every `pfxstore` command, by name. */
export const commands: Record<string, Command> = {
  serve: serveCommand,
  token: tokenCommand,
};
