import { randomBytes } from 'node:crypto';
import { LruMap } from '../util/lru-map.js';

/** What a code stands for: the authorization request it answers and who signed in. */
export interface CodeGrant {
  readonly tenantId: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly userPrincipalName: string;
  /** The requested scopes, as granted (OpenID ones and delegated permissions by short name). */
  readonly scopes: readonly string[];
  readonly nonce?: string;
}

export type Redemption =
  | { readonly ok: true; readonly grant: CodeGrant }
  | { readonly ok: false; readonly reason: 'unknown' | 'expired' | 'used' };

/** RFC 6749 §4.1.2: a code lives briefly (at most 10 minutes; Entra ID's live about a minute). */
export const CODE_TTL_MS = 60_000;
/** Codes held at once; a flood of sign-ins displaces the oldest, which then reads as unknown. */
const CAPACITY = 10_000;

/**
 * The dev authority's authorization codes, in memory: random, single use, short-lived. A code redeemed once stays
 * known, as used, until it would have expired, so that a replay is told so (and RFC 6749 §4.1.2 lets a server
 * refuse it) rather than called unknown.
 *
 * Each code belongs to the server that issued it, named by its own dev tenant: the servers of one app
 * (server/app-host.ts) share this object, and a code of one of them must be unknown at another — and left
 * untouched there — as it is between two `serve` processes.
 */
export class AuthorizationCodes {
  private readonly codes = new LruMap<string, { grant: CodeGrant; expiresMs: number; used: boolean }>(CAPACITY);

  constructor(private readonly now: () => number = Date.now) {}

  issue(server: string, grant: CodeGrant): string {
    const code = randomBytes(32).toString('base64url');
    this.codes.set(`${server} ${code}`, { grant, expiresMs: this.now() + CODE_TTL_MS, used: false });
    return code;
  }

  /** Takes the code: whatever the outcome of the exchange that follows, it cannot be redeemed again. */
  redeem(server: string, code: string): Redemption {
    const entry = this.codes.get(`${server} ${code}`);
    if (!entry) return { ok: false, reason: 'unknown' };
    if (entry.used) return { ok: false, reason: 'used' };
    entry.used = true;
    if (entry.expiresMs <= this.now()) return { ok: false, reason: 'expired' };
    return { ok: true, grant: entry.grant };
  }
}
