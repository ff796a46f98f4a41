import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { makeTestApp, type TestApp } from '../helpers/app.js';
import { createCertificate } from '../helpers/certificate-fixtures.js';
import { sqliteFactory } from '../helpers/stores.js';

/** The repository, from dist/test/docs/. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const RULES = 'docs/prometheus/pfxstore-alerts.yml';
const ROUTE = 'docs/prometheus/alertmanager-route.yml';
/** promtool's own unit test of the rules: series in, alerts expected out. */
const RULE_TESTS = 'test/fixtures/prometheus/pfxstore-alerts.test.yml';

function promtool(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    execFile('promtool', args, { cwd: ROOT }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      done({ code, output: `${stdout}${stderr}${err && code === -1 ? err.message : ''}` });
    });
  });
}

/** Debian's `prometheus` package has it (.ci/run installs it); elsewhere the promtool tests skip and say why. */
const promtoolMissing = await promtool(['--version']).then((r) => (r.code === 0 ? false : 'promtool not found: apt-get install prometheus'));

describe('docs/prometheus: the example alert rules and Alertmanager route', () => {
  const rules = readFileSync(join(ROOT, RULES), 'utf8');
  const route = readFileSync(join(ROOT, ROUTE), 'utf8');

  test('promtool check rules accepts the rule file', { skip: promtoolMissing }, async () => {
    const { code, output } = await promtool(['check', 'rules', RULES]);
    assert.equal(code, 0, output);
    assert.match(output, /SUCCESS: 4 rules found/);
  });

  test('promtool test rules: the alerts fire for the series they watch, once per tenant, and only then', { skip: promtoolMissing }, async () => {
    const { code, output } = await promtool(['test', 'rules', RULE_TESTS]);
    assert.equal(code, 0, output);
    assert.match(output, /SUCCESS/);
  });

  test('the rules watch 7 and 30 days and expired certificates', () => {
    assert.match(rules, /expr: max by \(tenant\) \(pfxstore_certificates_expiring_within_days\{days="7"\}\) > 0/);
    assert.match(rules, /expr: max by \(tenant\) \(pfxstore_certificates_expiring_within_days\{days="30"\}\) > 0/);
    assert.match(rules, /max by \(tenant\) \(pfxstore_certificates_expired\)\s+- max by \(tenant\) \(pfxstore_certificates_expired offset 1d\) > 0/);
  });

  test('the route catches every rule (service="pfxstore"), and the inhibit rule names alerts the rule file has', () => {
    const alerts = [...rules.matchAll(/- alert: (\w+)/g)].map((m) => m[1]);
    assert.equal(alerts.length, 4);
    assert.equal([...rules.matchAll(/^ {10}service: pfxstore$/gm)].length, alerts.length, 'each rule carries the label the route matches');
    assert.match(route, /- matchers: \['service="pfxstore"'\]/);
    for (const [, name] of route.matchAll(/alertname="(\w+)"/g)) assert.ok(alerts.includes(name), `${ROUTE} names ${name}, which ${RULES} does not have`);
  });

  describe('the series and labels the rules use are the ones /metrics exposes', () => {
    let t: TestApp;
    before(async () => { t = await makeTestApp(sqliteFactory); });
    after(() => t.close());

    test('every pfxstore_certificates_* name and days label of the rules is in a scrape', async () => {
      await createCertificate(t);
      const scrape = (await t.call({ method: 'GET', url: '/metrics', token: null })).body;
      const names = new Set([...rules.matchAll(/\b(pfxstore_certificates_\w+)/g)].map((m) => m[1]));
      assert.ok(names.size >= 3);
      for (const name of names) assert.match(scrape, new RegExp(`^${name}\\{tenant="`, 'm'), name);
      for (const [, days] of rules.matchAll(/days="(\d+)"/g)) assert.match(scrape, new RegExp(`,days="${days}"\\} \\d+$`, 'm'), `days="${days}"`);
    });
  });
});
