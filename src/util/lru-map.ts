interface Entry<V> {
  readonly value: V;
  /** When the entry last moved to the newest end of the order (a count of moves). */
  moved: number;
}

/**
 * A Map bounded to `capacity` entries that drops the least recently used one when full. A Map iterates in
 * insertion order, so re-inserting an entry on a hit moves it to the newest end and the oldest-used entry stays
 * first. A hit on an entry already in the newer half of the order is not moved: the caches this serves answer
 * most requests from a few hot entries, and the delete and insert of a move cost more than the lookup itself.
 */
export class LruMap<K, V> {
  private readonly entries = new Map<K, Entry<V>>();
  private moves = 0;

  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    // At most `moves - entry.moved` entries have been placed after this one since it moved.
    if (this.moves - entry.moved >= this.capacity / 2) {
      this.entries.delete(key);
      entry.moved = ++this.moves;
      this.entries.set(key, entry);
    }
    return entry.value;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value as K);
    this.entries.set(key, { value, moved: ++this.moves });
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
