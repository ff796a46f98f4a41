import { UsageError } from '../util/usage-error.js';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `90s`, `15m`, `1h`, `7d` or plain seconds → seconds. */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!m || Number(m[1]) === 0) throw new UsageError(`${flag} must be a duration such as 90s, 15m, 1h or 7d, not '${text}'.`);
  return Number(m[1]) * UNIT_SECONDS[m[2] || 's'];
}
