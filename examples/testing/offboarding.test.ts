/**
 * Testing Graph automation with node:test against pfxstore started in the test's own process
 * (README, "Testing your code against pfxstore"). Run from the repository root: `npm test` runs it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startPfxstore, type RunningPfxstore } from 'pfxstore/testing';
import { removeCertificatesOf } from './offboarding.js';

const SEED = 'examples/seed.json'; // alice@contoso.com with one certificate, bob@contoso.com with none

async function certificatesOf(server: RunningPfxstore, upn: string): Promise<number> {
  const filter = encodeURIComponent(`userPrincipalName eq '${upn}'`);
  const answer = await fetch(`${server.url}/deviceManagement/userPfxCertificates/$count?$filter=${filter}`,
    { headers: { authorization: `Bearer ${await server.token()}` } });
  return Number(await answer.text());
}

let pfxstore: RunningPfxstore;
before(async () => {
  pfxstore = await startPfxstore({ http: true, seed: SEED });
});
after(() => pfxstore.stop());

test('removes the leaver\'s certificates and nobody else\'s', async () => {
  await pfxstore.reset({ reseed: true });
  const removed = await removeCertificatesOf({ url: pfxstore.url, token: await pfxstore.token() }, 'alice@contoso.com');
  assert.equal(removed, 1);
  assert.equal(await certificatesOf(pfxstore, 'alice@contoso.com'), 0);
});

test('a user with nothing imported is no error', async () => {
  await pfxstore.reset({ reseed: true });
  assert.equal(await removeCertificatesOf({ url: pfxstore.url, token: await pfxstore.token() }, 'bob@contoso.com'), 0);
});

test('survives throttling and a delete that landed although its answer was lost', async () => {
  // A server of its own: one request in two throttled (Retry-After: 0, to keep the test fast), and every DELETE
  // carried out and then answered 503, so the script's retry finds the certificate gone.
  const faulty = await startPfxstore({
    http: true, seed: SEED, faultsSeed: 7,
    faults: 'rate=0.5;status=429;retry-after=0;methods=GET,DELETE;after-commit=1',
  });
  try {
    const graph = { url: faulty.url, token: await faulty.token() };
    assert.equal(await removeCertificatesOf(graph, 'alice@contoso.com'), 1);
    assert.equal(await removeCertificatesOf(graph, 'alice@contoso.com'), 0, `faults seed ${faulty.faultsSeed}`);
  } finally {
    await faulty.stop();
  }
});
