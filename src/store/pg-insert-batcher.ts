import type { EntityDef } from '../model/entity.js';
import { ConflictError, DomainError, StoreUnavailableError } from '../model/errors.js';
import { PerTurnQueue } from '../util/per-turn-queue.js';
import { batchInsertStatement, batchInsertValues, type BatchInsertStatement, type BatchedInsert } from './pg-batch-insert.js';
import type { PgConnections } from './pg-connections.js';
import type { ColumnTypes } from './pg-schema.js';
import type { TableMapping } from './row-mapping.js';
import type { Row, WriteOptions } from './store.js';

/** Most inserts sent in one statement (~4.5 KB each for certificates). */
const INSERT_BATCH_SIZE = 100;

interface PendingInsert extends BatchedInsert {
  readonly resolve: (row: Row) => void;
  readonly reject: (err: unknown) => void;
}

/** What the batcher needs of one entity's table. */
interface BatchTarget {
  readonly mapping: TableMapping;
  readonly statement: BatchInsertStatement;
  readonly queue: PerTurnQueue<PendingInsert>;
}

/** An insert and its audit event in a transaction of their own: what an insert falls back to. */
export type InsertAlone = (entity: EntityDef, tenantId: string, row: Row, options: WriteOptions) => Promise<Row>;

/**
 * Inserts made in one turn of the event loop go out together, as one statement (pg-batch-insert.ts): under
 * load that is one round trip and one commit for many creates instead of four round trips each. Each caller
 * still gets its own row or its own error.
 */
export class PgInsertBatcher {
  private readonly targets = new Map<EntityDef, BatchTarget>();

  constructor(
    private readonly connections: PgConnections,
    private readonly audit: TableMapping,
    private readonly types: ColumnTypes,
    private readonly insertAlone: InsertAlone,
  ) {}

  insert(mapping: TableMapping, tenantId: string, row: Row, options: WriteOptions): Promise<Row> {
    const { queue } = this.target(mapping);
    return new Promise((resolve, reject) => queue.push({ tenantId, row, options, resolve, reject }));
  }

  /** The entity's batch statement and queue, made on its first insert. */
  private target(mapping: TableMapping): BatchTarget {
    let target = this.targets.get(mapping.entity);
    if (!target) {
      const statement = batchInsertStatement(mapping, this.audit, this.types);
      const queue = new PerTurnQueue<PendingInsert>((items) => this.flush(mapping.entity, items));
      this.targets.set(mapping.entity, (target = { mapping, statement, queue }));
    }
    return target;
  }

  private flush(entity: EntityDef, queue: PendingInsert[]): void {
    // Only the first insert of a key goes into a batch: the statement could not tell two rows of one key
    // apart. The others follow on their own once it is settled, and meet its row (a conflict) or not.
    const firsts = new Map<string, PendingInsert>();
    const repeats: PendingInsert[] = [];
    for (const item of queue) {
      const key = `${item.tenantId}/${item.row.id as string}`;
      if (firsts.has(key)) repeats.push(item);
      else firsts.set(key, item);
    }
    const distinct = [...firsts.values()];
    const sent: Promise<void>[] = [];
    for (let i = 0; i < distinct.length; i += INSERT_BATCH_SIZE) {
      sent.push(this.send(entity, distinct.slice(i, i + INSERT_BATCH_SIZE)));
    }
    if (repeats.length > 0) void Promise.all(sent).then(() => repeats.forEach((item) => this.alone(entity, item)));
  }

  private async send(entity: EntityDef, batch: PendingInsert[]): Promise<void> {
    const { mapping, statement } = this.targets.get(entity)!;
    let inserted: Map<string, Record<string, unknown>>;
    try {
      // One statement is atomic on its own. If its connection turns out to have died while idle, withClient
      // sends it again on another; ON CONFLICT makes that safe even if the first attempt had committed (the
      // rows are not written twice, nor their audit events; those creates would answer 409).
      const { rows } = await this.connections.withClient((lease) =>
        this.connections.execute(lease, statement, batchInsertValues(statement, mapping, this.audit, batch)));
      inserted = new Map(rows.map((r) => [`${r.tenant_id as string}/${r.id as string}`, r]));
    } catch (err) {
      // A constraint that fails the whole statement (an owner deleted meanwhile: a foreign key) belongs to
      // some of the rows only: each insert then runs on its own and gets its own answer.
      if (err instanceof DomainError && !(err instanceof StoreUnavailableError)) batch.forEach((item) => this.alone(entity, item));
      else batch.forEach((item) => item.reject(err));
      return;
    }
    for (const item of batch) {
      const row = inserted.get(`${item.tenantId}/${item.row.id as string}`);
      if (row) item.resolve(mapping.fromDb(row));
      else item.reject(new ConflictError('duplicate', 'An entity with the same key already exists.'));
    }
  }

  private alone(entity: EntityDef, item: PendingInsert): void {
    this.insertAlone(entity, item.tenantId, item.row, item.options).then(item.resolve, item.reject);
  }
}
