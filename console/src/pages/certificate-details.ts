/**
 * One certificate: every non-secret property, its audit history, and "Delete" behind a "Delete certificate?" dialog.
 * The history is read from auditEvents and narrowed here: Graph's $filter cannot reach an event's resources.
 */
import { everyItem, getJson, query, remove } from '../api.js';
import { showError } from '../alert.js';
import { dateTime, h } from '../dom.js';
import { actorName, CERTIFICATE_PROPERTIES, CERTIFICATES, type AuditEvent, type Certificate } from '../model.js';
import { confirmDialog } from '../confirm.js';
import { announce } from '../status.js';

const LABELS: Record<(typeof CERTIFICATE_PROPERTIES)[number], string> = {
  id: 'Id',
  thumbprint: 'Thumbprint',
  intendedPurpose: 'Purpose',
  userPrincipalName: 'User',
  startDateTime: 'Valid from',
  expirationDateTime: 'Expires',
  providerName: 'Provider name',
  keyName: 'Key name',
  paddingScheme: 'Padding scheme',
  createdDateTime: 'Created',
  lastModifiedDateTime: 'Last modified',
};

const DATES = new Set(['startDateTime', 'expirationDateTime', 'createdDateTime', 'lastModifiedDateTime']);

export async function certificateDetailsPage(main: HTMLElement, id: string): Promise<void> {
  const path = `${CERTIFICATES}/${encodeURIComponent(id)}`;
  const certificate = await getJson<Certificate>(`${path}${query({ $select: CERTIFICATE_PROPERTIES.join(',') })}`);
  const properties = h('dl', { class: 'properties' }, ...CERTIFICATE_PROPERTIES.flatMap((name) => {
    const value = certificate[name];
    return [h('dt', {}, LABELS[name]), h('dd', { class: name === 'thumbprint' || name === 'id' ? 'mono' : null },
      DATES.has(name) ? dateTime(value) : value ?? '—')];
  }));
  const history = h('div', { 'aria-live': 'polite' }, h('p', {}, 'Loading the audit history…'));
  const deleteButton = h('button', { type: 'button', class: 'danger', onclick: () => void deleteCertificate(certificate, path) }, 'Delete');
  main.replaceChildren(
    h('p', {}, h('a', { href: '#/certificates' }, '← Certificates')),
    h('h1', {}, `Certificate ${certificate.thumbprint}`),
    properties,
    h('p', {}, deleteButton),
    h('h2', {}, 'Audit history'),
    history);
  try {
    history.replaceChildren(await auditHistory(certificate.id));
  } catch (err) {
    history.replaceChildren();
    showError(err);
  }
}

async function deleteCertificate(certificate: Certificate, path: string): Promise<void> {
  const confirmed = await confirmDialog({
    title: 'Delete certificate?',
    text: `${certificate.thumbprint} of ${certificate.userPrincipalName} is deleted for good: devices can no longer get it.`,
    confirm: 'Delete',
  });
  if (!confirmed) return;
  try {
    await remove(path);
    announce(`Deleted certificate ${certificate.thumbprint}.`);
    location.hash = '#/certificates';
  } catch (err) {
    showError(err);
  }
}

async function auditHistory(id: string): Promise<HTMLElement> {
  const wanted = id.toLowerCase();
  const events: AuditEvent[] = [];
  for await (const event of everyItem<AuditEvent>(`deviceManagement/auditEvents${query({ $orderby: 'activityDateTime desc', $top: 1000 })}`)) {
    if ((event.resources ?? []).some((r) => r.resourceId?.toLowerCase() === wanted)) events.push(event);
  }
  if (!events.length) return h('p', {}, 'No audit events name this certificate.');
  return h('table', {},
    h('caption', {}, 'Audit events for this certificate, newest first'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'When'), h('th', { scope: 'col' }, 'Activity'), h('th', { scope: 'col' }, 'Actor'), h('th', { scope: 'col' }, 'Result'))),
    h('tbody', {}, ...events.map((event) => h('tr', {},
      h('td', {}, dateTime(event.activityDateTime)),
      h('td', {}, event.activity ?? event.activityOperationType ?? '—'),
      h('td', {}, actorName(event)),
      h('td', {}, event.activityResult ?? '—')))));
}
