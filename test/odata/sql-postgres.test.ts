import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { certificateEntity } from '../../src/model/certificate.js';
import { bindFilter } from '../../src/odata/filter-binder.js';
import { parseFilter } from '../../src/odata/filter-parser.js';
import { postgresDialect } from '../../src/store/sql-dialect.js';
import { compileFilter } from '../../src/store/sql-filter.js';
import { POSTGRES_TEST_URL, postgresTestDb } from '../helpers/postgres.js';
import { defineExecutionSuite, type TestDb } from './sql-execution-suite.js';

/**
 * The execution suite on a real PostgreSQL, through the shared PostgreSQL test helper (test/helpers/postgres.ts):
 * a throw-away schema per suite, skipped with the reason when no server answers, and a failure instead when
 * PFXSTORE_REQUIRE_POSTGRES=1.
 */
const db = await postgresTestDb(import.meta.url);
after(() => db.cleanup());

async function openSchema(): Promise<TestDb> {
  const schema = db.newSchema();
  await db.query(schema, `CREATE SCHEMA ${pg.escapeIdentifier(schema)}`);
  // A client of its own (db.cleanup() drops the schema): the suite's statements share its search_path.
  const client = new pg.Client({ connectionString: POSTGRES_TEST_URL, options: `-c search_path=${schema}` });
  await client.connect();
  return {
    dialect: postgresDialect,
    exec: async (sql) => void await client.query(sql),
    all: async (sql, params) => (await client.query(sql, [...params])).rows as Record<string, unknown>[],
    close: () => client.end(),
  };
}

defineExecutionSuite('execution on PostgreSQL', openSchema, { skip: db.skip });

describe('PostgreSQL answers the contract queries from the indexes of its migrations', { skip: db.skip }, () => {
  it('the owner, thumbprint and expiry filters use the indexes built for them', async () => {
    const schema = db.newSchema();
    await db.open({ schema }); // the real migrations (store/migrations/postgres.ts), nothing built here
    // Enough rows, spread over tenants and owners, for the planner's statistics to favour an index.
    await db.query(schema, `INSERT INTO users (tenant_id, id, user_principal_name, upn_lower, display_name, mail, account_enabled,
        created_date_time)
      SELECT 'tenant' || (i % 5), 'user' || i, 'U' || i || '@x.com', 'u' || i || '@x.com', 'U', NULL, true, 'c'
      FROM generate_series(1, 5000) AS i`);
    await db.query(schema, `INSERT INTO user_pfx_certificates (tenant_id, id, user_id, thumbprint, intended_purpose,
        user_principal_name, upn_lower, start_date_time, expiration_date_time, provider_name, key_name, padding_scheme,
        created_date_time, last_modified_date_time, encrypted_pfx_blob, encrypted_pfx_password)
      SELECT 'tenant' || (i % 5), 'id' || i, 'user' || i, md5(i::text), 0, 'U' || i || '@x.com', 'u' || i || '@x.com',
        '2025-01-01T00:00:00.0000000Z', (2026 + i % 20) || '-01-01T00:00:00.0000000Z', 'p', 'k', 5, 'c', 'm', '\\x30', '\\x01'
      FROM generate_series(1, 5000) AS i`);
    await db.query(schema, 'ANALYZE');
    const plan = async (filter: string): Promise<string> => {
      const params: unknown[] = ['tenant1'];
      const where = compileFilter(bindFilter(parseFilter(filter), certificateEntity), postgresDialect, params);
      const { rows } = await db.query(schema, `EXPLAIN SELECT * FROM user_pfx_certificates WHERE tenant_id = $1 AND ${where}`, params);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    };
    const uses = (index: string) => new RegExp(`Index Scan using ${index} |Bitmap Index Scan on ${index}\\b`);
    assert.match(await plan("tolower(userPrincipalName) eq 'A@contoso.com'"), uses('user_pfx_certificates_upn'));
    assert.match(await plan("tolower(thumbprint) eq 'AB12'"), uses('user_pfx_certificates_thumbprint'));
    // The PowerShell module's lookup: either index answers it from one key (the planner's choice).
    assert.match(await plan("tolower(userPrincipalName) eq 'A@contoso.com' and tolower(thumbprint) eq 'AB12'"),
      uses('user_pfx_certificates_(upn|thumbprint)'));
    assert.match(await plan('expirationDateTime lt 2027-01-01T00:00:00Z'), uses('user_pfx_certificates_expiration'));
  });
});
