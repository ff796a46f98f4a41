import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConflictError, NotFoundError } from '../../src/model/errors.js';
import { explainConflict } from '../../src/service/conflicts.js';

test("a conflict is told in the service's words for its reason; other reasons and other errors pass through", () => {
  const duplicate = new ConflictError('duplicate', 'An entity with the same key already exists.');
  assert.throws(() => explainConflict(duplicate, { duplicate: 'That UPN is taken.' }), (err: unknown) => {
    assert.ok(err instanceof ConflictError);
    assert.equal(err.reason, 'duplicate');
    assert.equal(err.message, 'That UPN is taken.');
    assert.equal(err.cause, duplicate);
    return true;
  });
  // A foreign-key conflict is not a taken key: without words for it, it keeps its own.
  const reference = new ConflictError('reference', 'Other entities still refer to this one.');
  assert.throws(() => explainConflict(reference, { duplicate: 'That UPN is taken.' }), (err: unknown) => err === reference);
  const missing = new NotFoundError('gone');
  assert.throws(() => explainConflict(missing, { duplicate: 'x', reference: 'y' }), (err: unknown) => err === missing);
});
