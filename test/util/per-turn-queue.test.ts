import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { PerTurnQueue } from '../../src/util/per-turn-queue.js';

describe('PerTurnQueue', () => {
  test('what is pushed in one turn is handed over together, at the end of the turn', async () => {
    const batches: number[][] = [];
    const queue = new PerTurnQueue<number>((items) => batches.push(items));
    queue.push(1);
    await Promise.resolve(); // microtasks belong to the same turn
    queue.push(2);
    assert.deepEqual(batches, []);
    await nextTurn();
    queue.push(3);
    await nextTurn();
    assert.deepEqual(batches, [[1, 2], [3]]);
  });

  test('drain hands over at once, and the turn then has nothing left', async () => {
    const batches: number[][] = [];
    const queue = new PerTurnQueue<number>((items) => batches.push(items));
    queue.push(1);
    queue.drain();
    assert.deepEqual(batches, [[1]]);
    await nextTurn();
    assert.deepEqual(batches, [[1]]);
  });
});
