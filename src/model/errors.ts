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

/** A uniqueness or referential rule would be broken. Maps to 409 Conflict. */
export class ConflictError extends DomainError {
  override name = 'ConflictError';
}

/** The store cannot be reached right now. Maps to 503 ServiceUnavailable with Retry-After. */
export class StoreUnavailableError extends DomainError {
  override name = 'StoreUnavailableError';
}
