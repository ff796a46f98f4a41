/**
 * Edm.DateTimeOffset handling.
 *
 * Stored form: fixed-width UTC text `YYYY-MM-DDTHH:MM:SS.fffffffZ` (7 fractional digits, 100 ns ticks as in .NET).
 * Fixed width makes text order equal time order, so both stores index and compare it as plain text, and the
 * 7th digit that a JS Date would drop is kept.
 */
const DATE_TIME_OFFSET =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?(Z|[+-]\d{2}:\d{2})$/i;

/** Parses ISO 8601 with an offset or `Z` into the stored form; returns undefined when the text is not one. */
export function parseDateTimeOffset(text: string): string | undefined {
  const m = DATE_TIME_OFFSET.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s = '00', frac = '', zone] = m;
  const year = Number(y), month = Number(mo), day = Number(d), hour = Number(h), minute = Number(mi), second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const oh = Number(zone.slice(1, 3)), om = Number(zone.slice(4, 6));
    if (oh > 14 || om > 59) return undefined;
    offsetMinutes = sign * (oh * 60 + om);
  }
  // setUTCFullYear avoids Date.UTC's mapping of years 0–99 to 1900–1999. The fraction is carried
  // separately so no precision is lost.
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute - offsetMinutes, second, 0);
  const utcYear = utc.getUTCFullYear();
  if (utcYear < 1 || utcYear > 9999) return undefined;
  return `${String(utcYear).padStart(4, '0')}-${pad2(utc.getUTCMonth() + 1)}-${pad2(utc.getUTCDate())}T` +
    `${pad2(utc.getUTCHours())}:${pad2(utc.getUTCMinutes())}:${pad2(utc.getUTCSeconds())}.${frac.padEnd(7, '0')}Z`;
}

/** Stored form → wire form: UTC with `Z`, trailing zero fraction digits dropped (`2026-01-22T19:17:04Z`). */
export function formatDateTimeOffset(stored: string): string {
  const [whole, frac] = stored.slice(0, -1).split('.');
  const trimmed = (frac ?? '').replace(/0+$/, '');
  return trimmed ? `${whole}.${trimmed}Z` : `${whole}Z`;
}

/** The current instant in stored form (millisecond precision). */
export function nowStored(now: Date = new Date()): string {
  // toISOString is always `YYYY-MM-DDTHH:mm:ss.sssZ` for years 0000–9999: four more fraction digits and Z.
  return `${now.toISOString().slice(0, 23)}0000Z`;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(2000, month, 0)).getUTCDate() - (month === 2 && !isLeap(year) ? 1 : 0);
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}
