/**
 * `keys`: which connector keys the stored passwords are encrypted for, and until when each is needed — a key can
 * leave every connector once the last record under it has expired (or been rotated away with `rekey`).
 */
import { CertificateApi, type UserPfxCertificate } from '../client/certificates.js';
import { parseCommandArgs, pageSizeFlag, pageSizeOf } from './args.js';
import { CONNECTION_FLAGS, CONNECTION_SECTION, connect } from './client-connection.js';
import type { Command } from './command.js';
import { printJson, printTable, shortDate } from './output.js';
import { flagTable } from '../util/flags.js';
import { SUMMARIES } from './summaries.js';

const USAGE = 'pfxstore keys [--upn U] [--json] [--url U] [--token T] [--ca F] [--data DIR]';
const FLAGS = flagTable({
  upn: { type: 'string', value: 'U', description: "only this user's certificates (userPrincipalName, any case)" },
  json: { type: 'boolean', description: 'print the keys as JSON (an array) instead of a table' },
  'page-size': { ...pageSizeFlag('records'), defaultText: '1000' },
});

/** One (providerName, keyName, paddingScheme) in use. */
export interface KeyUsage {
  readonly providerName: string | null;
  readonly keyName: string | null;
  readonly paddingScheme: string;
  readonly records: number;
  readonly soonestExpirationDateTime: string;
  readonly latestExpirationDateTime: string;
}

type KeyRecord = Pick<UserPfxCertificate, 'providerName' | 'keyName' | 'paddingScheme' | 'expirationDateTime'>;

export const keysCommand: Command = {
  summary: SUMMARIES.keys,
  usage: USAGE,
  flags: [{ title: 'Options', flags: FLAGS }, CONNECTION_SECTION],
  notes: [
    'Sorted by soonest expiry, soonest first (then most records first): the key whose records lapse next comes first.',
    'A key is needed on the connectors until its latest expiry; after that, or once rekey has moved its records, it',
    'can be retired. Reads only providerName, keyName, paddingScheme and expirationDateTime ($select), never a secret,',
    'so it works against Microsoft Graph with DeviceManagementConfiguration.Read.All.',
  ],
  async run(args) {
    const { values } = parseCommandArgs(args, { ...CONNECTION_FLAGS, ...FLAGS });
    const pageSize = pageSizeOf(values['page-size']);
    const api = new CertificateApi(await connect(values));
    let keys: KeyUsage[];
    try {
      keys = await tallyKeys(api.listKeyUsage({ upn: values.upn }, pageSize));
    } finally {
      api.client.close();
    }
    if (values.json) {
      printJson(keys);
      return 0;
    }
    if (keys.length === 0) {
      process.stderr.write('no certificates match\n');
      return 0;
    }
    printTable(keys, [
      { header: 'PROVIDER', value: (k) => k.providerName ?? '-' },
      { header: 'KEY', value: (k) => k.keyName ?? '-' },
      { header: 'PADDING', value: (k) => k.paddingScheme },
      { header: 'RECORDS', value: (k) => String(k.records) },
      { header: 'SOONEST EXPIRY', value: (k) => shortDate(k.soonestExpirationDateTime) },
      { header: 'LATEST EXPIRY', value: (k) => shortDate(k.latestExpirationDateTime) },
    ]);
    const total = keys.reduce((n, k) => n + k.records, 0);
    process.stderr.write(`${total} certificate${total === 1 ? '' : 's'} under ${keys.length} key${keys.length === 1 ? '' : 's'}\n`);
    return 0;
  },
};

interface Tally {
  readonly key: string;
  readonly record: KeyRecord;
  records: number;
  soonest: { readonly time: number; readonly text: string };
  latest: { readonly time: number; readonly text: string };
}

/** Groups records by (providerName, keyName, paddingScheme), as they arrive page by page. */
export async function tallyKeys(records: AsyncIterable<KeyRecord> | Iterable<KeyRecord>): Promise<KeyUsage[]> {
  const tallies = new Map<string, Tally>();
  for await (const record of records) {
    // JSON of the three is an unambiguous key, nulls included, whatever the names contain.
    const key = JSON.stringify([record.providerName, record.keyName, record.paddingScheme]);
    // Compared as instants: the wire form drops trailing zero digits, so text order is not time order.
    const expiry = { time: Date.parse(record.expirationDateTime), text: record.expirationDateTime };
    const tally = tallies.get(key);
    if (!tally) {
      tallies.set(key, { key, record, records: 1, soonest: expiry, latest: expiry });
      continue;
    }
    tally.records++;
    if (expiry.time < tally.soonest.time) tally.soonest = expiry;
    if (expiry.time > tally.latest.time) tally.latest = expiry;
  }
  return [...tallies.values()]
    .sort((a, b) => a.soonest.time - b.soonest.time || b.records - a.records || (a.key < b.key ? -1 : 1))
    .map(({ record, records, soonest, latest }) => ({
      providerName: record.providerName ?? null,
      keyName: record.keyName ?? null,
      paddingScheme: record.paddingScheme,
      records,
      soonestExpirationDateTime: soonest.text,
      latestExpirationDateTime: latest.text,
    }));
}
