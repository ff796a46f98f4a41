/**
 * Pulls from an async source ahead of its consumer, holding at most `capacity` items. For a paged Graph list this
 * puts the next page's request on the wire while the items of the current one are being worked through, instead of
 * only when the consumer asks past the end of a page (which is when a plain `for await` would ask).
 *
 * The consumer must let the event loop turn now and then (`await setImmediate`) when its work is synchronous, or
 * the response cannot be read until the buffer runs dry.
 */
export class ReadAhead<T> implements AsyncIterable<T> {
  private buffer: T[] = [];
  private head = 0;
  private finished = false;
  private failure: { readonly error: unknown } | undefined;
  private stopped = false;
  private wakeConsumer: (() => void) | undefined;
  private wakeProducer: (() => void) | undefined;

  constructor(source: AsyncIterable<T>, private readonly capacity: number) {
    void this.fill(source);
  }

  /** Stops pulling (a request in flight is left to finish or fail; its failure is not reported). */
  stop(): void {
    this.stopped = true;
    this.wake('producer');
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    try {
      for (;;) {
        if (this.head < this.buffer.length) {
          const item = this.buffer[this.head++]!;
          // Drop what was taken now and then, rather than shifting the array once per item.
          if (this.head >= 1024) {
            this.buffer = this.buffer.slice(this.head);
            this.head = 0;
          }
          this.wake('producer');
          yield item;
        } else if (this.failure) {
          throw this.failure.error;
        } else if (this.finished) {
          return;
        } else {
          await new Promise<void>((resolve) => { this.wakeConsumer = resolve; });
        }
      }
    } finally {
      this.stop();
    }
  }

  private get held(): number {
    return this.buffer.length - this.head;
  }

  private async fill(source: AsyncIterable<T>): Promise<void> {
    try {
      for await (const item of source) {
        this.buffer.push(item);
        this.wake('consumer');
        while (this.held >= this.capacity && !this.stopped) await new Promise<void>((resolve) => { this.wakeProducer = resolve; });
        if (this.stopped) break;
      }
    } catch (error) {
      this.failure = { error };
    }
    this.finished = true;
    this.wake('consumer');
  }

  private wake(who: 'consumer' | 'producer'): void {
    const wake = who === 'consumer' ? this.wakeConsumer : this.wakeProducer;
    if (who === 'consumer') this.wakeConsumer = undefined;
    else this.wakeProducer = undefined;
    wake?.();
  }
}

/** A listing again from its first item, which the caller read on its own first (to check what comes back). */
export async function* resume<T>(first: T, rest: AsyncIterator<T>): AsyncGenerator<T> {
  yield first;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}
