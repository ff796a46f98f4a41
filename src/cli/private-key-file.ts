/**
 * Reading the connector's RSA private key for the commands that decrypt passwords (`verify`, `rekey`,
 * `recover`): PEM or DER, PKCS#8 or PKCS#1, or a CNG RSAFULLPRIVATEBLOB/RSAPRIVATEBLOB (pfx/private-key.ts).
 * A missing or unreadable file is the flag's error, named.
 */
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { KeyError, readRsaPrivateKey } from '../pfx/index.js';

export function readPrivateKeyFile(path: string, flag = '--private-key'): KeyObject {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    throw new Error(`${flag} ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, { cause: err });
  }
  try {
    return readRsaPrivateKey(data);
  } catch (err) {
    if (err instanceof KeyError) throw new Error(`${flag} ${path}: ${err.message}`, { cause: err });
    throw err;
  }
}
