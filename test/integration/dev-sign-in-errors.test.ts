import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { makeTestApp, type TestApp } from '../helpers/app.js';
import { signInForm } from '../helpers/dev-sign-in.js';
import { sqliteFactory } from '../helpers/stores.js';
import { DEV_CONSOLE_CLIENT_ID } from '../../src/graph/dev-console.js';

const REDIRECT = 'http://localhost:8080/console/';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** Every error of the dev authority's authorize and code-grant paths: status, OAuth error code and message. */
describe('dev authority: authorization-code errors', () => {
  let t: TestApp;
  let authorizePath: string;
  let tokenPath: string;
  before(async () => {
    t = await makeTestApp(sqliteFactory);
    authorizePath = `/${t.identity.tenantId}/oauth2/v2.0/authorize`;
    tokenPath = `/${t.identity.tenantId}/oauth2/v2.0/token`;
  });
  after(() => t.close());

  const verifier = () => randomBytes(32).toString('base64url');
  const challengeOf = (v: string) => createHash('sha256').update(v).digest('base64url');
  const query = (v: string, extra: Record<string, string> = {}) => new URLSearchParams({
    response_type: 'code', client_id: DEV_CONSOLE_CLIENT_ID, redirect_uri: REDIRECT, scope: 'openid profile', state: 's1',
    code_challenge: challengeOf(v), code_challenge_method: 'S256', ...extra,
  }).toString();
  const page = (path: string, q: string) => t.call({ method: 'GET', url: `${path}?${q}`, token: null, headers: { host: 'localhost:8080' } });
  const post = (fields: Record<string, string>, path = authorizePath) =>
    t.call({ method: 'POST', url: path, token: null, headers: { ...FORM, host: 'localhost:8080' }, payload: new URLSearchParams(fields).toString() });
  /** The sign-in page's form, filled in. */
  const filled = async (v: string, fill: Record<string, string> = {}) => {
    const { fields } = signInForm((await page(authorizePath, query(v))).body);
    return { ...fields, upn: 'ada@contoso.com', dev_secret: t.identity.clientSecret, ...fill };
  };
  const codeFor = async (v: string) => new URL((await post(await filled(v))).headers.location as string).searchParams.get('code')!;
  const exchange = (fields: Record<string, string>, path = tokenPath) =>
    t.call({ method: 'POST', url: path, token: null, headers: FORM, payload: new URLSearchParams({ grant_type: 'authorization_code', ...fields }).toString() });
  const oauthError = (res: Awaited<ReturnType<TestApp['call']>>, status: number, error: string, message: RegExp) => {
    assert.equal(res.statusCode, status, res.body);
    assert.equal(res.json().error, error);
    assert.match(res.json().error_description, message);
    assert.equal(res.headers['cache-control'], 'no-store');
  };
  const shown = (res: Awaited<ReturnType<TestApp['call']>>, message: RegExp) => {
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.headers.location, undefined, 'never redirected');
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.match(res.body, /<p class="error" role="alert">/);
    assert.match(res.body, message);
  };

  test('the sign-in page: labelled inputs, a Sign in button, no script, a strict CSP and the other headers', async () => {
    const res = await page(authorizePath, `${query(verifier())}&login_hint=ada%40contoso.com`);
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<label for="upn">User principal name<\/label>\n<input id="upn" name="upn"[^>]* value="ada@contoso.com"/);
    assert.match(res.body, /<label for="dev_secret">Dev client secret<\/label>\n<input id="dev_secret" name="dev_secret" type="password"/);
    assert.match(res.body, /<button type="submit">Sign in<\/button>/);
    assert.doesNotMatch(res.body, /<script/i);
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; form-action 'self'; frame-ancestors 'none'/);
    const style = /<style>([^<]*)<\/style>/.exec(res.body)![1];
    assert.ok(csp.includes(`'sha256-${createHash('sha256').update(style).digest('base64')}'`), 'the hash is the inline style\'s');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
    assert.equal(res.headers['cache-control'], 'no-store');
    // What the request carries is escaped into the page: a hostile state or login_hint is text, not markup.
    const hostile = await page(authorizePath, `${query(verifier(), { state: '"><script>alert(1)</script>' })}&login_hint=%22%3E%3Cimg%20src%3Dx%3E`);
    assert.equal(hostile.statusCode, 200);
    assert.doesNotMatch(hostile.body, /<script|<img/);
    assert.equal(signInForm(hostile.body).fields.state, '"><script>alert(1)</script>', 'and comes back intact');
  });

  test('an unknown client, a wrong or missing redirect URI, a bad tenant: 400 on the page, never redirected', async () => {
    const v = verifier();
    shown(await page(authorizePath, query(v, { client_id: 'someone-else' })), /The client_id &#39;someone-else&#39; is not known here: the dev authority signs in only the console/);
    shown(await page(authorizePath, query(v, { client_id: '' })), /The request has no client_id\./);
    shown(await page(authorizePath, query(v, { redirect_uri: 'https://evil.example/console/' })),
      /The redirect_uri &#39;https:\/\/evil.example\/console\/&#39; is not registered for the console: it must be exactly &#39;http:\/\/localhost:8080\/console\/&#39;/);
    shown(await page(authorizePath, query(v, { redirect_uri: '' })), /The request has no redirect_uri\./);
    shown(await page(authorizePath, `${query(v)}&redirect_uri=${encodeURIComponent(REDIRECT)}`), /The parameter &#39;redirect_uri&#39; is repeated/);
    shown(await page('/not-a-guid/oauth2/v2.0/authorize', query(v)), /The tenant in the path must be a GUID/);
  });

  test('other request errors go back to the console with error, error_description, state and iss', async () => {
    const v = verifier();
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ response_type: '' }, 'invalid_request', /no response_type: send response_type=code/],
      [{ response_mode: 'fragment' }, 'invalid_request', /response_mode 'fragment' is not supported/],
      [{ code_challenge_method: '' }, 'invalid_request', /code_challenge_method must be S256, not 'plain \(the default\)'/],
      [{ code_challenge: 'short' }, 'invalid_request', /code_challenge must be the base64url SHA-256 of the code_verifier/],
      [{ scope: 'openid offline_access https://graph.microsoft.com/Directory.ReadWrite.All' }, 'invalid_scope', /'https:\/\/graph.microsoft.com\/Directory.ReadWrite.All' is not one/],
    ];
    for (const [change, error, description] of cases) {
      const params = new URLSearchParams(query(v, change));
      for (const [k, value] of [...params]) if (value === '') params.delete(k);
      const res = await page(authorizePath, params.toString());
      assert.equal(res.statusCode, 302, JSON.stringify(change));
      const location = new URL(res.headers.location as string);
      assert.equal(`${location.origin}${location.pathname}`, REDIRECT);
      assert.equal(location.searchParams.get('error'), error);
      assert.match(location.searchParams.get('error_description')!, description);
      assert.equal(location.searchParams.get('state'), 's1');
      assert.equal(location.searchParams.get('iss'), `https://sts.pfxstore.localhost/${t.identity.tenantId}/v2.0`);
    }
    const repeated = await page(authorizePath, `${query(v)}&scope=openid`);
    assert.equal(new URL(repeated.headers.location as string).searchParams.get('error_description'), "The parameter 'scope' is repeated; send each parameter once.");
  });

  test('the form: a wrong secret or a bad UPN shows the page again with the reason; a changed field or an old form is refused', async () => {
    const v = verifier();
    const wrong = await post(await filled(v, { dev_secret: 'guess' }));
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /The dev client secret is wrong: use the one `pfxstore serve` printed\./);
    assert.match(wrong.body, /value="ada@contoso.com"/, 'the UPN stays filled in');
    assert.equal(wrong.headers.location, undefined);
    const retried = await post({ ...signInForm(wrong.body).fields, upn: 'ada@contoso.com', dev_secret: t.identity.clientSecret });
    assert.equal(retried.statusCode, 302, 'the page shown again signs in');

    for (const [upn, message] of [['ada', /&#39;ada&#39; is not a user principal name: write it as user@domain/], ['', /The user principal name is empty/],
      [`${'a'.repeat(110)}@b.c`, /at most 113 characters/]] as const) {
      const bad = await post(await filled(v, { upn }));
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, message);
      assert.match(bad.body, /<form method="post"/);
    }
    shown(await post(await filled(v, { scope: 'openid User.ReadWrite.All' })), /The sign-in form does not match its request/);
    shown(await post(await filled(v, { binding: 'x' })), /The sign-in form does not match its request/);
    shown(await post({ upn: 'ada@contoso.com' }), /The request has no client_id/);
    const old = await filled(v);
    try {
      t.clock.advance(15 * 60_000 + 1);
      shown(await post(old), /The sign-in page was open for more than 15 minutes: start again from the console/);
    } finally {
      t.clock.release();
    }
  });

  test('the token request: each missing or wrong part is the RFC 6749 §5.2 error that says which', async () => {
    const v = verifier();
    const code = await codeFor(v);
    const base = { code, redirect_uri: REDIRECT, client_id: DEV_CONSOLE_CLIENT_ID, code_verifier: v };
    for (const name of ['code', 'redirect_uri', 'client_id', 'code_verifier'] as const) {
      oauthError(await exchange({ ...base, [name]: '' }), 400, 'invalid_request', new RegExp(`The token request has no ${name}\\.`));
    }
    oauthError(await exchange({ ...base, client_id: 'other' }), 401, 'invalid_client', /The client_id 'other' is not known here/);
    oauthError(await exchange({ ...base, code_verifier: 'short' }), 400, 'invalid_request', /code_verifier must be 43 to 128 characters/);
    oauthError(await exchange({ ...base, code: 'nope' }), 400, 'invalid_grant', /not one this server issued/);
    // Each of these takes the code: one try per code.
    oauthError(await exchange({ ...base, code_verifier: verifier() }), 400, 'invalid_grant', /code_verifier does not match the code_challenge/);
    oauthError(await exchange(base), 400, 'invalid_grant', /already redeemed/);
    const v2 = verifier();
    oauthError(await exchange({ ...base, code: await codeFor(v2), code_verifier: v2, redirect_uri: 'http://localhost:8080/elsewhere/' }), 400, 'invalid_grant',
      /redirect_uri 'http:\/\/localhost:8080\/elsewhere\/' is not the one the code was issued for/);
    const v3 = verifier();
    const other = randomUUID();
    oauthError(await exchange({ ...base, code: await codeFor(v3), code_verifier: v3 }, `/${other}/oauth2/v2.0/token`), 400, 'invalid_grant',
      new RegExp(`issued for tenant ${t.identity.tenantId}, not ${other}`));
    const v4 = verifier();
    const late = await codeFor(v4);
    try {
      t.clock.advance(60_001);
      oauthError(await exchange({ ...base, code: late, code_verifier: v4 }), 400, 'invalid_grant', /expired: codes live 60 seconds/);
    } finally {
      t.clock.release();
    }
    const v5 = verifier();
    const fine = await exchange({ ...base, code: await codeFor(v5), code_verifier: v5 });
    assert.equal(fine.statusCode, 200, fine.body);
    assert.equal(fine.headers['cache-control'], 'no-store');
  });

  test('scopes: .default or none at all means the two console permissions; named ones are granted as named', async () => {
    const scpOf = async (scope: string) => {
      const v = verifier();
      const { fields } = signInForm((await page(authorizePath, query(v, { scope }))).body);
      const location = new URL((await post({ ...fields, upn: 'ada@contoso.com', dev_secret: t.identity.clientSecret })).headers.location as string);
      const res = await exchange({ code: location.searchParams.get('code')!, redirect_uri: REDIRECT, client_id: DEV_CONSOLE_CLIENT_ID, code_verifier: v });
      const body = res.json();
      return { scp: JSON.parse(Buffer.from(body.access_token.split('.')[1], 'base64url').toString()).scp, idToken: body.id_token };
    };
    assert.equal((await scpOf('openid https://graph.microsoft.com/.default')).scp, 'DeviceManagementConfiguration.ReadWrite.All User.ReadWrite.All');
    const named = await scpOf('https://graph.microsoft.com/DeviceManagementConfiguration.Read.All User.Read.All');
    assert.equal(named.scp, 'DeviceManagementConfiguration.Read.All User.Read.All');
    assert.equal(named.idToken, undefined, 'no openid scope, no ID token');
  });
});
