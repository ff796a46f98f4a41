import type { EntityDef, RowOf } from '../model/entity.js';
import type { BoundExpr } from '../odata/filter-ast.js';
import type { ListQuery } from '../odata/list-query.js';

/**
 * An entity as the store holds it, keyed by property name, values in stored form:
 * strings, guids and dates (fixed-width UTC text, see model/datetime.ts) as string; enums and int32 as number;
 * booleans as boolean; binary and secret properties as Buffer (secrets arrive already encrypted);
 * complex values as JSON text.
 */
export type Row = Record<string, unknown>;

/**
 * Room kept beside a row the store holds in memory (a CachedRow), for what a layer above derives from that row
 * alone and would otherwise derive again on every read: the graph layer keeps the row's response body here, in
 * bytes, with the `@odata.context` and `@odata.type` choice it was written for (graph/entity-format.ts). The
 * store never reads it; it is dropped with the row by the write that changes the row, so it is never stale.
 */
export interface RowMemo {
  body?: { readonly contextUrl: string; readonly withType: boolean; readonly bytes: Buffer };
}

/**
 * A row the store holds in memory (the SQLite store's row cache, store/row-cache.ts): what `peek` answers, and
 * what `get` without secrets may answer. It is frozen and stays the same object on every read until a write
 * drops it, and it carries its RowMemo under `__memo`, a property that is not enumerable, so spreading,
 * comparing or formatting the row never meets it. Every other row (from a write, a list, a read with secrets,
 * a store without a cache) has no `__memo`: a caller reads it as `(row as Partial<CachedRow>).__memo` and
 * memoizes only when it is there.
 */
export interface CachedRow extends Readonly<Row> {
  readonly __memo: RowMemo;
}

/**
 * A row read from the store, typed from its entity's property table. The stores build rows from the table
 * (row-mapping.ts), so this is where their type is stated, once for every method that returns one.
 */
export function typedRow<E extends EntityDef>(_entity: E, row: Row): RowOf<E> {
  return row as RowOf<E>;
}

export interface Page<R = Row> {
  readonly rows: R[];
  /** Sort-key values of the last row when more rows follow: what the next `$skiptoken` encodes. */
  readonly nextAfter?: readonly unknown[];
  /** Total matching rows, when the query asked for `$count`. */
  readonly count?: number;
}

/** Options of a write: the audit event recorded in the same transaction, and the owner of an inserted row. */
export interface WriteOptions {
  readonly audit?: Row;
  /** The id of the row that owns this one, for an entity with an owner column (a certificate's user). */
  readonly ownerId?: string;
}

/** Options of a read. */
export interface ReadOptions {
  /**
   * Also read the secret properties. Off by default: a caller without the export role never needs them, and
   * not reading them keeps secret material out of memory (and GETs cheaper).
   */
  readonly withSecrets?: boolean;
}

/** One tenant's certificates by expiry, at one instant (`Store.expiryCounts`). */
export interface ExpiryCounts {
  readonly tenantId: string;
  readonly total: number;
  /** expirationDateTime at or before the instant. */
  readonly expired: number;
  /** Not expired, and expirationDateTime less than N days after the instant: one count per N asked for, in order. */
  readonly expiringWithin: readonly number[];
}

/**
 * The one store interface, in domain terms. Implementations: SQLite (store/sqlite.ts) and PostgreSQL
 * (store/postgres.ts), chosen by store/open-store.ts. They throw domain errors (ConflictError,
 * StoreUnavailableError), never HTTP errors. Every call but expiryCounts is scoped to one tenant.
 */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';

  /**
   * Inserts; ConflictError when a unique key (id, a user's UPN) is taken. Returns the stored row without its
   * secret properties: the caller has just sent them, and copying them back is most of the cost of a create.
   */
  insert<E extends EntityDef>(entity: E, tenantId: string, row: Row, options?: WriteOptions): Promise<RowOf<E>>;
  /** Without secrets, a store with a row cache answers a CachedRow (see there); with secrets, never. */
  get<E extends EntityDef>(entity: E, tenantId: string, id: string, options?: ReadOptions): Promise<RowOf<E> | undefined>;
  /**
   * The row `get` would answer without secrets, when the store holds it in memory: answered at once, without a
   * promise. Undefined means "ask `get`", not "absent". A GET by id served from memory then skips the promise
   * rounds of every layer it passes (~7% of its cost). Stores without a cache leave it out.
   */
  peek?<E extends EntityDef>(entity: E, tenantId: string, id: string): (RowOf<E> & CachedRow) | undefined;
  /** Finds one row by a case-insensitive property's lower-cased value (a user by UPN). */
  findBy<E extends EntityDef>(entity: E, tenantId: string, property: string, value: string): Promise<RowOf<E> | undefined>;
  /**
   * Reads, applies `change` to the row and writes it back, all in one transaction, so the change sees
   * the current row. Returns the updated row, or undefined when absent (`change` is then not called).
   * `change` may be called more than once (SQLite re-runs a group of writes when one of them failed), so it
   * must compute, not act.
   */
  update<E extends EntityDef>(entity: E, tenantId: string, id: string, change: (current: RowOf<E>) => Row,
    options?: WriteOptions): Promise<RowOf<E> | undefined>;
  /** Deletes; false when absent; ConflictError when other rows still refer to it (a user who owns certificates). */
  delete(entity: EntityDef, tenantId: string, id: string, options?: WriteOptions): Promise<boolean>;
  /**
   * One keyset page. With a `$select` (query.select) its rows carry only `id`, the selected properties, those
   * ordered by, and the secrets when read: whatever else the caller needs it must select.
   */
  list<E extends EntityDef>(entity: E, tenantId: string, query: ListQuery, options?: ReadOptions): Promise<Page<RowOf<E>>>;
  count(entity: EntityDef, tenantId: string, filter?: BoundExpr): Promise<number>;
  /**
   * Certificates by expiry, for every tenant that has or had any, at `now`, for windows of `withinDays` days
   * (whole numbers from 1). The one call not scoped to a tenant: it feeds /metrics. Kept cheap at any size by
   * counts per expiry day kept up to date by the database itself (store/expiry-sql.ts).
   */
  expiryCounts(now: Date, withinDays: readonly number[]): Promise<ExpiryCounts[]>;
  /** Records an audit event on its own (exports, which change nothing). */
  appendAudit(tenantId: string, event: Row): Promise<void>;
  /**
   * Removes everything of one tenant — certificates, users, audit events and expiry counts — in one
   * transaction (`POST /_pfxstore/reset`): a reader sees the tenant whole or empty. Other tenants are untouched.
   */
  removeTenant(tenantId: string): Promise<void>;

  /** Resolves when the store answers; rejects with StoreUnavailableError otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
