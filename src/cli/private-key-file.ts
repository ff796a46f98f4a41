/**
 * Reading the connector's RSA private key for the commands that decrypt passwords (`verify`, `rekey`,
 * `recover`): PEM or DER, PKCS#8 or PKCS#1. A missing or unreadable file is the flag's error, named.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

export function readPrivateKeyFile(path: string, flag = '--private-key'): KeyObject {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    throw new Error(`${flag} ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, { cause: err });
  }
  const attempts = data.includes('-----BEGIN') ? [{ key: data, format: 'pem' as const }]
    : [{ key: data, format: 'der' as const, type: 'pkcs8' as const }, { key: data, format: 'der' as const, type: 'pkcs1' as const }];
  const key = attempts.map(tryPrivateKey).find((k) => k !== undefined);
  if (!key) throw new Error(`${flag} ${path}: not an unencrypted RSA private key (PEM or DER, PKCS#8 or PKCS#1)`);
  if (key.asymmetricKeyType !== 'rsa') throw new Error(`${flag} ${path}: a ${key.asymmetricKeyType?.toUpperCase()} key; the connector key is RSA`);
  return key;
}

function tryPrivateKey(input: Parameters<typeof createPrivateKey>[0]): KeyObject | undefined {
  try {
    return createPrivateKey(input);
  } catch {
    return undefined;
  }
}
