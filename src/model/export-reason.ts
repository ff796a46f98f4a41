/**
 * Why secrets are exported (`pfxstore recover --reason`): sent in a request header and kept in that export's
 * audit event. The rule is here, below both sides, so the CLI refuses as a usage error exactly what the server
 * would refuse with a 400.
 */

/**
 * pfxstore's own request header (Graph has none, and ignores headers it does not know). Header values are bytes,
 * so the text travels percent-encoded UTF-8 (`encodeURIComponent`).
 */
export const EXPORT_REASON_HEADER = 'pfxstore-export-reason';

/** In characters (code points), decoded: enough for a ticket number and a sentence, not for a document. */
export const EXPORT_REASON_MAX_LENGTH = 500;

/**
 * Line breaks and other control characters would let a reason forge lines in a log or a table that shows it:
 * C0, DEL, C1, and the Unicode line and paragraph separators.
 */
const CONTROL = /[\p{Cc}\u2028\u2029]/u;

/** What is wrong with a decoded reason, in words that fit after "the reason"; undefined when it will do. */
export function exportReasonProblem(reason: string): string | undefined {
  if (CONTROL.test(reason)) return 'contains a control character (a line break, tab or the like)';
  if (reason.trim() === '') return 'is empty';
  const length = [...reason].length;
  if (length > EXPORT_REASON_MAX_LENGTH) return `is ${length} characters long; at most ${EXPORT_REASON_MAX_LENGTH} are allowed`;
  return undefined;
}
