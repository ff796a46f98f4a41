/**
 * The same kind of test with Vitest (`npx vitest run examples/testing/offboarding.spec.ts`), against pfxstore started in the test's
 * own process. Vitest runs this TypeScript as it is; `npm test` runs it too (test/examples/vitest.test.ts).
 */
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { startPfxstore, type RunningPfxstore } from 'pfxstore/testing';
import { removeCertificatesOf } from './offboarding.js';

let pfxstore: RunningPfxstore;
beforeAll(async () => {
  pfxstore = await startPfxstore({ http: true, seed: 'examples/seed.json' });
});
afterAll(() => pfxstore.stop());
// Each test starts from the seed again, whatever the one before it changed.
beforeEach(() => pfxstore.reset({ reseed: true }));

test('removes the leaver\'s certificates', async () => {
  const graph = { url: pfxstore.url, token: await pfxstore.token() };
  expect(await removeCertificatesOf(graph, 'alice@contoso.com')).toBe(1);
  expect(await removeCertificatesOf(graph, 'alice@contoso.com')).toBe(0);
});

test('needs a token allowed to write', async () => {
  const readOnly = { url: pfxstore.url, token: await pfxstore.token({ roles: ['DeviceManagementConfiguration.Read.All'] }) };
  await expect(removeCertificatesOf(readOnly, 'alice@contoso.com')).rejects.toThrow(/answered 403: Insufficient privileges/);
});
