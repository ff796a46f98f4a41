import { ValidationError } from '../model/errors.js';

/**
 * One place for `$filter` error wording, so lexer, parser and binder all read alike:
 * `Invalid $filter at position N: <reason>.` — N is the 0-based character offset in the decoded `$filter` text,
 * the same convention as Microsoft's OData library (ODL) uses in its "Syntax error at position N" messages.
 */
export function filterError(position: number, reason: string): ValidationError {
  return new ValidationError(`Invalid $filter at position ${position}: ${reason}.`);
}

/** Quotes a piece of the input for a message, shortened so a 10 KB filter does not produce a 10 KB message. */
export function quoteInput(text: string): string {
  return `'${text.length > 40 ? `${text.slice(0, 40)}…` : text}'`;
}
