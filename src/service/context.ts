import type { Principal } from './principal.js';

/** What a service call knows of the request that made it. */
export interface RequestContext {
  readonly principal: Principal;
  /** The response's request-id: audit events carry it as their correlationId. */
  readonly requestId: string;
  /** Why the caller reads secrets (`pfxstore-export-reason`, decoded and checked): the Export audit event records it. */
  readonly exportReason?: string;
}
