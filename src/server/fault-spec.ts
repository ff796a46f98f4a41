/**
 * `serve --faults SPEC`: which failures to inject on purpose, so a client's retry and "may have landed" handling
 * can be tried against a real server. The spec is `key=value` pieces separated by `;`, e.g.
 * `rate=0.2;status=429,503,504;latency=50-300ms;methods=POST,PATCH;paths=userPfxCertificates;after-commit=0.1`.
 * Each mistake is a usage error that names the piece, so a test script's typo does not silently inject nothing.
 */
import { ERROR_STATUS } from '../graph/errors.js';
import { UsageError } from '../util/usage-error.js';

export interface LatencyRange {
  readonly minMs: number;
  readonly maxMs: number;
}

export interface FaultRules {
  /** Share (0–1) of matching requests answered with one of `statuses` before any handler runs. */
  readonly rate: number;
  /** The error statuses `rate` picks from, each as likely. */
  readonly statuses: readonly number[];
  /** `Retry-After` seconds on an injected 429 or 503 (and on the 503 of `afterCommit`). */
  readonly retryAfterSeconds: number;
  /** A delay drawn evenly from the range for every matching request; none when absent. */
  readonly latency?: LatencyRange;
  /** Share (0–1) of matching writes that land and are then answered 503. */
  readonly afterCommit: number;
  /** Share (0–1) of matching writes that land and then lose their connection, with no answer at all. */
  readonly drop: number;
  /** Upper-case methods that faults apply to; all when absent. */
  readonly methods?: readonly string[];
  /** Lower-case substrings of the URL path, any of which makes a request match; all API paths when absent. */
  readonly paths?: readonly string[];
  /** The rules written back in canonical form: what the start-up line shows; parses to the same rules. */
  readonly text: string;
}

const KEYS = ['rate', 'status', 'retry-after', 'latency', 'after-commit', 'drop', 'methods', 'paths'] as const;
type Key = (typeof KEYS)[number];

const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
/** The statuses an injected error may have: those of the error catalogue, so each has its Graph code. */
const CATALOGUE_STATUSES: readonly number[] = [...new Set<number>(Object.values(ERROR_STATUS))].sort((a, b) => a - b);
const DEFAULT_STATUSES = [429, 503];
const DEFAULT_RETRY_AFTER_SECONDS = 1;
const MAX_LATENCY_MS = 60_000;

const usage = (message: string) => new UsageError(`--faults: ${message}`);

export function parseFaultSpec(text: string): FaultRules {
  const values = new Map<Key, string>();
  for (const raw of text.split(';')) {
    const piece = raw.trim();
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    if (eq < 0) throw usage(`'${piece}' is not key=value (e.g. rate=0.1)`);
    const key = piece.slice(0, eq).trim().toLowerCase();
    const value = piece.slice(eq + 1).trim();
    if (!(KEYS as readonly string[]).includes(key)) {
      throw usage(`unknown key '${piece.slice(0, eq).trim()}'; the keys are ${KEYS.join(', ')}`);
    }
    if (values.has(key as Key)) throw usage(`${key} is given twice`);
    if (value === '') throw usage(`${key} has no value`);
    values.set(key as Key, value);
  }
  if (values.size === 0) throw usage("the spec is empty; give at least one of rate, latency, after-commit or drop, e.g. 'rate=0.1'");

  const get = (key: Key) => values.get(key);
  const rate = share(get('rate'), 'rate');
  const afterCommit = share(get('after-commit'), 'after-commit');
  const drop = share(get('drop'), 'drop');
  if (afterCommit + drop > 1) throw usage(`after-commit and drop are shares of the same writes: together at most 1, not ${afterCommit + drop}`);
  const statuses = get('status') === undefined ? DEFAULT_STATUSES : statusList(get('status')!);
  if (get('status') !== undefined && rate === 0) {
    throw usage('status is given but rate is 0: say which share of requests answers it, e.g. rate=0.1');
  }
  const retryAfter = get('retry-after');
  if (retryAfter !== undefined && (!/^\d+$/.test(retryAfter) || Number(retryAfter) > 120)) {
    throw usage(`retry-after must be whole seconds from 0 to 120, not '${retryAfter}'`);
  }
  const latency = get('latency') === undefined ? undefined : latencyRange(get('latency')!);
  if (rate === 0 && afterCommit === 0 && drop === 0 && latency === undefined) {
    throw usage(`'${text.trim()}' injects nothing; give rate, latency, after-commit or drop`);
  }
  const rules = {
    rate,
    statuses,
    retryAfterSeconds: retryAfter === undefined ? DEFAULT_RETRY_AFTER_SECONDS : Number(retryAfter),
    latency,
    afterCommit,
    drop,
    methods: get('methods') === undefined ? undefined : methodList(get('methods')!),
    paths: get('paths') === undefined ? undefined : pathList(get('paths')!),
  };
  return Object.freeze({ ...rules, text: canonical(rules) });
}

