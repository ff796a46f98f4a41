import type { PropertyDef } from '../model/entity.js';
import type { BoundExpr } from './filter-ast.js';

export interface OrderKey {
  readonly property: PropertyDef;
  readonly direction: 'asc' | 'desc';
}

/**
 * A list request after parsing and binding its query options: what a store needs to answer it.
 * Paging is keyset: the store orders by `orderBy` then the entity's sequence column, fetches `top + 1`
 * rows after `after`, and hands back the last row's key for the next `$skiptoken`.
 */
export interface ListQuery {
  readonly filter?: BoundExpr;
  readonly orderBy: readonly OrderKey[];
  /** Page size (1–1000). */
  readonly top: number;
  /** Rows to skip before the first page (only on the first page; a skiptoken carries the position after that). */
  readonly skip: number;
  readonly count: boolean;
  /** Properties to return; undefined = all. */
  readonly select?: readonly PropertyDef[];
  /** Decoded `$skiptoken`: the sort-key values of the last row returned, `orderBy` values then the sequence. */
  readonly after?: readonly (string | number | boolean | null)[];
}

/** One sort-key value of a row, as kept in a `$skiptoken` and bound as an SQL parameter. */
export type KeyValue = string | number | boolean | null;
