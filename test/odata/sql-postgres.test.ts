import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import pg from 'pg';
import { certificateEntity } from '../../src/model/certificate.js';
import { bindFilter } from '../../src/odata/filter-binder.js';
import { parseFilter } from '../../src/odata/filter-parser.js';
import { postgresDialect } from '../../src/store/sql-dialect.js';
import { compileFilter } from '../../src/store/sql-filter.js';
import { createTable, defineExecutionSuite, type TestDb } from './sql-execution-suite.js';

/**
 * The execution suite on a real PostgreSQL (PFXSTORE_TEST_PG, default the local trust-auth server), in a
 * throw-away schema. Skipped, with the reason, when no server answers.
 */
const url = process.env.PFXSTORE_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

async function openSchema(): Promise<TestDb> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  const schema = `pfx_odata_test_${randomBytes(6).toString('hex')}`;
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.query(`SET search_path TO ${schema}`);
  return {
    dialect: postgresDialect,
    exec: async (sql) => void await client.query(sql),
    all: async (sql, params) => (await client.query(sql, [...params])).rows as Record<string, unknown>[],
    close: async () => {
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    },
  };
}

const available = await openSchema().then(async (db) => { await db.close(); return undefined; }, (err: Error) => err.message);

if (available !== undefined) {
  describe('execution on PostgreSQL', () => {
    it(`skipped: no PostgreSQL at ${url} (${available})`, { skip: true }, () => undefined);
  });
} else {
  defineExecutionSuite('execution on PostgreSQL', openSchema);

  describe('PostgreSQL answers the contract queries from indexes', () => {
    it('uses the owner and expiry indexes', async () => {
      const db = await openSchema();
      try {
        await db.exec(createTable(certificateEntity, postgresDialect).replace('(seq', '(tenant_id TEXT NOT NULL, seq'));
        await db.exec('CREATE INDEX cert_owner ON user_pfx_certificates (tenant_id, upn_lower, thumbprint)');
        await db.exec('CREATE INDEX cert_expiry ON user_pfx_certificates (tenant_id, expiration_date_time)');
        // Enough rows, spread over tenants and owners, for the planner's statistics to favour the right index.
        await db.exec(`INSERT INTO user_pfx_certificates (tenant_id, id, thumbprint, intended_purpose, user_principal_name,
          upn_lower, start_date_time, expiration_date_time, provider_name, key_name, padding_scheme, encrypted_pfx_blob,
          encrypted_pfx_password, created_date_time, last_modified_date_time)
          SELECT 'tenant' || (i % 5), 'id' || i, md5(i::text), 0, 'U' || i || '@x.com', 'u' || i || '@x.com',
            '2025-01-01T00:00:00.0000000Z', (2026 + i % 20) || '-01-01T00:00:00.0000000Z', 'p', 'k', 5, '\\x30', 'pw', 'c', 'm'
          FROM generate_series(1, 5000) AS i`);
        await db.exec('ANALYZE user_pfx_certificates');
        const plan = async (filter: string): Promise<string> => {
          const params: unknown[] = ['tenant1'];
          const where = compileFilter(bindFilter(parseFilter(filter), certificateEntity), postgresDialect, params);
          const rows = await db.all(`EXPLAIN SELECT * FROM user_pfx_certificates WHERE tenant_id = $1 AND ${where}`, params);
          return rows.map((r) => r['QUERY PLAN']).join('\n');
        };
        assert.match(await plan("tolower(userPrincipalName) eq 'A@contoso.com' and tolower(thumbprint) eq 'AB12'"), /Index Scan using cert_owner/);
        assert.match(await plan('expirationDateTime lt 2027-01-01T00:00:00Z'), /Index Scan using cert_expiry|Bitmap Index Scan on cert_expiry/);
      } finally {
        await db.close();
      }
    });
  });
}