function share(value: string | undefined, key: string): number {
  if (value === undefined) return 0;
  const n = Number(value);
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(value) || n > 1) throw usage(`${key} must be a number from 0 to 1, not '${value}'`);
  return n;
}

function statusList(value: string): number[] {
  const statuses = value.split(',').map((s) => s.trim());
  for (const s of statuses) {
    const n = Number(s);
    if (!/^\d{3}$/.test(s) || n < 400 || n > 599) throw usage(`status must be HTTP error statuses from 400 to 599, comma-separated, not '${s}'`);
    if (!CATALOGUE_STATUSES.includes(n)) {
      throw usage(`status ${n} is not one pfxstore answers with (it would have no Graph error code); use ${CATALOGUE_STATUSES.join(', ')}`);
    }
  }
  return [...new Set(statuses.map(Number))];
}

/** `50-300ms`, `1s`, `0-2s`, `500ms-1.5s`: a bound without a unit takes the other's; one unit at least. */
function latencyRange(value: string): LatencyRange {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?(?:\s*-\s*(\d+(?:\.\d+)?)(ms|s)?)?$/i.exec(value);
  if (!m) throw usage(`latency must be a time or a range of times, as in 50-300ms, 1s or 0-2s, not '${value}'`);
  const [, low, lowUnit, high, highUnit] = m;
  if (!lowUnit && !highUnit) throw usage(`latency needs a unit (ms or s), as in 50-300ms, not '${value}'`);
  const ms = (n: string, unit: string) => Math.round(Number(n) * (unit.toLowerCase() === 's' ? 1000 : 1));
  const minMs = ms(low, lowUnit ?? highUnit!);
  const maxMs = high === undefined ? minMs : ms(high, highUnit ?? lowUnit!);
  if (maxMs < minMs) throw usage(`latency runs backwards ('${value}'): write the shorter time first`);
  if (maxMs > MAX_LATENCY_MS) throw usage(`latency must be at most 60s, not '${value}'`);
  return { minMs, maxMs };
}

function methodList(value: string): string[] {
  const methods = value.split(',').map((s) => s.trim().toUpperCase());
  const bad = methods.find((m) => !HTTP_METHODS.includes(m));
  if (bad !== undefined) throw usage(`methods must be HTTP methods (${HTTP_METHODS.join(', ')}), comma-separated, not '${bad}'`);
  return [...new Set(methods)];
}

function pathList(value: string): string[] {
  const paths = value.split(',').map((s) => s.trim().toLowerCase());
  if (paths.some((p) => p === '')) throw usage(`paths has an empty entry ('${value}'); give path parts such as userPfxCertificates,users`);
  return [...new Set(paths)];
}

/** Only what has an effect, in a fixed order; parseFaultSpec(canonical(r)) gives r back. */
function canonical(r: Omit<FaultRules, 'text'>): string {
  const parts: string[] = [];
  if (r.rate > 0) parts.push(`rate=${r.rate}`, `status=${r.statuses.join(',')}`);
  if (r.latency) parts.push(`latency=${r.latency.minMs === r.latency.maxMs ? r.latency.minMs : `${r.latency.minMs}-${r.latency.maxMs}`}ms`);
  if (r.afterCommit > 0) parts.push(`after-commit=${r.afterCommit}`);
  if (r.drop > 0) parts.push(`drop=${r.drop}`);
  if ((r.rate > 0 && r.statuses.some((s) => s === 429 || s === 503)) || r.afterCommit > 0) parts.push(`retry-after=${r.retryAfterSeconds}`);
  if (r.methods) parts.push(`methods=${r.methods.join(',')}`);
  if (r.paths) parts.push(`paths=${r.paths.join(',')}`);
  return parts.join(';');
}
