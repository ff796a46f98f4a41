import { nowStored } from '../model/datetime.js';
import type { SqlDialect } from './sql-dialect.js';
import type { ExpiryCounts } from './store.js';

const DAY_MS = 86_400_000;

/**
 * `expiryCounts` as one statement, the same for both stores. Counting the certificates of a tenant reads every
 * entry of its index range (0.5 s for 1,000,000 in SQLite), so the counts come from `certificate_expiry_days`
 * (certificates per tenant and expiry day, kept by triggers: migrations/sqlite.ts version 3, postgres.ts
 * version 2), and only the days a boundary cuts are counted certificate by certificate, each an index range
 * on (tenant_id, expiration_date_time) no wider than one day:
 *
 *   expired      = days before today + today's certificates at or before now
 *   within N     = today's certificates after now + the days after today and before day(now + N)
 *                  + day(now + N)'s certificates before now + N
 *
 * Dates are fixed-width UTC text (model/datetime.ts), so a day is the first 10 characters and text order is
 * time order. Rows of the day table may repeat a (tenant, day) (PostgreSQL appends deltas), hence SUM.
 */
export interface ExpirySql {
  readonly sql: string;
  readonly params: unknown[];
  /** The counts of one result row. */
  readonly read: (row: Record<string, unknown>) => ExpiryCounts;
}

export function buildExpirySql(dialect: SqlDialect, now: Date, withinDays: readonly number[]): ExpirySql {
  for (const days of withinDays) {
    if (!Number.isInteger(days) || days < 1) throw new RangeError(`expiryCounts: a window of ${days} days; whole days from 1 only.`);
  }
  const params: unknown[] = [];
  const bind = (value: string) => {
    params.push(value);
    return dialect.placeholder(params.length);
  };
  const at = nowStored(now);
  const today = at.slice(0, 10);
  const daySum = (condition: string) =>
    `(SELECT COALESCE(SUM(d.certificates), 0) FROM certificate_expiry_days d WHERE d.tenant_id = t.tenant_id${condition})`;
  const certificates = (from: string, to: string, toInclusive: boolean) =>
    `(SELECT COUNT(*) FROM user_pfx_certificates c WHERE c.tenant_id = t.tenant_id AND c.expiration_date_time >= ${bind(from)} ` +
    `AND c.expiration_date_time ${toInclusive ? '<=' : '<'} ${bind(to)})`;
  const columns = [
    `${daySum('')} AS total`,
    `${daySum(` AND d.day < ${bind(today)}`)} AS before_today`,
    `${daySum(` AND d.day = ${bind(today)}`)} AS today`,
    `${certificates(`${today}T00:00:00.0000000Z`, at, true)} AS expired_today`,
  ];
  withinDays.forEach((days, i) => {
    const end = nowStored(new Date(now.getTime() + days * DAY_MS));
    const endDay = end.slice(0, 10);
    columns.push(
      `${daySum(` AND d.day > ${bind(today)} AND d.day < ${bind(endDay)}`)} AS days_${i}`,
      `${certificates(`${endDay}T00:00:00.0000000Z`, end, false)} AS end_${i}`);
  });
  const sql = `SELECT t.tenant_id, ${columns.join(', ')} FROM (SELECT DISTINCT tenant_id FROM certificate_expiry_days) t ORDER BY t.tenant_id`;
  return {
    sql,
    params,
    read(row) {
      // PostgreSQL returns SUM and COUNT as bigint, which pg hands over as text.
      const n = (column: string) => Number(row[column]);
      const expiredToday = n('expired_today');
      const laterToday = n('today') - expiredToday;
      return {
        tenantId: row.tenant_id as string,
        total: n('total'),
        expired: n('before_today') + expiredToday,
        expiringWithin: withinDays.map((_, i) => laterToday + n(`days_${i}`) + n(`end_${i}`)),
      };
    },
  };
}
