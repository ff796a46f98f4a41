/** What `pfxstore --help` and `pfxstore CMD --help` print: on stdout, since it is the answer that was asked for. */
import { describeFlags } from '../util/flags.js';
import { packageVersion } from '../util/package-version.js';
import type { Command } from './command.js';
import { commands } from './commands.js';

export function overview(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: pfxstore <command> [options]', '',
    'Commands:', ...lines, '',
    "Run 'pfxstore help COMMAND' (or 'pfxstore COMMAND --help') for a command's options, 'pfxstore --version' for the version.",
    'Exit status: 0 all done, 1 something failed (each failure reported), 2 usage error.', '',
  ].join('\n');
}

export function commandHelp(name: string, command: Command): string {
  const help = { title: 'Help', flags: { help: { type: 'boolean', short: 'h', description: 'show this help' } } } as const;
  const notes = command.notes && command.notes.length > 0 ? `\n${command.notes.join('\n')}\n` : '';
  return `pfxstore ${name}: ${command.summary}\n\nUsage: ${command.usage}\n\n${describeFlags([...command.flags, help])}${notes}`;
}

/** `--help` or `-h` anywhere before a `--` that ends the flags. */
export function asksForHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

export function version(): string {
  return packageVersion();
}
