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
 * `runPool` over items that arrive as the work goes (a paged listing, read ahead with `ReadAhead`): at most
 * `concurrency` items in work. Unlike `runPool`, the first rejection (of `work` or of the listing) stops the
 * reading — no new item is started — and is rethrown once the items in work have settled.
 */
export async function runPoolStream<T>(items: AsyncIterable<T>, concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  const iterator = items[Symbol.asyncIterator]();
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure) {
      try {
        // Workers call next() concurrently; an async generator answers such calls one after another, in order.
        const next = await iterator.next();
        if (next.done) return;
        await work(next.value);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  if (failure) {
    await iterator.return?.(undefined);
    throw failure.error;
  }
}
