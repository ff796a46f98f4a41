import { CertificateApi, type UserPfxCertificate } from '../client/certificates.js';
import { parseCommandArgs, thumbprintFlag, pageSizeFlag, pageSizeOf } from './args.js';
import { CONNECTION_FLAGS, CONNECTION_SECTION, connect } from './client-connection.js';
import type { Command } from './command.js';
import { parseDays } from '../util/duration.js';
import { collect, printJson, printTable, shortDate } from './output.js';
import { flagTable } from '../util/flags.js';
import { SUMMARIES } from './summaries.js';

const USAGE = 'pfxstore list [--upn U] [--thumbprint T] [--expiring-within DAYS] [--json] [--url U] [--token T] [--ca F] [--data DIR]';
const DAY_MS = 86_400_000;
const FLAGS = flagTable({
  upn: { type: 'string', value: 'U', description: "only this user's certificates (userPrincipalName, any case)" },
  thumbprint: { type: 'string', value: 'T', description: 'only certificates with this SHA-1 thumbprint (spaces and colons allowed)' },
  'expiring-within': {
    type: 'string', value: 'DAYS',
    description: 'only certificates that expire within DAYS days (30 or 30d), or have expired; sorted by expiry, soonest first',
  },
  json: { type: 'boolean', description: 'print the records as JSON (an array) instead of a table' },
  'page-size': pageSizeFlag('records'),
});

export const listCommand: Command = {
  summary: SUMMARIES.list,
  usage: USAGE,
  flags: [{ title: 'Options', flags: FLAGS }, CONNECTION_SECTION],
  async run(args) {
    const { values } = parseCommandArgs(args, { ...CONNECTION_FLAGS, ...FLAGS });
    const days = values['expiring-within'] === undefined ? undefined : parseDays(values['expiring-within'], '--expiring-within', 0, 36_500);
    const pageSize = pageSizeOf(values['page-size']);
    // Asked what expires soon, one reads from the top. The server sorts ($orderby), so the order holds across pages.
    const orderBy = days === undefined ? undefined : 'expirationDateTime';
    const now = Date.now();
    const api = new CertificateApi(await connect(values));
    let certificates: UserPfxCertificate[];
    try {
      certificates = await collect(api.list({
        upn: values.upn,
        thumbprint: thumbprintFlag(values.thumbprint),
        // "Expiring within N days" includes those already expired: both need renewing.
        expiringBefore: days === undefined ? undefined : new Date(now + days * DAY_MS),
      }, pageSize, orderBy));
    } finally {
      api.client.close();
    }
    if (values.json) {
      printJson(certificates);
      return 0;
    }
    if (certificates.length === 0) {
      process.stderr.write('no certificates match\n');
      return 0;
    }
    printTable(certificates, [
      { header: 'ID', value: (c) => c.id },
      { header: 'USER', value: (c) => c.userPrincipalName },
      { header: 'PURPOSE', value: (c) => c.intendedPurpose },
      { header: 'EXPIRES', value: (c) => `${shortDate(c.expirationDateTime)}${Date.parse(c.expirationDateTime) <= now ? ' (expired)' : ''}` },
    ]);
    process.stderr.write(`${certificates.length} certificate${certificates.length === 1 ? '' : 's'}\n`);
    return 0;
  },
};
