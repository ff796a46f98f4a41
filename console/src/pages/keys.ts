/**
 * Keys: each connector key (provider name, key name, padding) the stored passwords are encrypted for, with its
 * number of certificates and soonest and latest expiry — the CLI's `pfxstore keys`, read the same way: every
 * record's four public properties ($select), tallied here.
 */
import { everyItem, query } from '../api.js';
import { h, shortDate } from '../dom.js';
import { CERTIFICATES } from '../model.js';

interface KeyRecord {
  readonly providerName: string | null;
  readonly keyName: string | null;
  readonly paddingScheme: string;
  readonly expirationDateTime: string;
}

interface KeyUsage {
  providerName: string | null;
  keyName: string | null;
  paddingScheme: string;
  records: number;
  soonest: string;
  latest: string;
}

export async function keysPage(main: HTMLElement): Promise<void> {
  const progress = h('p', { role: 'status' }, 'Counting the keys in use…');
  main.replaceChildren(h('h1', {}, 'Keys'), progress);
  const keys = new Map<string, KeyUsage>();
  const path = `${CERTIFICATES}${query({ $select: 'providerName,keyName,paddingScheme,expirationDateTime', $top: 1000 })}`;
  for await (const record of everyItem<KeyRecord>(path)) {
    const id = JSON.stringify([record.providerName, record.keyName, record.paddingScheme]);
    const usage = keys.get(id);
    const expiry = record.expirationDateTime;
    if (!usage) {
      keys.set(id, { ...record, records: 1, soonest: expiry, latest: expiry });
      continue;
    }
    usage.records += 1;
    if (Date.parse(expiry) < Date.parse(usage.soonest)) usage.soonest = expiry;
    if (Date.parse(expiry) > Date.parse(usage.latest)) usage.latest = expiry;
  }
  // Soonest expiry first, as `pfxstore keys` sorts: the key whose records lapse next comes first.
  const rows = [...keys.values()].sort((a, b) => Date.parse(a.soonest) - Date.parse(b.soonest) || b.records - a.records);
  progress.textContent = `${rows.length} key${rows.length === 1 ? '' : 's'} in use`;
  if (!rows.length) return;
  main.append(h('table', {},
    h('caption', {}, 'Connector keys in use, soonest expiry first'),
    h('thead', {}, h('tr', {},
      ...['Provider name', 'Key name', 'Padding', 'Certificates', 'Soonest expiry', 'Latest expiry'].map((name) => h('th', { scope: 'col' }, name)))),
    h('tbody', {}, ...rows.map((key) => h('tr', {},
      h('td', {}, key.providerName ?? '—'),
      h('td', {}, key.keyName ?? '—'),
      h('td', {}, key.paddingScheme),
      h('td', { class: 'number' }, key.records),
      h('td', {}, shortDate(key.soonest)),
      h('td', {}, shortDate(key.latest)))))));
}
