import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EXPIRY_WINDOW_DAYS, ExpiryService } from '../../src/service/expiry-service.js';
import type { ExpiryCounts, Store } from '../../src/store/store.js';

/** A store that answers expiryCounts when the test says so, and records each call. */
function gatedStore() {
  const calls: { now: Date; withinDays: readonly number[] }[] = [];
  const pending: ((counts: ExpiryCounts[]) => void)[] = [];
  const store = {
    expiryCounts(now: Date, withinDays: readonly number[]) {
      calls.push({ now, withinDays });
      return new Promise<ExpiryCounts[]>((resolve) => pending.push(resolve));
    },
  } as unknown as Store;
  return { store, calls, answer: (counts: ExpiryCounts[]) => pending.shift()!(counts) };
}

describe('ExpiryService', () => {
  test('scrapes that arrive during a count share it; the next scrape counts again, by the service clock', async () => {
    const { store, calls, answer } = gatedStore();
    let clock = Date.parse('2026-12-05T12:00:00Z');
    const expiry = new ExpiryService({ store, now: () => clock });
    const first = expiry.report();
    const second = expiry.report();
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0], { now: new Date('2026-12-05T12:00:00Z'), withinDays: EXPIRY_WINDOW_DAYS });
    const counts = [{ tenantId: 't', total: 2, expired: 1, expiringWithin: [1, 1, 1] }];
    answer(counts);
    assert.deepEqual(await first, { withinDays: [7, 30, 90], tenants: counts });
    assert.equal(await second, await first);

    clock += 1000;
    const third = expiry.report();
    assert.equal(calls.length, 2, 'nothing kept after a count');
    assert.deepEqual(calls[1].now, new Date('2026-12-05T12:00:01Z'));
    answer([]);
    assert.deepEqual((await third).tenants, []);
  });

  test('a failed count fails the scrapes that shared it, not the next one', async () => {
    let fail = true;
    const store = { expiryCounts: async () => { if (fail) throw new Error('down'); return []; } } as unknown as Store;
    const expiry = new ExpiryService({ store });
    await assert.rejects(expiry.report(), /down/);
    fail = false;
    assert.deepEqual((await expiry.report()).tenants, []);
  });
});
