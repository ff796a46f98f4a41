/**
 * The browser PFX library (console/src/pfx/, docs/console-pfx.md), loaded when the Import page first needs it: a
 * chunk of its own that no other page pays for. Only its types are imported statically, and those are erased.
 */
import type * as Library from './pfx/index.js';

export type PfxLibrary = typeof Library;

export function loadPfxLibrary(): Promise<PfxLibrary> {
  return import('./pfx/index.js');
}
