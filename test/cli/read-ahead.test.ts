import assert from 'node:assert/strict';
import { setImmediate as turn } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { ReadAhead } from '../../src/cli/read-ahead.js';

/** A source that records how far it has been pulled. */
function counting(n: number, failAt?: number) {
  const state = { pulled: 0, returned: false };
  async function* source() {
    try {
      for (let i = 0; i < n; i++) {
        if (i === failAt) throw new Error(`page ${i} failed`);
        state.pulled = i + 1;
        yield i;
      }
    } finally {
      state.returned = true;
    }
  }
  return { state, source: source() };
}

describe('ReadAhead: pulls a source ahead of its consumer, up to a capacity', () => {
  it('fills up to the capacity before anything is consumed, then keeps that far ahead; every item in order', async () => {
    const { state, source } = counting(10);
    const ahead = new ReadAhead(source, 3);
    await turn();
    assert.equal(state.pulled, 3);
    const seen: number[] = [];
    for await (const item of ahead) {
      seen.push(item);
      await turn();
      assert.ok(state.pulled <= Math.min(10, seen.length + 3), `pulled ${state.pulled} after ${seen.length}`);
      assert.ok(state.pulled >= Math.min(10, seen.length + 2), `pulled ${state.pulled} after ${seen.length}`);
    }
    assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("a source's failure reaches the consumer after the items before it", async () => {
    const { source } = counting(10, 4);
    const seen: number[] = [];
    await assert.rejects(async () => {
      for await (const item of new ReadAhead(source, 2)) seen.push(item);
    }, /page 4 failed/);
    assert.deepEqual(seen, [0, 1, 2, 3]);
  });

  it('a consumer that stops early stops the source', async () => {
    const { state, source } = counting(100);
    for await (const item of new ReadAhead(source, 5)) {
      if (item === 1) break;
    }
    await turn();
    assert.ok(state.returned);
    assert.ok(state.pulled <= 7, `pulled ${state.pulled}`);
  });
});
