/**
 * Collects items until the event loop finishes its current turn, then hands them over together. What arrives
 * in one turn is many requests when the server is busy and one when it is idle, so batches grow with the load
 * and an idle server waits for nothing but the end of the turn.
 */
export class PerTurnQueue<T> {
  private items: T[] = [];

  constructor(private readonly flush: (items: T[]) => void) {}

  push(item: T): void {
    if (this.items.length === 0) setImmediate(() => this.drain());
    this.items.push(item);
  }

  /** Hands over what is waiting now, without waiting for the turn to end (before closing). */
  drain(): void {
    const items = this.items;
    if (items.length === 0) return;
    this.items = [];
    this.flush(items);
  }
}
