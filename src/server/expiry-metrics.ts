import type { ExpiryReport } from '../service/expiry-service.js';
import { escapeLabel } from './exposition.js';

const TOTAL = 'pfxstore_certificates_total';
const EXPIRED = 'pfxstore_certificates_expired';
const EXPIRING = 'pfxstore_certificates_expiring_within_days';

/**
 * The expiry gauges of `/metrics` in the text exposition format, one sample per tenant (and window): what
 * Prometheus alert rules watch (docs/prometheus/pfxstore-alerts.yml). Gauges, though one name ends in
 * `_total`: the issue names it so, and a count of stored certificates goes down as well as up.
 */
export function expiryExposition(report: ExpiryReport): string {
  const total = [`# HELP ${TOTAL} Certificates stored, by tenant.`, `# TYPE ${TOTAL} gauge`];
  const expired = [`# HELP ${EXPIRED} Certificates whose expirationDateTime is now or past, by tenant.`, `# TYPE ${EXPIRED} gauge`];
  const expiring = [
    `# HELP ${EXPIRING} Certificates not yet expired whose expirationDateTime is less than this many days away, by tenant.`,
    `# TYPE ${EXPIRING} gauge`,
  ];
  for (const t of report.tenants) {
    const tenant = `tenant="${escapeLabel(t.tenantId)}"`;
    total.push(`${TOTAL}{${tenant}} ${t.total}`);
    expired.push(`${EXPIRED}{${tenant}} ${t.expired}`);
    report.withinDays.forEach((days, i) => expiring.push(`${EXPIRING}{${tenant},days="${days}"} ${t.expiringWithin[i]}`));
  }
  return `${total.join('\n')}\n\n${expired.join('\n')}\n\n${expiring.join('\n')}\n`;
}
