import { CertificateApi, type UserPfxCertificate } from '../client/certificates.js';
import { integerFlag, parseCommandArgs, printedHelp, thumbprintFlag } from './args.js';
import { CONNECTION_OPTIONS, connect } from './client-connection.js';
import type { Command } from './command.js';
import { collect, printJson, printTable, shortDate } from './output.js';

const SUMMARY = 'list certificates (all pages), by user, thumbprint or expiry';
const USAGE = 'pfxstore list [--upn U] [--thumbprint T] [--expiring-within DAYS] [--json] [--url U] [--token T] [--ca F] [--data DIR]';
const DAY_MS = 86_400_000;

export const listCommand: Command = {
  summary: SUMMARY,
  usage: USAGE,
  async run(args) {
    const { values } = parseCommandArgs(args, {
      ...CONNECTION_OPTIONS,
      upn: { type: 'string' },
      thumbprint: { type: 'string' },
      'expiring-within': { type: 'string' },
      json: { type: 'boolean' },
      // Not in the usage line: sets $top, the page size, to show (and test) paging without 1000+ records.
      'page-size': { type: 'string' },
    });
    if (printedHelp(values, USAGE, SUMMARY)) return 0;
    const days = values['expiring-within'] === undefined ? undefined : integerFlag(values['expiring-within'], '--expiring-within', 0, 36_500, 0);
    const pageSize = values['page-size'] === undefined ? undefined : integerFlag(values['page-size'], '--page-size', 1, 1000, 1000);
    const now = Date.now();
    const api = new CertificateApi(await connect(values));
    let certificates: UserPfxCertificate[];
    try {
      certificates = await collect(api.list({
        upn: values.upn,
        thumbprint: thumbprintFlag(values.thumbprint),
        // "Expiring within N days" includes those already expired: both need renewing.
        expiringBefore: days === undefined ? undefined : new Date(now + days * DAY_MS),
      }, pageSize));
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
