/**
 * The connector-key flags that `import` and `rekey` share: `--padding` (a usage error when unknown or refused)
 * and `--public-key` (a file that is not a usable RSA public key is the file's fault, so exit 1, not 2).
 */
import type { KeyObject } from 'node:crypto';
import { KeyError, oaepPadding, type OaepPadding, readRsaPublicKey } from '../pfx/index.js';
import { UsageError } from '../util/usage-error.js';
import { readKeyFile } from './private-key-file.js';

export function paddingFlag(text: string): OaepPadding {
  try {
    return oaepPadding(text);
  } catch (err) {
    if (err instanceof KeyError) throw new UsageError(`--padding: ${err.message}.`);
    throw err;
  }
}

/** Read once for all records. */
export function publicKeyFlag(path: string, flag = '--public-key'): KeyObject {
  return readKeyFile(path, flag, readRsaPublicKey);
}
