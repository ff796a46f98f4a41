import { CertificateApi, type UserPfxCertificate } from '../client/certificates.js';
import { certificateEntity } from '../model/certificate.js';
import { parseCommandArgs } from './args.js';
import { CONNECTION_FLAGS, CONNECTION_SECTION, connect } from './client-connection.js';
import type { Command } from './command.js';
import { printJson } from './output.js';
import { flagTable } from '../util/flags.js';
import { UsageError } from '../util/usage-error.js';
import { SUMMARIES } from './summaries.js';

const USAGE = 'pfxstore get ID [--json] [--url U] [--token T] [--ca F] [--data DIR]';
const FLAGS = flagTable({
  json: { type: 'boolean', description: 'print the record as Graph returns it (JSON) instead of property: value lines' },
});

export const getCommand: Command = {
  summary: SUMMARIES.get,
  usage: USAGE,
  flags: [{ title: 'Options', flags: FLAGS }, CONNECTION_SECTION],
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, { ...CONNECTION_FLAGS, ...FLAGS }, true);
    if (positionals.length !== 1) throw new UsageError('give exactly one certificate ID (see pfxstore list).');
    const api = new CertificateApi(await connect(values));
    let cert: UserPfxCertificate;
    try {
      cert = await api.get(positionals[0]!);
    } finally {
      api.client.close();
    }
    if (values.json) printJson(cert);
    else process.stdout.write(describeCertificate(cert));
    return 0;
  },
};

/** `property: value` lines; the secret fields only say whether they came back, never their content. */
export function describeCertificate(cert: UserPfxCertificate): string {
  const secret = (v: unknown) => (typeof v === 'string' && v !== ''
    ? `present (${Buffer.from(v, 'base64').length} bytes)` : 'not returned (needs the export role)');
  const values = cert as unknown as Record<string, unknown>;
  // Every property of the entity, in the order of its table; a new property shows up here by itself.
  const rows = certificateEntity.properties.map((p): [string, string] =>
    [p.name, p.secret ? secret(values[p.name]) : String(values[p.name] ?? '-')]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${v}`).join('\n') + '\n';
}
