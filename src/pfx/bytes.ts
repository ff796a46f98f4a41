/**
 * The few byte operations the pure part of the PFX layer needs, on plain `Uint8Array`s so that the same
 * modules run in the browser console (console/src/pfx) as well as in Node. A Node `Buffer` is a
 * `Uint8Array`, so the CLI passes its buffers straight in.
 */

/** One copy of all the parts, in order. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Each byte as one character U+0000–U+00FF (ISO-8859-1), as Node's `toString('latin1')`. */
export function latin1Text(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let text = '';
  // Chunks keep String.fromCharCode's argument list well under engines' limits.
  for (let i = start; i < end; i += 8192) text += String.fromCharCode(...bytes.subarray(i, Math.min(end, i + 8192)));
  return text;
}

export function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
