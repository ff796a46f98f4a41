import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { certificateEntity } from '../../src/model/certificate.js';
import { userEntity } from '../../src/model/user.js';
import type { ListQuery } from '../../src/odata/list-query.js';
import { parseCountQuery, parseListQuery } from '../../src/odata/query-options.js';
import type { PostgresStore } from '../../src/store/postgres.js';
import { buildExpirySql } from '../../src/store/expiry-sql.js';
import { buildCountSql, buildListSql } from '../../src/store/list-sql.js';
import { lookupStatement } from '../../src/store/pg-statements.js';
import { tableMapping } from '../../src/store/row-mapping.js';
import { postgresDialect } from '../../src/store/sql-dialect.js';
import { postgresTestDb } from '../helpers/postgres.js';

/**
 * CONTRACT §4.4: the PowerShell module's lookups and expiry ranges are answered from indexes, not by scanning.
 * 100,000 certificates in the tenant under test (1,000 owners), 20,000 in a neighbour tenant, loaded in bulk.
 */
const db = await postgresTestDb(import.meta.url);
after(() => db.cleanup());

const TENANT = randomUUID();
const NEIGHBOUR = randomUUID();
const ROWS = 100_000;
const mapping = tableMapping(certificateEntity, { booleanIn: (v) => v });

/** User n's id (a GUID made of md5), UPN and the thumbprint of their k-th certificate, in SQL. */
const USER_ID = "md5('u' || u)::uuid::text";
const THUMBPRINT = "substr(md5('t' || g) || md5('s' || g), 1, 40)";

async function load(schema: string, tenant: string, rows: number): Promise<void> {
  await db.query(schema, `
    INSERT INTO users (tenant_id, id, user_principal_name, upn_lower, display_name, mail, account_enabled, created_date_time)
    SELECT $1, ${USER_ID}, 'User' || u || '@Contoso.com', 'user' || u || '@contoso.com', 'User ' || u, NULL, true, '2026-01-01T00:00:00.0000000Z'
    FROM generate_series(1, 1000) AS u`, [tenant]);
  // Expirations spread over ten years from mid-2026: `lt 2027-01-01` matches about 6 %.
  await db.query(schema, `
    INSERT INTO user_pfx_certificates (tenant_id, id, user_id, thumbprint, intended_purpose, user_principal_name, upn_lower,
      start_date_time, expiration_date_time, provider_name, key_name, padding_scheme, encrypted_pfx_blob, encrypted_pfx_password,
      created_date_time, last_modified_date_time)
    SELECT $1, replace(${USER_ID}, '-', '') || '-' || ${THUMBPRINT}, ${USER_ID}, ${THUMBPRINT}, 4,
      'User' || u || '@Contoso.com', 'user' || u || '@contoso.com', '2025-06-01T00:00:00.0000000Z',
      to_char(timestamp '2026-06-01' + (g % 3650) * interval '1 day', 'YYYY-MM-DD"T"HH24:MI:SS') || '.0000000Z',
      'Microsoft Software Key Storage Provider', 'key' || g, 5, '\\x3082'::bytea, '\\x01'::bytea,
      '2026-01-01T00:00:00.0000000Z', '2026-01-01T00:00:00.0000000Z'
    FROM (SELECT g, 1 + g % 1000 AS u FROM generate_series(1, $2::int) AS g) AS s`, [tenant, rows]);
}

