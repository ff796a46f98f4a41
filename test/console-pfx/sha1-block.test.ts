import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { sha1Repeat, sha1Short } from '../../console/src/pfx/sha1-block.js';

describe('one-block SHA-1', () => {
  it('equals node:crypto for every length that fits a block, and beyond', () => {
    for (let length = 0; length <= 130; length++) {
      const data = randomBytes(length);
      assert.equal(Buffer.from(sha1Short(data)).toString('hex'), createHash('sha1').update(data).digest('hex'), `${length} bytes`);
    }
  });

  it('gives the FIPS 180-2 "abc" digest', () => {
    assert.equal(Buffer.from(sha1Short(new TextEncoder().encode('abc'))).toString('hex'), 'a9993e364706816aba3e25717850c26c9cd0d89d');
  });

  it('sha1Repeat equals node:crypto hashing its own digest over and over', () => {
    for (const times of [0, 1, 2, 7, 2047]) {
      const start = createHash('sha1').update(randomBytes(33)).digest();
      let expected = start;
      for (let n = 0; n < times; n++) expected = createHash('sha1').update(expected).digest();
      assert.equal(Buffer.from(sha1Repeat(start, times)).toString('hex'), expected.toString('hex'), `${times} times`);
    }
    // Not a digest's length: the plain loop.
    const odd = randomBytes(9);
    assert.equal(Buffer.from(sha1Repeat(odd, 2)).toString('hex'),
      createHash('sha1').update(createHash('sha1').update(odd).digest()).digest('hex'));
  });
});
