#!/usr/bin/env node
import { loadCommand } from './cli/commands.js';
import { asksForHelp, commandHelp, overview, version } from './cli/help.js';
import { UsageError } from './util/usage-error.js';

/**
 * Entry point: `pfxstore <command> [options]`. Exit 0 all done, 1 something failed, 2 usage error. Help that
 * was asked for goes to stdout with 0; usage printed because of a mistake goes to stderr with 2.
 */
async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  if (name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
    process.stdout.write(overview());
    return 0;
  }
  if (name === 'help') return help(rest[0]!);
  if (name === undefined) {
    process.stderr.write(overview());
    return 2;
  }
  const command = await loadCommand(name);
  if (!command) {
    process.stderr.write(`Unknown command '${name}'.\n\n${overview()}`);
    return 2;
  }
  if (asksForHelp(rest)) {
    process.stdout.write(commandHelp(name, command));
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`pfxstore ${name}: ${err.message}\n\nUsage: ${command.usage}\nRun 'pfxstore ${name} --help' for every option.\n`);
      return 2;
    }
    process.stderr.write(`pfxstore ${name}: ${(err as Error).message}\n`);
    return 1;
  }
}

/** `pfxstore help CMD`. */
async function help(name: string): Promise<number> {
  const command = await loadCommand(name);
  if (!command) {
    process.stderr.write(`Unknown command '${name}'.\n\n${overview()}`);
    return 2;
  }
  process.stdout.write(commandHelp(name, command));
  return 0;
}

void main(process.argv.slice(2)).then((code) => {
  // serve keeps running; every other command ends here.
  if (code !== undefined && code >= 0) process.exitCode = code;
});
