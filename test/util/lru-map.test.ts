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
