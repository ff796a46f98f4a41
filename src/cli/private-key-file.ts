/**
 * Reading the connector's RSA keys from files: the private key of the commands that decrypt passwords
 * (`verify`, `rekey`, `recover`) — PEM or DER, PKCS#8 or PKCS#1, or a CNG RSAFULLPRIVATEBLOB/RSAPRIVATEBLOB
 * (pfx/private-key.ts) — and, through `readKeyFile`, the public key of `import` and `rekey` (key-flags.ts).
 * A missing or unusable file is the flag's error, named; it is the file's fault, so exit 1, not a usage error.
 */
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { KeyError, readRsaPrivateKey } from '../pfx/index.js';

export function readPrivateKeyFile(path: string, flag = '--private-key'): KeyObject {
  return readKeyFile(path, flag, readRsaPrivateKey);
}

/** The key `parse` reads from the file; its `KeyError`, and a file that cannot be read, name the flag and file. */
export function readKeyFile(path: string, flag: string, parse: (data: Buffer) => KeyObject): KeyObject {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    throw new Error(`${flag} ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, { cause: err });
  }
  try {
    return parse(data);
  } catch (err) {
    if (err instanceof KeyError) throw new Error(`${flag} ${path}: ${err.message}`, { cause: err });
    throw err;
  }
}
