/**
 * Audit: events newest first, narrowed by actor and by certificate (its id, as events name it), "Next page" to the end.
 * Graph's $filter cannot reach an event's actor or resources (complex values), so the narrowing is done here:
 * a page is filled from as many server pages as it takes, and the trail's end is said when it is reached.
 */
import { getJson, query, type Page } from '../api.js';
import { clearError, showError } from '../alert.js';
import { dateTime, field, h, replace } from '../dom.js';
import { actorName, type AuditEvent } from '../model.js';

const PAGE_SIZE = 50;

export async function auditPage(main: HTMLElement): Promise<void> {
  const actor = h('input', { type: 'search', autocomplete: 'off' });
  const certificate = h('input', { type: 'search', autocomplete: 'off', spellcheck: 'false' });
  const results = h('div', { 'aria-live': 'polite' });
  const form = h('form', {
    class: 'filters',
    role: 'search',
    onsubmit: (event) => {
      event.preventDefault();
      void show();
    },
  }, field('Actor', actor), field('Certificate id', certificate), h('button', { type: 'submit' }, 'Apply'));
  const show = async () => {
    try {
      replace(results, await auditTable(matcher(actor.value, certificate.value)));
      clearError();
    } catch (err) {
      showError(err);
    }
  };
  main.replaceChildren(h('h1', {}, 'Audit'), form, results);
  await show();
}

/** Events by this actor (user principal name or application id) naming this certificate id; any case. */
function matcher(actorText: string, certificateText: string): (event: AuditEvent) => boolean {
  const who = actorText.trim().toLowerCase();
  const what = certificateText.trim().toLowerCase();
  return (event) => (!who || actorName(event).toLowerCase() === who) &&
    (!what || (event.resources ?? []).some((r) => r.resourceId?.toLowerCase() === what));
}

async function auditTable(matches: (event: AuditEvent) => boolean): Promise<HTMLElement> {
  const body = h('tbody');
  const more = h('div', { class: 'more' });
  const shown = h('p', { class: 'total' });
  let count = 0;
  let next: string | undefined = `deviceManagement/auditEvents${query({ $orderby: 'activityDateTime desc', $top: PAGE_SIZE })}`;
  const fill = async () => {
    let added = 0;
    while (next && added < PAGE_SIZE) {
      const page: Page<AuditEvent> = await getJson<Page<AuditEvent>>(next);
      const rows = page.value.filter(matches);
      body.append(...rows.map(eventRow));
      added += rows.length;
      next = page['@odata.nextLink'];
    }
    count += added;
    shown.textContent = `${count} event${count === 1 ? '' : 's'} shown${next ? '' : ' — the end of the audit trail'}`;
    replace(more, next ? h('button', { type: 'button', onclick: () => void fill().catch(showError) }, 'Next page') : null);
  };
  await fill();
  return h('div', {}, shown, h('table', {},
    h('caption', {}, 'Audit events, newest first'),
    h('thead', {}, h('tr', {}, ...['When', 'Activity', 'Result', 'Actor', 'Resource'].map((name) => h('th', { scope: 'col' }, name)))),
    body), more);
}

function eventRow(event: AuditEvent): HTMLTableRowElement {
  const resources = (event.resources ?? []).map((r) => r.displayName ?? r.resourceId ?? '').join(', ');
  return h('tr', {},
    h('td', {}, dateTime(event.activityDateTime)),
    h('td', {}, event.activity ?? event.activityOperationType ?? '—'),
    h('td', {}, event.activityResult ?? '—'),
    h('td', {}, actorName(event)),
    h('td', { class: 'mono' }, resources || '—'));
}
