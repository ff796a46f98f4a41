/**
 * The console's client of the public Graph API (/beta, same origin): the signed-in user's token on every request,
 * Graph errors turned into exceptions carrying the Graph message, and a 401 handed to whoever signs the user in again.
 */
import { currentToken, forgetToken } from './session.js';

export const API_ROOT = '/beta/';

/** A Graph error answer: its status, code and message (the message is what the user is shown). */
export class GraphApiError extends Error {
  override name = 'GraphApiError';

  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

/** An OData page of a collection. */
export interface Page<T> {
  readonly value: T[];
  readonly '@odata.count'?: number;
  readonly '@odata.nextLink'?: string;
}

let onUnauthenticated: (message: string) => void = () => undefined;

/** Who takes over on a 401: the app shell shows the sign-in page. */
export function whenUnauthenticated(handler: (message: string) => void): void {
  onUnauthenticated = handler;
}

/** A path under /beta/ (`users?$top=10`) or an absolute URL the server gave (`@odata.nextLink`). */
function urlOf(path: string): string {
  return /^https?:/.test(path) ? path : `${API_ROOT}${path}`;
}

async function send(path: string, init: RequestInit = {}): Promise<Response> {
  const token = currentToken();
  const headers = new Headers(init.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  const response = await fetch(urlOf(path), { ...init, headers });
  if (response.ok) return response;
  const error = await graphError(response);
  if (response.status === 401) {
    forgetToken();
    onUnauthenticated(error.message);
  }
  throw error;
}

async function graphError(response: Response): Promise<GraphApiError> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (body.error?.message) return new GraphApiError(response.status, body.error.code ?? '', body.error.message);
  } catch {
    // not JSON: a proxy's page, say; the status line is all there is to show
  }
  return new GraphApiError(response.status, '', `The server answered ${response.status} ${response.statusText}.`.replace(' .', '.'));
}

export async function getJson<T>(path: string): Promise<T> {
  return (await (await send(path)).json()) as T;
}

/** GET …/$count: a number as text/plain. */
export async function getCount(path: string): Promise<number> {
  return Number(await (await send(path)).text());
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const response = await send(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await response.json()) as T;
}

export async function remove(path: string): Promise<void> {
  await send(path, { method: 'DELETE' });
}

/** Every item of a collection, page after page (the Keys page and an entity's audit history). */
export async function* everyItem<T>(path: string): AsyncGenerator<T> {
  let next: string | undefined = path;
  while (next) {
    const page: Page<T> = await getJson<Page<T>>(next);
    yield* page.value;
    next = page['@odata.nextLink'];
  }
}

/** An OData string literal: quotes doubled. */
export function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** A query string from OData options, undefined values left out. */
export function query(options: Record<string, string | number | boolean | undefined>): string {
  const parts = Object.entries(options)
    .filter(([, value]) => value !== undefined && value !== '')
    .map(([name, value]) => `${name}=${encodeURIComponent(String(value))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}
