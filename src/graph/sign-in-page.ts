import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';

/**
 * The dev authority's sign-in page, rendered on the server: no script at all, one inline style allowed by its
 * hash, so the page's CSP can forbid everything else (CSP3 `default-src 'none'`).
 */
const STYLE = [
  'body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f3f4f6;color:#111827}',
  'main{max-width:26rem;margin:4rem auto;padding:2rem;background:#fff;border-radius:8px;box-shadow:0 1px 4px #0002}',
  'h1{font-size:1.4rem;margin:0 0 .5rem}',
  'label{display:block;margin-top:1rem;font-weight:600}',
  'input{box-sizing:border-box;width:100%;padding:.5rem;font:inherit;border:1px solid #6b7280;border-radius:4px}',
  'button{margin-top:1.5rem;padding:.5rem 1.5rem;font:inherit;color:#fff;background:#1d4ed8;border:0;border-radius:4px;cursor:pointer}',
  'button:focus,input:focus{outline:3px solid #93c5fd;outline-offset:1px}',
  '.error{color:#991b1b;background:#fef2f2;border:1px solid #fecaca;padding:.5rem;border-radius:4px}',
  '.note{color:#374151;font-size:.9rem}',
].join('');

const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

/** The page's headers: nothing may load, frame it, sniff it or learn where it was; forms post only here. */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  // The page carries the request's state and PKCE challenge: no cache may keep it.
  'cache-control': 'no-store',
} as const;

export interface SignInForm {
  /** Where the form posts: the authorization endpoint's own path. */
  readonly action: string;
  readonly tenantId: string;
  /** The request's parameters and the form's binding, carried back in hidden fields. */
  readonly hidden: Readonly<Record<string, string>>;
  readonly userPrincipalName?: string;
  /** What was wrong with the last attempt, shown above the form. */
  readonly error?: string;
}

export function sendSignInPage(reply: FastifyReply, status: number, form: SignInForm): FastifyReply {
  const hidden = Object.entries(form.hidden)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`).join('\n');
  const body = `<h1>Sign in to pfxstore</h1>
<p class="note">Dev authority of tenant ${escapeHtml(form.tenantId)}. The dev client secret is the one <code>pfxstore serve</code> printed when it started (also in <code>--data</code>/client-secret).</p>
${form.error ? `<p class="error" role="alert">${escapeHtml(form.error)}</p>` : ''}
<form method="post" action="${escapeHtml(form.action)}">
${hidden}
<label for="upn">User principal name</label>
<input id="upn" name="upn" type="text" autocomplete="username" required spellcheck="false" value="${escapeHtml(form.userPrincipalName ?? '')}"${form.userPrincipalName ? '' : ' autofocus'}>
<label for="dev_secret">Dev client secret</label>
<input id="dev_secret" name="dev_secret" type="password" autocomplete="current-password" required${form.userPrincipalName ? ' autofocus' : ''}>
<button type="submit">Sign in</button>
</form>`;
  return reply.code(status).headers(PAGE_HEADERS).send(page('Sign in — pfxstore', body));
}

/** An error that must not go back to the client (unknown client or redirect URI): told to the person, no form. */
export function sendErrorPage(reply: FastifyReply, status: number, message: string): FastifyReply {
  const body = `<h1>Cannot sign in</h1>\n<p class="error" role="alert">${escapeHtml(message)}</p>`;
  return reply.code(status).headers(PAGE_HEADERS).send(page('Sign-in error — pfxstore', body));
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
