/**
 * A real OpenID provider on this machine, for `--auth oidc` and the console's sign-in: the `oidc-provider` package
 * on a free port (plain HTTP on 127.0.0.1), issuing RS256 JWT access tokens for pfxstore's API with the claims
 * pfxstore reads (`tid`, `scp`, `upn`), and one sign-in page of its own (User principal name, Sign in) that
 * logs the person in and grants what the client asked for, with no consent step.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Adapter, type AdapterPayload, type KoaContextWithOIDC } from 'oidc-provider';
import * as oauth from 'oauth4webapi';
import { stableObjectId } from '../../src/graph/dev-console.js';
import { discover, INSECURE } from './dev-sign-in.js';

/** The API's resource indicator: the access tokens' audience (`--audience`). */
export const OIDC_API_AUDIENCE = 'api://pfxstore';
/** The delegated permissions the API offers, named as Entra ID names a custom API's scopes. */
export const OIDC_API_SCOPES = ['DeviceManagementConfiguration.Read.All', 'DeviceManagementConfiguration.ReadWrite.All', 'User.Read.All', 'User.ReadWrite.All']
  .map((name) => `${OIDC_API_AUDIENCE}/${name}`);
/** The console's client at this provider: public (no secret), PKCE. */
export const OIDC_CONSOLE_CLIENT_ID = 'pfxstore-console';

export interface OidcProvider {
  readonly issuer: string;
  readonly jwksUri: string;
  /** The tenant every token of this provider is for (`tid`). */
  readonly tenantId: string;
  /** `serve` flags that trust this provider, and let the console sign in with its client. */
  readonly serveArgs: readonly string[];
  /**
   * Registers the console's client with the redirect URI `<origin>/console/` of a pfxstore server, known only once
   * that server listens (and it needs this provider's issuer to start).
   */
  registerConsole(pfxstoreOrigin: string): Promise<void>;
  close(): Promise<void>;
}

