import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { certificateEntity } from '../../src/model/certificate.js';
import { bindFilter } from '../../src/odata/filter-binder.js';
import { parseFilter } from '../../src/odata/filter-parser.js';
import { sqliteDialect } from '../../src/store/sql-dialect.js';
import { compileFilter } from '../../src/store/sql-filter.js';
import { createTable, defineExecutionSuite } from './sql-execution-suite.js';

defineExecutionSuite('execution on SQLite (in-memory better-sqlite3)', async () => {
  const db = new Database(':memory:');
  return {
    dialect: sqliteDialect,
    exec: async (sql) => void db.exec(sql),
    all: async (sql, params) => db.prepare(sql).all(...params) as Record<string, unknown>[],
    close: async () => void db.close(),
  };
});

describe('SQLite answers the contract queries from indexes', () => {
  const db = new Database(':memory:');
  db.exec(createTable(certificateEntity, sqliteDialect).replace('(seq', '(tenant_id TEXT NOT NULL, seq'));
  db.exec('CREATE INDEX cert_owner ON user_pfx_certificates (tenant_id, upn_lower, thumbprint)');
  db.exec('CREATE INDEX cert_expiry ON user_pfx_certificates (tenant_id, expiration_date_time)');
  const plan = (filter: string): string => {
    const params: unknown[] = ['tenant'];
    const where = compileFilter(bindFilter(parseFilter(filter), certificateEntity), sqliteDialect, params);
    const rows = db.prepare(`EXPLAIN QUERY PLAN SELECT * FROM user_pfx_certificates WHERE tenant_id = ? AND ${where}`).all(...params) as { detail: string }[];
    return rows.map((r) => r.detail).join('; ');
  };

  it("tolower(userPrincipalName) eq '…' and tolower(thumbprint) eq '…'", () => {
    assert.match(plan("tolower(userPrincipalName) eq 'A@contoso.com' and tolower(thumbprint) eq 'AB12'"),
      /SEARCH user_pfx_certificates USING INDEX cert_owner \(tenant_id=\? AND upn_lower=\? AND thumbprint=\?\)/);
  });

  it('expirationDateTime lt …', () => {
    assert.match(plan('expirationDateTime lt 2027-01-01T00:00:00Z'),
      /SEARCH user_pfx_certificates USING INDEX cert_expiry \(tenant_id=\? AND expiration_date_time<\?\)/);
  });
});
