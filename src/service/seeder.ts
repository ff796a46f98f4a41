import { ConflictError, ValidationError } from '../model/errors.js';
import { userEntity } from '../model/user.js';
import type { Store } from '../store/store.js';
import type { CertificateService } from './certificate-service.js';
import type { RequestContext } from './context.js';
import type { Principal } from './principal.js';
import { SeedError } from './seed-document.js';
import type { SeedItem, SeedPlan } from './seed-plan.js';
import type { UserService } from './user-service.js';

/** The application that seeded records were made by, in their audit events (`actor.applicationDisplayName`). */
export const SEED_ACTOR = 'pfxstore seed';

/** Creates in flight at once: SQLite commits them as a group, PostgreSQL batches them; bounded for a big seed. */
const CONCURRENCY = 64;

export interface SeedOutcome {
  readonly created: number;
  /** Items that exist already (the 409 of a POST): a restart with the same seed skips them all. */
  readonly skipped: number;
}

export interface SeederDeps {
  readonly store: Store;
  readonly users: UserService;
  readonly certificates: CertificateService;
  /** Off with --no-auto-users: then a seeded certificate's owner must be a seeded user or exist already. */
  readonly autoUsers: boolean;
  /**
   * The checked seed (seed-plan.ts) that `reset` loads again, asked for at each reset: a server's seed, or with
   * several servers on one app (server/app-host.ts) the seed of the server the request came to. None, or
   * undefined, without a seed.
   */
  readonly seed?: () => SeedPlan | undefined;
}

/**
 * Loads a seed through the same services as the API — so the same rules, at-rest encryption and audit events
 * (actor SEED_ACTOR) — and resets a tenant (`POST /_pfxstore/reset`).
 */
export class Seeder {
  constructor(private readonly deps: SeederDeps) {}

  /** At start: every item of the seed, users first; an item that exists already is skipped. */
  async load(plan: SeedPlan, requestId: string): Promise<SeedOutcome> {
    await this.checkOwners(plan.certificates, plan.users, { inStore: true });
    return this.create(plan.users, plan.certificates, requestId);
  }

  /**
   * Removes every record of the tenant (Store.removeTenant: one transaction), then with `reseed` creates the
   * seed's items of that tenant again. What can be checked is checked before anything is removed.
   */
  async reset(tenantId: string, options: { readonly reseed: boolean; readonly requestId: string }): Promise<void> {
    if (!options.reseed) return this.deps.store.removeTenant(tenantId);
    const plan = this.deps.seed?.();
    if (!plan) {
      throw new ValidationError("The query option 'reseed=true' needs a seed, and this server was started without --seed: nothing was removed.");
    }
    const users = plan.users.filter((item) => item.tenantId === tenantId);
    const certificates = plan.certificates.filter((item) => item.tenantId === tenantId);
    // After the reset the tenant has only the seed's users.
    await this.checkOwners(certificates, users, { inStore: false });
    await this.deps.store.removeTenant(tenantId);
    await this.create(users, certificates, options.requestId);
  }

  private async create(users: readonly SeedItem[], certificates: readonly SeedItem[], requestId: string): Promise<SeedOutcome> {
    const u = await this.each(users, requestId, (item, context) => this.deps.users.create(context, item.body, { id: item.id }));
    const c = await this.each(certificates, requestId, (item, context) => this.deps.certificates.create(context, item.body));
    return { created: u.created + c.created, skipped: u.skipped + c.skipped };
  }

  /** Creates the items, CONCURRENCY at a time; a duplicate is skipped, a rule broken (a race) names its item. */
  private async each(items: readonly SeedItem[], requestId: string,
    create: (item: SeedItem, context: RequestContext) => Promise<unknown>): Promise<SeedOutcome> {
    let created = 0;
    let skipped = 0;
    for (let start = 0; start < items.length; start += CONCURRENCY) {
      const chunk = items.slice(start, start + CONCURRENCY);
      const results = await Promise.allSettled(chunk.map((item) => create(item, seedContext(item.tenantId, requestId))));
      const problems: string[] = [];
      for (const [i, result] of results.entries()) {
        if (result.status === 'fulfilled') created++;
        else if (result.reason instanceof ConflictError && result.reason.reason === 'duplicate') skipped++;
        else if (result.reason instanceof ValidationError) problems.push(`${chunk[i].name}: ${result.reason.message}`);
        else throw result.reason;
      }
      if (problems.length > 0) throw SeedError.listing(problems);
    }
    return { created, skipped };
  }

  /**
   * With --no-auto-users a certificate does not create its owner: each must be among the seed's users of its
   * tenant or, `inStore`, stored already. Checked up front, so such a seed loads nothing rather than half.
   */
  private async checkOwners(certificates: readonly SeedItem[], users: readonly SeedItem[], options: { inStore: boolean }): Promise<void> {
    if (this.deps.autoUsers) return;
    const seeded = new Set(users.map((u) => `${u.tenantId} ${u.upn}`));
    const problems: string[] = [];
    for (const item of certificates) {
      if (seeded.has(`${item.tenantId} ${item.upn}`)) continue;
      if (options.inStore && await this.deps.store.findBy(userEntity, item.tenantId, 'userPrincipalName', item.upn)) continue;
      problems.push(`${item.name}.userPrincipalName: no user '${item.body.userPrincipalName as string}' in tenant ${item.tenantId}` +
        `${options.inStore ? '' : ' once it is reset'}; add it to the seed's users (with --no-auto-users a certificate does not create its owner)`);
    }
    if (problems.length > 0) throw SeedError.listing(problems);
  }
}

/** Seeded records are made by no token: their audit events name SEED_ACTOR, and the seeding run's correlation id. */
function seedContext(tenantId: string, requestId: string): RequestContext {
  const principal: Principal = { tenantId, kind: 'application', roles: new Set(), scopes: new Set(), displayName: SEED_ACTOR };
  return { principal, requestId };
}
