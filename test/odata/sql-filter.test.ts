import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { certificateEntity } from '../../src/model/certificate.js';
import type { EntityDef } from '../../src/model/entity.js';
import { userEntity } from '../../src/model/user.js';
import { bindFilter } from '../../src/odata/filter-binder.js';
import { parseFilter } from '../../src/odata/filter-parser.js';
import type { KeyValue, ListQuery } from '../../src/odata/list-query.js';
import { parseListQuery } from '../../src/odata/query-options.js';
import { postgresDialect, sqliteDialect, type SqlDialect } from '../../src/store/sql-dialect.js';
import { compileFilter, compileOrderAndKeyset, rowKeyValues } from '../../src/store/sql-filter.js';

function compile(text: string, dialect: SqlDialect, entity: EntityDef = certificateEntity, params: unknown[] = []): { sql: string; params: unknown[] } {
  const sql = compileFilter(bindFilter(parseFilter(text), entity), dialect, params);
  return { sql, params };
}

describe('compileFilter: SQL text and parameters', () => {
  // [filter, entity, sqlite SQL, sqlite params, postgres SQL, postgres params]
  const cases: [string, EntityDef, string, unknown[], string, unknown[]][] = [
    ["tolower(userPrincipalName) eq 'A@Contoso.com' and tolower(thumbprint) eq 'AB12'", certificateEntity,
      '(upn_lower = ? AND thumbprint = ?)', ['a@contoso.com', 'ab12'],
      '(upn_lower = $1 AND thumbprint = $2)', ['a@contoso.com', 'ab12']],
    ['expirationDateTime lt 2027-01-01T00:00:00Z', certificateEntity,
      'expiration_date_time < ?', ['2027-01-01T00:00:00.0000000Z'],
      'expiration_date_time < $1', ['2027-01-01T00:00:00.0000000Z']],
    ['2027-01-01T00:00:00Z gt expirationDateTime', certificateEntity,
      '? > expiration_date_time', ['2027-01-01T00:00:00.0000000Z'], '$1 > expiration_date_time', ['2027-01-01T00:00:00.0000000Z']],
    ["keyName ne 'x'", certificateEntity, 'key_name <> ?', ['x'], 'key_name <> $1', ['x']],
    ["displayName ne 'x'", userEntity,
      '(display_name IS NULL OR display_name <> ?)', ['x'], '(display_name IS NULL OR display_name <> $1)', ['x']],
    ['displayName eq null', userEntity, 'display_name IS NULL', [], 'display_name IS NULL', []],
    ['null ne mail', userEntity, 'mail IS NOT NULL', [], 'mail IS NOT NULL', []],
    ['accountEnabled', userEntity, 'account_enabled = ?', [1], 'account_enabled = $1', [true]],
    ['not accountEnabled', userEntity, '(account_enabled = ?) IS NOT TRUE', [1], '(account_enabled = $1) IS NOT TRUE', [true]],
    ['accountEnabled eq false', userEntity, 'account_enabled = ?', [0], 'account_enabled = $1', [false]],
    ["intendedPurpose in ('vpn', 'WIFI')", certificateEntity,
      'intended_purpose IN (?, ?)', [4, 8], 'intended_purpose IN ($1, $2)', [4, 8]],
    ["tolower(keyName) eq 'x'", certificateEntity, 'lower(key_name) = ?', ['x'], 'lower(key_name) = $1', ['x']],
    ["toupper(userPrincipalName) eq 'a@b'", certificateEntity, 'upper(upn_lower) = ?', ['A@B'], 'upper(upn_lower) = $1', ['A@B']],
    ["startswith(keyName, 'a%_!')", certificateEntity,
      'substr(key_name, 1, length(?)) = ?', ['a%_!', 'a%_!'], "key_name LIKE $1 ESCAPE '!'", ['a!%!_!!%']],
    ["endswith(keyName, 'z')", certificateEntity,
      'substr(key_name, length(key_name) - length(?) + 1) = ?', ['z', 'z'], "key_name LIKE $1 ESCAPE '!'", ['%z']],
    ["contains(tolower(keyName), 'x_y')", certificateEntity,
      'instr(lower(key_name), ?) > 0', ['x_y'], "lower(key_name) LIKE $1 ESCAPE '!'", ['%x!_y%']],
    ["keyName eq 'a' or keyName eq 'b' or keyName eq 'c'", certificateEntity,
      '((key_name = ? OR key_name = ?) OR key_name = ?)', ['a', 'b', 'c'],
      '((key_name = $1 OR key_name = $2) OR key_name = $3)', ['a', 'b', 'c']],
    ["not (keyName eq 'a' and intendedPurpose eq 'vpn') or thumbprint eq 'T'", certificateEntity,
      '(((key_name = ? AND intended_purpose = ?)) IS NOT TRUE OR thumbprint = ?)', ['a', 4, 't'],
      '(((key_name = $1 AND intended_purpose = $2)) IS NOT TRUE OR thumbprint = $3)', ['a', 4, 't']],
    ["keyName eq '''; DROP TABLE user_pfx_certificates; --'", certificateEntity,
      'key_name = ?', ["'; DROP TABLE user_pfx_certificates; --"], 'key_name = $1', ["'; DROP TABLE user_pfx_certificates; --"]],
  ];
  for (const [text, entity, sqliteSql, sqliteParams, pgSql, pgParams] of cases) {
    it(`sqlite: ${text}`, () => assert.deepEqual(compile(text, sqliteDialect, entity), { sql: sqliteSql, params: sqliteParams }));
    it(`postgres: ${text}`, () => assert.deepEqual(compile(text, postgresDialect, entity), { sql: pgSql, params: pgParams }));
  }

  it('numbers postgres placeholders after the parameters already pushed', () => {
    assert.deepEqual(compile("keyName eq 'a' and thumbprint eq 'b'", postgresDialect, certificateEntity, ['tenant']),
      { sql: '(key_name = $2 AND thumbprint = $3)', params: ['tenant', 'a', 'b'] });
  });

  it('compiles a long or chain as a balanced tree (SQLite expression depth limit)', () => {
    const text = Array.from({ length: 1024 }, (_, i) => `keyName eq '${i}'`).join(' or ');
    const { sql, params } = compile(text, sqliteDialect);
    assert.equal(params.length, 1024);
    let depth = 0, max = 0;
    for (const ch of sql) {
      if (ch === '(') max = Math.max(max, ++depth);
      if (ch === ')') depth--;
    }
    assert.equal(max, 10);
  });
});

