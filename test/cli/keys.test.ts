import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { CertificateApi, type CertificateBody } from '../../src/client/certificates.js';
import { GraphClient } from '../../src/client/graph-client.js';
import { certificateBody } from '../helpers/certificate-fixtures.js';
import { postgresTestDb } from '../helpers/postgres.js';
import { type CliServer, EXPORT_ROLES, runCli, startCliServer } from './harness.js';

const db = await postgresTestDb(import.meta.url);
after(() => db.cleanup());

const SOFTWARE = 'Microsoft Software Key Storage Provider';
const TPM = 'Microsoft Platform Crypto Provider';

/** Seven records under three (provider, key, padding): one key in two paddings, expiries out of order. */
const RECORDS: [upn: string, providerName: string, keyName: string, padding: string, expires: string][] = [
  ['alice@contoso.com', SOFTWARE, 'PFXEncryptionKey', 'oaepSha512', '2027-03-01T00:00:00Z'],
  ['alice@contoso.com', SOFTWARE, 'PFXEncryptionKey', 'oaepSha512', '2028-06-15T12:30:00Z'],
  ['alice@contoso.com', SOFTWARE, 'PFXEncryptionKey', 'oaepSha512', '2027-01-10T00:00:00Z'],
  ['bob@contoso.com', SOFTWARE, 'PFXEncryptionKey', 'oaepSha256', '2029-01-01T00:00:00Z'],
  ['bob@contoso.com', SOFTWARE, 'PFXEncryptionKey', 'oaepSha256', '2026-12-31T12:00:00Z'],
  ['carol@contoso.com', TPM, 'TpmPfxKey', 'oaepSha384', '2030-01-01T00:00:00Z'],
  ['bob@contoso.com', TPM, 'TpmPfxKey', 'oaepSha384', '2029-06-01T00:00:00Z'],
];

/** What `keys --json` must answer for RECORDS: soonest expiry first. */
const ALL = [
  { providerName: SOFTWARE, keyName: 'PFXEncryptionKey', paddingScheme: 'oaepSha256', records: 2, soonestExpirationDateTime: '2026-12-31T12:00:00Z', latestExpirationDateTime: '2029-01-01T00:00:00Z' },
  { providerName: SOFTWARE, keyName: 'PFXEncryptionKey', paddingScheme: 'oaepSha512', records: 3, soonestExpirationDateTime: '2027-01-10T00:00:00Z', latestExpirationDateTime: '2028-06-15T12:30:00Z' },
  { providerName: TPM, keyName: 'TpmPfxKey', paddingScheme: 'oaepSha384', records: 2, soonestExpirationDateTime: '2029-06-01T00:00:00Z', latestExpirationDateTime: '2030-01-01T00:00:00Z' },
];

for (const store of ['sqlite', 'postgres'] as const) {
  describe(`pfxstore keys (${store})`, { skip: store === 'postgres' && db.skip }, () => {
    let srv: CliServer;
    const cli = (...args: string[]) => runCli(['keys', ...args], { env: srv.env });

    before(async () => {
      srv = await startCliServer(store === 'postgres' ? ['--db', db.urlFor(db.newSchema())] : []);
      const client = new GraphClient({ baseUrl: srv.baseUrl, token: srv.env.PFXSTORE_TOKEN!, extraCaPem: readFileSync(srv.server.caPath!, 'utf8') });
      try {
        const api = new CertificateApi(client);
        // One at a time, so the store holds them in this order, which is not the order of expiry.
        for (const [userPrincipalName, providerName, keyName, paddingScheme, expirationDateTime] of RECORDS) {
          const body = await certificateBody({ userPrincipalName, providerName, keyName, paddingScheme, expirationDateTime });
          await api.create(body as unknown as CertificateBody);
        }
      } finally {
        client.close();
      }
    });
    after(() => srv?.stop());

    it('--json: one entry per provider, key and padding, with its count and soonest and latest expiry, soonest first', async () => {
      const r = await cli('--json');
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), ALL);
      assert.equal(r.stderr, '');
    });

    it('pages of two records (four requests) give the same answer', async () => {
      const r = await cli('--json', '--page-size', '2');
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), ALL);
    });

    it('--upn: only that user\'s records, any case', async () => {
      const r = await cli('--json', '--upn', 'BOB@contoso.com', '--page-size', '1');
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), [
        { ...ALL[0], records: 2 },
        { ...ALL[2], records: 1, soonestExpirationDateTime: '2029-06-01T00:00:00Z', latestExpirationDateTime: '2029-06-01T00:00:00Z' },
      ]);
    });

    it('the table: a row per key, the same order, and a total on stderr', async () => {
      const r = await cli();
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.stdout.trimEnd().split('\n').map((line) => line.split(/ {2,}/)), [
        ['PROVIDER', 'KEY', 'PADDING', 'RECORDS', 'SOONEST EXPIRY', 'LATEST EXPIRY'],
        [SOFTWARE, 'PFXEncryptionKey', 'oaepSha256', '2', '2026-12-31 12:00Z', '2029-01-01 00:00Z'],
        [SOFTWARE, 'PFXEncryptionKey', 'oaepSha512', '3', '2027-01-10 00:00Z', '2028-06-15 12:30Z'],
        [TPM, 'TpmPfxKey', 'oaepSha384', '2', '2029-06-01 00:00Z', '2030-01-01 00:00Z'],
      ]);
      assert.equal(r.stderr, '7 certificates under 3 keys\n');
    });

    it('no records: the table says so on stderr, --json is an empty array', async () => {
      const [table, json] = await Promise.all([cli('--upn', 'nobody@contoso.com'), cli('--upn', 'nobody@contoso.com', '--json')]);
      assert.deepEqual([table.code, table.stdout, table.stderr], [0, '', 'no certificates match\n']);
      assert.deepEqual([json.code, JSON.parse(json.stdout)], [0, []]);
    });

    it('reads no secret: with the export role it exports nothing, so no Export audit event is written', async () => {
      const exportEnv = { ...srv.env, PFXSTORE_TOKEN: await srv.server.token({ roles: EXPORT_ROLES }) };
      const r = await runCli(['keys', '--json'], { env: exportEnv });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), ALL);
      const audit = await runCli(['audit', '--json'], { env: srv.env });
      assert.equal(audit.code, 0, audit.stderr);
      assert.deepEqual(JSON.parse(audit.stdout).filter((e: { activityOperationType: string }) => e.activityOperationType === 'Export'), []);
    });

    it('usage errors exit 2 with the usage: a bad --page-size, an argument', async () => {
      const cases: [string[], RegExp][] = [
        [['--page-size', '0'], /--page-size must be a whole number from 1 to 1000, not '0'/],
        [['--page-size', '1001'], /--page-size must be a whole number from 1 to 1000/],
        [['alice@contoso.com'], /Unexpected argument 'alice@contoso\.com'/],
      ];
      for (const [args, message] of cases) {
        const r = await cli(...args);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.equal(r.stdout, '');
        assert.match(r.stderr, message);
        assert.match(r.stderr, /^Usage: pfxstore keys /m);
      }
    });
  });
}
