import type Database from 'better-sqlite3';
import { PerTurnQueue } from '../util/per-turn-queue.js';

type Outcome = { ok: true; value: unknown } | { ok: false; err: unknown };

interface PendingWrite {
  /** Only touches the database: it runs a second time when another write of its group failed. */
  readonly work: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Group commit for SQLite. Writes that arrive in one turn of the event loop run together in one transaction —
 * one fsync for the whole group. One write failing (a conflict, a rule broken inside an update) fails only
 * that write: the group then runs again with a savepoint around each write. Every promise settles only after
 * the COMMIT is durable, so a 201 still means "on disk".
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
    let outcomes: Outcome[];
    try {
      this.begin.run();
      outcomes = this.runTogether(batch) ?? this.runApart(batch);
      if (this.db.inTransaction) this.commit.run();
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

  /**
   * The whole group in the open transaction, without savepoints: what nearly every group is, and a savepoint
   * per write costs ~7% of a create. When a write throws, everything is rolled back: a lone write's failure is
   * its outcome; a group is handed to runApart (undefined).
   */
  private runTogether(batch: PendingWrite[]): Outcome[] | undefined {
    const values: unknown[] = [];
    for (const item of batch) {
      try {
        values.push(item.work());
      } catch (err) {
        this.rollback.run();
        return batch.length === 1 ? [{ ok: false, err: this.translate(err) }] : undefined;
      }
    }
    return values.map((value) => ({ ok: true, value }));
  }

  /** The group again in a new transaction, each write in its own savepoint: a failure undoes only its write. */
  private runApart(batch: PendingWrite[]): Outcome[] {
    this.begin.run();
    return batch.map((item): Outcome => {
      this.savepoint.run();
      try {
        const value = item.work();
        this.release.run();
        return { ok: true, value };
      } catch (err) {
        this.rollbackTo.run();
        this.release.run();
        return { ok: false, err: this.translate(err) };
      }
    });
  }
}
