import { CertificateApi } from '../client/certificates.js';
import { GraphRequestError } from '../client/errors.js';
import { integerFlag, parseCommandArgs, thumbprintFlag } from './args.js';
import { CONNECTION_FLAGS, CONNECTION_SECTION, connect } from './client-connection.js';
import type { Command } from './command.js';
import { collect } from './output.js';
import { runPool } from './pool.js';
import { flagTable } from '../util/flags.js';
import { UsageError } from '../util/usage-error.js';

const SUMMARY = 'delete certificates by ID, or all of a user (optionally one thumbprint)';
const USAGE = 'pfxstore remove ID… | --upn U [--thumbprint T]  [--concurrency N] [--url U] [--token T] [--ca F] [--data DIR]';
const FLAGS = flagTable({
  upn: { type: 'string', value: 'U', description: "remove this user's certificates (instead of IDs)" },
  thumbprint: { type: 'string', value: 'T', description: "with --upn: only the user's certificate with this SHA-1 thumbprint" },
  concurrency: { type: 'string', value: 'N', default: '4', description: 'deletes in flight at once (1-64)' },
});

export const removeCommand: Command = {
  summary: SUMMARY,
  usage: USAGE,
  flags: [{ title: 'Options', flags: FLAGS }, CONNECTION_SECTION],
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, { ...CONNECTION_FLAGS, ...FLAGS }, true);
    if ((positionals.length > 0) === (values.upn !== undefined)) throw new UsageError('give certificate IDs or --upn, one of the two.');
    if (values.thumbprint !== undefined && values.upn === undefined) throw new UsageError('--thumbprint goes with --upn.');
    const concurrency = integerFlag(values.concurrency, '--concurrency', 1, 64, 4);
    const api = new CertificateApi(await connect(values, { concurrency }));
    let failed = 0;
    try {
      const ids = positionals.length > 0 ? positionals
        : (await collect(api.list({ upn: values.upn, thumbprint: thumbprintFlag(values.thumbprint) }))).map((c) => c.id);
      if (ids.length === 0) process.stderr.write('no certificates match; nothing removed\n');
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
