/**
 * One scenario with Microsoft's own client libraries against a running pfxstore, run as its own process and
 * reporting what happened as JSON on stdout; `microsoft-clients.test.ts` starts it and asserts on the report.
 *
 * A process of its own because MSAL and @azure/identity talk through node:https, which trusts the dev CA only
 * when NODE_EXTRA_CA_CERTS is set as the process starts — exactly what a user's program does.
 *
 *   node run-client.js identity|msal|graph
 *   env: PFXSTORE_URL (the origin), PFXSTORE_TENANT, PFXSTORE_CLIENT_ID, PFXSTORE_CLIENT_SECRET
 */
import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import { AuthenticationError, AuthenticationRequiredError, ClientSecretCredential, CredentialUnavailableError } from '@azure/identity';
import { AuthError, ClientAuthError, ConfidentialClientApplication, LogLevel, ServerError } from '@azure/msal-node';
import { Client, GraphError } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import { certificateBody } from '../helpers/certificate-fixtures.js';

const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
const CERTS = '/deviceManagement/userPfxCertificates';

/** What the parent reads: the scenario's result or the error it threw, and every host the process talked to. */
export interface ClientReport {
  readonly result?: any;
  readonly error?: ErrorReport;
  readonly hosts: string[];
  /** MSAL's account of fetching the OpenID configuration: the only place it tells why endpoint resolution failed. */
  readonly discoveryLog: string[];
}

export interface ErrorReport {
  readonly name: string;
  readonly message: string;
  /** Which of the libraries' exported error classes it is an instance of: what a user's `catch` tests. */
  readonly classes: string[];
  /** GraphError's and AuthenticationError's HTTP status. */
  readonly statusCode?: number;
  /** MSAL ServerError's HTTP status. */
  readonly status?: number;
  readonly code?: string;
  readonly errorCode?: string;
  readonly errorResponse?: { error: string; errorDescription: string };
}

// Every outgoing request, whichever HTTP stack makes it: node:http(s) (MSAL, @azure/identity), undici (fetch,
// the Graph client) and bare sockets. Observed only; nothing is intercepted.
const hosts = new Set<string>();
subscribe('http.client.request.start', (message) => { hosts.add((message as { request: ClientRequest }).request.host); });
subscribe('undici:request:create', (message) => { hosts.add(new URL((message as { request: { origin: string } }).request.origin).hostname); });
subscribe('net.client.socket', (message) => {
  const socket = (message as { socket: Socket }).socket;
  socket.once('connect', () => hosts.add(socket.remoteAddress ?? '?'));
});

const discoveryLog: string[] = [];
const loggerOptions = {
  logLevel: LogLevel.Verbose,
  piiLoggingEnabled: false,
  loggerCallback(_level: LogLevel, message: string) {
    if (message.includes('getEndpointMetadataFromNetwork')) discoveryLog.push(message);
  },
};

const url = process.env.PFXSTORE_URL!;
const tenant = process.env.PFXSTORE_TENANT!;
const clientId = process.env.PFXSTORE_CLIENT_ID!;
const secret = process.env.PFXSTORE_CLIENT_SECRET!;

function credential(): ClientSecretCredential {
  // Instance discovery would ask login.microsoftonline.com whether the authority is known; off, it is trusted as given.
  return new ClientSecretCredential(tenant, clientId, secret, { authorityHost: url, disableInstanceDiscovery: true });
}

/** Uses a token on a real API call: the status and the collection's @odata.context. */
async function callApi(token: string): Promise<{ status: number; context: unknown }> {
  const response = await fetch(`${url}/beta${CERTS}?$top=1`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, context: ((await response.json()) as Record<string, unknown>)['@odata.context'] };
}

const scenarios: Record<string, () => Promise<unknown>> = {
  async identity() {
    const token = await credential().getToken(GRAPH_SCOPE);
    return { token: token.token, tokenType: token.tokenType, expiresOnTimestamp: token.expiresOnTimestamp, api: await callApi(token.token) };
  },

  async msal() {
    const app = new ConfidentialClientApplication({
      auth: { clientId, authority: `${url}/${tenant}`, knownAuthorities: [new URL(url).host], clientSecret: secret },
      system: { loggerOptions },
    });
    const first = await app.acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE] });
    const second = await app.acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE] });
    return {
      token: first!.accessToken, tokenType: first!.tokenType, expiresOn: first!.expiresOn,
      secondFromCache: second!.fromCache, sameToken: second!.accessToken === first!.accessToken,
      api: await callApi(first!.accessToken),
    };
  },

  async graph() {
    const client = Client.initWithMiddleware({
      authProvider: new TokenCredentialAuthenticationProvider(credential(), { scopes: [GRAPH_SCOPE] }),
      baseUrl: `${url}/`,
      defaultVersion: 'beta',
      // The client attaches the token only for Graph's own hosts and these.
      customHosts: new Set([new URL(url).hostname]),
    });
    const upn = 'graph-client@contoso.com';
    const created = await client.api(CERTS).post(await certificateBody({ userPrincipalName: upn }));
    const listed = await client.api(CERTS).filter(`userPrincipalName eq '${upn}'`).get();
    const fetched = await client.api(`${CERTS}/${created.id}`).get();
    await client.api(`${CERTS}/${created.id}`).patch({ intendedPurpose: 'vpn' });
    const patched = await client.api(`${CERTS}/${created.id}`).get();
    await client.api(`${CERTS}/${created.id}`).delete();
    return {
      created,
      listedIds: listed.value.map((c: { id: string }) => c.id),
      fetched,
      patchedPurpose: patched.intendedPurpose,
      afterDelete: await failure(client.api(`${CERTS}/${created.id}`).get()),
      badCreate: await failure(client.api(CERTS).post(await certificateBody({ intendedPurpose: 'String' }))),
    };
  },
};

async function failure(request: Promise<unknown>): Promise<ErrorReport | 'succeeded'> {
  try {
    await request;
    return 'succeeded';
  } catch (err) {
    return describe(err);
  }
}

function describe(err: unknown): ErrorReport {
  const e = err as Record<string, any>;
  const exported = {
    AuthenticationError, AuthenticationRequiredError, CredentialUnavailableError, AuthError, ClientAuthError, ServerError, GraphError,
  };
  const classes = Object.entries(exported).filter(([, type]) => err instanceof type).map(([name]) => name);
  return {
    name: e.name, message: e.message, classes,
    statusCode: e.statusCode, status: e.status, code: e.code, errorCode: e.errorCode, errorResponse: e.errorResponse,
  };
}

const scenario = scenarios[process.argv[2]];
if (!scenario) throw new Error(`unknown scenario '${process.argv[2]}': ${Object.keys(scenarios).join(', ')}`);
let report: ClientReport;
try {
  report = { result: await scenario(), hosts: [...hosts], discoveryLog };
} catch (err) {
  report = { error: describe(err), hosts: [...hosts], discoveryLog };
}
// Exit once the report is out: the libraries' keep-alive sockets would otherwise hold the process open.
process.stdout.write(JSON.stringify(report), () => process.exit(0));
