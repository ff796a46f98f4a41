import type { FastifyInstance, FastifyRequest } from 'fastify';
import { batchOrigin } from '../graph/batch-origin.js';
import { clientRequestId } from '../graph/error-reply.js';
import { errorBody, GraphError } from '../graph/errors.js';
import { FaultDice, type FaultPlan } from './fault-dice.js';
import type { FaultKind } from './fault-metrics.js';
import type { FaultRules } from './fault-spec.js';
import type { ServerMetrics } from './metrics.js';

export interface FaultOptions {
  readonly rules: FaultRules;
  readonly seed: number;
  readonly metrics: ServerMetrics;
}

/**
 * `serve --faults`: hooks that fail matching API requests on purpose. Before the request runs (onRequest, ahead
 * of authentication): the latency, then an error status in Graph's shape — nothing is written. After a write
 * succeeded (onSend, the row already committed): its answer replaced by a 503, or its connection cut.
 *
 * The requests inside a `$batch` are left alone: the batch is matched as one request, as a client sends it.
 */
export function installFaults(app: FastifyInstance, options: FaultOptions): void {
  const { rules, metrics } = options;
  const dice = new FaultDice(rules, options.seed);
  declareSeries(rules, metrics);
  app.log.warn({ faults: rules.text, seed: options.seed }, `injecting faults on purpose: ${rules.text} (seed ${options.seed})`);

  /** The after-commit decision of each request that has one, until its answer goes out. */
  const afterCommit = new WeakMap<FastifyRequest, NonNullable<FaultPlan['afterCommit']>>();
  const record = (request: FastifyRequest, kind: FaultKind, status?: number, extra: Record<string, unknown> = {}) => {
    metrics.faults.count(kind, status);
    request.log.warn({ fault: kind, ...(status === undefined ? {} : { status }), ...extra }, `fault injected by --faults: ${kind}`);
  };

  app.addHook('onRequest', (request, _reply, done) => {
    if (batchOrigin(request.headers) !== undefined) return done();
    const plan = dice.plan(request.method, request.url);
    if (!plan) return done();
    const go = () => {
      if (plan.status !== undefined) {
        record(request, 'status', plan.status);
        done(GraphError.injected(plan.status, rules.retryAfterSeconds));
        return;
      }
      if (plan.afterCommit) afterCommit.set(request, plan.afterCommit);
      done();
    };
    if (plan.delayMs === 0) return go();
    record(request, 'latency', undefined, { delayMs: plan.delayMs });
    setTimeout(go, plan.delayMs);
  });

  app.addHook('onSend', (request, reply, payload, done) => {
    const fault = afterCommit.get(request);
    // Only a write that succeeded has landed; a refused one (4xx) is answered as it is.
    if (fault === undefined || reply.statusCode < 200 || reply.statusCode >= 300) return done(null, payload);
    afterCommit.delete(request);
    if (fault === 'drop') {
      record(request, 'drop', undefined, { landedStatus: reply.statusCode });
      // No answer at all: the client sees its connection reset after sending, as when a proxy or the network fails.
      request.raw.socket?.destroy();
      return done(null, payload);
    }
    record(request, 'after_commit', 503, { landedStatus: reply.statusCode });
    const err = GraphError.injected(503, rules.retryAfterSeconds, true);
    reply.code(503).removeHeader('location').headers(err.headers).header('content-type', 'application/json');
    done(null, JSON.stringify(errorBody(err, request.id, clientRequestId(request))));
  });
}

/** Each series the rules can produce, at 0 from the start. */
function declareSeries(rules: FaultRules, metrics: ServerMetrics): void {
  if (rules.rate > 0) for (const status of rules.statuses) metrics.faults.declare('status', status);
  if (rules.latency) metrics.faults.declare('latency');
  if (rules.afterCommit > 0) metrics.faults.declare('after_commit', 503);
  if (rules.drop > 0) metrics.faults.declare('drop');
}
