/**
 * Where the access token lives: in memory, and in sessionStorage so that a reload of the tab keeps the user signed
 * in. Never localStorage (issue #15): sessionStorage is this tab's alone and goes when it closes.
 */
const TOKEN_KEY = 'pfxstore.console.token';

let token: string | undefined;

export function currentToken(): string | undefined {
  token ??= sessionStorage.getItem(TOKEN_KEY) ?? undefined;
  return token;
}

export function keepToken(value: string): void {
  token = value;
  sessionStorage.setItem(TOKEN_KEY, value);
}

export function forgetToken(): void {
  token = undefined;
  sessionStorage.removeItem(TOKEN_KEY);
}
