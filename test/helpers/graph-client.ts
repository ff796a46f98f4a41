import { readFileSync } from 'node:fs';
import { Client } from '@microsoft/microsoft-graph-client';
import { Agent, getGlobalDispatcher, setGlobalDispatcher } from 'undici';
import type { ListeningServer } from './server.js';

/**
 * The Microsoft Graph JavaScript client, unmodified, for a listening pfxstore over HTTPS: Node's fetch trusts the
 * dev CA through an undici Agent, as a user would configure it (or with NODE_EXTRA_CA_CERTS). Only the base URL and
 * the token differ from talking to graph.microsoft.com. `restore()` puts the process's dispatcher back.
 */
export async function graphClientFor(server: ListeningServer): Promise<{ client: Client; restore(): void }> {
  const previous = getGlobalDispatcher();
  setGlobalDispatcher(new Agent({ connect: { ca: readFileSync(server.caPath!) } }));
  const token = await server.token();
  const client = Client.init({
    authProvider: (done) => done(null, token),
    baseUrl: `${server.url}/`,
    defaultVersion: 'beta',
    customHosts: new Set([new URL(server.url).hostname]),
  });
  return { client, restore: () => setGlobalDispatcher(previous) };
}
