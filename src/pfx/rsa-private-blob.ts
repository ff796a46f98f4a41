/**
 * The CNG RSA private key blobs: `BCRYPT_RSAFULLPRIVATE_BLOB` ("RSAFULLPRIVATEBLOB", magic 'RSA3'), the form
 * Microsoft's `Export-IntunePrivateKey` writes and `Import-IntunePrivateKey` reads, and the shorter
 * `BCRYPT_RSAPRIVATE_BLOB` ("RSAPRIVATEBLOB", 'RSA2'). Layout, from the Remarks of Microsoft's
 * "BCRYPT_RSAKEY_BLOB structure (bcrypt.h)" page:
 *
 *   BCRYPT_RSAKEY_BLOB header            -- cng-rsa-header.ts: Magic, BitLength, cbPublicExp, cbModulus,
 *                                           cbPrime1, cbPrime2 (little-endian ULONGs)
 *   PublicExponent[cbPublicExp]          -- every integer from here on is big-endian
 *   Modulus[cbModulus]
 *   Prime1[cbPrime1]
 *   Prime2[cbPrime2]                     -- RSAPRIVATEBLOB ends here
 *   Exponent1[cbPrime1]                  -- d mod (Prime1 − 1)
 *   Exponent2[cbPrime2]                  -- d mod (Prime2 − 1)
 *   Coefficient[cbPrime1]                -- Prime2⁻¹ mod Prime1
 *   PrivateExponent[cbModulus]           -- d
 *
 * The later fields are fixed-width, so a short value is left-padded with zeros. The same page notes that
 * Windows versions export PrivateExponent modulo (p − 1)(q − 1) or modulo lcm(p − 1, q − 1): both are
 * accepted and kept as they are (so a blob round-trips byte for byte); the check is e·d ≡ 1 mod lcm.
 */
import { checkPrimeSync, type KeyObject } from 'node:crypto';
import { HEADER_BYTES, RSA_MAGIC, magicText, readRsaBlobHeader, writeRsaBlobHeader } from './cng-rsa-header.js';
import { KeyError } from './errors.js';
import {
  type RsaPrivateNumbers, byteLength, carmichael, modInverse, numbersOfPrivateKey, privateKeyFromNumbers, toBigInt, toBytes,
} from './rsa-numbers.js';

const FULL = 'RSAFULLPRIVATEBLOB';
const SHORT = 'RSAPRIVATEBLOB';

