import { AuditApi, type AuditEvent, doneBy, namesResource } from '../client/audit-events.js';
import { parseCommandArgs, pageSizeFlag, pageSizeOf } from './args.js';
import { CONNECTION_FLAGS, CONNECTION_SECTION, connect } from './client-connection.js';
import type { Command } from './command.js';
import { collect, printJson, printTable } from './output.js';
import { flagTable } from '../util/flags.js';
import { UsageError } from '../util/usage-error.js';
import { SUMMARIES } from './summaries.js';

const USAGE = 'pfxstore audit [--since DATE] [--certificate ID] [--actor UPN] [--json] [--url U] [--token T] [--ca F] [--data DIR]';
const FLAGS = flagTable({
  since: { type: 'string', value: 'DATE', description: 'only events at or after DATE (2026-12-01, or a date-time such as 2026-12-01T08:00:00Z; UTC)' },
  certificate: { type: 'string', value: 'ID', description: 'only events naming this certificate id among their resources (filtered here, see below)' },
  actor: { type: 'string', value: 'UPN', description: 'only events done by this user (userPrincipalName), or by this application acting as itself (appId); any case (filtered here)' },
  json: { type: 'boolean', description: 'print the events as JSON (an array) instead of a table' },
  'page-size': pageSizeFlag('events'),
});

export const auditCommand: Command = {
  summary: SUMMARIES.audit,
  usage: USAGE,
  flags: [{ title: 'Options', flags: FLAGS }, CONNECTION_SECTION],
  notes: [
    '--since is sent to the server ($filter on activityDateTime). The actor and resources of an event are complex',
    'values Graph cannot $filter on, so --certificate and --actor are applied here, to every page fetched: add --since',
    'to fetch less. Needs a permission that reads certificates (DeviceManagementConfiguration.Read.All or ReadWrite.All).',
  ],
  async run(args) {
    const { values } = parseCommandArgs(args, { ...CONNECTION_FLAGS, ...FLAGS });
    const since = values.since === undefined ? undefined : sinceFlag(values.since);
    const pageSize = pageSizeOf(values['page-size']);
    const api = new AuditApi(await connect(values));
    let events: AuditEvent[];
    try {
      events = await collect(api.list({ since }, pageSize));
    } finally {
      api.client.close();
    }
    if (values.certificate !== undefined) events = events.filter((e) => namesResource(e, values.certificate!));
    if (values.actor !== undefined) events = events.filter((e) => doneBy(e, values.actor!));
    if (values.json) {
      printJson(events);
      return 0;
    }
    if (events.length === 0) {
      process.stderr.write('no audit events match\n');
      return 0;
    }
    printTable(events, [
      { header: 'TIME', value: (e) => e.activityDateTime.replace('T', ' ').replace(/\.\d+Z$/, 'Z') },
      { header: 'OPERATION', value: (e) => e.activityOperationType ?? '-' },
      { header: 'ACTIVITY', value: (e) => e.activity ?? '-' },
      { header: 'ACTOR', value: (e) => e.actor?.userPrincipalName ?? e.actor?.applicationId ?? '-' },
      { header: 'RESOURCES', value: (e) => (e.resources ?? []).map((r) => r.resourceId ?? '-').join(',') || '-' },
    ]);
    process.stderr.write(`${events.length} event${events.length === 1 ? '' : 's'}\n`);
    return 0;
  },
};

/** `2026-12-01` (midnight UTC) or an ISO 8601 date-time with its offset; anything else is a usage error. */
function sinceFlag(text: string): Date {
  const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(text.trim());
  const time = Date.parse(text.trim());
  if (!iso || Number.isNaN(time)) {
    throw new UsageError(`--since must be a date (2026-12-01) or a date-time with its offset (2026-12-01T08:00:00Z), not '${text}'.`);
  }
  return new Date(time);
}
