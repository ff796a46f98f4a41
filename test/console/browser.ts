/**
 * The console's browser tests' harness: a real pfxstore (dev auth, plain HTTP, `--db memory`) serving the real
 * build, and Debian's Chromium driven by playwright-core, with every request the browser sends recorded.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { listen, type ListeningServer } from '../helpers/server.js';
import { certificateBody } from '../helpers/certificate-fixtures.js';

/** The repository, from dist/test/console/browser.js. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CHROMIUM = process.env.PFXSTORE_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/** The user the injected token speaks for; the dev authority signs in whoever the test names. */
export const ADMIN = 'admin@contoso.com';
const SCOPES = ['DeviceManagementConfiguration.ReadWrite.All', 'User.ReadWrite.All'];

/** A request the browser sent: enough to look for a secret in any part of it. */
export interface SentRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface ConsoleSession {
  readonly server: ListeningServer;
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Every request the browser sent since the session started, in order. */
  readonly sent: SentRequest[];
  /** The server's origin: `http://127.0.0.1:PORT`. */
  readonly origin: string;
  /** Opens a page of the console (`certificates`, `users`, `certificates/{id}`) and waits for it to settle. */
  open(route: string): Promise<void>;
  /** Calls the API from the test (seeding, checking), with a token of the server's own. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }>;
  /** Creates a certificate through the API (the usual test body, with overrides); returns it. */
  createCertificate(overrides?: Record<string, unknown>): Promise<any>;
  close(): Promise<void>;
}

/**
 * The console is built by `npm run build` (and so by `npm test`); a test file run on its own after a plain
 * `tsc` builds it once here.
 */
export function ensureConsoleBuilt(): void {
  if (existsSync(join(ROOT, 'dist', 'console', 'index.html'))) return;
  execFileSync('npm', ['run', 'build:console'], { cwd: ROOT, stdio: 'inherit' });
}

export interface StartConsoleOptions {
  /** More `serve` flags, after `--http --db memory`: an identity provider's `serveArgs` for `--auth oidc`. */
  readonly serveArgs?: readonly string[];
  /**
   * Where `api()` and `createCertificate()` get their token, asked once on first use: the server's dev authority
   * unless given (with `--auth oidc` only the provider issues tokens, so the test brings one of its own).
   */
  readonly apiToken?: () => Promise<string>;
}

export async function startConsole(options: StartConsoleOptions = {}): Promise<ConsoleSession> {
  ensureConsoleBuilt();
  const server = await listen(['--http', '--db', 'memory', ...(options.serveArgs ?? [])]);
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const sent: SentRequest[] = [];
    context.on('request', (request) => {
      sent.push({ method: request.method(), url: request.url(), headers: request.headers(), body: request.postData() ?? '' });
    });
    const page = await context.newPage();
    const origin = server.url;
    let serverToken: Promise<string> | undefined;
    const api = async (method: string, path: string, body?: unknown) => {
      serverToken ??= options.apiToken?.() ?? server.token();
      const response = await fetch(`${origin}/beta/${path}`, {
        method,
        headers: { authorization: `Bearer ${await serverToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, json: text && response.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text };
    };
    return {
      server,
      browser,
      context,
      page,
      sent,
      origin,
      async open(route) {
        // A load of its own each time: from /console/ to /console/#/users would only change the hash.
        await page.goto('about:blank');
        await page.goto(`${origin}/console/#/${route}`);
        await settled(page);
      },
      api,
      async createCertificate(overrides = {}) {
        const created = await api('POST', 'deviceManagement/userPfxCertificates', await certificateBody(overrides));
        if (created.status !== 201) throw new Error(`create failed: ${created.status} ${JSON.stringify(created.json)}`);
        return created.json;
      },
      async close() {
        await browser?.close();
        await server.stop();
      },
    };
  } catch (err) {
    await browser?.close();
    await server.stop();
    throw err;
  }
}

/** The page has rendered: <main> is no longer busy (main.ts marks it while a page loads). */
export async function settled(page: Page): Promise<void> {
  await page.waitForSelector('main:not([aria-busy])');
}

/**
 * Signs the browser in by putting a delegated token where the console keeps it (sessionStorage), as a finished
 * sign-in would. The tests of everything but the sign-in itself start here; see signInThroughAuthority.
 */
export async function signInWithToken(session: ConsoleSession, upn = ADMIN): Promise<string> {
  const token = await session.server.token({ scopes: SCOPES, upn });
  await session.context.addInitScript((value) => {
    sessionStorage.setItem('pfxstore.console.token', value);
  }, token);
  return token;
}

/**
 * The whole sign-in, as a person does it: "Sign in", the dev authority's page (user principal name and the dev
 * client secret `serve` prints), and back to the console with a code it exchanges (PKCE).
 */
export async function signInThroughAuthority(session: ConsoleSession, page: Page, upn = ADMIN): Promise<void> {
  await page.goto(`${session.origin}/console/`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('User principal name').fill(upn);
  await page.getByLabel('Dev client secret').fill(session.server.devIdentity!.clientSecret);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await settled(page);
}
