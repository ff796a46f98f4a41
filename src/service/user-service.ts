import { randomUUID } from 'node:crypto';
import { invalidBody, readEntityBody, requireProperties, type BodyRead } from './entity-body.js';
import { nowStored } from '../model/datetime.js';
import { ConflictError, NotFoundError, ValidationError } from '../model/errors.js';
import { explainConflict } from './conflicts.js';
import { userEntity } from '../model/user.js';
import type { BoundExpr } from '../odata/filter-ast.js';
import type { ListQuery } from '../odata/list-query.js';
import type { RowOf } from '../model/entity.js';
import type { Page, Row, Store } from '../store/store.js';
import { auditEvent } from './audit.js';
import type { RequestContext } from './context.js';
import { checkUpn, parseUserKey } from './keys.js';

const AUDIT = { type: 'User', category: 'User' } as const;

/** A user as stored. */
export type UserRow = RowOf<typeof userEntity>;

/** The tenant's users: certificate owners, looked up by id or userPrincipalName (case-insensitively). */
export class UserService {
  /** The clock of createdDateTime and the audit events (tests set it; else Date.now). */
  private readonly now: () => number;

  constructor(private readonly deps: { store: Store; autoUsers: boolean; now?: () => number }) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * The owner of a certificate being created. An unknown UPN creates the user (CONTRACT §4.2) unless the server
   * runs with --no-auto-users.
   */
  async ownerFor(context: RequestContext, userPrincipalName: string): Promise<UserRow> {
    const found = await this.findByUpn(context, userPrincipalName);
    if (found) return found;
    if (!this.deps.autoUsers) {
      throw new ValidationError(`Invalid request body: property 'userPrincipalName': no user '${userPrincipalName}' exists in this tenant; create it first (POST /users).`);
    }
    try {
      return await this.insert(context, { userPrincipalName, displayName: userPrincipalName.split('@')[0], accountEnabled: true });
    } catch (err) {
      // Another request created the same owner a moment ago: use that one.
      if (err instanceof ConflictError && err.reason === 'duplicate') {
        const raced = await this.findByUpn(context, userPrincipalName);
        if (raced) return raced;
      }
      throw err;
    }
  }

  /** `options.id`: the seed's own id for the user (seed-plan.ts); a POST never chooses one. */
  async create(context: RequestContext, body: unknown, options: { readonly id?: string } = {}): Promise<UserRow> {
    const { row, problems } = readUserCreate(body);
    if (problems.length > 0) throw invalidBody(problems);
    return this.insert(context, row, options.id).catch((err: unknown) => explainConflict(err, {
      duplicate: `A user with userPrincipalName '${row.userPrincipalName as string}' already exists.`,
    }));
  }

  async get(context: RequestContext, key: string): Promise<UserRow> {
    const parsed = parseUserKey(key);
    const found = 'id' in parsed
      ? await this.deps.store.get(userEntity, context.principal.tenantId, parsed.id)
      : await this.findByUpn(context, parsed.userPrincipalName);
    if (!found) throw new NotFoundError(`No user '${key}' exists.`);
    return found;
  }

  list(context: RequestContext, query: ListQuery): Promise<Page> {
    return this.deps.store.list(userEntity, context.principal.tenantId, query);
  }

  count(context: RequestContext, filter?: BoundExpr): Promise<number> {
    return this.deps.store.count(userEntity, context.principal.tenantId, filter);
  }

  async update(context: RequestContext, key: string, body: unknown): Promise<void> {
    const { row, problems } = readEntityBody(userEntity, body, { patch: true });
    checkUpn(row, problems);
    if (problems.length > 0) throw invalidBody(problems);
    const { id } = await this.get(context, key);
    const updated = await this.deps.store.update(userEntity, context.principal.tenantId, id,
      (current) => ({ ...current, ...row }),
      { audit: auditEvent(context, 'Patch', { ...AUDIT, ids: [id] }, this.now()) },
    ).catch((err: unknown) => explainConflict(err, {
      duplicate: `A user with userPrincipalName '${row.userPrincipalName as string}' already exists.`,
    }));
    if (!updated) throw new NotFoundError(`No user '${key}' exists.`);
  }

  async delete(context: RequestContext, key: string): Promise<void> {
    const { id, userPrincipalName } = await this.get(context, key);
    await this.deps.store.delete(userEntity, context.principal.tenantId, id, {
      audit: auditEvent(context, 'Delete', { ...AUDIT, ids: [id] }, this.now()),
    }).catch((err: unknown) => explainConflict(err, {
      reference: `User '${userPrincipalName}' still owns certificates; delete them first ` +
        `(GET /deviceManagement/userPfxCertificates?$filter=userPrincipalName eq '${userPrincipalName}').`,
    }));
  }

  private findByUpn(context: RequestContext, userPrincipalName: string): Promise<UserRow | undefined> {
    return this.deps.store.findBy(userEntity, context.principal.tenantId, 'userPrincipalName', userPrincipalName.toLowerCase());
  }

  private insert(context: RequestContext, row: Row, id: string = randomUUID()): Promise<UserRow> {
    return this.deps.store.insert(userEntity, context.principal.tenantId, { ...row, id, createdDateTime: nowStored(new Date(this.now())) }, {
      audit: auditEvent(context, 'Create', { ...AUDIT, ids: [id] }, this.now()),
    });
  }
}

/**
 * A POST /users body's row, defaults applied, and every problem with it, unthrown: the seed (seed-plan.ts)
 * names each problem by item and property. Throws only for a body that is not a JSON object.
 */
export function readUserCreate(body: unknown): BodyRead {
  const { row, problems } = readEntityBody(userEntity, body);
  requireProperties(userEntity, row, problems);
  checkUpn(row, problems);
  return { row: { accountEnabled: true, ...row }, problems };
}
