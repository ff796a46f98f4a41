import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type CliServer, importFlags, type MadePfx, PfxFactory, runCli, startCliServer } from './harness.js';

const PASSWORD = 'expiring-pass';
const UPN = 'erin@contoso.com';

describe('pfxstore list --expiring-within: days as 30 or 30d, sorted by expiry', () => {
  let srv: CliServer;
  let f: PfxFactory;
  /** Stored in this order, which is not the order of expiry. */
  let made: MadePfx[];

  const cli = (...args: string[]) => runCli(args, { env: srv.env });
  const thumbprints = (stdout: string) => (JSON.parse(stdout) as { thumbprint: string }[]).map((c) => c.thumbprint);
  const byExpiry = (...days: (number | 'expired')[]) => days.map((d) => made[ORDER.indexOf(d)]!.thumbprint);
  const ORDER: (number | 'expired')[] = [200, 10, 100, 'expired', 50];

  before(async () => {
    [srv, f] = await Promise.all([startCliServer(), PfxFactory.create()]);
    made = await Promise.all(ORDER.map((d) => f.pfx(`exp-${d}`, d === 'expired' ? { password: PASSWORD, expired: true } : { password: PASSWORD, days: d })));
    const manifest = await f.write('m.csv', ['path,upn', ...made.map((p) => `${p.path},${UPN}`)].join('\n'));
    // One at a time, so the store holds them in manifest order.
    const r = await runCli(['import', '--manifest', manifest, '--concurrency', '1', '--allow-expired', ...importFlags(f, '').slice(2), '--password-env', 'PFX_PASS'],
      { env: { ...srv.env, PFX_PASS: PASSWORD } });
    assert.equal(r.code, 0, r.stderr + r.stdout);
  });
  after(async () => {
    await Promise.all([srv?.stop(), f?.cleanup()]);
  });

  it('--json is sorted soonest first (expired first), across pages; 60 and 60d are the same', async () => {
    const [all, paged, inDays, withD] = await Promise.all([
      cli('list', '--json', '--expiring-within', '365'),
      cli('list', '--json', '--expiring-within', '365d', '--page-size', '2'),
      cli('list', '--json', '--expiring-within', '60'),
      cli('list', '--json', '--expiring-within', '60d'),
    ]);
    for (const r of [all, paged, inDays, withD]) assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(thumbprints(all.stdout), byExpiry('expired', 10, 50, 100, 200));
    assert.deepEqual(thumbprints(paged.stdout), byExpiry('expired', 10, 50, 100, 200));
    assert.deepEqual(thumbprints(inDays.stdout), byExpiry('expired', 10, 50));
    assert.deepEqual(thumbprints(withD.stdout), thumbprints(inDays.stdout));
  });

  it('the table is sorted the same way', async () => {
    const [table, json] = await Promise.all([
      cli('list', '--expiring-within', '365d', '--page-size', '1'),
      cli('list', '--json', '--expiring-within', '365d'),
    ]);
    assert.equal(table.code, 0, table.stderr);
    const ids = (JSON.parse(json.stdout) as { id: string }[]).map((c) => c.id);
    const rows = table.stdout.trim().split('\n').slice(1);
    assert.deepEqual(rows.map((row) => row.split(/\s+/)[0]), ids);
    assert.match(rows[0]!, /\(expired\)$/);
  });

  it('other units, and no number, are usage errors (exit 2)', async () => {
    const results = await Promise.all(['30h', '2w', '1m', 'soon', '-1', '30 days'].map((v) => cli('list', `--expiring-within=${v}`)));
    for (const r of results) {
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /--expiring-within must be a whole number of days from 0 to 36500, as 30 or 30d, not '/);
    }
  });
});