describe('compileOrderAndKeyset', () => {
  const certs = (raw: string): ListQuery => parseListQuery(raw, certificateEntity);
  const users = (raw: string): ListQuery => parseListQuery(raw, userEntity);
  const keyset = (query: ListQuery, entity: EntityDef, after: KeyValue[] | undefined, dialect: SqlDialect = sqliteDialect) => {
    const params: unknown[] = [];
    const result = compileOrderAndKeyset({ ...query, after }, entity, dialect, params);
    return { ...result, params };
  };

  it('orders by the sequence alone by default', () => {
    assert.deepEqual(keyset(certs(''), certificateEntity, undefined), { orderBy: 'seq ASC', params: [] });
    assert.deepEqual(keyset(certs(''), certificateEntity, [9]), { orderBy: 'seq ASC', keysetWhere: 'seq > ?', params: [9] });
    assert.deepEqual(keyset(certs(''), certificateEntity, [9], postgresDialect), { orderBy: 'seq ASC', keysetWhere: 'seq > $1', params: [9] });
  });

  it('orders by filter columns, then the sequence; nulls first ascending, last descending', () => {
    assert.equal(keyset(certs('$orderby=expirationDateTime desc,userPrincipalName'), certificateEntity, undefined).orderBy,
      'expiration_date_time DESC, upn_lower ASC, seq ASC');
    assert.equal(keyset(users('$orderby=displayName,mail desc'), userEntity, undefined).orderBy,
      'display_name ASC NULLS FIRST, mail DESC NULLS LAST, seq ASC');
  });

  it('writes the lexicographic "after" predicate', () => {
    const d = '2027-01-01T00:00:00.0000000Z';
    assert.deepEqual(keyset(certs('$orderby=expirationDateTime desc,keyName'), certificateEntity, [d, 'k', 7]), {
      orderBy: 'expiration_date_time DESC, key_name ASC, seq ASC',
      keysetWhere: 'expiration_date_time <= ? AND (expiration_date_time < ? OR (expiration_date_time = ? AND key_name > ?) ' +
        'OR (expiration_date_time = ? AND key_name = ? AND seq > ?))',
      params: [d, d, d, 'k', d, 'k', 7],
    });
  });

  it('handles null positions and nullable keys', () => {
    assert.deepEqual(keyset(users('$orderby=displayName desc'), userEntity, [null, 5]).keysetWhere, '(display_name IS NULL AND seq > ?)');
    assert.deepEqual(keyset(users('$orderby=displayName'), userEntity, [null, 5]).keysetWhere,
      '(display_name IS NOT NULL OR (display_name IS NULL AND seq > ?))');
    assert.deepEqual(keyset(users('$orderby=displayName desc'), userEntity, ['Bob', 5]),
      {
        orderBy: 'display_name DESC NULLS LAST, seq ASC',
        keysetWhere: '((display_name < ? OR display_name IS NULL) OR (display_name = ? AND seq > ?))',
        params: ['Bob', 'Bob', 5],
      });
    assert.deepEqual(keyset(users('$orderby=accountEnabled desc'), userEntity, [true, 5], postgresDialect).params, [true, true, true, 5]);
    assert.deepEqual(keyset(users('$orderby=accountEnabled desc'), userEntity, [true, 5]).params, [1, 1, 1, 5]);
  });

  it('refuses a position that does not fit the sort keys', () => {
    assert.throws(() => keyset(certs('$orderby=keyName'), certificateEntity, [5]), /keyset position has 1 values for 2 sort keys/);
  });
});

describe('rowKeyValues', () => {
  it('reads orderBy values then __seq, in the form the token keeps', () => {
    const query = parseListQuery('$orderby=userPrincipalName desc,accountEnabled,displayName', userEntity);
    assert.deepEqual(rowKeyValues(query, { userPrincipalName: 'Adele@Contoso.com', accountEnabled: 1, displayName: null, __seq: '12' }),
      ['adele@contoso.com', true, null, 12]);
    assert.throws(() => rowKeyValues(query, { userPrincipalName: 'a', accountEnabled: true, displayName: null }), /__seq/);
  });
});
