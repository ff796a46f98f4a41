import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { GUID } from '../model/guid.js';
import { loadDevIdentity, mintDevToken } from '../graph/dev-identity.js';
import type { Command } from './command.js';
import { parseDuration } from './duration.js';
import { UsageError } from '../util/usage-error.js';

export const tokenCommand: Command = {
  summary: 'print a dev-mode access token',
  usage: 'pfxstore token [--data DIR] [--tenant GUID] [--roles "A B"] [--scopes "A B" --upn U] [--ttl 1h]',
  async run(args) {
    const { values } = parseArgs({
      args: [...args],
      options: {
        data: { type: 'string', default: process.env.PFXSTORE_DATA ?? './.pfxstore' },
        tenant: { type: 'string' },
        roles: { type: 'string' },
        scopes: { type: 'string' },
        upn: { type: 'string' },
        ttl: { type: 'string', default: '1h' },
      },
    });
    if (values.roles !== undefined && values.scopes !== undefined) {
      throw new UsageError('--roles (an application token) and --scopes (a delegated token) exclude each other.');
    }
    if (values.tenant !== undefined && !GUID.test(values.tenant)) {
      throw new UsageError(`--tenant must be a GUID, not '${values.tenant}'.`);
    }
    const identity = await loadDevIdentity(resolve(values.data!));
    const split = (text: string | undefined) => text?.split(/[\s,]+/).filter(Boolean);
    const token = await mintDevToken(identity, {
      tenantId: values.tenant?.toLowerCase(),
      roles: split(values.roles),
      scopes: split(values.scopes),
      upn: values.upn,
      ttlSeconds: parseDuration(values.ttl!, '--ttl'),
    });
    process.stdout.write(`${token}\n`);
    return 0;
  },
};
