import type { ExpiryCounts, Store } from '../store/store.js';

/** The windows of `pfxstore_certificates_expiring_within_days`, in days: a week, a month, a quarter. */
export const EXPIRY_WINDOW_DAYS: readonly number[] = [7, 30, 90];

/** Every tenant's certificates by expiry at one instant, with the windows they were counted for. */
export interface ExpiryReport {
  readonly withinDays: readonly number[];
  readonly tenants: readonly ExpiryCounts[];
}

/**
 * Certificates by expiry for `/metrics`, across tenants: the one use case that is not a tenant's own request.
 * Scrapes that arrive while a count is running share it (several Prometheus servers, or a slow database),
 * and nothing is kept after it: the store's count is cheap (store/expiry-sql.ts), and an answer kept for a
 * while would hide a write that a scrape just after it should see — from this instance or any other.
 */
export class ExpiryService {
  private readonly now: () => number;
  private running?: Promise<ExpiryReport>;

  constructor(private readonly deps: { readonly store: Store; readonly now?: () => number; readonly withinDays?: readonly number[] }) {
    this.now = deps.now ?? Date.now;
  }

  report(): Promise<ExpiryReport> {
    this.running ??= this.count().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async count(): Promise<ExpiryReport> {
    const withinDays = this.deps.withinDays ?? EXPIRY_WINDOW_DAYS;
    return { withinDays, tenants: await this.deps.store.expiryCounts(new Date(this.now()), withinDays) };
  }
}
