/**
 * Signing in: the authorization-code flow with PKCE (RFC 7636) through oauth4webapi, against whatever authority
 * /console/config.json names — pfxstore's dev authority with `--auth dev`, the identity provider with `--auth oidc`.
 * The code verifier and state wait in sessionStorage for the round trip to the authorize page and back.
 */
import * as oauth from 'oauth4webapi';
import { keepToken } from './session.js';

/** GET /console/config.json (served by the server, no auth). */
export interface ConsoleConfig {
  readonly issuer: string;
  readonly metadataUrl: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly redirectPath: string;
}

const PENDING_KEY = 'pfxstore.console.pending';

interface Pending {
  readonly verifier: string;
  readonly state: string;
}

async function readConfig(): Promise<ConsoleConfig> {
  const response = await fetch('/console/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`Sign-in is not configured: GET /console/config.json answered ${response.status}.`);
  return (await response.json()) as ConsoleConfig;
}

/**
 * The authority's metadata, from the URL the config names: in dev mode the issuer (`https://sts.pfxstore.localhost/…`)
 * is a name, not a place, so the document cannot be found from it as discovery normally would.
 */
async function authority(config: ConsoleConfig): Promise<oauth.AuthorizationServer> {
  const response = await fetch(config.metadataUrl);
  return oauth.processDiscoveryResponse(new URL(config.issuer), response);
}

function redirectUri(config: ConsoleConfig): string {
  return new URL(config.redirectPath, location.origin).href;
}

/** A dev server may run on plain HTTP (`--http`); oauth4webapi refuses http endpoints unless told. */
function insecureIfHttp(): { [oauth.allowInsecureRequests]?: boolean } {
  return location.protocol === 'http:' ? { [oauth.allowInsecureRequests]: true } : {};
}

/** Sends the browser to the authorize page; it comes back to the redirect URI with `?code=…&state=…`. */
export async function startSignIn(): Promise<void> {
  const config = await readConfig();
  const as = await authority(config);
  if (!as.authorization_endpoint) throw new Error('The authority advertises no authorization endpoint.');
  const pending: Pending = { verifier: oauth.generateRandomCodeVerifier(), state: oauth.generateRandomState() };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const url = new URL(as.authorization_endpoint);
  url.searchParams.set('client_id', config.clientId);
  url.searchParams.set('redirect_uri', redirectUri(config));
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', config.scopes.join(' '));
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(pending.verifier));
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('state', pending.state);
  location.assign(url.href);
}

/** Whether this page load is the return from the authorize page. */
export function isSignInReturn(): boolean {
  const params = new URLSearchParams(location.search);
  return params.has('state') && (params.has('code') || params.has('error'));
}

/** Exchanges the returned code for a token, keeps it, and takes the code out of the address bar. */
export async function finishSignIn(): Promise<void> {
  const raw = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  const here = new URL(location.href);
  history.replaceState(null, '', `${here.pathname}${here.hash}`);
  if (!raw) throw new Error('This sign-in was not started in this tab; sign in again.');
  const pending = JSON.parse(raw) as Pending;
  const config = await readConfig();
  const as = await authority(config);
  const client: oauth.Client = { client_id: config.clientId };
  const params = oauth.validateAuthResponse(as, client, here, pending.state);
  const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri(config),
    pending.verifier, insecureIfHttp());
  const result = await oauth.processAuthorizationCodeResponse(as, client, response);
  keepToken(result.access_token);
}
