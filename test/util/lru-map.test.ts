import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LruMap } from '../../src/util/lru-map.js';

describe('LruMap', () => {
  test('drops the least recently used entry when full', () => {
    const map = new LruMap<string, number>(2);
    map.set('a', 1);
    map.set('b', 2);
    assert.equal(map.get('a'), 1, 'a is now the most recently used');
    map.set('c', 3);
    assert.equal(map.get('b'), undefined, 'b was the least recently used');
    assert.equal(map.get('a'), 1);
    assert.equal(map.get('c'), 3);
    assert.equal(map.size, 2);
  });

  test('setting a present key replaces it without evicting another', () => {
    const map = new LruMap<string, number>(2);
    map.set('a', 1);
    map.set('b', 2);
    map.set('a', 10);
    assert.equal(map.size, 2);
    assert.equal(map.get('a'), 10);
    assert.equal(map.get('b'), 2);
  });

  test('a hit in the newer half of the order stays put; a hit in the older half moves to the newest end', () => {
    const map = new LruMap<string, number>(4);
    for (const [i, key] of ['a', 'b', 'c', 'd'].entries()) map.set(key, i);
    assert.equal(map.get('d'), 3, 'd is the newest: not moved');
    assert.equal(map.get('a'), 0, 'a is the oldest: moved to the newest end');
    map.set('e', 4);
    assert.equal(map.get('b'), undefined, 'b is now the least recently used, and goes first');
    assert.deepEqual(['a', 'c', 'd', 'e'].map((k) => map.get(k)), [0, 2, 3, 4]);
    // Many hits on one hot entry, and the entries set meanwhile still leave in the order they came.
    const hot = new LruMap<number, number>(100);
    for (let i = 0; i < 1000; i++) {
      hot.set(i, i);
      assert.equal(hot.get(0), 0, 'the hot entry survives every eviction');
    }
    assert.equal(hot.size, 100);
    assert.equal(hot.get(900), undefined, 'the oldest of the others left first');
    assert.equal(hot.get(901), 901);
  });

  test('delete and clear', () => {
    const map = new LruMap<string, number>(3);
    map.set('a', 1);
    map.set('b', 2);
    map.delete('a');
    assert.equal(map.get('a'), undefined);
    map.clear();
    assert.equal(map.size, 0);
    assert.equal(map.get('b'), undefined);
  });
});
