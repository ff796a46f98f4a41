import {
  createLocalJWKSet, createRemoteJWKSet, decodeJwt, errors as joseErrors, jwtVerify,
  type JWTPayload, type JWTVerifyGetKey,
} from 'jose';
import { devIssuer, GRAPH_APP_ID, GRAPH_AUDIENCE, type DevIdentity } from './dev-identity.js';
import type { Principal } from '../service/principal.js';
import { GraphError } from './errors.js';
import { GUID } from '../model/guid.js';
import { LruMap } from '../util/lru-map.js';

export interface TokenVerifier {
  /** Resolves the principal, or throws a 401 GraphError that says exactly what is wrong with the token. */
  verify(authorization: string | undefined): Promise<Principal>;
  /** The principal of a token verified before and not yet expired, without waiting; else undefined. */
  cached(authorization: string | undefined): Principal | undefined;
}

interface VerifierOptions {
  readonly keys: JWTVerifyGetKey;
  /** The issuer expected for a token of tenant `tid`. */
  readonly issuerFor: (tenantId: string) => string;
  readonly audiences: readonly string[];
  /** The clock that token lifetimes and the cache are checked against; Date.now unless a test sets one. */
  readonly now?: () => number;
  /** Dev mode: the only key is the one in `--data`, so a key it does not know is another data directory's. */
  readonly devKey?: boolean;
}

/** Seconds of clock skew tolerated on exp/nbf, as Entra ID's own libraries allow. */
const CLOCK_TOLERANCE_S = 60;
/** Verified tokens are remembered until they expire: an RS256 verify costs more than the rest of a GET. */
const CACHE_SIZE = 10_000;
/** The last 32 base64url characters of the signature: 192 bits. */
const CACHE_KEY_LENGTH = 32;

export function devTokenVerifier(identity: DevIdentity, options: { now?: () => number } = {}): TokenVerifier {
  return tokenVerifier({
    keys: createLocalJWKSet({ keys: [identity.publicJwk] }),
    issuerFor: devIssuer,
    audiences: [GRAPH_AUDIENCE, `${GRAPH_AUDIENCE}/`, GRAPH_APP_ID],
    now: options.now,
    devKey: true,
  });
}

/** A real identity provider; `{tenantid}` in the issuer stands for the token's `tid` (multi-tenant Entra ID). */
export function oidcTokenVerifier(options: { issuer: string; audience: string; jwksUri: string }): TokenVerifier {
  return tokenVerifier({
    keys: createRemoteJWKSet(new URL(options.jwksUri)),
    issuerFor: (tid) => options.issuer.replace(/\{tenantid\}/gi, tid),
    audiences: options.audience.split(',').map((a) => a.trim()),
  });
}

function tokenVerifier(options: VerifierOptions): TokenVerifier {
  // Keyed by the token's last characters (its signature's): hashing a whole ~1 KB token for the lookup costs
  // more than the rest of the check. A hit must still be the very same token: two tokens that happen to share
  // the suffix only displace each other.
  const cache = new LruMap<string, { token: string; principal: Principal; expiresMs: number }>(CACHE_SIZE);
  const cacheKey = (token: string) => token.slice(-CACHE_KEY_LENGTH);
  const now = options.now ?? Date.now;
  const lookup = (token: string) => {
    const hit = cache.get(cacheKey(token));
    return hit && hit.token === token && hit.expiresMs > now() ? hit.principal : undefined;
  };
  return {
    cached(authorization) {
      return authorization?.startsWith('Bearer ') ? lookup(authorization.slice(7)) : undefined;
    },
    async verify(authorization) {
      const token = bearerToken(authorization);
      const hit = lookup(token);
      if (hit) return hit;
      const payload = await verifyJwt(token, options, now());
      const principal = principalOf(payload);
      cache.set(cacheKey(token), { token, principal, expiresMs: (payload.exp as number) * 1000 });
      return principal;
    },
  };
}

function bearerToken(authorization: string | undefined): string {
  if (!authorization) {
    throw GraphError.unauthenticated("Access token is empty: send an 'Authorization: Bearer <token>' header.");
  }
  // A prefix check rather than a regex over the whole ~1 KB header: this runs on every request.
  const token = authorization.slice(7).trim();
  if (authorization.slice(0, 7).toLowerCase() !== 'bearer ' || token === '') {
    throw GraphError.unauthenticated("The Authorization header must use the Bearer scheme: 'Bearer <token>'.");
  }
  return token;
}

