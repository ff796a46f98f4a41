/**
 * Certificates: the table, "Filter by user or thumbprint" (a prefix of either, as you type), the "Purpose" select,
 * sort by "Expires", paging, the total. Filtering runs on the server ($filter), so it scales with the store.
 */
import { literal, query } from '../api.js';
import { showError, clearError } from '../alert.js';
import { showCertificates } from '../certificate-table.js';
import { field, h } from '../dom.js';
import { CERTIFICATES, LIST_PROPERTIES, PURPOSES } from '../model.js';

const PAGE_SIZE = 50;
/** Long enough to skip the requests of a word being typed, short enough to feel immediate. */
const TYPING_PAUSE_MS = 80;

/** $filter for the filter box and the purpose select; undefined for neither. */
export function certificateFilter(text: string, purpose: string): string | undefined {
  const clauses: string[] = [];
  const wanted = text.trim();
  if (wanted) {
    clauses.push(`(startswith(userPrincipalName,${literal(wanted)}) or startswith(thumbprint,${literal(wanted)}))`);
  }
  if (purpose) clauses.push(`intendedPurpose eq ${literal(purpose)}`);
  return clauses.length ? clauses.join(' and ') : undefined;
}

export async function certificatesPage(main: HTMLElement): Promise<void> {
  let direction: 'asc' | 'desc' = 'asc';
  const search = h('input', { type: 'search', autocomplete: 'off', spellcheck: 'false' });
  const purpose = h('select', {}, h('option', { value: '' }, 'All purposes'), ...PURPOSES.map((p) => h('option', { value: p }, p)));
  const results = h('div', { 'aria-live': 'polite' });
  // A later request may finish first (typing fast): only the newest one's answer is shown.
  let generation = 0;
  const load = async (refocusSort = false) => {
    const mine = ++generation;
    const path = `${CERTIFICATES}${query({
      $select: LIST_PROPERTIES,
      $filter: certificateFilter(search.value, purpose.value),
      $orderby: `expirationDateTime ${direction}`,
      $top: PAGE_SIZE,
      $count: true,
    })}`;
    const target = h('div');
    try {
      await showCertificates(target, path, {
        caption: 'Certificates',
        sort: { direction, toggle: () => { direction = direction === 'asc' ? 'desc' : 'asc'; void load(true); } },
      });
      if (mine !== generation) return;
      clearError();
      results.replaceChildren(...target.childNodes);
      // The table is new: the keyboard user who sorted stays on the sort button.
      if (refocusSort) results.querySelector<HTMLButtonElement>('button.sort')?.focus();
    } catch (err) {
      if (mine === generation) showError(err);
    }
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void load(), TYPING_PAUSE_MS);
  });
  purpose.addEventListener('change', () => void load());
  const form = h('form', { class: 'filters', role: 'search', onsubmit: (event) => { event.preventDefault(); clearTimeout(timer); void load(); } },
    field('Filter by user or thumbprint', search), field('Purpose', purpose));
  main.replaceChildren(h('h1', {}, 'Certificates'), form, results);
  await load();
}
