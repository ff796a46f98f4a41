/**
 * Each command's one-line summary: the list of commands prints them without loading a single command module,
 * and each command's own help starts with its summary.
 */
export const SUMMARIES = {
  serve: 'run the Graph-compatible server',
  token: 'print a dev-mode access token',
  keygen: 'make the RSA key pair that encrypts PFX passwords (PEM files, CNG blobs for the connector, or both)',
  key: "convert an RSA key between PEM (PKCS#8, PKCS#1) and the CNG blobs of the connector's key storage provider",
  import: 'import PFX files (one, several, or a manifest CSV) for their users',
  list: 'list certificates (all pages), by user, thumbprint or expiry',
  get: 'show one certificate record',
  remove: 'delete certificates by ID, or all of a user (optionally one thumbprint)',
  verify: 'check that the connector can decrypt and open a stored PFX, or every one (needs the export role)',
  rekey: 'move the stored PFX passwords to a new connector key (needs the export role)',
  keys: 'list the connector keys in use: records, soonest and latest expiry per provider, key and padding',
  push: "copy records to another Graph endpoint (Intune), each password re-encrypted for its connector's key (needs the export role)",
  recover: 'write a stored PFX and its decrypted password, for its owner (needs the export role; audited with --reason)',
  users: 'add, list or remove the users certificates belong to',
  audit: 'list audit events (all pages), oldest first: who created, changed, deleted or exported what',
  diff: 'compare the records here with another Graph endpoint (Intune, another pfxstore): only here, only there, different',
} as const;

export type CommandName = keyof typeof SUMMARIES;
