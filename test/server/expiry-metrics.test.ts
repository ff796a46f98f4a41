import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeTestApp, type TestApp } from '../helpers/app.js';
import { CERTS, createCertificate } from '../helpers/certificate-fixtures.js';
import { sqliteFactory, storeFactories } from '../helpers/stores.js';

const DAY = 86_400_000;
const FAMILIES = ['pfxstore_certificates_total', 'pfxstore_certificates_expired', 'pfxstore_certificates_expiring_within_days'];

interface Family {
  help?: string;
  type?: string;
  samples: { labels: Record<string, string>; value: number }[];
}

/**
 * The text exposition format, strictly, for the families asked for: `# HELP` and `# TYPE` once each, before
 * the family's samples; every sample `name{label="value",…} number`, labels escaped as the format says.
 */
function parseExposition(text: string, names: readonly string[]): Map<string, Family> {
  const families = new Map<string, Family>(names.map((n) => [n, { samples: [] }]));
  const family = (name: string) => families.get(name);
  for (const line of text.split('\n')) {
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) {
      const f = family(meta[2]);
      if (!f) continue;
      const key = meta[1] === 'HELP' ? 'help' : 'type';
      assert.equal(f[key], undefined, `a second ${meta[1]} line for ${meta[2]}`);
      assert.equal(f.samples.length, 0, `${meta[1]} of ${meta[2]} after its samples`);
      f[key] = meta[3];
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    const f = sample && family(sample[1]);
    if (!sample || !f) continue;
    assert.ok(f.help !== undefined && f.type !== undefined, `${sample[1]}: a sample before HELP and TYPE`);
    const labels: Record<string, string> = {};
    const labelText = sample[2] ?? '';
    const label = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;
    for (let at = 0; at < labelText.length;) {
      label.lastIndex = at;
      const m = label.exec(labelText);
      assert.ok(m, `bad labels in ${line}`);
      labels[m[1]] = m[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      at = label.lastIndex;
    }
    const value = Number(sample[3]);
    assert.ok(Number.isFinite(value), `bad value in ${line}`);
    f.samples.push({ labels, value });
  }
  return families;
}

/** One tenant's expiry figures as /metrics shows them. */
async function figures(t: TestApp, tenant: string): Promise<{ total?: number; expired?: number; within: Record<string, number> }> {
  const res = await t.call({ method: 'GET', url: '/metrics', token: null });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  const families = parseExposition(res.body, FAMILIES);
  for (const name of FAMILIES) {
    const f = families.get(name)!;
    assert.equal(f.type, 'gauge', name);
    assert.ok(f.help && f.help.length > 10, `${name} has a HELP text`);
  }
  const mine = (name: string) => families.get(name)!.samples.filter((s) => s.labels.tenant === tenant);
  const within: Record<string, number> = {};
  for (const s of mine('pfxstore_certificates_expiring_within_days')) {
    assert.deepEqual(Object.keys(s.labels).sort(), ['days', 'tenant']);
    within[s.labels.days] = s.value;
  }
  return { total: mine('pfxstore_certificates_total')[0]?.value, expired: mine('pfxstore_certificates_expired')[0]?.value, within };
}

for (const factory of await storeFactories()) {
  describe(`${factory.name}: /metrics counts certificates by expiry, per tenant`, () => {
    let t: TestApp;
    let now: number;
    const iso = (ms: number) => new Date(now + ms).toISOString();
    const OTHER = '6b1ad2a5-3c0e-4e4e-9d3f-5a7e0c1d2b3e';
    before(async () => {
      t = await makeTestApp(factory);
      // The services' clock, pinned near the real time (the tokens are checked against it too).
      now = Date.now();
      t.clock.set(now);
    });
    after(() => t.close());

    test('boundaries, two tenants, and every write counted at once', async () => {
      const start = iso(-500 * DAY);
      const create = (expiresInMs: number, token?: string) => createCertificate(t, { startDateTime: start, expirationDateTime: iso(expiresInMs) }, token);
      await create(-3 * DAY);
      await create(0); // exactly now: expired
      const six = await create(6 * DAY);
      await create(7 * DAY); // exactly 7 days away: not within 7
      await create(8 * DAY);
      await create(120 * DAY);
      await create(-DAY, await t.token({ tenantId: OTHER }));

      const tenant = t.identity.tenantId;
      assert.deepEqual(await figures(t, tenant), { total: 6, expired: 2, within: { 7: 1, 30: 3, 90: 3 } });
      assert.deepEqual(await figures(t, OTHER), { total: 1, expired: 1, within: { 7: 0, 30: 0, 90: 0 } });

      const patched = await t.call({ method: 'PATCH', url: `${CERTS}/${six.id}`, json: { expirationDateTime: iso(60 * DAY) } });
      assert.equal(patched.statusCode, 204, patched.body);
      assert.deepEqual(await figures(t, tenant), { total: 6, expired: 2, within: { 7: 0, 30: 2, 90: 3 } });

      const deleted = await t.call({ method: 'DELETE', url: `${CERTS}/${six.id}` });
      assert.equal(deleted.statusCode, 204);
      assert.deepEqual(await figures(t, tenant), { total: 5, expired: 2, within: { 7: 0, 30: 2, 90: 2 } });

      // A week later by the server's clock, with nothing written: the windows moved.
      t.clock.set(now + 7 * DAY);
      assert.deepEqual(await figures(t, tenant), { total: 5, expired: 3, within: { 7: 1, 30: 1, 90: 1 } });
      t.clock.set(now);
    });

    test('the audit log still records those writes', async () => {
      const res = await t.call({ method: 'GET', url: "/beta/deviceManagement/auditEvents?$filter=activityOperationType eq 'Delete'" });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().value.length, 1);
    });
  });
}

describe('/metrics when the store cannot count', () => {
  let t: TestApp;
  before(async () => { t = await makeTestApp(sqliteFactory); });
  after(() => t.close());

  test('still 200 with the process and request series, without the expiry series', async () => {
    await t.store.close();
    const res = await t.call({ method: 'GET', url: '/metrics', token: null });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /^pfxstore_process_cpu_seconds_total /m);
    assert.doesNotMatch(res.body, /pfxstore_certificates_/);
  });
});
