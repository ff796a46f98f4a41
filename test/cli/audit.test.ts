import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type CliServer, importFlags, type MadePfx, PfxFactory, runCli, startCliServer } from './harness.js';

const PASSWORD = 'audit-pass';
const ADMIN = 'admin@contoso.com';
const OWNER = 'fay@contoso.com';
const OTHER = 'gus@contoso.com';

interface Event {
  activity: string;
  activityOperationType: string;
  activityDateTime: string;
  actor: { userPrincipalName: string | null; applicationId: string | null };
  resources: { resourceId: string }[];
}

describe('pfxstore audit: the audit trail of changes made through the CLI', () => {
  let srv: CliServer;
  let f: PfxFactory;
  let pfx: MadePfx[];
  /** A person's token (delegated), so events name a userPrincipalName; srv.env's token is an application's. */
  let adminEnv: Record<string, string>;
  let certId: string;
  let afterAdmin: string;

  const audit = async (...args: string[]) => {
    const r = await runCli(['audit', '--json', ...args], { env: adminEnv });
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Event[];
  };
  const importAs = async (env: Record<string, string>, file: MadePfx, upn: string, ...extra: string[]) => {
    const r = await runCli(['import', file.path, '--json', ...importFlags(f, upn), '--password-env', 'PFX_PASS', ...extra],
      { env: { ...env, PFX_PASS: PASSWORD } });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    return (JSON.parse(r.stdout) as { results: { id: string; outcome: string }[] }).results[0]!;
  };

  before(async () => {
    [srv, f] = await Promise.all([startCliServer(), PfxFactory.create()]);
    pfx = await Promise.all([1, 2].map((n) => f.pfx(`audit-${n}`, { password: PASSWORD })));
    const token = await srv.server.token({ scopes: ['DeviceManagementConfiguration.ReadWrite.All', 'User.ReadWrite.All'], upn: ADMIN });
    adminEnv = { ...srv.env, PFXSTORE_TOKEN: token };

    // Create, patch and delete one certificate through the CLI, as the admin.
    const created = await importAs(adminEnv, pfx[0]!, OWNER);
    assert.equal(created.outcome, 'imported');
    certId = created.id;
    assert.equal((await importAs(adminEnv, pfx[0]!, OWNER, '--update')).outcome, 'updated');
    const removed = await runCli(['remove', certId], { env: adminEnv });
    assert.equal(removed.code, 0, removed.stderr);
    // Then something else, by the application.
    const last = await runCli(['audit', '--json'], { env: adminEnv });
    afterAdmin = (JSON.parse(last.stdout) as Event[]).at(-1)!.activityDateTime;
    await importAs(srv.env, pfx[1]!, OTHER);
  });
  after(async () => {
    await Promise.all([srv?.stop(), f?.cleanup()]);
  });

  it('--json lists every event oldest first, across pages: the create, patch and delete in order', async () => {
    const [all, paged] = await Promise.all([audit(), audit('--page-size', '1')]);
    assert.deepEqual(paged, all);
    // As instants: the wire form drops trailing zero digits, so '…19.4Z' comes after '…19.405Z' as text.
    const times = all.map((e) => Date.parse(e.activityDateTime));
    assert.deepEqual([...times].sort((a, b) => a - b), times);
    const ofCert = all.filter((e) => e.resources.some((r) => r.resourceId === certId));
    assert.deepEqual(ofCert.map((e) => e.activity), ['Create UserPFXCertificate', 'Patch UserPFXCertificate', 'Delete UserPFXCertificate']);
    assert.deepEqual(ofCert.map((e) => e.activityOperationType), ['Create', 'Patch', 'Delete']);
    assert.ok(ofCert.every((e) => e.actor.userPrincipalName === ADMIN));
    // The owners were created on the way (auto users), and the application's certificate comes last.
    assert.deepEqual(all.map((e) => e.activity), [
      'Create User', 'Create UserPFXCertificate', 'Patch UserPFXCertificate', 'Delete UserPFXCertificate', 'Create User', 'Create UserPFXCertificate',
    ]);
  });

  it('--certificate narrows to the events naming that certificate; --actor to one actor; --since to a time', async () => {
    const [byCert, byCertUpper, byAdmin, byApp, since, future] = await Promise.all([
      audit('--certificate', certId),
      audit('--certificate', certId.toUpperCase()),
      audit('--actor', ADMIN.toUpperCase()),
      audit('--actor', 'pfxstore-dev-client'),
      audit('--since', afterAdmin),
      audit('--since', '2999-01-01'),
    ]);
    assert.deepEqual(byCert.map((e) => e.activityOperationType), ['Create', 'Patch', 'Delete']);
    assert.deepEqual(byCertUpper, byCert);
    assert.equal(byAdmin.length, 4);
    assert.ok(byAdmin.every((e) => e.actor.userPrincipalName === ADMIN));
    assert.deepEqual(byApp.map((e) => e.activity), ['Create User', 'Create UserPFXCertificate']);
    // ge: the last admin event (the delete) and everything after it.
    assert.deepEqual(since.map((e) => e.activity), ['Delete UserPFXCertificate', 'Create User', 'Create UserPFXCertificate']);
    assert.deepEqual(future, []);
    const both = await audit('--certificate', certId, '--actor', 'pfxstore-dev-client');
    assert.deepEqual(both, []);
  });

  it('prints a table by default: time, operation, activity, actor, resource ids', async () => {
    const r = await runCli(['audit', '--certificate', certId], { env: adminEnv });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0]!, /^TIME +OPERATION +ACTIVITY +ACTOR +RESOURCES$/);
    assert.equal(lines.length, 4);
    for (const [i, op] of ['Create', 'Patch', 'Delete'].entries()) {
      assert.match(lines[i + 1]!, new RegExp(`^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}Z +${op} +${op} UserPFXCertificate +${ADMIN} +${certId}$`));
    }
    assert.match(r.stderr, /^3 events$/m);
  });

  it('a --since that is not a date is a usage error (exit 2)', async () => {
    const r = await runCli(['audit', '--since', 'yesterday'], { env: adminEnv });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--since must be a date \(2026-12-01\) or a date-time with its offset/);
  });
});
