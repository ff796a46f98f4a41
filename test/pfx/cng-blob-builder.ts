/**
 * CNG RSA key blobs written by hand from Microsoft's documented BCRYPT_RSAKEY_BLOB layout, independently of
 * src/pfx (so the reader and writer are checked against the document, not against themselves), and the key
 * numbers OpenSSL prints (`openssl rsa -text -noout`) to compare with.
 */

export interface Numbers {
  n: bigint;
  e: bigint;
  d: bigint;
  p: bigint;
  q: bigint;
  dp: bigint;
  dq: bigint;
  qi: bigint;
}

/** The documented order of the integers after the header, with the header field giving each one's width. */
export const FULL_LAYOUT = [
  ['PublicExponent', 'e', 'cbPublicExp'], ['Modulus', 'n', 'cbModulus'], ['Prime1', 'p', 'cbPrime1'], ['Prime2', 'q', 'cbPrime2'],
  ['Exponent1', 'dp', 'cbPrime1'], ['Exponent2', 'dq', 'cbPrime2'], ['Coefficient', 'qi', 'cbPrime1'], ['PrivateExponent', 'd', 'cbModulus'],
] as const;

export type Width = (typeof FULL_LAYOUT)[number][2];

export function bigEndian(value: bigint, width?: number): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const bytes = Buffer.from(hex, 'hex');
  return width === undefined ? bytes : Buffer.concat([Buffer.alloc(width - bytes.length), bytes]);
}

export const fromBigEndian = (bytes: Buffer): bigint => BigInt(`0x${bytes.toString('hex') || '0'}`);

export interface BlobOptions {
  readonly magic?: 'RSA1' | 'RSA2' | 'RSA3' | string;
  /** Header fields to set to something else than the numbers' own sizes. */
  readonly header?: Partial<Record<'BitLength' | Width, number>>;
}

/** An RSA3 blob (or RSA2: the first four integers) of these numbers, each field as wide as the header says. */
export function cngBlob(numbers: Numbers, options: BlobOptions = {}): Buffer {
  const magic = options.magic ?? 'RSA3';
  const publicOnly = magic === 'RSA1'; // cbPrime1 and cbPrime2 are "only used for private key BLOBs": 0 in an RSA1
  const widths: Record<Width, number> = {
    cbPublicExp: bigEndian(numbers.e).length, cbModulus: bigEndian(numbers.n).length,
    cbPrime1: publicOnly ? 0 : bigEndian(numbers.p).length, cbPrime2: publicOnly ? 0 : bigEndian(numbers.q).length,
  };
  const header = Buffer.alloc(24);
  header.write(magic, 0, 'latin1'); // 'RSA3' as bytes is 0x33415352 read little-endian
  header.writeUInt32LE(options.header?.BitLength ?? numbers.n.toString(2).length, 4);
  (['cbPublicExp', 'cbModulus', 'cbPrime1', 'cbPrime2'] as const).forEach((w, i) => header.writeUInt32LE(options.header?.[w] ?? widths[w], 8 + 4 * i));
  const count = magic === 'RSA1' ? 2 : magic === 'RSA2' ? 4 : 8;
  return Buffer.concat([header, ...FULL_LAYOUT.slice(0, count).map(([, field, width]) => bigEndian(numbers[field], widths[width]))]);
}

/** `openssl rsa -text -noout` output → the key's numbers and its size in bits. */
export function parseOpensslText(text: string): { numbers: Numbers; bits: number } {
  const names: Record<string, keyof Numbers> = {
    modulus: 'n', privateExponent: 'd', prime1: 'p', prime2: 'q', exponent1: 'dp', exponent2: 'dq', coefficient: 'qi',
  };
  const numbers: Partial<Numbers> = {};
  for (const [name, field] of Object.entries(names)) {
    const match = new RegExp(`^${name}:\\n((?: +[0-9a-f:]+\\n)+)`, 'm').exec(text);
    if (!match) throw new Error(`no ${name} in openssl output`);
    numbers[field] = BigInt(`0x${match[1]!.replace(/[\s:]/g, '')}`);
  }
  numbers.e = BigInt(/^publicExponent: (\d+)/m.exec(text)![1]!);
  return { numbers: numbers as Numbers, bits: Number(/^Private-Key: \((\d+) bit/m.exec(text)![1]) };
}
