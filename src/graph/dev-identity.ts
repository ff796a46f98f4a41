import { randomBytes, randomUUID } from 'node:crypto';
// jose's subpath modules: the CLI mints a token on every dev-mode run, and the whole package takes twice as long
// to load (~34 ms against ~17 ms for signing and key import alone).
import type { JWK } from 'jose';
import { exportJWK } from 'jose/key/export';
import { generateKeyPair } from 'jose/key/generate/keypair';
import { importJWK } from 'jose/key/import';
import { SignJWT } from 'jose/jwt/sign';
import { readIfExists, readOrCreate } from '../util/data-dir.js';

const SIGNING_KEY_FILE = 'signing-key.jwk.json';

/** What `--auth dev` signs with and issues to. Kept in `--data` so `pfxstore token` and `serve` agree. */
export interface DevIdentity {
  readonly tenantId: string;
  readonly clientSecret: string;
  readonly privateJwk: JWK;
  readonly publicJwk: JWK;
  readonly kid: string;
}

/** Graph access tokens carry this audience (also accepted: the Graph application id). */
export const GRAPH_AUDIENCE = 'https://graph.microsoft.com';
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const DEFAULT_ROLES = ['DeviceManagementConfiguration.ReadWrite.All', 'User.ReadWrite.All'];

/**
 * The dev issuer, per tenant, shaped like Entra ID's v2 issuer. `.localhost` is reserved, so it can never be
 * confused with a real authority.
 */
export function devIssuer(tenantId: string): string {
  return `https://sts.pfxstore.localhost/${tenantId}/v2.0`;
}

export async function loadDevIdentity(dataDir: string): Promise<DevIdentity> {
  const tenantId = readOrCreate(dataDir, 'tenant-id', () => randomUUID()).trim();
  const clientSecret = readOrCreate(dataDir, 'client-secret', newClientSecret).trim();
  let keyJson = readIfExists(dataDir, SIGNING_KEY_FILE);
  if (keyJson === undefined) {
    // readOrCreate is synchronous and key generation is not: generate first, then let readOrCreate settle races.
    const made = JSON.stringify(await newSigningJwk());
    keyJson = readOrCreate(dataDir, SIGNING_KEY_FILE, () => made);
  }
  return devIdentity({ tenantId, clientSecret, privateJwk: JSON.parse(keyJson) as JWK });
}

/** A dev identity kept in memory only (`startPfxstore`): a fresh tenant and secret, with the signing key given. */
export function devIdentity(parts: { tenantId?: string; clientSecret?: string; privateJwk: JWK }): DevIdentity {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = parts.privateJwk;
  return {
    tenantId: parts.tenantId ?? randomUUID(),
    clientSecret: parts.clientSecret ?? newClientSecret(),
    privateJwk: parts.privateJwk,
    publicJwk: { ...publicJwk, use: 'sig', alg: 'RS256' },
    kid: parts.privateJwk.kid!,
  };
}

/** An RS256 signing key as a private JWK with its `kid`: the one slow part of a dev identity (~50 ms). */
export async function newSigningJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  return { ...(await exportJWK(privateKey)), kid: randomBytes(8).toString('hex'), alg: 'RS256' };
}

function newClientSecret(): string {
  return randomBytes(24).toString('base64url');
}

/** Imported signing keys, by JWK: importing one costs as much as signing with it, and a server mints many tokens. */
const importedKeys = new WeakMap<JWK, ReturnType<typeof importJWK>>();

function signingKey(identity: DevIdentity): ReturnType<typeof importJWK> {
  let key = importedKeys.get(identity.privateJwk);
  if (!key) {
    key = importJWK(identity.privateJwk, 'RS256');
    importedKeys.set(identity.privateJwk, key);
  }
  return key;
}

export interface MintOptions {
  readonly tenantId?: string;
  readonly roles?: readonly string[];
  readonly scopes?: readonly string[];
  readonly upn?: string;
  readonly ttlSeconds?: number;
  readonly appId?: string;
  readonly audience?: string;
  /** The user's object id in a delegated token; a random one when absent. */
  readonly objectId?: string;
}

/** Signs a Graph-shaped access token: application (`roles`) or delegated (`scp`, `upn`). */
export async function mintDevToken(identity: DevIdentity, options: MintOptions = {}): Promise<string> {
  const tenantId = options.tenantId ?? identity.tenantId;
  const key = await signingKey(identity);
  const claims: Record<string, unknown> = {
    tid: tenantId,
    appid: options.appId ?? 'pfxstore-dev-client',
    oid: options.objectId ?? randomUUID(),
  };
  if (options.scopes) {
    claims.scp = options.scopes.join(' ');
    if (options.upn) claims.upn = options.upn;
    // Entra ID's v2 access tokens say whose they are; the verifier reads a token with `idtyp: user` as delegated.
    claims.idtyp = 'user';
  } else {
    claims.roles = [...(options.roles ?? DEFAULT_ROLES)];
  }
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: identity.kid, typ: 'JWT' })
    .setIssuer(devIssuer(tenantId))
    .setAudience(options.audience ?? GRAPH_AUDIENCE)
    .setIssuedAt()
    .setNotBefore('0s')
    .setExpirationTime(`${options.ttlSeconds ?? 3600}s`)
    .sign(key);
}

export interface IdTokenOptions {
  readonly tenantId: string;
  readonly clientId: string;
  readonly upn: string;
  readonly objectId: string;
  readonly nonce?: string;
  readonly ttlSeconds: number;
}

/** An OpenID Connect ID token for the console (audience: its client id), shaped like Entra ID's v2 ones. */
export async function mintDevIdToken(identity: DevIdentity, options: IdTokenOptions): Promise<string> {
  const key = await signingKey(identity);
  const claims: Record<string, unknown> = {
    tid: options.tenantId,
    oid: options.objectId,
    preferred_username: options.upn,
    name: options.upn.split('@')[0],
  };
  if (options.nonce !== undefined) claims.nonce = options.nonce;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: identity.kid, typ: 'JWT' })
    .setIssuer(devIssuer(options.tenantId))
    .setSubject(options.objectId)
    .setAudience(options.clientId)
    .setIssuedAt()
    .setNotBefore('0s')
    .setExpirationTime(`${options.ttlSeconds}s`)
    .sign(key);
}
