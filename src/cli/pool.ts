/**
 * Runs `work` over the items with at most `concurrency` in flight; resolves when all are done. `work` is
 * expected to handle its own failures (a rejection stops nothing but is rethrown at the end).
 */
export async function runPool<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let firstError: unknown;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        await work(items[index]!, index);
      } catch (err) {
        firstError ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  if (firstError !== undefined) throw firstError;
}

/**
 * `runPool` over items that arrive as the work goes (a paged listing): at most `concurrency` items in work, and
 * up to `readAhead` read ahead of them, so the next page is fetched while the last items of this one are being
 * worked on. Unlike `runPool`, the first rejection (of `work` or of the listing) stops the reading: no new item
 * is started, and it is rethrown once the items in work have settled.
 */
export async function runPoolStream<T>(
  items: AsyncIterable<T>, concurrency: number, work: (item: T) => Promise<void>, readAhead = 256,
): Promise<void> {
  const iterator = items[Symbol.asyncIterator]();
  const buffer: T[] = [];
  let ended = false;
  let failure: { error: unknown } | undefined;
  let reading: Promise<void> | undefined;
  const fill = (): Promise<void> => (reading ??= (async () => {
    try {
      while (!ended && !failure && buffer.length < readAhead) {
        const next = await iterator.next();
        if (next.done) ended = true;
        else buffer.push(next.value);
      }
    } catch (err) {
      failure ??= { error: err };
    } finally {
      reading = undefined;
    }
  })());
  const worker = async () => {
    for (;;) {
      while (buffer.length === 0 && !ended && !failure) await fill();
      if (failure || buffer.length === 0) return;
      const item = buffer.shift()!;
      void fill(); // keep reading ahead while this item is worked on
      try {
        await work(item);
      } catch (err) {
        failure ??= { error: err };
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  if (failure) {
    await reading;
    await iterator.return?.(undefined);
    throw failure.error;
  }
}
