/**
 * `import { startPfxstore } from 'pfxstore/testing'`: pfxstore as a test double for Graph automation, started
 * inside the test's own process (README, "Testing your code against pfxstore").
 */
export { startPfxstore } from './start.js';
export type { PfxstoreOptions, RunningPfxstore, TokenOptions } from './start.js';
export type { SeedDocument } from '../service/seed-document.js';
