/**
 * Sending one prepared record: create it, or with `--update` patch it in place (creating it when absent).
 * A 409 on create means it is already stored — "skipped", which is what makes a rerun after a partial failure
 * import only the missing files — or, after a dropped connection or a 503/504, that the first attempt landed.
 */
import { type CertificateApi, type CertificateBody } from '../client/certificates.js';
import { GraphRequestError } from '../client/errors.js';

export type UploadOutcome = 'imported' | 'updated' | 'skipped';

export interface Uploaded {
  readonly outcome: UploadOutcome;
  readonly id?: string;
  readonly note?: string;
}

export async function uploadRecord(api: CertificateApi, body: CertificateBody, update: boolean): Promise<Uploaded> {
  if (update) {
    const userId = await api.userId(body.userPrincipalName);
    if (userId !== undefined) {
      try {
        await api.update(userId, body);
        // The PATCH answers 204 and its path spells the key as /users gives the id, which need not be how
        // the service writes ids (pfxstore: 32 hex digits, no hyphens): ask for the record, so `updated`
        // shows the id that `imported` and `list` show.
        const stored = await api.find(body.userPrincipalName, body.thumbprint).catch(() => undefined);
        return { outcome: 'updated', id: stored?.id ?? `${userId}-${body.thumbprint}` };
      } catch (err) {
        if (!(err instanceof GraphRequestError && err.status === 404)) throw err;
        // Not stored yet: --update creates it (an upsert), so one manifest serves first runs and renewals.
      }
    }
  }
  try {
    const created = await api.create(body);
    return { outcome: 'imported', id: created.id };
  } catch (err) {
    if (!(err instanceof GraphRequestError && err.status === 409)) throw err;
    const existing = await api.find(body.userPrincipalName, body.thumbprint).catch(() => undefined);
    if (err.afterDroppedAttempt) {
      return { outcome: 'imported', id: existing?.id, note: `${err.earlierAttempt ?? 'the connection dropped after sending'}; the retry found it created` };
    }
    return { outcome: 'skipped', id: existing?.id, note: 'already stored (use --update to replace it)' };
  }
}
