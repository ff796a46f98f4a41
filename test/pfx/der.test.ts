import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type DerNode,
  DerError,
  MAX_DEPTH,
  Tag,
  children,
  readNode,
  readOctets,
  readOid,
  readSmallInt,
  readTime,
} from '../../src/pfx/der.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Deterministic PRNG (mulberry32) so a failing fuzz case can be replayed. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Walks every element the way the PKCS#12 code does, with the same kind of depth cap, checking
 * that each element lies inside its parent: JavaScript would not crash on an out-of-range read,
 * it would silently return less, so the bounds must be asserted.
 */
function walk(node: DerNode, limit: number, depth = 0): number {
  assert.ok(node.start < node.contentStart && node.contentStart <= node.contentEnd && node.contentEnd <= node.end && node.end <= limit);
  if (!node.constructed || depth > MAX_DEPTH) return 1;
  let count = 1;
  const reader = children(node, 'x');
  while (!reader.done) count += walk(reader.next('x'), node.contentEnd, depth + 1);
  return count;
}

describe('DER reader', () => {
  test('short and long form lengths', () => {
    const short = readNode(hex('04 03 aabbcc'));
    assert.equal(short.tag, Tag.OCTET_STRING);
    assert.deepEqual(readOctets(short, 'x'), hex('aabbcc'));
    const long = Buffer.concat([hex('04 82 0100'), Buffer.alloc(256, 7)]);
    const node = readNode(long);
    assert.equal(node.contentStart, 4);
    assert.equal(node.end, 260);
    assert.equal(readOctets(node, 'x').length, 256);
  });

  test('object identifiers to dotted strings', () => {
    assert.equal(readOid(readNode(hex('06 09 2a864886f70d010701')), 'x'), '1.2.840.113549.1.7.1');
    assert.equal(readOid(readNode(hex('06 09 608648016503040201')), 'x'), '2.16.840.1.101.3.4.2.1');
    assert.equal(readOid(readNode(hex('06 02 8837')), 'x'), '2.999');
    assert.throws(() => readOid(readNode(hex('06 02 8001')), 'x'), /non-minimal/);
    assert.throws(() => readOid(readNode(hex('06 02 2a86')), 'x'), /ends inside an arc/);
    assert.throws(() => readOid(readNode(hex('06 00')), 'x'), DerError);
  });

  test('small non-negative integers', () => {
    assert.equal(readSmallInt(readNode(hex('02 01 03')), 'v'), 3);
    assert.equal(readSmallInt(readNode(hex('02 02 0800')), 'v'), 2048);
    assert.equal(readSmallInt(readNode(hex('02 03 00ffff')), 'v'), 65535);
    assert.throws(() => readSmallInt(readNode(hex('02 01 ff')), 'v'), /negative/);
    assert.throws(() => readSmallInt(readNode(hex('02 05 0100000000')), 'v'), /exceeds/);
    assert.throws(() => readSmallInt(readNode(hex('02 00')), 'v'), /empty/);
  });

  test('BER indefinite lengths and constructed OCTET STRINGs', () => {
    const seq = readNode(hex('30 80 04 01 aa 00 00 ffff'));
    assert.equal(seq.indefinite, true);
    assert.equal(seq.end, 7);
    const reader = children(seq, 'x');
    assert.deepEqual(readOctets(reader.next('x'), 'x'), hex('aa'));
    assert.equal(reader.done, true);
    // Segments, nested constructed segments, and an indefinite constructed string.
    assert.deepEqual(Buffer.from(readOctets(readNode(hex('24 80 04 02 aabb 24 03 04 01 cc 00 00')), 'x')), hex('aabbcc'));
    assert.throws(() => readOctets(readNode(hex('24 03 02 01 01')), 'x'), /segment is a INTEGER/);
  });

  test('times: UTCTime century rule and GeneralizedTime', () => {
    assert.equal(readTime(readNode(Buffer.from('\x17\x0d491231235959Z', 'latin1')), 't').toISOString(), '2049-12-31T23:59:59.000Z');
    assert.equal(readTime(readNode(Buffer.from('\x17\x0d500101000000Z', 'latin1')), 't').toISOString(), '1950-01-01T00:00:00.000Z');
    assert.equal(readTime(readNode(Buffer.from('\x18\x0f20540102030405Z', 'latin1')), 't').toISOString(), '2054-01-02T03:04:05.000Z');
    assert.throws(() => readTime(readNode(Buffer.from('\x17\x0d250230000000Z', 'latin1')), 't'), /invalid date/);
    assert.throws(() => readTime(readNode(Buffer.from('\x17\x0b2502300000Z', 'latin1')), 't'), /UTCTime or GeneralizedTime/);
  });

  test('hostile headers throw DerError with the offset', () => {
    const cases: [string, RegExp][] = [
      ['', /unexpected end of data/],
      ['30', /no length octet/],
      ['30 05 0101', /declares 5 bytes but only 2 remain/],
      ['04 80 00 00', /indefinite length on a primitive/],
      ['30 85 0000000001 00', /5-octet length field/],
      ['30 84 ffffffff', /declares 4294967295 bytes/],
      ['1f 01 00', /high-tag-number/],
      ['00 00', /end-of-contents/],
      ['30 80 04 01 aa', /no end-of-contents marker/],
      ['30 80 00 01', /malformed end-of-contents/],
    ];
    for (const [input, message] of cases) {
      assert.throws(() => readNode(hex(input)), (e: unknown) => e instanceof DerError && message.test(e.message), input);
    }
  });

  test('deep nesting is refused without recursion', () => {
    const deepIndefinite = Buffer.concat([Buffer.alloc(200_000, Buffer.from([0x30, 0x80])), Buffer.alloc(200_000, 0)]);
    assert.throws(() => readNode(deepIndefinite), /nesting deeper than/);
    let nested = hex('04 00');
    for (let i = 0; i < 20; i++) {
      const len = nested.length;
      nested = Buffer.concat([len < 128 ? Buffer.from([0x24, len]) : Buffer.from([0x24, 0x81, len]), nested]);
    }
    assert.throws(() => readOctets(readNode(nested), 'x'), /nested too deeply/);
  });

  test('fuzz: random and mutated input only ever throws DerError', () => {
    const random = prng(0x5eed);
    const byte = () => Math.floor(random() * 256);
    const valid = hex('30 80 30 0b 06 09 2a864886f70d010701 24 80 04 02 aabb 00 00 a0 03 02 01 03 00 00');
    for (let i = 0; i < 5000; i++) {
      let input: Buffer;
      if (i % 2 === 0) {
        input = Buffer.from(Array.from({ length: 1 + Math.floor(random() * 40) }, byte));
        if (i % 4 === 0) input[0] = 0x30; // most PKCS#12 parsing starts at a SEQUENCE
      } else {
        input = Buffer.from(valid);
        for (let k = 0; k < 3; k++) input[Math.floor(random() * input.length)] = byte();
        input = input.subarray(0, Math.floor(random() * (input.length + 1)));
      }
      try {
        walk(readNode(input), input.length);
      } catch (e) {
        assert.ok(e instanceof DerError, `input ${input.toString('hex')} threw ${(e as Error).stack}`);
      }
    }
  });
});
