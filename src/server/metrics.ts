import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics for `/metrics`: request counts and latencies by route, plus the process defaults. */
export class Metrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'route' | 'method' | 'status'>;
  private readonly duration: Histogram<'route' | 'method'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'pfxstore_' });
    this.requests = new Counter({
      name: 'pfxstore_http_requests_total', help: 'HTTP requests answered', labelNames: ['route', 'method', 'status'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'pfxstore_http_request_duration_seconds', help: 'Time to answer an HTTP request', labelNames: ['route', 'method'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
  }

  /** Labelled children, by route|method|status: looking labels up per request costs more than the increment. */
  private readonly children = new Map<string, { count: { inc(): void }; time: { observe(value: number): void } }>();

  /** Routes are labelled by their pattern (`/beta/users/:key`), never by a concrete URL, to bound cardinality. */
  observe(route: string, method: string, status: number, elapsedMs: number): void {
    const key = `${route}|${method}|${status}`;
    let child = this.children.get(key);
    if (!child) {
      child = { count: this.requests.labels(route, method, String(status)), time: this.duration.labels(route, method) };
      this.children.set(key, child);
    }
    child.count.inc();
    child.time.observe(elapsedMs / 1000);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
