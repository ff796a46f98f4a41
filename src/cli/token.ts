import { GUID } from '../model/guid.js';
import { mintDevToken } from '../graph/dev-identity.js';
import { parseCommandArgs } from './args.js';
import type { Command } from './command.js';
import { DEFAULT_DATA_DIR, devDataDir, existingDevIdentity } from './dev-data.js';
import { parseDuration } from '../util/duration.js';
import { flagTable } from '../util/flags.js';
import { UsageError } from '../util/usage-error.js';
import { SUMMARIES } from './summaries.js';

const FLAGS = flagTable({
  data: { type: 'string', value: 'DIR', defaultText: DEFAULT_DATA_DIR, env: 'PFXSTORE_DATA',
    description: 'the data directory of the dev server (its serve --data), whose key signs the token' },
  tenant: { type: 'string', value: 'GUID', defaultText: "the server's tenant id (in --data)", description: 'the tenant (tid) the token is for' },
  roles: { type: 'string', value: '"A B"', defaultText: 'DeviceManagementConfiguration.ReadWrite.All User.ReadWrite.All',
    description: 'an application token with these roles (space- or comma-separated)' },
  scopes: { type: 'string', value: '"A B"', description: 'a delegated token with these scopes (scp) instead of roles' },
  upn: { type: 'string', value: 'U', description: 'with --scopes: the signed-in user' },
  ttl: { type: 'string', value: 'DURATION', default: '1h', description: 'how long the token is valid: 90s, 15m, 1h, 7d' },
});

export const tokenCommand: Command = {
  summary: SUMMARIES.token,
  usage: 'pfxstore token [--data DIR] [--tenant GUID] [--roles "A B"] [--scopes "A B" --upn U] [--ttl 1h]',
  flags: [{ title: 'Options', flags: FLAGS }],
  async run(args) {
    const { values } = parseCommandArgs(args, FLAGS);
    if (values.roles !== undefined && values.scopes !== undefined) {
      throw new UsageError('--roles (an application token) and --scopes (a delegated token) exclude each other.');
    }
    if (values.tenant !== undefined && !GUID.test(values.tenant)) {
      throw new UsageError(`--tenant must be a GUID, not '${values.tenant}'.`);
    }
    const ttlSeconds = parseDuration(values.ttl!, '--ttl');
    const identity = await existingDevIdentity(devDataDir(values.data, process.env), '');
    const split = (text: string | undefined) => text?.split(/[\s,]+/).filter(Boolean);
    const token = await mintDevToken(identity, {
      tenantId: values.tenant?.toLowerCase(),
      roles: split(values.roles),
      scopes: split(values.scopes),
      upn: values.upn,
      ttlSeconds,
    });
    process.stdout.write(`${token}\n`);
    return 0;
  },
};
