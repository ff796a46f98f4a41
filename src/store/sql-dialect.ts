/**
 * The few places where SQLite and PostgreSQL SQL differ for `$filter`/`$orderby`; everything else in
 * sql-filter.ts is shared standard SQL (`IS NULL`, `IN`, `IS NOT TRUE`, `NULLS FIRST/LAST`: both have them).
 *
 * The string predicates must be case-sensitive, as OData's are (case-insensitive matching is asked for with
 * tolower/toupper). SQLite's LIKE ignores ASCII case by default, so SQLite uses substr/instr; PostgreSQL uses
 * LIKE with the wildcards of the search text escaped (`!` as the escape character, so no backslash questions).
 * Every value reaches the database as a bind parameter — `bind` pushes one and returns its placeholder, and a
 * dialect that needs the value twice binds it twice (SQLite's `?` cannot be referenced again).
 */
export type Bind = (value: unknown) => string;

export interface SqlDialect {
  readonly name: 'sqlite' | 'postgres';
  /** Placeholder of the n-th parameter (1-based): `?` or `$n`. */
  placeholder(n: number): string;
  /** A JS value as the driver must receive it (SQLite has no boolean type: 1/0). */
  toParam(value: string | number | boolean | null): unknown;
  lower(sql: string): string;
  upper(sql: string): string;
  startsWith(subject: string, search: string, bind: Bind): string;
  endsWith(subject: string, search: string, bind: Bind): string;
  contains(subject: string, search: string, bind: Bind): string;
  /**
   * A term that lets a list without `$filter` or `$orderby` walk an index in (tenant_id, sequence) order, or
   * undefined when the database finds that order without help. SQLite's is the condition of its partial
   * `…_seq` indexes (migration 2); PostgreSQL's primary key is (tenant_id, seq).
   */
  sequenceOrderTerm(sequenceColumn: string): string | undefined;
}

export const sqliteDialect: SqlDialect = {
  name: 'sqlite',
  placeholder: () => '?',
  toParam: (value) => (typeof value === 'boolean' ? (value ? 1 : 0) : value),
  lower: (sql) => `lower(${sql})`,
  upper: (sql) => `upper(${sql})`,
  startsWith(subject, search, bind) {
    const length = bind(search);
    return `substr(${subject}, 1, length(${length})) = ${bind(search)}`;
  },
  // Start counted from the left: substr(x, 0) would return all of x, so `-length('')` cannot be used for ''.
  // A search longer than the subject yields a start ≤ 0 and a result shorter than the search: no match, as it should.
  endsWith(subject, search, bind) {
    const length = bind(search);
    return `substr(${subject}, length(${subject}) - length(${length}) + 1) = ${bind(search)}`;
  },
  contains: (subject, search, bind) => `instr(${subject}, ${bind(search)}) > 0`,
  sequenceOrderTerm: (column) => `${column} >= 0`,
};

export const postgresDialect: SqlDialect = {
  name: 'postgres',
  placeholder: (n) => `$${n}`,
  toParam: (value) => value,
  lower: (sql) => `lower(${sql})`,
  upper: (sql) => `upper(${sql})`,
  startsWith: (subject, search, bind) => like(subject, `${escapeLike(search)}%`, bind),
  endsWith: (subject, search, bind) => like(subject, `%${escapeLike(search)}`, bind),
  contains: (subject, search, bind) => like(subject, `%${escapeLike(search)}%`, bind),
  sequenceOrderTerm: () => undefined,
};

function like(subject: string, pattern: string, bind: Bind): string {
  return `${subject} LIKE ${bind(pattern)} ESCAPE '!'`;
}

function escapeLike(text: string): string {
  return text.replace(/[!%_]/g, '!$&');
}
