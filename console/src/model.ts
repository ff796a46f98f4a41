/** The shapes the console reads, and the certificate properties it may ask for ($select): never the secret two. */

export interface Certificate {
  readonly id: string;
  readonly thumbprint: string;
  readonly intendedPurpose: string;
  readonly userPrincipalName: string;
  readonly startDateTime: string;
  readonly expirationDateTime: string;
  readonly providerName: string | null;
  readonly keyName: string | null;
  readonly paddingScheme: string;
  readonly createdDateTime: string;
  readonly lastModifiedDateTime: string;
}

/**
 * Every property of userPFXCertificate but encryptedPfxBlob and encryptedPfxPassword (the export role's): the
 * console only ever lists these in $select, so it never receives a secret, whatever the token could read.
 */
export const CERTIFICATE_PROPERTIES = [
  'id', 'thumbprint', 'intendedPurpose', 'userPrincipalName', 'startDateTime', 'expirationDateTime',
  'providerName', 'keyName', 'paddingScheme', 'createdDateTime', 'lastModifiedDateTime',
] as const;

export const LIST_PROPERTIES = 'id,userPrincipalName,thumbprint,intendedPurpose,expirationDateTime,keyName';

export const CERTIFICATES = 'deviceManagement/userPfxCertificates';

export const PURPOSES = ['unassigned', 'smimeEncryption', 'smimeSigning', 'vpn', 'wifi'] as const;

export interface User {
  readonly id: string;
  readonly userPrincipalName: string;
  readonly displayName: string | null;
}

export interface AuditEvent {
  readonly id: string;
  readonly activity: string | null;
  readonly activityDateTime: string;
  readonly activityOperationType: string | null;
  readonly activityResult: string | null;
  readonly actor: { auditActorType?: string | null; userPrincipalName?: string | null; applicationId?: string | null } | null;
  readonly resources: { resourceId?: string | null; type?: string | null; displayName?: string | null }[] | null;
}

/** Who did it: the user, or the application acting as itself. */
export function actorName(event: AuditEvent): string {
  const actor = event.actor ?? {};
  return (actor.auditActorType === 'application' ? actor.applicationId : actor.userPrincipalName) ?? '—';
}
