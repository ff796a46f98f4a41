/** Printing lists: aligned columns for people, JSON (`--json`) for scripts. */

export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => string;
}

export function printTable<T>(rows: readonly T[], columns: readonly Column<T>[], out: { write(s: string): unknown } = process.stdout): void {
  const cells = rows.map((row) => columns.map((c) => c.value(row)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: readonly string[]) => values.map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!))).join('  ').trimEnd();
  out.write(`${[line(columns.map((c) => c.header)), ...cells.map(line)].join('\n')}\n`);
}

export function printJson(value: unknown, out: { write(s: string): unknown } = process.stdout): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Collects an async generator (a paged Graph list) into an array. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** `2027-01-01T00:00:00Z` → `2027-01-01 00:00Z`: short, still unambiguous. */
export function shortDate(iso: string | null | undefined): string {
  if (!iso) return '-';
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]} ${m[2]}Z` : iso;
}
