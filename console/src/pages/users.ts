/**
 * Users: each user with the number of certificates they own ($count per user, in parallel), "Add user", and
 * "Remove", which the server refuses while the user still owns certificates — its reason is shown as it gives it.
 */
import { getCount, getJson, literal, postJson, query, remove, type Page } from '../api.js';
import { clearError, showError } from '../alert.js';
import { field, h, replace } from '../dom.js';
import { CERTIFICATES, type User } from '../model.js';

const PAGE_SIZE = 100;

export async function usersPage(main: HTMLElement): Promise<void> {
  const upn = h('input', { type: 'email', required: true, autocomplete: 'off' });
  const displayName = h('input', { type: 'text', autocomplete: 'off' });
  const status = h('p', { role: 'status' });
  const list = h('div');
  const load = async () => {
    const page = await getJson<Page<User>>(`users${query({ $select: 'id,userPrincipalName,displayName', $orderby: 'userPrincipalName', $top: PAGE_SIZE, $count: true })}`);
    replace(list, await usersTable(page, load, status));
  };
  const form = h('form', {
    class: 'add-user',
    onsubmit: async (event) => {
      event.preventDefault();
      try {
        const user = await postJson<User>('users', {
          userPrincipalName: upn.value.trim(),
          displayName: displayName.value.trim() || null,
          accountEnabled: true,
        });
        clearError();
        status.textContent = `Added ${user.userPrincipalName}.`;
        upn.value = '';
        displayName.value = '';
        await load();
      } catch (err) {
        showError(err);
      }
    },
  },
  h('h2', {}, 'Add user'),
  field('User principal name', upn),
  field('Display name', displayName),
  h('button', { type: 'submit' }, 'Add user'));
  main.replaceChildren(h('h1', {}, 'Users'), status, list, form);
  await load();
}

async function usersTable(first: Page<User>, reload: () => Promise<void>, status: HTMLElement): Promise<HTMLElement> {
  const body = h('tbody');
  const more = h('div', { class: 'more' });
  const total = first['@odata.count'];
  const add = async (page: Page<User>) => {
    const counts = await Promise.all(page.value.map((user) =>
      getCount(`${CERTIFICATES}/$count${query({ $filter: `userPrincipalName eq ${literal(user.userPrincipalName)}` })}`)));
    body.append(...page.value.map((user, i) => h('tr', {},
      h('td', {}, user.userPrincipalName),
      h('td', {}, user.displayName ?? '—'),
      h('td', { class: 'number' }, counts[i]),
      h('td', {}, h('button', {
        type: 'button',
        'aria-label': `Remove ${user.userPrincipalName}`,
        onclick: async () => {
          try {
            await remove(`users/${encodeURIComponent(user.id)}`);
            clearError();
            status.textContent = `Removed ${user.userPrincipalName}.`;
            await reload();
          } catch (err) {
            showError(err);
          }
        },
      }, 'Remove')))));
    const link = page['@odata.nextLink'];
    replace(more, link ? h('button', {
      type: 'button',
      onclick: () => getJson<Page<User>>(link).then(add).catch(showError),
    }, 'Next page') : null);
  };
  await add(first);
  return h('div', {},
    h('p', { class: 'total' }, total === undefined ? '' : `${total} user${total === 1 ? '' : 's'}`),
    h('table', {},
      h('caption', {}, 'Users and the certificates they own'),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'User principal name'),
        h('th', { scope: 'col' }, 'Display name'),
        h('th', { scope: 'col' }, 'Certificates'),
        h('th', { scope: 'col' }, 'Actions'))),
      body),
    more);
}
