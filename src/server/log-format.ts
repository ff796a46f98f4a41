/**
 * How the server's log lines look. `json`: pino's JSON lines, for a log collector. `pretty`: for a person at a
 * terminal, one short line per request (`GET /beta/users 200 3.1 ms`) and the others as `time LEVEL: message`,
 * through pino-pretty. Either way they go to stderr: stdout carries the listening line that scripts read.
 */
import { prettyFactory } from 'pino-pretty';

export type LogFormat = 'json' | 'pretty';

interface Destination {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** The pino destination for a format: stderr itself, or a writer that turns each JSON line into a readable one. */
export function logDestination(format: LogFormat, destination: Destination = process.stderr): Destination {
  if (format === 'json') return destination;
  // prettyFactory formats one line synchronously: no worker thread and no stream pipeline, so nothing is still
  // in flight when `serve` exits after SIGTERM.
  const prettify = prettyFactory({
    colorize: destination.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,reqId,req,res,responseTime',
    singleLine: true,
    messageFormat: message,
  });
  return { write: (line: string) => destination.write(prettify(line)) };
}

/** A request's line says what it was and how it went; any other line is its message, with its request id if it has one. */
function message(log: Record<string, unknown>, messageKey: string): string {
  const req = log.req as { method?: string; url?: string } | undefined;
  const res = log.res as { statusCode?: number } | undefined;
  if (req && res && typeof log.responseTime === 'number') {
    return `${req.method} ${req.url} ${res.statusCode} ${log.responseTime.toFixed(1)} ms`;
  }
  return `${String(log[messageKey] ?? '')}${typeof log.reqId === 'string' ? ` (request ${log.reqId})` : ''}`;
}
