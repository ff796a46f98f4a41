/**
 * What the Import page needs of the browser PFX library (console/src/pfx/, the other half; its contract is
 * fixed between the two). The page is written against this; `loadPfxLibrary` finds the library when it is part
 * of the build, and says so plainly when it is not, instead of failing the build.
 */
export interface OpenedPfx {
  readonly thumbprint: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly subject: string;
  readonly emails: string[];
}

export type PublicKey = unknown;

export interface PfxLibrary {
  openPfx(bytes: Uint8Array, password: string): Promise<OpenedPfx>;
  readPublicKey(bytes: Uint8Array): Promise<PublicKey>;
  buildCertificateBody(options: {
    pfxBytes: Uint8Array;
    password: string;
    opened: OpenedPfx;
    publicKey: PublicKey;
    upn: string;
    purpose: string;
    padding?: string;
    providerName: string;
    keyName: string;
  }): Promise<object>;
}

// Vite resolves the glob at build time: {} while console/src/pfx/ is absent, a lazy import once it is there.
const LIBRARY = import.meta.glob<PfxLibrary>('./pfx/index.ts');

export async function loadPfxLibrary(): Promise<PfxLibrary> {
  const load = LIBRARY['./pfx/index.ts'];
  if (!load) throw new Error('This build of the console has no PFX library (console/src/pfx/): importing is not available.');
  return load();
}
