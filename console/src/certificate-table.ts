/**
 * The certificate table of the Certificates page and of the Expiry page's lists: the five columns, a total
 * from $count, and "Next page" following @odata.nextLink. Each thumbprint links to the certificate's details.
 */
import { getJson, type Page } from './api.js';
import { showError } from './alert.js';
import { h, replace, shortDate } from './dom.js';
import type { Certificate } from './model.js';

export interface TableOptions {
  readonly caption: string;
  /** The "Expires" header: a sort button when given (the Certificates page), plain text otherwise. */
  readonly sort?: { readonly direction: 'asc' | 'desc'; readonly toggle: () => void };
}

/** Loads the first page of `path` (which asks for $count=true) into `host`, and each next page on request. */
export async function showCertificates(host: HTMLElement, path: string, options: TableOptions): Promise<void> {
  const page = await getJson<Page<Certificate>>(path);
  const total = page['@odata.count'];
  const body = h('tbody');
  const status = h('p', { class: 'total', role: 'status' }, total === undefined ? '' : `${total} certificate${total === 1 ? '' : 's'}`);
  const more = h('div', { class: 'more' });
  const table = h('table', {},
    h('caption', {}, options.caption),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, 'User'),
      h('th', { scope: 'col' }, 'Thumbprint'),
      h('th', { scope: 'col' }, 'Purpose'),
      expiresHeader(options.sort),
      h('th', { scope: 'col' }, 'Key name'))),
    body);
  const add = (next: Page<Certificate>) => {
    body.append(...next.value.map(row));
    const link = next['@odata.nextLink'];
    replace(more, link ? h('button', {
      type: 'button',
      onclick: async (event) => {
        const button = event.currentTarget as HTMLButtonElement;
        button.disabled = true;
        try {
          add(await getJson<Page<Certificate>>(link));
        } catch (err) {
          button.disabled = false;
          showError(err);
        }
      },
    }, 'Next page') : null);
  };
  replace(host, status, page.value.length ? table : h('p', {}, 'No certificates match.'), more);
  add(page);
}

function expiresHeader(sort: TableOptions['sort']): HTMLElement {
  if (!sort) return h('th', { scope: 'col' }, 'Expires');
  return h('th', { scope: 'col', 'aria-sort': sort.direction === 'asc' ? 'ascending' : 'descending' },
    h('button', { type: 'button', class: 'sort', onclick: sort.toggle }, 'Expires', h('span', { 'aria-hidden': 'true' }, sort.direction === 'asc' ? ' ▲' : ' ▼')));
}

function row(certificate: Certificate): HTMLTableRowElement {
  const link = h('a', { href: `#/certificates/${encodeURIComponent(certificate.id)}` }, certificate.thumbprint);
  const tr = h('tr', { class: 'selectable' },
    h('td', {}, certificate.userPrincipalName),
    h('td', { class: 'mono' }, link),
    h('td', {}, certificate.intendedPurpose),
    h('td', {}, shortDate(certificate.expirationDateTime)),
    h('td', {}, certificate.keyName ?? '—'));
  // The whole row selects (the link is the keyboard's way to the same place).
  tr.addEventListener('click', (event) => {
    if (event.target !== link) link.click();
  });
  return tr;
}
