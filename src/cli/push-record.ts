/**
 * What `push` does with one record: its password moved to the target's connector key (reencrypt-password.ts), its
 * owner looked up on the target by UPN (never created there: a missing user is that record's failure), the record
 * looked up on the target by user and thumbprint (there already: skipped, so a rerun only sends what is missing),
 * else created there with the same PFX blob, dates, purpose and thumbprint.
 */
import { type CertificateApi, type CertificateBody, ODATA_TYPE, type UserPfxCertificate } from '../client/certificates.js';
import { GraphRequestError } from '../client/errors.js';
import { normaliseThumbprint } from '../model/thumbprint.js';
import { type PushResult, pushResultOf } from './push-report.js';
import { type Reencryption, reencryptPassword } from './reencrypt-password.js';
import { type KeyRef, keyRefOf } from './rekey-report.js';

export interface PushTarget {
  /** The target endpoint; its user ids are cached per UPN, so a user's records cost one lookup between them. */
  readonly api: CertificateApi;
  readonly reencryption: Reencryption;
  readonly dryRun: boolean;
}

/**
 * Thrown when the target refuses the token (401/403): it will refuse every record, so the run stops instead of
 * failing each one.
 */
export class TargetRefused extends Error {
  override name = 'TargetRefused';
}

/** One record with its secrets; every failure becomes its result, except a refused token (TargetRefused). */
export async function pushRecord(record: UserPfxCertificate, target: PushTarget): Promise<PushResult> {
  if (!record.encryptedPfxBlob) return pushResultOf(record, 'failed', { reason: 'the source returned no encryptedPfxBlob for this record' });
  const thumbprint = normaliseThumbprint(record.thumbprint);
  if (!thumbprint) return pushResultOf(record, 'failed', { reason: `its thumbprint '${record.thumbprint}' is not 40 hex digits` });
  const moved = reencryptPassword(record, target.reencryption);
  if (!moved.ok) return pushResultOf(record, 'failed', { reason: moved.reason });
  const to = keyRefOf(moved.change);
  const { api } = target;
  const upn = record.userPrincipalName;
  try {
    if (await api.userId(upn) === undefined) {
      return pushResultOf(record, 'failed', { reason: `no user '${upn}' on the target; it is not created there: add the user, then push again` });
    }
    const existing = await api.find(upn, thumbprint);
    if (existing) return pushResultOf(record, 'skipped', { reason: 'the target has this user and thumbprint already', targetId: existing.id });
    if (target.dryRun) return pushResultOf(record, 'would-push', { to });
    const body: CertificateBody = {
      '@odata.type': ODATA_TYPE,
      thumbprint,
      intendedPurpose: record.intendedPurpose,
      userPrincipalName: upn,
      startDateTime: record.startDateTime,
      expirationDateTime: record.expirationDateTime,
      encryptedPfxBlob: record.encryptedPfxBlob,
      ...moved.change,
    };
    return pushResultOf(record, 'pushed', { targetId: (await api.create(body)).id, to });
  } catch (err) {
    // No answer (ConnectionError), or one that is not JSON: this record fails, the others may still go through.
    if (!(err instanceof GraphRequestError)) return pushResultOf(record, 'failed', { reason: `no usable answer from the target: ${(err as Error).message}` });
    if (err.status === 401 || err.status === 403) {
      throw new TargetRefused(`the target refused the request for ${record.id} (${upn}): ${err.message}; the remaining records were not attempted`, { cause: err });
    }
    if (err.status !== 409) return pushResultOf(record, 'failed', { reason: `the target answered ${err.message}` });
    return conflict(record, thumbprint, err, target, to);
  }
}

/**
 * A 409 on create: the target has it now. After a dropped connection or a 503/504 the first attempt landed (pushed); otherwise
 * another run put it there since the lookup (skipped). Either way it is there once.
 */
async function conflict(record: UserPfxCertificate, thumbprint: string, err: GraphRequestError, target: PushTarget, to: KeyRef): Promise<PushResult> {
  const found = await target.api.find(record.userPrincipalName, thumbprint).catch(() => undefined);
  return err.afterDroppedAttempt
    ? pushResultOf(record, 'pushed', { targetId: found?.id, to, reason: `${err.earlierAttempt ?? 'the connection dropped after sending'}; the retry found it created` })
    : pushResultOf(record, 'skipped', { targetId: found?.id, reason: 'the target has this user and thumbprint already (created meanwhile)' });
}
