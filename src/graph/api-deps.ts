import type { AuditService } from '../service/audit-service.js';
import type { CertificateService } from '../service/certificate-service.js';
import type { UserService } from '../service/user-service.js';
import type { TokenVerifier } from './auth.js';
import type { DevIdentity } from './dev-identity.js';
import type { Throttle } from './throttle.js';

/** What the HTTP surface needs: the services its routes call, the token verifier, and a few settings. */
export interface ApiDeps {
  readonly certificates: CertificateService;
  readonly users: UserService;
  readonly audit: AuditService;
  readonly verifier: TokenVerifier;
  readonly throttle?: Throttle;
  /** Present with `--auth dev`: the token endpoint and OpenID metadata are served from it. */
  readonly devIdentity?: DevIdentity;
  /** `--auth oidc`: what `/console/config.json` tells the console (absent without --console-client-id). */
  readonly consoleSignIn?: ConsoleSignIn;
  /** `scheme://host:port` of absolute URLs behind a proxy (`--public-url`). */
  readonly publicUrl?: string;
  /** Resolves when the store answers (`/readyz`); rejects with StoreUnavailableError when it does not. */
  readonly ready: () => Promise<void>;
  /** The clock of sign-in forms and authorization codes; Date.now unless a test sets one. */
  readonly now?: () => number;
  /** The Prometheus text of `/metrics`. */
  readonly metricsText: () => Promise<string>;
}

/** The identity provider and client the console signs in with, in oidc mode. */
export interface ConsoleSignIn {
  readonly issuer: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
}
