/**
 * Waiting for a condition instead of sleeping: a test that sleeps passes or fails by the machine's speed, and a
 * loop that polls a fixed number of times and carries on may go on without the condition ever having held.
 */

export interface WaitOptions {
  /** What is awaited, for the failure message. */
  readonly what: string;
  /** The deadline; past it the wait rejects. */
  readonly timeoutMs?: number;
  /** How often `probe` runs (it also runs at once). */
  readonly intervalMs?: number;
}

/**
 * Polls `probe` until it returns a value other than undefined, false or null, and resolves with that value;
 * rejects naming `what` when the deadline passes first, or when `probe` throws.
 */
export async function waitFor<T>(probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, options: WaitOptions): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.what}`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 20));
  }
}
