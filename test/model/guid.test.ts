import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GUID, timeOrderedUuid } from '../../src/model/guid.js';

describe('timeOrderedUuid', () => {
  test('is a version 7, RFC 4122-variant GUID carrying the time in its first 48 bits', () => {
    const now = Date.UTC(2026, 10, 29, 12, 0, 0);
    const id = timeOrderedUuid(now);
    assert.match(id, GUID);
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(parseInt(id.slice(0, 8) + id.slice(9, 13), 16), now);
  });

  test('later ids sort after earlier ones; ids of one millisecond differ', () => {
    const earlier = timeOrderedUuid(1_000_000);
    const later = timeOrderedUuid(1_000_001);
    assert.ok(earlier < later);
    const same = new Set(Array.from({ length: 1000 }, () => timeOrderedUuid(5)));
    assert.equal(same.size, 1000);
  });
});
