import type Database from 'better-sqlite3';
import { PerTurnQueue } from '../util/per-turn-queue.js';

interface PendingWrite {
  readonly work: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Group commit for SQLite. Writes that arrive while the event loop is busy are run together in one
 * transaction — one fsync for the whole group — each inside its own savepoint, so one write failing (a
 * conflict, a rule broken inside an update) rolls back only that write. Every promise settles only after the
 * COMMIT is durable, so a 201 still means "on disk".
 */
export class SqliteWriteQueue {
  private readonly pending = new PerTurnQueue<PendingWrite>((batch) => this.flush(batch));
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;
  private readonly rollback: Database.Statement;
  private readonly savepoint: Database.Statement;
  private readonly release: Database.Statement;
  private readonly rollbackTo: Database.Statement;

  constructor(private readonly db: Database.Database, private readonly translate: (err: unknown) => unknown) {
    // IMMEDIATE takes the write lock up front, so a second process waits (busy_timeout) instead of failing mid-way.
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
    this.savepoint = db.prepare('SAVEPOINT write');
    this.release = db.prepare('RELEASE write');
    this.rollbackTo = db.prepare('ROLLBACK TO write');
  }

  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  /** Runs whatever is waiting now (before the database closes). */
  drain(): void {
    this.pending.drain();
  }

  private flush(batch: PendingWrite[]): void {
    const outcomes: ({ ok: true; value: unknown } | { ok: false; err: unknown })[] = [];
    try {
      this.begin.run();
      for (const item of batch) {
        this.savepoint.run();
        try {
          outcomes.push({ ok: true, value: item.work() });
          this.release.run();
        } catch (err) {
          this.rollbackTo.run();
          this.release.run();
          outcomes.push({ ok: false, err: this.translate(err) });
        }
      }
      this.commit.run();
    } catch (err) {
      // BEGIN or COMMIT failed: nothing of this group is stored, and every writer hears so.
      if (this.db.inTransaction) this.rollback.run();
      const failure = this.translate(err);
      for (const item of batch) item.reject(failure);
      return;
    }
    batch.forEach((item, i) => {
      const outcome = outcomes[i];
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.err);
    });
  }
}
