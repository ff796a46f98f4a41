import { CertificateApi } from '../client/certificates.js';
import { GraphRequestError } from '../client/errors.js';
import { integerFlag, parseCommandArgs, thumbprintFlag } from './args.js';
import { CONNECTION_FLAGS, CONNECTION_SECTION, connect } from './client-connection.js';
import type { Command } from './command.js';
import { canAsk, confirm } from './confirm.js';
import { collect } from './output.js';
import { runPool } from './pool.js';
import { flagTable } from '../util/flags.js';
import { UsageError } from '../util/usage-error.js';
import { SUMMARIES } from './summaries.js';

const USAGE = 'pfxstore remove ID… | --upn U [--thumbprint T] [--yes]  [--dry-run] [--concurrency N] [--url U] [--token T] [--ca F] [--data DIR]';
const FLAGS = flagTable({
  upn: { type: 'string', value: 'U', description: "remove this user's certificates (instead of IDs)" },
  thumbprint: { type: 'string', value: 'T', description: "with --upn: only the user's certificate with this SHA-1 thumbprint" },
  yes: { type: 'boolean', short: 'y', description: 'with --upn alone: remove every certificate of the user without asking (needed when stdin is not a terminal)' },
  'dry-run': { type: 'boolean', description: 'print the certificates that would be removed, remove nothing' },
  concurrency: { type: 'string', value: 'N', default: '4', description: 'deletes in flight at once (1-64)' },
});

export const removeCommand: Command = {
  summary: SUMMARIES.remove,
  usage: USAGE,
  flags: [{ title: 'Options', flags: FLAGS }, CONNECTION_SECTION],
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, { ...CONNECTION_FLAGS, ...FLAGS }, true);
    if ((positionals.length > 0) === (values.upn !== undefined)) throw new UsageError('give certificate IDs or --upn, one of the two.');
    if (values.thumbprint !== undefined && values.upn === undefined) throw new UsageError('--thumbprint goes with --upn.');
    const concurrency = integerFlag(values.concurrency, '--concurrency', 1, 64, 4);
    // Every certificate of a user is the one selection a typo can make large: it is confirmed. IDs and a
    // thumbprint name their certificates one by one.
    const wholeUser = values.upn !== undefined && values.thumbprint === undefined;
    const mustAsk = wholeUser && values.yes !== true && values['dry-run'] !== true;
    if (mustAsk && !canAsk()) {
      throw new UsageError(`removing every certificate of ${values.upn} needs confirmation, and stdin is not a terminal: ` +
        'pass --yes to remove them without asking (or --dry-run to list them).');
    }
    const api = new CertificateApi(await connect(values, { concurrency }));
    let failed = 0;
    try {
      const ids = positionals.length > 0 ? positionals
        : (await collect(api.list({ upn: values.upn, thumbprint: thumbprintFlag(values.thumbprint) }))).map((c) => c.id);
      if (ids.length === 0) {
        process.stderr.write('no certificates match; nothing removed\n');
        return 0;
      }
      if (values['dry-run']) {
        for (const id of ids) process.stdout.write(`would remove ${id}\n`);
        process.stderr.write(`dry run: ${plural(ids.length)} would be removed; nothing removed\n`);
        return 0;
      }
      if (mustAsk && !(await confirm(`Delete ${plural(ids.length)} of ${values.upn}?`))) {
        process.stderr.write('not confirmed; nothing removed\n');
        return 1;
      }
      await runPool(ids, concurrency, async (id) => {
        try {
          await api.delete(id);
          process.stdout.write(`removed ${id}\n`);
        } catch (err) {
          // A 404 after a dropped connection means the first attempt did it.
          if (err instanceof GraphRequestError && err.status === 404 && err.afterDroppedAttempt) {
            process.stdout.write(`removed ${id}\n`);
            return;
          }
          failed += 1;
          const reason = err instanceof GraphRequestError && err.status === 404 ? 'no such certificate' : (err as Error).message;
          process.stderr.write(`pfxstore remove: ${id}: ${reason}\n`);
        }
      });
    } finally {
      api.client.close();
    }
    return failed > 0 ? 1 : 0;
  },
};

function plural(n: number): string {
  return `${n} certificate${n === 1 ? '' : 's'}`;
}
