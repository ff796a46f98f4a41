/**
 * An RSA private key as its eight integers (RFC 8017 §3.2, two primes), to and from Node's `KeyObject`
 * through a JWK (RFC 7518 §6.3.2) — the one import path that takes bare numbers — and the modular
 * arithmetic that checks or completes them. Node's JWK import does not check that the numbers agree
 * (a wrong `dp` is taken as it is), so the callers check before they build.
 */
import { type KeyObject, createPrivateKey } from 'node:crypto';

export interface RsaPrivateNumbers {
  readonly n: bigint;
  readonly e: bigint;
  readonly d: bigint;
  readonly p: bigint;
  readonly q: bigint;
  readonly dp: bigint;
  readonly dq: bigint;
  readonly qi: bigint;
}

const FIELDS = ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] as const;

export function privateKeyFromNumbers(numbers: RsaPrivateNumbers): KeyObject {
  const jwk = Object.fromEntries(FIELDS.map((f) => [f, toBytes(numbers[f]).toString('base64url')]));
  return createPrivateKey({ key: { kty: 'RSA', ...jwk }, format: 'jwk' });
}

/** The numbers of a two-prime RSA private key; undefined for a multi-prime one (a JWK with `oth`). */
export function numbersOfPrivateKey(key: KeyObject): RsaPrivateNumbers | undefined {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.oth !== undefined) return undefined;
  const value = (f: (typeof FIELDS)[number]) => toBigInt(Buffer.from(jwk[f] as string, 'base64url'));
  return { n: value('n'), e: value('e'), d: value('d'), p: value('p'), q: value('q'), dp: value('dp'), dq: value('dq'), qi: value('qi') };
}

/** Big-endian unsigned bytes, leading zeros allowed. */
export function toBigInt(bigEndian: Buffer): bigint {
  return bigEndian.length === 0 ? 0n : BigInt(`0x${bigEndian.toString('hex')}`);
}

/** Big-endian unsigned bytes: the fewest (at least one), or left-padded with zeros to `width`. */
export function toBytes(value: bigint, width?: number): Buffer {
  const hex = value.toString(16);
  const minimal = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  if (width === undefined) return minimal;
  if (minimal.length > width) throw new RangeError(`a ${minimal.length}-byte integer does not fit in ${width} bytes`);
  return Buffer.concat([Buffer.alloc(width - minimal.length), minimal]);
}

export function byteLength(value: bigint): number {
  return toBytes(value).length;
}

export function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** λ(n) = lcm(p − 1, q − 1), the modulus of the private exponent (RFC 8017 §3.2). */
export function carmichael(p: bigint, q: bigint): bigint {
  return ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n);
}

/** a⁻¹ mod m (extended Euclid), or undefined when gcd(a, m) ≠ 1. */
export function modInverse(a: bigint, m: bigint): bigint | undefined {
  let [r0, r1] = [((a % m) + m) % m, m];
  let [x0, x1] = [1n, 0n];
  while (r1 !== 0n) {
    const quotient = r0 / r1;
    [r0, r1] = [r1, r0 - quotient * r1];
    [x0, x1] = [x1, x0 - quotient * x1];
  }
  return r0 === 1n ? ((x0 % m) + m) % m : undefined;
}
