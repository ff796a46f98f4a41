import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { certificateEntity } from '../../src/model/certificate.js';
import type { EntityDef, PropertyDef } from '../../src/model/entity.js';
import { userEntity } from '../../src/model/user.js';
import { bindFilter } from '../../src/odata/filter-binder.js';
import { MAX_FILTER_LENGTH, parseFilter } from '../../src/odata/filter-parser.js';
import { parseListQuery } from '../../src/odata/query-options.js';
import { encodeSkipToken } from '../../src/odata/skiptoken.js';
import type { SqlDialect } from '../../src/store/sql-dialect.js';
import { compileFilter, compileOrderAndKeyset, rowKeyValues } from '../../src/store/sql-filter.js';

/**
 * The same execution tests against each database: compiled filters run for real, hostile literals stay data,
 * string predicates are exact and case-sensitive, null semantics hold, and keyset paging visits every row once.
 * Tables are built from the property tables with the storage conventions the stores follow.
 */
export interface TestDb {
  readonly dialect: SqlDialect;
  exec(sql: string): Promise<void>;
  all(sql: string, params: readonly unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

type Row = Record<string, unknown>;

const DROP = "'; DROP TABLE user_pfx_certificates; --";
const OR_TRUE = "' or 1 eq 1";

/** keyName per certificate: case twins, hostile text, LIKE wildcards, the empty string, non-ASCII. */
const KEY_NAMES = ['Alpha', 'alpha', DROP, OR_TRUE, '100%_off!', 'x', '', 'Zürich-Ω', 'AlphaBeta'];
const CERTS: Row[] = KEY_NAMES.map((keyName, i) => ({
  id: `id-${i + 1}`,
  thumbprint: `aa0${i + 1}`,
  intendedPurpose: [4, 8, 2, 4, 1, 0, 4, 8, 2][i],
  userPrincipalName: i % 2 === 0 ? 'Adele.Vance@Contoso.com' : `user${i}@contoso.com`,
  startDateTime: '2025-01-01T00:00:00.0000000Z',
  expirationDateTime: `202${6 + (i % 3)}-01-01T00:00:00.0000000Z`,
  providerName: 'Microsoft Software Key Storage Provider',
  keyName,
  paddingScheme: 5,
  encryptedPfxBlob: Buffer.from([0x30, i]),
  encryptedPfxPassword: 'cGFzc3dvcmQ=',
  createdDateTime: '2026-01-22T19:17:04.0000000Z',
  lastModifiedDateTime: '2026-01-22T19:17:04.0000000Z',
}));
const thumbs = (...indexes: number[]): string[] => indexes.map((i) => `aa0${i}`);

/** Users with repeated and null sort keys, so paging must lean on the sequence tie-breaker. */
const NAMES = ['Bob', null, 'alice', 'Bob', '', 'Carol', null, 'bob', 'Alice', 'Bob'];
const USERS: Row[] = Array.from({ length: 37 }, (_, i) => ({
  id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  userPrincipalName: `User${i % 7}.${i}@Contoso.com`,
  displayName: NAMES[i % NAMES.length],
  mail: i % 4 === 0 ? null : `m${i % 5}@contoso.com`,
  accountEnabled: i % 3 !== 0,
  createdDateTime: `2026-0${1 + (i % 4)}-01T00:00:00.0000000Z`,
}));

export function defineExecutionSuite(name: string, open: () => Promise<TestDb>, options: { skip?: string | false } = {}): void {
  describe(name, { skip: options.skip }, () => {
    let db: TestDb;

    before(async () => {
      db = await open();
      for (const [entity, rows] of [[certificateEntity, CERTS], [userEntity, USERS]] as const) {
        await db.exec(createTable(entity, db.dialect));
        for (const row of rows) await insert(db, entity, row);
      }
    });
    after(async () => db?.close());

    const matching = async (entity: EntityDef, filter: string, column: string): Promise<unknown[]> => {
      const params: unknown[] = [];
      const where = compileFilter(bindFilter(parseFilter(filter), entity), db.dialect, params);
      const rows = await db.all(`SELECT ${column} FROM ${entity.table} WHERE ${where} ORDER BY seq`, params);
      return rows.map((r) => r[column]);
    };

    describe('certificate filters', () => {
      const cases: [string, string[]][] = [
        // Hostile strings are literals like any other: each matches only its own row.
        [`keyName eq '${DROP.replaceAll("'", "''")}'`, thumbs(3)],
        [`keyName eq '${OR_TRUE.replaceAll("'", "''")}'`, thumbs(4)],
        [`contains(keyName, 'DROP TABLE') or startswith(keyName, ''' or')`, thumbs(3, 4)],
        ["keyName eq 'Alpha'", thumbs(1)],
        // Predicates are case-sensitive (SQLite's LIKE would not be) and exact at the edges.
        ["startswith(keyName, 'Alpha')", thumbs(1, 9)],
        ["startswith(keyName, 'alpha')", thumbs(2)],
        ["startswith(tolower(keyName), 'alpha')", thumbs(1, 2, 9)],
        ["endswith(keyName, 'Beta')", thumbs(9)],
        ["endswith(keyName, 'beta')", []],
        ["endswith(keyName, 'lpha')", thumbs(1, 2)],
        ["endswith(keyName, 'xAlpha')", []],
        ["endswith(keyName, 'x')", thumbs(6)],
        ["startswith(keyName, '')", thumbs(1, 2, 3, 4, 5, 6, 7, 8, 9)],
        ["endswith(keyName, '')", thumbs(1, 2, 3, 4, 5, 6, 7, 8, 9)],
        ["contains(keyName, '')", thumbs(1, 2, 3, 4, 5, 6, 7, 8, 9)],
        ["keyName eq ''", thumbs(7)],
        ["contains(keyName, 'ph')", thumbs(1, 2, 9)],
        // LIKE wildcards in the search text are plain characters.
        ["contains(keyName, '%')", thumbs(5)],
        ["contains(keyName, '%%')", []],
        ["startswith(keyName, '_')", []],
        ["contains(keyName, '_o')", thumbs(5)],
        ["endswith(keyName, 'f!')", thumbs(5)],
        ["startswith(keyName, '100%_')", thumbs(5)],
        ["contains(keyName, 'Ω') and endswith(keyName, 'h-Ω') and startswith(keyName, 'Zü')", thumbs(8)],
        ["toupper(keyName) eq 'ALPHA'", thumbs(1, 2)],
        ["tolower(keyName) in ('alpha', 'x')", thumbs(1, 2, 6)],
        // Case-insensitive properties, the PowerShell module's query.
        ["userPrincipalName eq 'ADELE.VANCE@contoso.COM'", thumbs(1, 3, 5, 7, 9)],
        ["tolower(userPrincipalName) eq 'adele.vance@contoso.com' and tolower(thumbprint) eq 'AA05'", thumbs(5)],
        ["toupper(thumbprint) eq 'aa02'", thumbs(2)],
        // Dates, enums, logic.
        ['expirationDateTime lt 2027-01-01T00:00:00Z', thumbs(1, 4, 7)],
        ['expirationDateTime ge 2027-01-01T01:00:00+01:00', thumbs(2, 3, 5, 6, 8, 9)],
        ["intendedPurpose eq 'VPN'", thumbs(1, 4, 7)],
        ["intendedPurpose in ('wifi', microsoft.graph.userPfxIntendedPurpose'smimeSigning')", thumbs(2, 3, 8, 9)],
        ["intendedPurpose ne 'vpn' and not (intendedPurpose gt 2)", thumbs(3, 5, 6, 9)],
        ["(intendedPurpose eq 'vpn' or keyName eq 'x') and expirationDateTime lt 2027-01-01T00:00:00Z", thumbs(1, 4, 7)],
      ];
      for (const [filter, expected] of cases) {
        it(filter, async () => assert.deepEqual(await matching(certificateEntity, filter, 'thumbprint'), expected));
      }

      it('leaves the table in place after the hostile filters', async () => {
        const rows = await db.all('SELECT COUNT(*) AS n FROM user_pfx_certificates', []);
        assert.equal(Number(rows[0].n), CERTS.length);
      });

      it('runs a 10 KB chain of or clauses', async () => {
        const filter = [...Array.from({ length: 500 }, (_, i) => `keyName eq 'n${i}'`), "keyName eq 'x'"].join(' or ');
        assert.ok(filter.length > 10_000);
        assert.deepEqual(await matching(certificateEntity, filter, 'thumbprint'), thumbs(6));
      });

      it(`runs the longest or chain the length limit allows (past SQLite's expression depth of 1000 if it were flat)`, async () => {
        const clauses = Array.from({ length: 2400 }, () => "id eq 'n'");
        clauses[1200] = "keyName eq 'x'";
        const filter = clauses.join(' or ');
        assert.ok(filter.length <= MAX_FILTER_LENGTH);
        assert.deepEqual(await matching(certificateEntity, filter, 'thumbprint'), thumbs(6));
      });

      it('runs a filter nested to the depth limit', async () => {
        const filter = 'not '.repeat(99) + "(keyName eq 'x')";
        assert.deepEqual(await matching(certificateEntity, filter, 'thumbprint'), thumbs(1, 2, 3, 4, 5, 7, 8, 9));
      });
    });

    describe('null and boolean semantics', () => {
      const cases: [string, (u: Row) => boolean][] = [
        ['displayName eq null', (u) => u.displayName === null],
        ['displayName ne null', (u) => u.displayName !== null],
        ["displayName eq 'Bob'", (u) => u.displayName === 'Bob'],
        // OData: null ne 'Bob' is true, and not (null eq 'Bob') is true.
        ["displayName ne 'Bob'", (u) => u.displayName !== 'Bob'],
        ["not (displayName eq 'Bob')", (u) => u.displayName !== 'Bob'],
        ["not (displayName ne 'Bob')", (u) => u.displayName === 'Bob'],
        ["not startswith(displayName, 'B')", (u) => !(typeof u.displayName === 'string' && u.displayName.startsWith('B'))],
        ["displayName gt 'B'", (u) => typeof u.displayName === 'string' && u.displayName > 'B'],
        ["not (displayName gt 'B' or mail eq null)", (u) => !((typeof u.displayName === 'string' && u.displayName > 'B') || u.mail === null)],
        ['accountEnabled', (u) => u.accountEnabled === true],
        ['not accountEnabled', (u) => u.accountEnabled === false],
        ['accountEnabled eq false and mail ne null', (u) => u.accountEnabled === false && u.mail !== null],
        ["tolower(displayName) eq 'bob'", (u) => typeof u.displayName === 'string' && u.displayName.toLowerCase() === 'bob'],
        ["displayName eq ''", (u) => u.displayName === ''],
      ];
      for (const [filter, oracle] of cases) {
        it(filter, async () => assert.deepEqual(await matching(userEntity, filter, 'id'), USERS.filter(oracle).map((u) => u.id)));
      }
    });

    describe('keyset paging', () => {
      const queries = [
        '',
        '$orderby=displayName',
        '$orderby=displayName desc',
        '$orderby=displayName desc,accountEnabled',
        '$orderby=mail,displayName desc,createdDateTime desc',
        '$orderby=accountEnabled desc,userPrincipalName',
        '$orderby=createdDateTime desc,mail desc',
        '$filter=accountEnabled or displayName eq null&$orderby=displayName desc,mail',
      ];
      for (const raw of queries) {
        it(`visits every row exactly once, in order: ${raw || '(default order)'}`, async () => {
          const whole = await listPage(db, userEntity, parseListQuery(raw, userEntity, { defaultTop: 1000 }));
          const expectedCount = raw.includes('$filter') ? USERS.filter((u) => u.accountEnabled || u.displayName === null).length : USERS.length;
          assert.equal(whole.length, expectedCount);

          const seen: number[] = [];
          let query = parseListQuery(`${raw}&$top=4`, userEntity);
          for (let pages = 0; ; pages++) {
            assert.ok(pages < 100, 'paging does not end');
            const rows = await listPage(db, userEntity, query);
            seen.push(...rows.slice(0, query.top).map((r) => r.__seq as number));
            if (rows.length <= query.top) break;
            // The full cycle a request makes: row → key → token → parsed query.
            const token = encodeSkipToken(query, rowKeyValues(query, rows[query.top - 1]));
            query = parseListQuery(`${raw}&$top=4&$skiptoken=${token}`, userEntity);
          }
          assert.deepEqual(seen, whole.map((r) => r.__seq));
          assert.equal(new Set(seen).size, seen.length);
        });
      }

      it('puts nulls first ascending and last descending', async () => {
        const names = async (raw: string) => (await listPage(db, userEntity, parseListQuery(raw, userEntity))).map((r) => r.displayName);
        const asc = await names('$orderby=displayName');
        const desc = await names('$orderby=displayName desc');
        const nulls = USERS.filter((u) => u.displayName === null).length;
        assert.deepEqual(asc.slice(0, nulls), Array(nulls).fill(null));
        assert.deepEqual(desc.slice(-nulls), Array(nulls).fill(null));
      });
    });
  });
}

/** One page as a store would fetch it: filter, keyset, order, top + 1. Rows come back keyed by property name, with __seq. */
async function listPage(db: TestDb, entity: EntityDef, query: ReturnType<typeof parseListQuery>): Promise<Row[]> {
  const params: unknown[] = [];
  const where: string[] = [];
  if (query.filter) where.push(`(${compileFilter(query.filter, db.dialect, params)})`);
  const { keysetWhere, orderBy } = compileOrderAndKeyset(query, entity, db.dialect, params);
  if (keysetWhere) where.push(`(${keysetWhere})`);
  const sql = `SELECT * FROM ${entity.table}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${orderBy} LIMIT ${query.top + 1}`;
  const records = await db.all(sql, params);
  return records.map((record) => {
    const row: Row = { __seq: Number(record[entity.sequenceColumn]) };
    for (const p of entity.properties) row[p.name] = p.kind === 'boolean' ? Boolean(record[p.column]) : record[p.column];
    return row;
  });
}

export function createTable(entity: EntityDef, dialect: SqlDialect): string {
  const sqlType = (p: PropertyDef): string => {
    switch (p.kind) {
      case 'enum':
      case 'int32': return 'INTEGER';
      case 'boolean': return dialect.name === 'sqlite' ? 'INTEGER' : 'BOOLEAN';
      case 'binary': return dialect.name === 'sqlite' ? 'BLOB' : 'BYTEA';
      default: return 'TEXT';
    }
  };
  const columns = [
    `${entity.sequenceColumn} ${dialect.name === 'sqlite' ? 'INTEGER PRIMARY KEY' : 'INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY'}`,
    ...entity.properties.map((p) => `${p.column} ${sqlType(p)}${p.storedNullable ? '' : ' NOT NULL'}`),
    ...entity.properties.filter((p) => p.filterColumn !== p.column).map((p) => `${p.filterColumn} TEXT NOT NULL`),
  ];
  return `CREATE TABLE ${entity.table} (${columns.join(', ')})`;
}

async function insert(db: TestDb, entity: EntityDef, row: Row): Promise<void> {
  const derived = entity.properties.filter((p) => p.filterColumn !== p.column);
  const columns = [...entity.properties.map((p) => p.column), ...derived.map((p) => p.filterColumn)];
  const values = [
    ...entity.properties.map((p) => db.dialect.toParam(row[p.name] as never)),
    ...derived.map((p) => String(row[p.name]).toLowerCase()),
  ];
  const placeholders = values.map((_, i) => db.dialect.placeholder(i + 1));
  await db.all(`INSERT INTO ${entity.table} (${columns.join(', ')}) VALUES (${placeholders.join(', ')}) RETURNING ${entity.sequenceColumn}`, values);
}
