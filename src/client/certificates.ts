/**
 * The Intune imported-PFX API in domain terms, on top of GraphClient — the same requests Microsoft's
 * IntunePfxImport PowerShell module makes, so they work against graph.microsoft.com unchanged.
 * https://learn.microsoft.com/graph/api/resources/intune-raimportcerts-userpfxcertificate
 */
import { certificateEntity } from '../model/certificate.js';
import { EXPORT_REASON_HEADER } from '../model/export-reason.js';
import { BatchQueue } from './batch.js';
import type { GraphClient } from './graph-client.js';

export const CERTIFICATES_PATH = certificateEntity.setPath;
export const ODATA_TYPE = '#microsoft.graph.userPFXCertificate';

/** What a create or update sends: the whole object, as the PowerShell module does. */
export interface CertificateBody {
  readonly '@odata.type': typeof ODATA_TYPE;
  readonly thumbprint: string;
  readonly intendedPurpose: string;
  readonly userPrincipalName: string;
  readonly startDateTime: string;
  readonly expirationDateTime: string;
  readonly providerName: string;
  readonly keyName: string;
  readonly paddingScheme: string;
  readonly encryptedPfxBlob: string;
  readonly encryptedPfxPassword: string;
}

/** What a read returns. */
export interface UserPfxCertificate extends Omit<CertificateBody, '@odata.type' | 'encryptedPfxBlob' | 'encryptedPfxPassword'> {
  readonly id: string;
  /** null unless the token holds the export role (CONTRACT §4.6); Graph itself never returns them. */
  readonly encryptedPfxBlob: string | null;
  readonly encryptedPfxPassword: string | null;
  readonly createdDateTime?: string;
  readonly lastModifiedDateTime?: string;
}

/**
 * What `keys` needs of each record: the connector key it is encrypted for, and when it expires. A narrow `$select`
 * keeps 100,000 records to a few MB on the wire.
 */
export const KEY_USAGE_PROPERTIES = ['providerName', 'keyName', 'paddingScheme', 'expirationDateTime'] as const;

/** Everything but the secret fields, so a list never pulls PFX blobs even with the export role. */
export const LISTED_PROPERTIES = certificateEntity.properties.filter((p) => !p.secret).map((p) => p.name);

/** Every property: what the commands that decrypt records (`verify --all`, `rekey`) list with the export role. */
export const ALL_PROPERTIES = certificateEntity.properties.map((p) => p.name);

/** The fields a password re-encryption changes (`rekey`): the PFX blob and everything else stay as they are. */
export interface PasswordChange {
  readonly encryptedPfxPassword: string;
  readonly providerName: string;
  readonly keyName: string;
  readonly paddingScheme: string;
}

export interface CertificateFilter {
  readonly upn?: string;
  /** 40 hex digits, as `normaliseThumbprint` (model/thumbprint.ts) makes them. */
  readonly thumbprint?: string;
  /** Certificates whose expirationDateTime is before this instant (already expired ones included). */
  readonly expiringBefore?: Date;
  /** The connector key the password is encrypted for (exact, as Graph compares strings). */
  readonly keyName?: string;
}

/** An OData string literal: quotes doubled (OData ABNF `SQUOTE-in-string`). */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * The module's own queries: `tolower(userPrincipalName) eq '…'` and `tolower(thumbprint) eq '…'`, which Intune
 * answers; the expiry bound is a plain DateTimeOffset comparison.
 */
export function certificateFilter(filter: CertificateFilter): string | undefined {
  const terms: string[] = [];
  if (filter.upn !== undefined) terms.push(`tolower(userPrincipalName) eq ${odataString(filter.upn.toLowerCase())}`);
  if (filter.thumbprint !== undefined) terms.push(`tolower(thumbprint) eq ${odataString(filter.thumbprint)}`);
  if (filter.expiringBefore !== undefined) terms.push(`expirationDateTime lt ${filter.expiringBefore.toISOString()}`);
  if (filter.keyName !== undefined) terms.push(`keyName eq ${odataString(filter.keyName)}`);
  return terms.length > 0 ? terms.join(' and ') : undefined;
}

export function certificatePath(id: string): string {
  return `${CERTIFICATES_PATH}/${encodeURIComponent(id)}`;
}

/**
 * The module's update path: `userPfxCertificates({userId}-{thumbprint})`, the key unquoted and the user id as
 * /users returns it.
 */
export function certificateKeyPath(userId: string, thumbprint: string): string {
  return `${CERTIFICATES_PATH}(${encodeURIComponent(userId)}-${thumbprint})`;
}

/** What import needs of a certificate's owner. */
export interface UserRef {
  readonly id: string;
  readonly mail?: string | null;
}

export interface CertificateApiOptions {
  /** `$batch` requests on the wire at once for the writes sent in batches (changePassword). Default 1. */
  readonly batchesInFlight?: number;
}

export class CertificateApi {
  /** UPN (lowercase) → the user, or undefined when no such user; shared by concurrent workers. */
  private readonly users = new Map<string, Promise<UserRef | undefined>>();
  private readonly batches: BatchQueue;

  constructor(readonly client: GraphClient, options: CertificateApiOptions = {}) {
    this.batches = new BatchQueue(client, { batchesInFlight: options.batchesInFlight ?? 1 });
  }

  /** POST; resends after a dropped connection (the server's 409 for a duplicate makes that safe). */
  async create(body: CertificateBody): Promise<UserPfxCertificate> {
    return (await this.client.post<UserPfxCertificate>(CERTIFICATES_PATH, body, { reconcilable: true })).body;
  }