export async function startOidcProvider(): Promise<OidcProvider> {
  const tenantId = randomUUID();
  const storage = new Map<string, AdapterPayload>();
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'idp-1', alg: 'RS256', use: 'sig' };

  const provider = new Provider(issuer, {
    adapter: memoryAdapter(storage),
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub, preferred_username: sub, name: sub.split('@')[0] }) }),
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'] },
    scopes: ['openid', 'profile'],
    pkce: { required: () => true, methods: ['S256'] },
    ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Grant: 3600, Session: 3600 },
    // The console runs on pfxstore's origin and calls the token endpoint from there.
    clientBasedCORS: () => true,
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        // The console names no resource (its config has scopes only): the API is the one resource.
        defaultResource: () => OIDC_API_AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: OIDC_API_SCOPES.join(' '), audience: OIDC_API_AUDIENCE, accessTokenTTL: 3600, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    // pfxstore reads Entra ID's claims: the tenant, the delegated permissions by short name, the user.
    extraTokenClaims: (_ctx: KoaContextWithOIDC, token) => {
      if (token.kind !== 'AccessToken' || !token.accountId) return undefined;
      const scp = (token.scope ?? '').split(' ').filter((s) => s.startsWith(`${OIDC_API_AUDIENCE}/`)).map((s) => s.slice(OIDC_API_AUDIENCE.length + 1));
      return { tid: tenantId, scp: scp.join(' '), upn: token.accountId, oid: stableObjectId(tenantId, token.accountId) };
    },
  });
  provider.on('server_error', (_ctx, err) => process.stderr.write(`oidc-provider: ${err.stack}\n`));
  const callback = provider.callback();
  server.on('request', (req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      interaction(provider, req, res).catch((err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(err.message));
    } else {
      void callback(req, res);
    }
  });

  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    tenantId,
    serveArgs: ['--auth', 'oidc', '--issuer', issuer, '--audience', OIDC_API_AUDIENCE, '--jwks-uri', `${issuer}/jwks`, '--console-client-id', OIDC_CONSOLE_CLIENT_ID],
    async registerConsole(pfxstoreOrigin) {
      const redirect = `${pfxstoreOrigin}/console/`;
      const existing = storage.get(`Client:${OIDC_CONSOLE_CLIENT_ID}`) as { redirect_uris?: string[] } | undefined;
      storage.set(`Client:${OIDC_CONSOLE_CLIENT_ID}`, {
        client_id: OIDC_CONSOLE_CLIENT_ID, token_endpoint_auth_method: 'none', application_type: 'web',
        grant_types: ['authorization_code'], response_types: ['code'],
        redirect_uris: [...new Set([...(existing?.redirect_uris ?? []), redirect])],
      });
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** The sign-in page: GET shows it; POST logs the person in and grants every scope asked for (no consent step). */
async function interaction(provider: Provider, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in — test identity provider</title></head>
<body><main><h1>Test identity provider</h1>
<form method="post" action="/interaction/${details.uid}">
<label for="upn">User principal name</label>
<input id="upn" name="upn" type="text" autocomplete="username" required>
<button type="submit">Sign in</button>
</form></main></body></html>`);
    return;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const upn = new URLSearchParams(Buffer.concat(chunks).toString()).get('upn')?.trim() ?? '';
  if (!/^[^@\s]+@[^@\s]+$/.test(upn)) {
    res.writeHead(400, { 'content-type': 'text/plain' }).end('Enter a user principal name: user@domain.');
    return;
  }
  const clientId = String(details.params.client_id);
  const grant = new provider.Grant({ accountId: upn, clientId });
  const asked = String(details.params.scope ?? '').split(' ').filter(Boolean);
  grant.addOIDCScope(asked.filter((s) => s === 'openid' || s === 'profile').join(' '));
  grant.addResourceScope(OIDC_API_AUDIENCE, asked.filter((s) => OIDC_API_SCOPES.includes(s)).join(' '));
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { login: { accountId: upn }, consent: { grantId } }, { mergeWithLastSubmission: false });
}

/** oidc-provider's storage, in a Map of this provider's own (its built-in one is shared by every instance). */
function memoryAdapter(storage: Map<string, AdapterPayload>) {
  return class MapAdapter implements Adapter {
    constructor(private readonly model: string) {}
    private key(id: string) { return `${this.model}:${id}`; }
    async upsert(id: string, payload: AdapterPayload) {
      storage.set(this.key(id), payload);
      if (this.model === 'Session' && payload.uid) storage.set(`sessionUid:${payload.uid}`, { id } as AdapterPayload);
    }
    async find(id: string) { return storage.get(this.key(id)); }
    async findByUid(uid: string) {
      const ref = storage.get(`sessionUid:${uid}`) as { id?: string } | undefined;
      return ref?.id ? storage.get(this.key(ref.id)) : undefined;
    }
    async findByUserCode() { return undefined; }
    async consume(id: string) {
      const found = storage.get(this.key(id));
      if (found) found.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) { storage.delete(this.key(id)); }
    async revokeByGrantId(grantId: string) {
      for (const [key, value] of storage) if (value.grantId === grantId) storage.delete(key);
    }
  };
}

/**
 * The console's sign-in against this provider, in Node, with oauth4webapi: config.json, discovery, PKCE, the
 * provider's sign-in page (cookies kept as a browser would), the redirect to `<origin>/console/`, the exchange.
 */
export async function oidcSignIn(pfxstoreOrigin: string, upn: string): Promise<{ accessToken: string; response: oauth.TokenEndpointResponse }> {
  const { config, as, client } = await discover(pfxstoreOrigin);
  const redirectUri = `${pfxstoreOrigin}${config.redirectPath}`;
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const start = new URL(as.authorization_endpoint!);
  start.search = new URLSearchParams({
    response_type: 'code', client_id: client.client_id, redirect_uri: redirectUri, scope: config.scopes.join(' '), state,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  }).toString();
  const browser = cookieBrowser();
  let url = start.href;
  let answer = await browser.fetch(url);
  for (let hops = 0; hops < 10 && !url.startsWith(redirectUri); hops++) {
    if (answer.status === 200) {
      const action = /<form method="post" action="([^"]+)"/.exec(await answer.text())?.[1];
      if (!action) throw new Error(`no sign-in form at ${url}`);
      url = new URL(action, url).href;
      answer = await browser.fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ upn }) });
    } else if (answer.status >= 300 && answer.status < 400) {
      url = new URL(answer.headers.get('location')!, url).href;
      if (!url.startsWith(redirectUri)) answer = await browser.fetch(url);
    } else {
      throw new Error(`sign-in at ${url}: ${answer.status} ${await answer.text()}`);
    }
  }
  const callback = oauth.validateAuthResponse(as, client, new URL(url), state);
  const response = await oauth.processAuthorizationCodeResponse(as, client,
    await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), callback, redirectUri, verifier, INSECURE));
  return { accessToken: response.access_token, response };
}

/** fetch without following redirects, keeping cookies by name (enough for one provider on one host). */
function cookieBrowser() {
  const jar = new Map<string, string>();
  return {
    async fetch(url: string, init: RequestInit = {}): Promise<Response> {
      const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
      const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) } });
      for (const line of res.headers.getSetCookie()) {
        const [pair, ...attributes] = line.split(';');
        const [name, value] = [pair.slice(0, pair.indexOf('=')).trim(), pair.slice(pair.indexOf('=') + 1)];
        const expired = attributes.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a)) || value === '';
        if (expired) jar.delete(name); else jar.set(name, value);
      }
      return res;
    },
  };
}
