/** `/users` (CONTRACT §5): the certificate owners. Graph's own user resource, a subset of its properties. */
import { odataString } from './certificates.js';
import type { GraphClient } from './graph-client.js';

export interface GraphUser {
  readonly id: string;
  readonly userPrincipalName: string;
  readonly displayName?: string | null;
  readonly mail?: string | null;
  readonly accountEnabled?: boolean | null;
  readonly createdDateTime?: string | null;
}

export interface NewUser {
  readonly userPrincipalName: string;
  readonly displayName: string;
  readonly mail?: string;
  readonly accountEnabled: boolean;
}

export class UserApi {
  constructor(readonly client: GraphClient) {}

  list(upn?: string, pageSize?: number): AsyncGenerator<GraphUser> {
    return this.client.list<GraphUser>('users', {
      $filter: upn === undefined ? undefined : `userPrincipalName eq ${odataString(upn)}`,
      $select: 'id,userPrincipalName,displayName,mail,accountEnabled,createdDateTime',
      $top: pageSize,
    });
  }

  async create(user: NewUser): Promise<GraphUser> {
    return (await this.client.post<GraphUser>('users', user)).body;
  }

  /** By id or by userPrincipalName, both of which Graph accepts in the path. */
  get(idOrUpn: string): Promise<GraphUser> {
    return this.client.get<GraphUser>(`users/${encodeURIComponent(idOrUpn)}`, { $select: 'id,userPrincipalName' });
  }

  /** By id or by userPrincipalName, both of which Graph accepts in the path. */
  delete(idOrUpn: string): Promise<void> {
    return this.client.delete(`users/${encodeURIComponent(idOrUpn)}`);
  }
}
