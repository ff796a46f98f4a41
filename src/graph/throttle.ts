/**
 * `--throttle intune`: Intune-like limits per tenant, in fixed windows, so a client's retry logic can be tried
 * locally. Intune's published guidance is per tenant and per app over 20-second windows; the numbers here
 * follow it loosely (documented in the README) and can be set for tests.
 */
export interface ThrottleLimits {
  readonly windowMs: number;
  readonly reads: number;
  readonly writes: number;
}

export const INTUNE_LIMITS: ThrottleLimits = { windowMs: 20_000, reads: 2000, writes: 200 };

export class Throttle {
  private readonly windows = new Map<string, { startMs: number; count: number }>();

  constructor(private readonly limits: ThrottleLimits = INTUNE_LIMITS, private readonly now: () => number = Date.now) {}

  /** Counts the request; returns 0 when it may proceed, else the whole seconds to wait (Retry-After). */
  take(tenantId: string, write: boolean): number {
    const key = `${tenantId}:${write ? 'w' : 'r'}`;
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || now - window.startMs >= this.limits.windowMs) {
      window = { startMs: now, count: 0 };
      this.windows.set(key, window);
    }
    window.count += 1;
    if (window.count <= (write ? this.limits.writes : this.limits.reads)) return 0;
    return Math.max(1, Math.ceil((window.startMs + this.limits.windowMs - now) / 1000));
  }
}
