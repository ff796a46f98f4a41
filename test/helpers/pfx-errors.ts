import assert from 'node:assert/strict';
import { KeyError, PfxError, type KeyErrorCode, type PfxErrorCode } from '../../src/pfx/errors.js';

/** Asserts `fn` throws an error of `type` with `code`, and a message matching `message` when given. */
function assertCodedError<C extends string>(fn: () => unknown, type: new (...args: never[]) => Error & { code: C }, code: C, message?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${(e as Error)?.stack ?? String(e)}`);
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

export function assertKeyError(fn: () => unknown, code: KeyErrorCode, message?: RegExp): void {
  assertCodedError(fn, KeyError, code, message);
}

export function assertPfxError(fn: () => unknown, code: PfxErrorCode, message?: RegExp): void {
  assertCodedError(fn, PfxError, code, message);
}