async function verifyJwt(token: string, options: VerifierOptions, nowMs: number): Promise<JWTPayload> {
  let unverified: JWTPayload;
  try {
    unverified = decodeJwt(token);
  } catch {
    throw GraphError.unauthenticated('The access token is not a well-formed JWT (three base64url parts, JSON header and claims).');
  }
  const tid = unverified.tid;
  if (typeof tid !== 'string' || !GUID.test(tid)) {
    throw GraphError.unauthenticated("The access token has no valid 'tid' (tenant id) claim: it must be a GUID.");
  }
  const issuer = options.issuerFor(tid.toLowerCase());
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, options.keys, {
      algorithms: ['RS256'],
      issuer,
      audience: [...options.audiences],
      clockTolerance: CLOCK_TOLERANCE_S,
      currentDate: new Date(nowMs),
      requiredClaims: ['exp'],
    }));
  } catch (err) {
    throw GraphError.unauthenticated(explainJoseError(err, unverified, issuer, options));
  }
  // jose checks `iat` only against a maximum age. A token issued in the future comes from a wrong clock or was
  // made to outlive its issuer's policy; Entra ID's own validators refuse it too.
  if (typeof payload.iat === 'number' && payload.iat > nowMs / 1000 + CLOCK_TOLERANCE_S) {
    throw GraphError.unauthenticated(`The access token was issued in the future (iat ${new Date(payload.iat * 1000).toISOString()}).`);
  }
  return payload;
}

function explainJoseError(err: unknown, claims: JWTPayload, issuer: string, { audiences, devKey }: VerifierOptions): string {
  if (err instanceof joseErrors.JWTExpired) {
    return `The access token expired at ${new Date((claims.exp ?? 0) * 1000).toISOString()}.`;
  }
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'nbf': return `The access token is not valid before ${new Date((claims.nbf ?? 0) * 1000).toISOString()}.`;
      case 'iss': return `The access token's issuer '${String(claims.iss)}' is not accepted; expected '${issuer}'.`;
      case 'aud': return `The access token's audience '${String(claims.aud)}' is not accepted; expected one of: ${audiences.join(', ')}.`;
      case 'exp': return "The access token has no 'exp' (expiry) claim.";
      default: return `The access token's '${err.claim}' claim is invalid: ${err.reason}.`;
    }
  }
  // The usual cause in dev mode: a token minted from another --data (another clone, another directory).
  const devHint = "A dev server trusts only the signing key in its own --data: mint tokens with 'pfxstore token --data DIR' " +
    "(or PFXSTORE_DATA) naming the server's data directory.";
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) {
    return devKey ? `The access token's signature is invalid: the token was altered, or signed by another data directory's key. ${devHint}`
      : "The access token's signature is invalid.";
  }
  if (err instanceof joseErrors.JWKSNoMatchingKey) {
    return devKey ? `The access token was signed by another data directory's key, not this server's. ${devHint}`
      : "The access token's signing key (kid) is not one of the issuer's keys.";
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return "The access token's signing algorithm is not accepted; use RS256.";
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JOSEError) {
    return `The access token could not be validated: ${(err as Error).message}.`;
  }
  return 'The access token could not be validated.';
}

function principalOf(payload: JWTPayload): Principal {
  const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
  const scopes = typeof payload.scp === 'string' ? payload.scp.split(' ').filter(Boolean) : [];
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  // A user's token may carry `roles` too (Entra ID puts the app roles assigned to the user there), so a token is
  // delegated when it has scopes or says it is a user's (`idtyp`), whatever its roles.
  const delegated = scopes.length > 0 || payload.idtyp === 'user';
  return {
    tenantId: (payload.tid as string).toLowerCase(),
    kind: delegated ? 'delegated' : 'application',
    roles: new Set(roles),
    scopes: new Set(scopes),
    appId: str(payload.appid) ?? str(payload.azp),
    userPrincipalName: str(payload.upn) ?? str(payload.preferred_username),
    objectId: str(payload.oid),
  };
}
