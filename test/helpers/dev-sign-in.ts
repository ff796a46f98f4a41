import * as oauth from 'oauth4webapi';

/** The sign-in form of a page: where it posts and its fields (hidden ones with their values, the inputs empty). */
export function signInForm(html: string): { action: string; fields: Record<string, string> } {
  const action = /<form method="post" action="([^"]*)"/.exec(html)?.[1];
  if (!action) throw new Error(`no sign-in form in the page: ${html.slice(0, 400)}`);
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields[unescape(match[1])] = unescape(match[2]);
  return { action: unescape(action), fields };
}

function unescape(text: string): string {
  return text.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)));
}

export interface ConsoleConfig {
  readonly issuer: string;
  readonly metadataUrl: string;
  readonly clientId: string;
  readonly scopes: string[];
  readonly redirectPath: string;
}

/** What the console does first: read /console/config.json, then the authority's OpenID configuration. */
export async function discover(origin: string): Promise<{ config: ConsoleConfig; as: oauth.AuthorizationServer; client: oauth.Client }> {
  const config = await (await fetch(`${origin}/console/config.json`)).json() as ConsoleConfig;
  const as = await oauth.processDiscoveryResponse(new URL(config.issuer), await fetch(config.metadataUrl));
  return { config, as, client: { client_id: config.clientId } };
}

/** Options oauth4webapi needs to talk to a plain-HTTP test server. */
export const INSECURE = { [oauth.allowInsecureRequests]: true } as const;

export interface SignedIn {
  readonly accessToken: string;
  readonly idToken: oauth.IDToken | undefined;
  readonly response: oauth.TokenEndpointResponse;
}

/**
 * The console's whole sign-in against the dev authority, in Node, with oauth4webapi: discovery, PKCE, the
 * authorization URL, the sign-in page and its form, the redirect, the code exchange.
 */
export async function devSignIn(origin: string, options: { upn: string; secret: string }): Promise<SignedIn> {
  const { config, as, client } = await discover(origin);
  const redirectUri = `${origin}${config.redirectPath}`;
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const url = new URL(as.authorization_endpoint!);
  url.search = new URLSearchParams({
    response_type: 'code', client_id: client.client_id, redirect_uri: redirectUri, scope: config.scopes.join(' '), state, nonce,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  }).toString();
  const page = await fetch(url);
  if (page.status !== 200) throw new Error(`sign-in page: ${page.status} ${await page.text()}`);
  const { action, fields } = signInForm(await page.text());
  const posted = await fetch(new URL(action, url), {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...fields, upn: options.upn, dev_secret: options.secret }),
  });
  if (posted.status !== 302) throw new Error(`sign-in form: ${posted.status} ${await posted.text()}`);
  const callback = oauth.validateAuthResponse(as, client, new URL(posted.headers.get('location')!), state);
  const response = await oauth.processAuthorizationCodeResponse(as, client,
    await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), callback, redirectUri, verifier, INSECURE),
    { expectedNonce: nonce, requireIdToken: true });
  return { accessToken: response.access_token, idToken: oauth.getValidatedIdTokenClaims(response), response };
}
