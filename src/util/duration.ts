import { UsageError } from '../util/usage-error.js';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `90s`, `15m`, `1h`, `7d` or plain seconds → seconds. */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!m || Number(m[1]) === 0) throw new UsageError(`${flag} must be a duration such as 90s, 15m, 1h or 7d, not '${text}'.`);
  return Number(m[1]) * UNIT_SECONDS[m[2] || 's'];
}

/**
 * A number of days: `30` or `30d`, within [min, max]. Other units are refused rather than converted: `30m` is
 * more likely a slip for 30 days (or months) than a wish for half an hour.
 */
export function parseDays(text: string, flag: string, min: number, max: number): number {
  const m = /^(\d+)d?$/i.exec(text.trim());
  const n = m ? Number(m[1]) : NaN;
  if (!m || n < min || n > max) {
    throw new UsageError(`${flag} must be a whole number of days from ${min} to ${max}, as 30 or 30d, not '${text}'.`);
  }
  return n;
}
