/**
 * The console's shell: sign-in state, the navigation, and the hash router (#/certificates, #/users, …) that
 * renders one page at a time into <main>. Hash routes need nothing of the server but index.html, and keep the
 * redirect URI exactly /console/ for the sign-in's return.
 */
import './style.css';
import { whenUnauthenticated } from './api.js';
import { clearError, showError } from './alert.js';
import { h, replace } from './dom.js';
import { currentToken, forgetToken } from './session.js';
import { finishSignIn, isSignInReturn, startSignIn } from './sign-in.js';
import { takeAnnouncement } from './status.js';
import { auditPage } from './pages/audit.js';
import { certificateDetailsPage } from './pages/certificate-details.js';
import { certificatesPage } from './pages/certificates.js';
import { expiryPage } from './pages/expiry.js';
import { importPage } from './pages/import.js';
import { keysPage } from './pages/keys.js';
import { usersPage } from './pages/users.js';

type Page = (main: HTMLElement) => Promise<void>;

const PAGES: readonly { readonly route: string; readonly title: string; readonly render: Page }[] = [
  { route: 'certificates', title: 'Certificates', render: certificatesPage },
  { route: 'expiry', title: 'Expiry', render: expiryPage },
  { route: 'import', title: 'Import', render: importPage },
  { route: 'users', title: 'Users', render: usersPage },
  { route: 'keys', title: 'Keys', render: keysPage },
  { route: 'audit', title: 'Audit', render: auditPage },
];

const main = document.getElementById('main')!;
const nav = document.getElementById('nav')!;
const account = document.getElementById('account')!;

function signInPage(reason?: string): void {
  replace(nav);
  replace(account);
  const button = h('button', {
    type: 'button',
    onclick: () => startSignIn().catch(showError),
  }, 'Sign in');
  main.replaceChildren(
    h('h1', {}, 'Sign in'),
    h('p', {}, reason ?? 'Sign in to manage the PFX certificates stored in this pfxstore.'),
    button);
  document.title = 'Sign in — pfxstore console';
}

function shell(): void {
  replace(nav, h('ul', {}, ...PAGES.map((page) => h('li', {}, h('a', { href: `#/${page.route}`, 'data-route': page.route }, page.title)))));
  replace(account, h('button', {
    type: 'button',
    onclick: () => {
      forgetToken();
      location.hash = '';
      signInPage('You are signed out.');
    },
  }, 'Sign out'));
}

/** Renders the page the hash names; every page's errors go to the alert region. */
async function route(): Promise<void> {
  if (!currentToken()) return signInPage();
  if (!nav.firstChild) shell();
  const [name = 'certificates', id] = location.hash.replace(/^#\/?/, '').split('?')[0].split('/');
  const page = PAGES.find((p) => p.route === name) ?? PAGES[0];
  for (const link of nav.querySelectorAll('a')) {
    if (link.dataset.route === page.route) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  clearError();
  const title = id && page.route === 'certificates' ? 'Certificate' : page.title;
  document.title = `${title} — pfxstore console`;
  main.setAttribute('aria-busy', 'true');
  try {
    if (id && page.route === 'certificates') await certificateDetailsPage(main, decodeURIComponent(id));
    else await page.render(main);
    const message = takeAnnouncement();
    if (message) main.prepend(h('p', { role: 'status', class: 'announcement' }, message));
  } catch (err) {
    showError(err);
  } finally {
    main.removeAttribute('aria-busy');
  }
}

whenUnauthenticated((message) => signInPage(`Your session has ended (${message}) — sign in again.`));
window.addEventListener('hashchange', () => void route());

async function start(): Promise<void> {
  if (isSignInReturn()) {
    try {
      await finishSignIn();
    } catch (err) {
      signInPage();
      showError(err);
      return;
    }
  }
  await route();
}

void start();
