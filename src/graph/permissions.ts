import type { Principal } from '../service/principal.js';
import { GraphError } from './errors.js';

/** CONTRACT §2: which permissions allow which operation (any one of them will do). */
export const PERMISSIONS = {
  readCertificates: ['DeviceManagementConfiguration.Read.All', 'DeviceManagementConfiguration.ReadWrite.All'],
  writeCertificates: ['DeviceManagementConfiguration.ReadWrite.All'],
  readUsers: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  writeUsers: ['User.ReadWrite.All', 'Directory.ReadWrite.All'],
} as const;

/** pfxstore's own application role (Graph has none): may read the secret fields. Never a delegated scope. */
export const EXPORT_ROLE = 'UserPfxCertificate.Export.All';

export type Operation = keyof typeof PERMISSIONS;

export function holdsAny(principal: Principal, permissions: readonly string[]): boolean {
  const granted = principal.kind === 'application' ? principal.roles : principal.scopes;
  return permissions.some((p) => granted.has(p));
}

export function requirePermission(principal: Principal, operation: Operation): void {
  const needed = PERMISSIONS[operation];
  if (!holdsAny(principal, needed)) {
    const kind = principal.kind === 'application' ? 'application permissions (roles)' : 'delegated permissions (scp)';
    throw GraphError.forbidden(
      `Insufficient privileges to complete the operation: it needs one of these ${kind}: ${needed.join(', ')}.`);
  }
}

/** Only an application holding the export role: a user's token never is, whatever `roles` it carries. */
export function canExport(principal: Principal): boolean {
  return principal.kind === 'application' && principal.roles.has(EXPORT_ROLE);
}
