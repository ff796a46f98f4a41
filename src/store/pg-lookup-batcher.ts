import { PerTurnQueue } from '../util/per-turn-queue.js';
import type { PgConnections } from './pg-connections.js';
import { lookupStatement, type Statement } from './pg-statements.js';
import type { TableMapping } from './row-mapping.js';
import type { Row } from './store.js';

interface PendingLookup {
  readonly tenantId: string;
  readonly value: string;
  readonly resolve: (row: Row | undefined) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * One row by the value of one column. The lookups of one turn of the event loop by the same column (GETs by
 * id, every create's owner) go out as one statement, a join against `unnest` of their keys: under load one
 * round trip serves many requests, and an idle server waits only for the end of the turn.
 */
export class PgLookupBatcher {
  /** By `table.column`, with or without secrets: the queue that sends one turn's lookups as one statement. */
  private readonly queues = new Map<string, PerTurnQueue<PendingLookup>>();

  constructor(private readonly connections: PgConnections) {}

  lookup(mapping: TableMapping, column: string, withSecrets: boolean, tenantId: string, value: string): Promise<Row | undefined> {
    const entity = mapping.entity;
    const key = `${entity.table}.${column}${withSecrets ? '+secrets' : ''}`;
    let queue = this.queues.get(key);
    if (!queue) {
      const find = lookupStatement(entity, column, withSecrets ? mapping.selectList : mapping.publicSelectList);
      queue = new PerTurnQueue((lookups) => void this.send(mapping, find, lookups));
      this.queues.set(key, queue);
    }
    const turn = queue;
    return new Promise((resolve, reject) => turn.push({ tenantId, value, resolve, reject }));
  }

  private async send(mapping: TableMapping, find: Statement, lookups: PendingLookup[]): Promise<void> {
    try {
      const keys = [lookups.map((l) => l.tenantId), lookups.map((l) => l.value)];
      const { rows } = await this.connections.withClient((lease) => this.connections.execute(lease, find, keys));
      const found = new Map(rows.map((r) => [`${r.lookup_tenant as string}/${r.lookup_value as string}`, r]));
      for (const lookup of lookups) {
        const row = found.get(`${lookup.tenantId}/${lookup.value}`);
        lookup.resolve(row && mapping.fromDb(row));
      }
    } catch (err) {
      lookups.forEach((lookup) => lookup.reject(err));
    }
  }
}
