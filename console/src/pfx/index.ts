/**
 * The browser's PFX library (issue #15): open PKCS#12 files and encrypt their passwords with WebCrypto, so the
 * plaintext password never leaves the browser. Runs in browsers and in Node 20 (the tests): no Node API.
 * docs/console-pfx.md describes it.
 */
export { KeyError, type KeyErrorCode, PfxError, type PfxErrorCode } from '../../../src/pfx/errors.js';
export { OAEP_PADDINGS, type OaepPadding, PasswordTooLongError } from '../../../src/pfx/oaep-padding.js';
export { type CertificateBody, type CertificateBodyOptions, DEFAULT_PADDING, buildCertificateBody } from './certificate-body.js';
export { type OpenPfxOptions, type OpenedPfx, openPfx } from './open-pfx.js';
export { KeyFileError, type PublicKey, type PublicKeyForm, readPublicKey } from './public-key.js';
