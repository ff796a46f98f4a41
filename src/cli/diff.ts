/**
 * `diff --against URL`: where the escrow (this endpoint) and another Graph endpoint (Intune, or another pfxstore)
 * have drifted apart. Both sides are listed at once, page by page, public properties only; the comparison itself
 * is drift.ts.
 */
import { CertificateApi } from '../client/certificates.js';
import { GraphRequestError } from '../client/errors.js';
import type { GraphClient } from '../client/graph-client.js';
import { flagTable } from '../util/flags.js';
import { parseCommandArgs, pageSizeFlag, pageSizeOf } from './args.js';
import { CONNECTION_FLAGS, CONNECTION_SECTION, connect, serviceUrl } from './client-connection.js';
import type { Command } from './command.js';
import { agrees, COMPARED_PROPERTIES, DriftTally, type DriftReport, type Side } from './drift.js';
import { endpointFlags, connectEndpoint } from './other-endpoint.js';
import { printJson } from './output.js';
import { SUMMARIES } from './summaries.js';

const USAGE = 'pfxstore diff --against URL [--against-token T | --against-token-env VAR] [--against-ca F] [--upn U] [--json] ' +
  '[--url U] [--token T] [--ca F] [--data DIR]';
const AGAINST_FLAGS = endpointFlags('against', 'the endpoint to compare this one with');
const FLAGS = flagTable({
  upn: { type: 'string', value: 'U', description: "only this user's certificates, on both sides (userPrincipalName, any case)" },
  json: { type: 'boolean', description: 'print the drift as one JSON object {onlyHere, onlyThere, different, same} instead of a report' },
  'page-size': { ...pageSizeFlag('records'), defaultText: '1000' },
});

/** What is read of each record on both sides: never a secret, so a read role on Graph is enough. */
const SELECTED = ['userPrincipalName', 'thumbprint', ...COMPARED_PROPERTIES] as const;

export const diffCommand: Command = {
  summary: SUMMARIES.diff,
  usage: USAGE,
  flags: [{ title: 'The other endpoint', flags: AGAINST_FLAGS }, { title: 'Options', flags: FLAGS }, CONNECTION_SECTION],
  notes: [
    'Records are matched by user (userPrincipalName, any case) and thumbprint; a matched pair differs when any of',
    `${COMPARED_PROPERTIES.join(', ')} differs (dates compared as instants).`,
    '"Here" is this endpoint (--url), "there" the --against one. Exit status: 0 the two agree, 1 they differ (or one',
    'could not be read), 2 usage error. Needs DeviceManagementConfiguration.Read.All on Microsoft Graph.',
  ],
  async run(args) {
    const { values } = parseCommandArgs(args, { ...CONNECTION_FLAGS, ...AGAINST_FLAGS, ...FLAGS });
    const pageSize = pageSizeOf(values['page-size']) ?? 1000;
    // The other endpoint's flags first: their usage errors come before anything is minted or dialled.
    const there = connectEndpoint(values, 'against');
    let here: GraphClient;
    try {
      here = await connect(values);
    } catch (err) {
      there.close();
      throw err;
    }
    const urls: Record<Side, string> = { here: serviceUrl(values), there: values.against!.replace(/\/+$/, '') };
    const tally = new DriftTally();
    const listed: Record<Side, number> = { here: 0, there: 0 };
    const drain = async (side: Side, client: GraphClient) => {
      try {
        for await (const record of new CertificateApi(client).listSelected({ upn: values.upn }, SELECTED, pageSize)) {
          tally.add(side, record);
          listed[side]++;
        }
      } catch (err) {
        throw new Error(failure(side, urls[side], err as Error), { cause: err });
      }
    };
    try {
      await Promise.all([drain('here', here), drain('there', there)]);
    } finally {
      here.close();
      there.close();
    }
    const report = tally.report();
    if (values.json) printJson(report);
    else process.stdout.write(driftText(report, urls, listed));
    return agrees(report) ? 0 : 1;
  },
};

/** Which endpoint failed, and for a token refused (401), which flag gave it; a 403 names the role itself. */
function failure(side: Side, url: string, err: Error): string {
  const which = side === 'here' ? `this endpoint (${url})` : `the --against endpoint (${url})`;
  let hint = '';
  if (err instanceof GraphRequestError && err.status === 401) {
    hint = side === 'here' ? ' — check --token (PFXSTORE_TOKEN)' : ' — check --against-token or --against-token-env';
  }
  return `${which}: ${err.message}${hint}`;
}

/** The report for people: each kind with its records, then the counts. */
export function driftText(report: DriftReport, urls: Record<Side, string>, listed: Record<Side, number>): string {
  const lines = [`here:  ${urls.here} (${plural(listed.here, 'record')})`, `there: ${urls.there} (${plural(listed.there, 'record')})`];
  const section = <T>(title: string, records: readonly T[], rows: (record: T) => string[]) => {
    if (records.length > 0) lines.push('', `${title} (${records.length}):`, ...records.flatMap(rows));
  };
  section('only here', report.onlyHere, (r) => [`  ${r.upn}  ${r.thumbprint}`]);
  section('only there', report.onlyThere, (r) => [`  ${r.upn}  ${r.thumbprint}`]);
  section('different', report.different, (d) => [
    `  ${d.upn}  ${d.thumbprint}`,
    ...Object.entries(d.differences).map(([name, v]) => `    ${name}: ${v.here ?? '(none)'} → ${v.there ?? '(none)'}`),
  ]);
  const counts = `${report.onlyHere.length} only here, ${report.onlyThere.length} only there, ${report.different.length} different, ${report.same} the same`;
  lines.push('', `${counts}: ${agrees(report) ? 'the two agree' : 'they differ'}`, '');
  return lines.join('\n');
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
