#!/usr/bin/env node
import { commands } from './cli/commands.js';
import { UsageError } from './util/usage-error.js';

/** Entry point: `pfxstore <command> [options]`. Exit 0 all done, 1 something failed, 2 usage error. */
async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? commands[name] : undefined;
  if (!command) {
    process.stderr.write(`${name && name !== '--help' && name !== 'help' ? `Unknown command '${name}'.\n\n` : ''}${usage()}`);
    return name === '--help' || name === 'help' ? 0 : 2;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`pfxstore ${name}: ${err.message}\n\nUsage: ${command.usage}\n`);
      return 2;
    }
    process.stderr.write(`pfxstore ${name}: ${(err as Error).message}\n`);
    return 1;
  }
}

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`);
  return `Usage: pfxstore <command> [options]\n\nCommands:\n${lines.join('\n')}\n`;
}

void main(process.argv.slice(2)).then((code) => {
  // serve keeps running; every other command ends here.
  if (code !== undefined && code >= 0) process.exitCode = code;
});
