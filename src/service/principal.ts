/** Who is calling, from a verified token. The tenant scopes every store call. */
export interface Principal {
  readonly tenantId: string;
  readonly kind: 'application' | 'delegated';
  /** Application permissions (`roles` claim). */
  readonly roles: ReadonlySet<string>;
  /** Delegated permissions (`scp` claim). */
  readonly scopes: ReadonlySet<string>;
  readonly appId?: string;
  readonly userPrincipalName?: string;
  readonly objectId?: string;
  /** The caller's name in audit events (`applicationDisplayName`), where no token names it: the seed's. */
  readonly displayName?: string;
}
