import { Registry, collectDefaultMetrics } from 'prom-client';
import type { ExpiryService } from '../service/expiry-service.js';
import { expiryExposition } from './expiry-metrics.js';
import { escapeLabel } from './exposition.js';
import { FaultCounts } from './fault-metrics.js';

const REQUESTS = 'pfxstore_http_requests_total';
const DURATION = 'pfxstore_http_request_duration_seconds';
/** Upper bounds of the latency buckets, in seconds. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** One route and method: answers by status, and the latency histogram (per-bucket counts, not yet cumulative). */
interface RouteSeries {
  readonly route: string;
  readonly method: string;
  readonly byStatus: Map<number, number>;
  readonly buckets: number[];
  count: number;
  sum: number;
}

/** The process's own metrics, under `pfxstore_` (prom-client's defaults). */
export function processMetrics(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'pfxstore_' });
  return registry;
}

/** What the app asks of its metrics: a Metrics, or one that passes each call to the Metrics of the request's server (app-host.ts). */
export type ServerMetrics = Pick<Metrics, 'faults' | 'observe' | 'text'>;

/**
 * Prometheus metrics for `/metrics`: the process defaults from prom-client, and request counts and latencies by
 * route. The request metrics run on every request, so they are plain numbers here, written out in the text
 * exposition format when scraped: prom-client's labelled observe hashes and checks its labels on every call,
 * which cost more than a cached GET's own work.
 */
export class Metrics {
  /** By route, then method: both arrive as the same string objects request after request, so no key is built. */
  private readonly series = new Map<string, Map<string, RouteSeries>>();
  /** Faults injected by `serve --faults` (none without it). */
  readonly faults = new FaultCounts();

  /**
   * @param process the process's own metrics (CPU, memory, event loop): a registry of their own, or one shared by
   * the servers of one process (app-host.ts), since they describe the same process — and making one starts an
   * event-loop monitor, a third of a hosted server's start.
   */
  constructor(private readonly process: Registry = processMetrics()) {}

  /** Routes are labelled by their pattern (`/beta/users/:key`), never by a concrete URL, to bound cardinality. */
  observe(route: string, method: string, status: number, elapsedMs: number): void {
    let byMethod = this.series.get(route);
    if (!byMethod) {
      byMethod = new Map();
      this.series.set(route, byMethod);
    }
    let series = byMethod.get(method);
    if (!series) {
      series = { route, method, byStatus: new Map(), buckets: new Array<number>(BUCKETS.length + 1).fill(0), count: 0, sum: 0 };
      byMethod.set(method, series);
    }
    series.byStatus.set(status, (series.byStatus.get(status) ?? 0) + 1);
    const seconds = elapsedMs / 1000;
    let bucket = 0;
    while (bucket < BUCKETS.length && seconds > BUCKETS[bucket]) bucket++;
    series.buckets[bucket]++;
    series.count++;
    series.sum += seconds;
  }

  /**
   * The whole exposition; with `expiry`, the certificates by expiry too. When the store cannot count them the
   * scrape still answers, without those series: Prometheus keeps the process metrics and `up`, and the rule
   * PfxstoreExpiryCountsMissing (docs/prometheus/pfxstore-alerts.yml) notices the series missing.
   */
  async text(expiry?: ExpiryService): Promise<string> {
    const counted = expiry && (await expiry.report().then(expiryExposition, () => ''));
    const faults = this.faults.text();
    return `${await this.process.metrics()}\n${this.requestText()}${faults ? `\n${faults}` : ''}${counted ? `\n${counted}` : ''}`;
  }

  private requestText(): string {
    const requests = [`# HELP ${REQUESTS} HTTP requests answered`, `# TYPE ${REQUESTS} counter`];
    const duration = [`# HELP ${DURATION} Time to answer an HTTP request`, `# TYPE ${DURATION} histogram`];
    for (const s of [...this.series.values()].flatMap((byMethod) => [...byMethod.values()])) {
      const labels = `route="${escapeLabel(s.route)}",method="${escapeLabel(s.method)}"`;
      for (const [status, count] of s.byStatus) requests.push(`${REQUESTS}{${labels},status="${status}"} ${count}`);
      let cumulative = 0;
      BUCKETS.forEach((bound, i) => {
        cumulative += s.buckets[i];
        duration.push(`${DURATION}_bucket{${labels},le="${bound}"} ${cumulative}`);
      });
      duration.push(`${DURATION}_bucket{${labels},le="+Inf"} ${s.count}`, `${DURATION}_sum{${labels}} ${s.sum}`, `${DURATION}_count{${labels}} ${s.count}`);
    }
    return `${requests.join('\n')}\n\n${duration.join('\n')}\n`;
  }
}
