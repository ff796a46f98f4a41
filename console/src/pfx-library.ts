/**
 * The browser PFX library (console/src/pfx/, docs/console-pfx.md), loaded when the Import page first needs it: a
 * chunk of its own that no other page pays for.
 */
export type PfxLibrary = typeof import('./pfx/index.js');

export function loadPfxLibrary(): Promise<PfxLibrary> {
  return import('./pfx/index.js');
}
