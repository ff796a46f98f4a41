/**
 * Work limits for opening a PFX. Iteration counts are chosen by whoever made the file; without a
 * cap a hostile file (iterations = 2^31, or thousands of encrypted bags) would hang the caller.
 */
import { PfxError } from './errors.js';

/**
 * Far above what real producers use (OpenSSL 3: 2048, Windows: 2000–10000, Java keytool: 10000),
 * yet bounded: one PKCS#12-KDF derivation at this count takes about a second.
 */
export const DEFAULT_MAX_ITERATIONS = 1_000_000;

/** All derivations of one file together may cost this many times the per-derivation cap. */
const TOTAL_BUDGET_FACTOR = 8;

export class IterationBudget {
  private remaining: number;

  constructor(readonly maxIterations = DEFAULT_MAX_ITERATIONS) {
    this.remaining = maxIterations * TOTAL_BUDGET_FACTOR;
  }

  /** Accounts for one key derivation before it runs; throws if it would exceed the limits. */
  spend(iterations: number, what: string): void {
    if (iterations > this.maxIterations) {
      throw new PfxError(
        'unsupported-algorithm',
        `${what} asks for ${iterations} iterations, more than the limit of ${this.maxIterations}`,
      );
    }
    this.remaining -= iterations;
    if (this.remaining < 0) {
      throw new PfxError('unsupported-algorithm', `the file's key derivations together exceed ${this.maxIterations * TOTAL_BUDGET_FACTOR} iterations`);
    }
  }
}