  /** PATCH of the whole object: sets fixed values, so repeating it is harmless. */
  async update(userId: string, body: CertificateBody): Promise<void> {
    await this.client.patch(certificateKeyPath(userId, body.thumbprint), body, { idempotent: true });
  }

  /**
   * PATCH of the password fields only, by id; fixed values, so repeating it is harmless. Sent in a JSON batch with
   * the other changes made meanwhile, up to 20 in one request (client/batch.ts): a rotation writes every record.
   * Rejects with the GraphRequestError of its own answer.
   */
  async changePassword(id: string, change: PasswordChange): Promise<void> {
    await this.batches.send({ method: 'PATCH', path: certificatePath(id), body: { '@odata.type': ODATA_TYPE, ...change }, idempotent: true });
  }

  /**
   * One record; with the export role its secrets too. `exportReason` goes in pfxstore's `pfxstore-export-reason`
   * header (percent-encoded UTF-8), which the server records in the export's audit event.
   */
  get(id: string, options: { exportReason?: string } = {}): Promise<UserPfxCertificate> {
    const headers = options.exportReason === undefined ? undefined : { [EXPORT_REASON_HEADER]: encodeURIComponent(options.exportReason) };
    return this.client.get<UserPfxCertificate>(certificatePath(id), undefined, headers);
  }

  delete(id: string): Promise<void> {
    return this.client.delete(certificatePath(id));
  }

  /**
   * Every match, across all pages. `pageSize` sets `$top` (Graph's page size); `orderBy` sets `$orderby`, so the
   * server sorts across pages (sorting each page here would not).
   */
  list(filter: CertificateFilter = {}, pageSize?: number, orderBy?: string): AsyncGenerator<UserPfxCertificate> {
    return this.client.list<UserPfxCertificate>(CERTIFICATES_PATH, {
      $filter: certificateFilter(filter),
      $select: LISTED_PROPERTIES.join(','),
      $orderby: orderBy,
      $top: pageSize,
    });
  }

  /**
   * Every match with only `properties` ($select), `pageSize` at a time: no secret is ever asked for, so this works
   * against Microsoft Graph with a read role (`diff` compares two endpoints this way).
   */
  listSelected<K extends Exclude<keyof UserPfxCertificate, 'encryptedPfxBlob' | 'encryptedPfxPassword'>>(filter: CertificateFilter, properties: readonly K[],
    pageSize?: number): AsyncGenerator<Pick<UserPfxCertificate, 'id' | K>> {
    return this.client.list(CERTIFICATES_PATH, {
      $filter: certificateFilter(filter),
      $select: properties.join(','),
      $top: pageSize,
    });
  }

  /**
   * Every match's connector key and expiry (KEY_USAGE_PROPERTIES), a full page (1000, Graph's most) at a time
   * unless told otherwise: the fewest round trips. Works against Microsoft Graph as it is.
   */
  listKeyUsage(filter: CertificateFilter = {}, pageSize = 1000): AsyncGenerator<Pick<UserPfxCertificate, 'id' | typeof KEY_USAGE_PROPERTIES[number]>> {
    return this.client.list(CERTIFICATES_PATH, {
      $filter: certificateFilter(filter),
      $select: KEY_USAGE_PROPERTIES.join(','),
      $top: pageSize,
    });
  }

  /**
   * Every match with its secret fields, across all pages: they are filled in only for a token with the export
   * role (null otherwise, and always from Microsoft Graph), which the caller must check. `properties` narrows
   * the `$select` (rekey leaves out the PFX blob it does not need).
   */
  listWithSecrets(filter: CertificateFilter = {}, pageSize?: number, properties: readonly string[] = ALL_PROPERTIES): AsyncGenerator<UserPfxCertificate> {
    return this.client.list<UserPfxCertificate>(CERTIFICATES_PATH, {
      $filter: certificateFilter(filter),
      $select: properties.join(','),
      $top: pageSize,
    });
  }

  /**
   * How many certificates match (`/$count`), for a progress bar's total; undefined where the server does not
   * answer it with a number, since a bar without a total beats a command that fails.
   */
  async count(filter: CertificateFilter = {}): Promise<number | undefined> {
    try {
      const n = Number(await this.client.get<unknown>(`${CERTIFICATES_PATH}/$count`, { $filter: certificateFilter(filter) }));
      return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
    } catch {
      return undefined;
    }
  }

  /** The one certificate of this user and thumbprint, if stored. */
  async find(upn: string, thumbprint: string): Promise<UserPfxCertificate | undefined> {
    for await (const cert of this.list({ upn, thumbprint })) return cert;
    return undefined;
  }

  /** The user's id, as the module's GetUserId finds it. */
  async userId(upn: string): Promise<string | undefined> {
    return (await this.user(upn))?.id;
  }

  /**
   * `GET /users?$filter=userPrincipalName eq '…'` as the module's GetUserId sends it, with `mail` for import's
   * address check; cached per UPN and shared by concurrent workers, so a file needs at most one lookup of its owner.
   */
  user(upn: string): Promise<UserRef | undefined> {
    const key = upn.toLowerCase();
    let found = this.users.get(key);
    if (!found) {
      found = this.client.get<{ value?: UserRef[] }>('users', { $filter: `userPrincipalName eq ${odataString(upn)}`, $select: 'id,mail' })
        .then((page) => page.value?.[0]);
      found.catch(() => this.users.delete(key));
      this.users.set(key, found);
    }
    return found;
  }
}
