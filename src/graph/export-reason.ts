import type { FastifyRequest } from 'fastify';
import { EXPORT_REASON_HEADER, exportReasonProblem } from '../model/export-reason.js';
import type { RequestContext } from '../service/context.js';
import { GraphError } from './errors.js';
import { context } from './request-context.js';

/** Header values are bytes; the reason comes percent-encoded, so anything outside printable ASCII (and tab) is a mistake. */
const ASCII = /^[\t\x20-\x7e]*$/;

/**
 * The service-layer view of a request that may export secrets (a certificate GET, item or list): its context with
 * the decoded `pfxstore-export-reason`, which the export's audit event records. A malformed header is the
 * request's 400, raised before anything is read, whether or not the caller may export.
 */
export function exportContext(request: FastifyRequest): RequestContext {
  const raw = request.headers[EXPORT_REASON_HEADER];
  if (raw === undefined) return context(request);
  return { ...context(request), exportReason: decodeReason(Array.isArray(raw) ? raw.join(', ') : raw) };
}

function decodeReason(raw: string): string {
  const bad = (why: string) => GraphError.badRequest(`The ${EXPORT_REASON_HEADER} header ${why}.`);
  if (!ASCII.test(raw)) throw bad('must be ASCII: send the reason as percent-encoded UTF-8 (encodeURIComponent)');
  let reason: string;
  try {
    reason = decodeURIComponent(raw);
  } catch {
    throw bad('is not valid percent-encoded UTF-8: encode the reason with encodeURIComponent');
  }
  const problem = exportReasonProblem(reason);
  if (problem !== undefined) throw bad(`is not a usable reason: decoded, it ${problem}`);
  return reason;
}
