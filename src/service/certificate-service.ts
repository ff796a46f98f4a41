import { certificateEntity } from '../model/certificate.js';
import { nowStored } from '../model/datetime.js';
import { NotFoundError } from '../model/errors.js';
import { explainConflict } from './conflicts.js';
import type { BoundExpr } from '../odata/filter-ast.js';
import type { ListQuery } from '../odata/list-query.js';
import type { RowOf } from '../model/entity.js';
import type { Page, Row, Store } from '../store/store.js';
import { auditEvent } from './audit.js';
import { checkCertificateCreate, checkCertificatePatch } from './certificate-rules.js';
import type { RequestContext } from './context.js';
import { certificateId } from './keys.js';
import type { SecretBox } from './secret-box.js';
import type { UserService } from './user-service.js';

const SECRETS = certificateEntity.properties.filter((p) => p.secret);
const AUDIT = { type: 'UserPFXCertificate', category: 'Certificates' } as const;

/** A certificate row, with its secret properties in wire form when the caller may read them. */
export interface CertificateView {
  readonly row: RowOf<typeof certificateEntity>;
  readonly secrets?: Record<string, string>;
}

/**
 * The certificate use cases: rules beyond the property table, owners, at-rest encryption of the secret fields,
 * and the audit trail. HTTP-free: routes translate requests into these calls.
 */
export class CertificateService {
  /** The clock of createdDateTime, lastModifiedDateTime and the audit events (tests set it; else Date.now). */
  private readonly now: () => number;

  constructor(private readonly deps: { store: Store; secrets: SecretBox; users: UserService; now?: () => number }) {
    this.now = deps.now ?? Date.now;
  }

  async create(context: RequestContext, body: unknown): Promise<CertificateView> {
    const row = checkCertificateCreate(body);
    const { tenantId } = context.principal;
    const owner = await this.deps.users.ownerFor(context, row.userPrincipalName as string);
    const id = certificateId(owner.id, row.thumbprint as string);
    const now = nowStored(new Date(this.now()));
    const wireSecrets = { encryptedPfxBlob: (row.encryptedPfxBlob as Buffer).toString('base64'), encryptedPfxPassword: row.encryptedPfxPassword as string };
    const toStore: Row = {
      ...row,
      id,
      userPrincipalName: owner.userPrincipalName,
      createdDateTime: now,
      lastModifiedDateTime: now,
      ...this.seal(tenantId, id, row),
    };
    const stored = await this.deps.store.insert(certificateEntity, tenantId, toStore, {
      ownerId: owner.id,
      audit: auditEvent(context, 'Create', { ...AUDIT, ids: [id] }, this.now()),
    }).catch((err: unknown) => explainConflict(err, {
      duplicate: `A userPfxCertificate with thumbprint '${row.thumbprint}' already exists for user '${owner.userPrincipalName}' (id '${id}').`,
      reference: `User '${owner.userPrincipalName}' was deleted while this certificate was being created; send the request again.`,
    }));
    // CONTRACT §4.2: the create response echoes the secret fields as sent.
    return { row: stored, secrets: wireSecrets };
  }

  /** The certificate without secrets when the store holds it in memory, at once; undefined means "ask `get`". */
  peek(context: RequestContext, id: string): CertificateView | undefined {
    const row = this.deps.store.peek?.(certificateEntity, context.principal.tenantId, id);
    return row && { row };
  }

  async get(context: RequestContext, id: string, withSecrets: boolean): Promise<CertificateView> {
    const { tenantId } = context.principal;
    const row = await this.deps.store.get(certificateEntity, tenantId, id, { withSecrets });
    if (!row) throw notFound(id);
    return withSecrets ? (await this.export(context, [row]))[0] : { row };
  }

  async list(context: RequestContext, query: ListQuery, withSecrets: boolean): Promise<{ page: Page; views: CertificateView[] }> {
    const page = await this.deps.store.list(certificateEntity, context.principal.tenantId, query, { withSecrets });
    const views = withSecrets ? await this.export(context, page.rows) : page.rows.map((row) => ({ row }));
    return { page, views };
  }

  count(context: RequestContext, filter?: BoundExpr): Promise<number> {
    return this.deps.store.count(certificateEntity, context.principal.tenantId, filter);
  }

  async update(context: RequestContext, id: string, body: unknown): Promise<void> {
    const { tenantId } = context.principal;
    const updated = await this.deps.store.update(certificateEntity, tenantId, id, (current) => {
      const changes = checkCertificatePatch(body, current);
      return { ...current, ...changes, ...this.seal(tenantId, id, changes), lastModifiedDateTime: nowStored(new Date(this.now())) };
    }, { audit: auditEvent(context, 'Patch', { ...AUDIT, ids: [id] }, this.now()) });
    if (!updated) throw notFound(id);
  }

  async delete(context: RequestContext, id: string): Promise<void> {
    const deleted = await this.deps.store.delete(certificateEntity, context.principal.tenantId, id, {
      audit: auditEvent(context, 'Delete', { ...AUDIT, ids: [id] }, this.now()),
    });
    if (!deleted) throw notFound(id);
  }

  /** Whether a certificate exists in the caller's tenant (`POST …/$ref` with an `@odata.id`). */
  async exists(context: RequestContext, id: string): Promise<boolean> {
    return (await this.deps.store.get(certificateEntity, context.principal.tenantId, id)) !== undefined;
  }

  /** Decrypts the secret fields of rows for an entitled caller, and records the export. */
  private async export(context: RequestContext, rows: RowOf<typeof certificateEntity>[]): Promise<CertificateView[]> {
    const { tenantId } = context.principal;
    const views = rows.map((row) => ({ row, secrets: this.unseal(tenantId, row) }));
    if (rows.length > 0) {
      await this.deps.store.appendAudit(tenantId, auditEvent(context, 'Export', { ...AUDIT, ids: rows.map((r) => r.id) }, this.now()));
    }
    return views;
  }

  /** Encrypts whichever secret fields `row` carries; the row's tenant, id and property bind each ciphertext. */
  private seal(tenantId: string, id: string, row: Row): Row {
    const sealed: Row = {};
    for (const p of SECRETS) {
      const value = row[p.name];
      if (value === undefined) continue;
      const plain = Buffer.isBuffer(value) ? value : Buffer.from(value as string, 'utf8');
      sealed[p.name] = this.deps.secrets.seal(plain, `${tenantId}/${id}/${p.name}`);
    }
    return sealed;
  }

  private unseal(tenantId: string, row: Row): Record<string, string> {
    const out: Record<string, string> = {};
    for (const p of SECRETS) {
      const plain = this.deps.secrets.open(row[p.name] as Buffer, `${tenantId}/${row.id as string}/${p.name}`);
      out[p.name] = p.kind === 'binary' ? plain.toString('base64') : plain.toString('utf8');
    }
    return out;
  }
}

function notFound(id: string): NotFoundError {
  return new NotFoundError(`No userPfxCertificate with id '${id}' exists.`);
}