/** Reads an RSAFULLPRIVATEBLOB or an RSAPRIVATEBLOB (its missing numbers computed); every number is checked. */
export function readRsaPrivateBlob(data: Buffer): KeyObject {
  if (data.length < HEADER_BYTES) {
    throw new KeyError('unsupported-key-format', `not a valid CNG RSA private key blob: it is ${data.length} bytes, shorter than the 24-byte header`);
  }
  const header = readRsaBlobHeader(data);
  if (header.magic === RSA_MAGIC.public) {
    throw new KeyError('not-private-key', 'this is a CNG RSA public key blob (RSAPUBLICBLOB); a private key is needed (an RSAFULLPRIVATEBLOB, as Export-IntunePrivateKey writes)');
  }
  if (header.magic !== RSA_MAGIC.fullPrivate && header.magic !== RSA_MAGIC.private) {
    throw new KeyError('unsupported-key-format',
      `not a valid CNG RSA private key blob: the magic is ${magicText(header.magic)}, not 'RSA3' (0x33415352) or 'RSA2' (0x32415352)`);
  }
  const full = header.magic === RSA_MAGIC.fullPrivate;
  const fail = (reason: string) => new KeyError('unsupported-key-format', `not a valid ${full ? FULL : SHORT} (BCRYPT_RSAKEY_BLOB): ${reason}`);
  const { bitLength, cbPublicExp, cbModulus, cbPrime1, cbPrime2 } = header;

  // The sizes first, so nothing is sliced or multiplied from a header that lies.
  if (cbPublicExp < 1 || cbPublicExp > 8) throw fail(`cbPublicExp is ${cbPublicExp}; expected 1–8`);
  if (cbModulus < 64 || cbModulus > 2048) throw fail(`cbModulus is ${cbModulus}; expected 64–2048`);
  if (bitLength > cbModulus * 8 || bitLength <= (cbModulus - 1) * 8) throw fail(`BitLength ${bitLength} does not fit a ${cbModulus}-byte modulus`);
  for (const [name, size] of [['cbPrime1', cbPrime1], ['cbPrime2', cbPrime2]] as const) {
    if (size < 1 || size > cbModulus) throw fail(`${name} is ${size}; expected 1–${cbModulus} (cbModulus)`);
  }
  const sizes = [cbPublicExp, cbModulus, cbPrime1, cbPrime2, ...(full ? [cbPrime1, cbPrime2, cbPrime1, cbModulus] : [])];
  const expected = HEADER_BYTES + sizes.reduce((a, b) => a + b, 0);
  if (data.length !== expected) throw fail(`it is ${data.length} bytes but its header describes ${expected}`);

  let offset = HEADER_BYTES;
  const [e, n, p, q, dp, dq, qi, d] = sizes.map((size) => toBigInt(data.subarray(offset, (offset += size))));
  if (e < 3n || e % 2n === 0n) throw fail(`PublicExponent is ${e}; an RSA public exponent is odd and at least 3`);
  if (n.toString(2).length !== bitLength) throw fail(`BitLength is ${bitLength} but the modulus has ${n.toString(2).length} bits`);
  if (p * q !== n) throw fail('Modulus is not Prime1 × Prime2');
  if (p === q) throw fail('Prime1 equals Prime2');
  if (!checkPrimeSync(p)) throw fail('Prime1 is not prime');
  if (!checkPrimeSync(q)) throw fail('Prime2 is not prime');
  const lambda = carmichael(p, q);

  let numbers: RsaPrivateNumbers;
  if (full) {
    if (d === 0n || (e * d) % lambda !== 1n) throw fail('PrivateExponent is not the inverse of PublicExponent mod lcm(Prime1 − 1, Prime2 − 1)');
    if (dp !== d % (p - 1n)) throw fail('Exponent1 is not PrivateExponent mod (Prime1 − 1)');
    if (dq !== d % (q - 1n)) throw fail('Exponent2 is not PrivateExponent mod (Prime2 − 1)');
    if (qi >= p || (qi * q) % p !== 1n) throw fail('Coefficient is not the inverse of Prime2 mod Prime1');
    numbers = { n, e, d, p, q, dp, dq, qi };
  } else {
    // d mod lcm(p − 1, q − 1), as OpenSSL computes it, so an RSA2 blob of an OpenSSL key gives that very key.
    const derived = modInverse(e, lambda);
    if (derived === undefined) throw fail('PublicExponent has no inverse mod lcm(Prime1 − 1, Prime2 − 1), so these numbers are no RSA key');
    numbers = { n, e, d: derived, p, q, dp: derived % (p - 1n), dq: derived % (q - 1n), qi: modInverse(q, p)! };
  }
  try {
    return privateKeyFromNumbers(numbers);
  } catch (err) {
    throw fail(`its numbers do not form an RSA key (${(err as Error).message})`);
  }
}

/** What Export-IntunePrivateKey writes for this key: an RSAFULLPRIVATEBLOB, each field at CNG's fixed width. */
export function toRsaFullPrivateBlob(key: KeyObject): Buffer {
  if (key.type !== 'private') throw new KeyError('not-private-key', 'a public key has no RSAFULLPRIVATEBLOB (write it as an RSAPUBLICBLOB)');
  if (key.asymmetricKeyType !== 'rsa') throw new KeyError('not-rsa-private-key', `an RSAFULLPRIVATEBLOB holds RSA keys only; this key is ${key.asymmetricKeyType?.toUpperCase()}`);
  const numbers = numbersOfPrivateKey(key);
  if (!numbers) throw new KeyError('not-rsa-private-key', 'a multi-prime RSA key has no RSAFULLPRIVATEBLOB (CNG keys have two primes)');
  const { n, e, d, p, q, dp, dq, qi } = numbers;
  const [cbPublicExp, cbModulus, cbPrime1, cbPrime2] = [e, n, p, q].map(byteLength);
  const fields: [string, bigint, number][] = [
    ['PublicExponent', e, cbPublicExp], ['Modulus', n, cbModulus], ['Prime1', p, cbPrime1], ['Prime2', q, cbPrime2],
    ['Exponent1', dp, cbPrime1], ['Exponent2', dq, cbPrime2], ['Coefficient', qi, cbPrime1], ['PrivateExponent', d, cbModulus],
  ];
  const header = writeRsaBlobHeader({
    magic: RSA_MAGIC.fullPrivate, bitLength: key.asymmetricKeyDetails!.modulusLength!, cbPublicExp, cbModulus, cbPrime1, cbPrime2,
  });
  return Buffer.concat([header, ...fields.map(([name, value, width]) => {
    try {
      return toBytes(value, width);
    } catch {
      throw new KeyError('not-rsa-private-key', `the key's ${name} is wider than its ${width}-byte field: the key's numbers are inconsistent`);
    }
  })]);
}
