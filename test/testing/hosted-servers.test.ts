import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, describe, test } from 'node:test';
import { startPfxstore, type RunningPfxstore } from 'pfxstore/testing';

/** Servers with no options of their own are listeners on one app per process (server/app-host.ts). */
describe('servers started on the process\'s shared app', () => {
  const started: RunningPfxstore[] = [];
  const start = async (options: Parameters<typeof startPfxstore>[0]) => {
    const server = await startPfxstore(options);
    started.push(server);
    return server;
  };
  after(() => Promise.all(started.map((s) => s.stop())));

  const get = async (server: RunningPfxstore, path: string) =>
    fetch(`${server.origin}${path}`, { headers: { authorization: `Bearer ${await server.token()}` } });
  const tokenRequest = (server: RunningPfxstore, secret: string) => fetch(`${server.origin}/${server.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'my-app', client_secret: secret, scope: 'https://graph.microsoft.com/.default' }),
  });

  test('each has its own client secret: another server\'s is refused at its token endpoint', async () => {
    const [a, b] = await Promise.all([start({ http: true }), start({ http: true })]);
    assert.notEqual(a.clientSecret, b.clientSecret);
    assert.equal((await tokenRequest(b, b.clientSecret)).status, 200);
    const refused = await tokenRequest(b, a.clientSecret);
    assert.equal(refused.status, 401);
    const body = await refused.json() as { error: string; error_description: string };
    assert.equal(body.error, 'invalid_client');
    assert.match(body.error_description, /client_secret is wrong/);
  });

  test('the console of each signs in to that server\'s own tenant', async () => {
    const [a, b] = await Promise.all([start({ http: true }), start({ http: true })]);
    for (const server of [a, b]) {
      const config = await (await fetch(`${server.origin}/console/config.json`)).json() as { issuer: string; metadataUrl: string };
      assert.equal(config.issuer, `https://sts.pfxstore.localhost/${server.tenantId}/v2.0`);
      assert.equal(config.metadataUrl, `${server.origin}/${server.tenantId}/v2.0/.well-known/openid-configuration`);
    }
  });

  test('/metrics counts each server\'s own requests and certificates', async () => {
    const [a, b] = await Promise.all([start({ http: true }), start({ http: true })]);
    for (let i = 0; i < 3; i++) assert.equal((await get(a, '/beta/users')).status, 200);
    const counted = async (server: RunningPfxstore) => {
      const text = await (await get(server, '/metrics')).text();
      return Number(/^pfxstore_http_requests_total\{route="\/beta\/users",method="GET",status="200"\} (\d+)$/m.exec(text)?.[1] ?? 0);
    };
    assert.equal(await counted(a), 3);
    assert.equal(await counted(b), 0);
    const text = await (await get(b, '/metrics')).text();
    assert.match(text, /^pfxstore_process_cpu_seconds_total /m, 'the process metrics are in every server\'s');
  });

  test('HTTP and HTTPS servers side by side, each with its own seed; stopping one leaves the others serving', async () => {
    const seeded = await start({ seed: { users: [{ userPrincipalName: 'seeded@contoso.com' }] } });
    const plain = await start({ http: true });
    const upns = async (server: RunningPfxstore) => {
      const res = server.caPem ? await httpsGet(server, '/beta/users') : await (await get(server, '/beta/users')).text();
      return (JSON.parse(res) as { value: { userPrincipalName: string }[] }).value.map((u) => u.userPrincipalName);
    };
    assert.deepEqual(await upns(seeded), ['seeded@contoso.com']);
    assert.deepEqual(await upns(plain), []);
    await assert.rejects(plain.reset({ reseed: true }), /answered 400: .*started without --seed/);
    await seeded.stop();
    started.splice(started.indexOf(seeded), 1);
    assert.deepEqual(await upns(plain), []);
    const again = await start({ http: true, seed: { users: [{ userPrincipalName: 'seeded@contoso.com' }] } });
    assert.deepEqual(await upns(again), ['seeded@contoso.com'], 'a new server starts from its own seed, not the stopped one\'s store');
  });
});

/** A GET over HTTPS trusting the server's CA (fetch cannot be given a CA per call). */
async function httpsGet(server: RunningPfxstore, path: string): Promise<string> {
  const token = await server.token();
  return new Promise((resolve, reject) => {
    request(`${server.origin}${path}`, { ca: server.caPem, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => { text += chunk.toString('utf8'); });
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`${res.statusCode}: ${text}`))));
    }).on('error', reject).end();
  });
}
