import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { sha1Short } from '../../console/src/pfx/sha1-block.js';

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
});
