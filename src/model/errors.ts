/**
 * Domain errors. Stores, validators and the OData layer throw these; only the HTTP layer
 * (src/graph/errors.ts) turns them into Graph error responses. Never pick a status by message text.
 */
export class DomainError extends Error {
  override name = 'DomainError';
}

/** Invalid input: a property, value, key, query option or `$filter`. Maps to 400 BadRequest. */
export class ValidationError extends DomainError {
  override name = 'ValidationError';
}

/** The entity does not exist in the caller's tenant. Maps to 404 ResourceNotFound. */
export class NotFoundError extends DomainError {
  override name = 'NotFoundError';
}

/**
 * Which rule a write would break: `duplicate`, a unique key is taken (an id, a user's UPN); `reference`, a
 * foreign key (deleting a user who still owns certificates, or creating a certificate whose owner was deleted).
 */
export type ConflictReason = 'duplicate' | 'reference';

/** A uniqueness or referential rule would be broken. Maps to 409 Conflict. */
export class ConflictError extends DomainError {
  override name = 'ConflictError';

  constructor(readonly reason: ConflictReason, message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** The store cannot be reached right now. Maps to 503 ServiceUnavailable with Retry-After. */
export class StoreUnavailableError extends DomainError {
  override name = 'StoreUnavailableError';
}