describe(`PostgreSQL query plans at ${ROWS.toLocaleString('en')} rows`, { skip: db.skip }, () => {
  let store: PostgresStore;
  before(async () => {
    const schema = db.newSchema();
    store = await db.open({ schema });
    await load(schema, TENANT, ROWS);
    await load(schema, NEIGHBOUR, ROWS / 5);
    await db.query(schema, 'ANALYZE');
  });

  const planOf = async (query: ListQuery): Promise<string> => {
    const { sql, params } = buildListSql(certificateEntity, mapping, postgresDialect, TENANT, query);
    return (await store.explain(sql, params)).join('\n');
  };
  /** No sequential scan of the certificates, and an index of theirs in use (which one is the planner's choice). */
  const assertIndexed = (plan: string, what: string): void => {
    assert.doesNotMatch(plan, /Seq Scan on user_pfx_certificates/, `${what} scans the table:\n${plan}`);
    assert.match(plan, /Index (Only )?Scan (Backward )?using user_pfx_certificates_\w+|Bitmap Index Scan on user_pfx_certificates_\w+/, `${what}:\n${plan}`);
  };

  test("the PowerShell module's lookup: tolower(userPrincipalName) eq … and tolower(thumbprint) eq …", async () => {
    const thumb = (await store.list(certificateEntity, TENANT, parseListQuery("$filter=userPrincipalName eq 'user42@contoso.com'&$top=1", certificateEntity))).rows[0].thumbprint as string;
    const query = parseListQuery(
      `$filter=tolower(userPrincipalName) eq 'User42@Contoso.com' and tolower(thumbprint) eq '${thumb.toUpperCase()}'`, certificateEntity);
    const plan = await planOf(query);
    assertIndexed(plan, 'the owner + thumbprint lookup');
    const page = await store.list(certificateEntity, TENANT, query);
    assert.equal(page.rows.length, 1);
    assert.equal(page.rows[0].thumbprint, thumb);

    // And its owner-only form, and the count the module's paging may ask for.
    assertIndexed(await planOf(parseListQuery("$filter=tolower(userPrincipalName) eq 'user42@contoso.com'", certificateEntity)), 'the owner lookup');
    const count = buildCountSql(certificateEntity, postgresDialect, TENANT, parseCountQuery("$filter=tolower(userPrincipalName) eq 'user42@contoso.com'", certificateEntity).filter);
    assertIndexed((await store.explain(count.sql, count.params)).join('\n'), 'the owner count');
  });

  test("a thumbprint alone: thumbprint eq '…' (any owner), from the thumbprint index", async () => {
    const thumb = (await store.list(certificateEntity, TENANT, parseListQuery('$top=1', certificateEntity))).rows[0].thumbprint as string;
    const query = parseListQuery(`$filter=thumbprint eq '${thumb.toUpperCase()}'`, certificateEntity);
    const plan = await planOf(query);
    assertIndexed(plan, 'the thumbprint lookup');
    // The only index that leads with (tenant_id, thumbprint): without it this would read the whole tenant.
    assert.match(plan, /Index Scan using user_pfx_certificates_thumbprint |Bitmap Index Scan on user_pfx_certificates_thumbprint\b/, plan);
    const page = await store.list(certificateEntity, TENANT, query);
    assert.deepEqual(page.rows.map((r) => r.thumbprint), [thumb]);
  });

  test('an expiry range: expirationDateTime lt 2027-01-01T00:00:00Z', async () => {
    const query = parseListQuery('$filter=expirationDateTime lt 2027-01-01T00:00:00Z', certificateEntity);
    assertIndexed(await planOf(query), 'the expiry range');
    assertIndexed(await planOf(parseListQuery('$filter=expirationDateTime lt 2027-01-01T00:00:00Z&$orderby=expirationDateTime', certificateEntity)), 'the ordered expiry range');
    const count = buildCountSql(certificateEntity, postgresDialect, TENANT, query.filter);
    assertIndexed((await store.explain(count.sql, count.params)).join('\n'), 'the expiry count');
  });

  test('a keyset page deep into the result', async () => {
    let query = parseListQuery('$top=1000', certificateEntity);
    for (let i = 0; i < 3; i++) {
      const page = await store.list(certificateEntity, TENANT, query);
      assert.equal(page.rows.length, 1000);
      query = { ...query, after: page.nextAfter as ListQuery['after'] };
    }
    const plan = await planOf(query);
    assertIndexed(plan, 'the keyset page');
    assert.match(plan, /Index Cond: \(\(tenant_id = .*seq > /, `the keyset position is an index range, not a filter:\n${plan}`);

    const ordered = parseListQuery('$top=1000&$orderby=expirationDateTime desc', certificateEntity);
    const first = await store.list(certificateEntity, TENANT, ordered);
    assertIndexed(await planOf({ ...ordered, after: first.nextAfter as ListQuery['after'] }), 'the keyset page by expiry');
  });

  test('/metrics: expiryCounts reads the day counts and only index ranges of the certificates', async () => {
    const { sql, params } = buildExpirySql(postgresDialect, new Date('2027-03-10T12:00:00Z'), [7, 30, 90]);
    assertIndexed((await store.explain(sql, params)).join('\n'), 'the expiry counts');
    // The trigger's day counts agree with the certificates loaded in bulk (one INSERT of 100,000 rows).
    const [tenant] = (await store.expiryCounts(new Date('2027-03-10T12:00:00Z'), [7, 30, 90])).filter((c) => c.tenantId === TENANT);
    const count = async (filter: string) => store.count(certificateEntity, TENANT, parseCountQuery(`$filter=${filter}`, certificateEntity).filter);
    assert.equal(tenant.total, ROWS);
    assert.equal(tenant.expired, await count('expirationDateTime le 2027-03-10T12:00:00Z'));
    assert.equal(tenant.expiringWithin[1], await count('expirationDateTime gt 2027-03-10T12:00:00Z and expirationDateTime lt 2027-04-09T12:00:00Z'));
  });

  test('a turn of GETs by id, batched into one lookup', async () => {
    const ids = (await store.list(certificateEntity, TENANT, parseListQuery('$top=20', certificateEntity))).rows.map((r) => r.id as string);
    const lookup = lookupStatement(certificateEntity, 'id', mapping.publicSelectList);
    assertIndexed((await store.explain(lookup.text, [ids.map(() => TENANT), ids])).join('\n'), 'twenty ids at once');
    const owners = lookupStatement(userEntity, 'upn_lower', tableMapping(userEntity, { booleanIn: (v) => v }).selectList);
    const plan = (await store.explain(owners.text, [[TENANT, TENANT], ['user1@contoso.com', 'user2@contoso.com']])).join('\n');
    assert.doesNotMatch(plan, /Seq Scan on users/, `owner lookups scan the users:\n${plan}`);
  });
});
