import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { certificateEntity } from '../../src/model/certificate.js';
import { bindFilter } from '../../src/odata/filter-binder.js';
import { parseFilter } from '../../src/odata/filter-parser.js';
import { sqliteDialect } from '../../src/store/sql-dialect.js';
import { compileFilter } from '../../src/store/sql-filter.js';
import { sqliteMigrations } from '../../src/store/migrations/sqlite.js';
import { defineExecutionSuite } from './sql-execution-suite.js';

defineExecutionSuite('execution on SQLite (in-memory better-sqlite3)', async () => {
  const db = new Database(':memory:');
  return {
    dialect: sqliteDialect,
    exec: async (sql) => void db.exec(sql),
    all: async (sql, params) => db.prepare(sql).all(...params) as Record<string, unknown>[],
    close: async () => void db.close(),
  };
});

describe('SQLite answers the contract queries from the indexes of its migrations', () => {
  // The real schema (store/migrations/sqlite.ts), nothing built here: a missing index fails these.
  const db = new Database(':memory:');
  for (const migration of sqliteMigrations) db.exec(migration.sql);
  after(() => db.close());
  const plan = (filter: string): string => {
    const params: unknown[] = ['tenant'];
    const where = compileFilter(bindFilter(parseFilter(filter), certificateEntity), sqliteDialect, params);
    const rows = db.prepare(`EXPLAIN QUERY PLAN SELECT * FROM user_pfx_certificates WHERE tenant_id = ? AND ${where}`).all(...params) as { detail: string }[];
    return rows.map((r) => r.detail).join('; ');
  };

  it("tolower(userPrincipalName) eq '…' and tolower(thumbprint) eq '…'", () => {
    assert.match(plan("tolower(userPrincipalName) eq 'A@contoso.com' and tolower(thumbprint) eq 'AB12'"),
      /SEARCH user_pfx_certificates USING INDEX user_pfx_certificates_upn \(tenant_id=\? AND upn_lower=\? AND thumbprint=\?\)/);
  });

  it("tolower(thumbprint) eq '…'", () => {
    assert.match(plan("tolower(thumbprint) eq 'AB12'"),
      /SEARCH user_pfx_certificates USING INDEX user_pfx_certificates_thumbprint \(tenant_id=\? AND thumbprint=\?\)/);
  });

  it('expirationDateTime lt …', () => {
    assert.match(plan('expirationDateTime lt 2027-01-01T00:00:00Z'),
      /SEARCH user_pfx_certificates USING INDEX user_pfx_certificates_expiration \(tenant_id=\? AND expiration_date_time<\?\)/);
  });
});
