import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { certificateEntity } from '../../src/model/certificate.js';
import { parseListQuery } from '../../src/odata/query-options.js';
import { encodeSkipToken } from '../../src/odata/skiptoken.js';
import { buildExpirySql } from '../../src/store/expiry-sql.js';
import { buildListSql } from '../../src/store/list-sql.js';
import { tableMapping } from '../../src/store/row-mapping.js';
import { sqliteDialect } from '../../src/store/sql-dialect.js';
import { SqliteStore } from '../../src/store/sqlite.js';

/** The PowerShell module's queries and date ranges are answered from indexes, never by scanning the table. */
describe('SQLite query plans', () => {
  let dir: string;
  let store: SqliteStore;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pfxstore-plan-'));
    store = new SqliteStore({ path: join(dir, 'plan.db') });
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const plan = (rawQuery: string) => {
    const query = parseListQuery(rawQuery, certificateEntity);
    const mapping = tableMapping(certificateEntity, { booleanIn: (v) => (v ? 1 : 0) });
    const { sql, params } = buildListSql(certificateEntity, mapping, sqliteDialect, 'tenant', query);
    return store.explain(sql, params).join('\n');
  };

  const cases: [string, RegExp][] = [
    ["$filter=tolower(userPrincipalName) eq 'alice@contoso.com'", /USING INDEX user_pfx_certificates_upn/],
    [`$filter=tolower(userPrincipalName) eq 'alice@contoso.com' and tolower(thumbprint) eq '${'a'.repeat(40)}'`, /USING INDEX user_pfx_certificates_upn \(tenant_id=\? AND upn_lower=\? AND thumbprint=\?\)/],
    ["$filter=userPrincipalName eq 'Alice@Contoso.com'", /USING INDEX user_pfx_certificates_upn/],
    ['$filter=expirationDateTime lt 2027-01-01T00:00:00Z', /USING INDEX user_pfx_certificates_expiration \(tenant_id=\? AND expiration_date_time<\?\)/],
    ['$filter=expirationDateTime ge 2026-01-01T00:00:00Z and expirationDateTime lt 2027-01-01T00:00:00Z', /USING INDEX user_pfx_certificates_expiration/],
    [`$filter=thumbprint eq '${'b'.repeat(40)}'`, /USING INDEX user_pfx_certificates_thumbprint/],
    ['', /SEARCH user_pfx_certificates USING (INDEX|COVERING INDEX) \w+ \(tenant_id=\?\)|SEARCH user_pfx_certificates USING INDEX/],
  ];
  // Paging through a whole tenant (pfxstore keys, verify --all): each page reads its rows in order and stops,
  // rather than sorting every row of the tenant again for each page.
  test('no filter, default order, first page and deep page → the (tenant_id, seq) index, no sort', () => {
    const first = '$select=keyName,expirationDateTime&$top=1000';
    const deep = `${first}&$skiptoken=${encodeURIComponent(encodeSkipToken(parseListQuery(first, certificateEntity), [50_000]))}`;
    for (const raw of [first, deep, '']) {
      const text = plan(raw);
      assert.match(text, /SEARCH user_pfx_certificates USING (COVERING )?INDEX user_pfx_certificates_seq \(tenant_id=\? AND seq>\?\)/, text);
      assert.doesNotMatch(text, /TEMP B-TREE/, text);
    }
  });

  test('that index is never taken for a filtered list, not even on a deep page', () => {
    const raw = "$filter=tolower(userPrincipalName) eq 'alice@contoso.com'&$top=1";
    const deep = `${raw}&$skiptoken=${encodeURIComponent(encodeSkipToken(parseListQuery(raw, certificateEntity), [50_000]))}`;
    for (const query of [raw, deep, "$filter=keyName eq 'K'", '$orderby=expirationDateTime']) assert.doesNotMatch(plan(query), /_seq/, query);
  });

  // /metrics: the certificates themselves are read only within the days a boundary cuts, each an index range.
  test('expiryCounts → the day counts by primary key, the certificates by expiration index ranges, no scan of them', () => {
    const { sql, params } = buildExpirySql(sqliteDialect, new Date('2026-12-05T12:00:00Z'), [7, 30, 90]);
    const text = store.explain(sql, params).join('\n');
    const ranges = text.match(/SEARCH c USING COVERING INDEX user_pfx_certificates_expiration \(tenant_id=\? AND expiration_date_time>\? AND expiration_date_time<\?\)/g) ?? [];
    assert.equal(ranges.length, 4, text);
    assert.equal((text.match(/SEARCH d USING PRIMARY KEY \(tenant_id=\?/g) ?? []).length, 6, text);
    assert.doesNotMatch(text, /SCAN (c|user_pfx_certificates)\b/, text);
  });

  for (const [query, expected] of cases) {
    test(`${query || 'no filter'} → ${expected.source.slice(0, 60)}`, () => {
      const text = plan(query);
      assert.match(text, expected, text);
      assert.doesNotMatch(text, /SCAN user_pfx_certificates(?! USING)/, text);
    });
  }
});
