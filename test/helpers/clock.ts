/**
 * A clock for the code under test (the `now` option of buildApp, the token verifier, the throttle): the real
 * time until a test sets it, then exactly what the test says, so a test moves time instead of sleeping.
 */
export class TestClock {
  private pinned: number | undefined;

  /** Milliseconds since the epoch, as Date.now. */
  readonly now = (): number => this.pinned ?? Date.now();

  /** From now on the clock reads `ms` until set, advanced or released again. */
  set(ms: number): void {
    this.pinned = ms;
  }

  /** Moves the clock `ms` forward from what it reads now, and holds it there. */
  advance(ms: number): void {
    this.pinned = this.now() + ms;
  }

  /** Back to the real time. */
  release(): void {
    this.pinned = undefined;
  }
}
