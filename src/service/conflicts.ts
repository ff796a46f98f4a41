import { ConflictError, type ConflictReason } from '../model/errors.js';

/**
 * A store's conflict says which rule broke, in store terms; a service knows what that means for its entity.
 * Rethrows the conflict in the service's words for its reason (the store's error kept as the cause); any other
 * error, and a conflict of a reason the service has no words for, passes through unchanged.
 */
export function explainConflict(err: unknown, messages: Partial<Record<ConflictReason, string>>): never {
  if (err instanceof ConflictError) {
    const message = messages[err.reason];
    if (message !== undefined) throw new ConflictError(err.reason, message, { cause: err });
  }
  throw err;
}
