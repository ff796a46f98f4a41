/**
 * What `serve --record` keeps out of its HAR file: credentials and the secret fields, wherever they travel. The
 * value is replaced by REDACTED and the name kept, so the recording still shows that (and where) one was sent.
 * Every value removed is also remembered, and the entry as written is scrubbed of it (`scrub`): a secret that
 * an error message echoed, or that a client put somewhere unexpected, does not survive either.
 */
export const REDACTED = '[redacted]';

/** JSON properties (any depth, names compared case-insensitively): the entity's secrets, OAuth tokens, a `$batch` request's own headers. */
const JSON_SECRETS = new Set(['encryptedpfxblob', 'encryptedpfxpassword', 'client_secret', 'client_assertion',
  'access_token', 'id_token', 'refresh_token', 'password', 'authorization', 'cookie']);
/**
 * Form fields and query parameters: OAuth's credentials (RFC 6749 §2.3.1, §4.1.3, RFC 7636). `code` is only a
 * secret here: in JSON it is the Graph error's code.
 */
const FORM_SECRETS = new Set(['client_secret', 'client_assertion', 'assertion', 'code', 'code_verifier',
  'access_token', 'id_token', 'refresh_token', 'password']);

/** Secret values shorter than this are not scrubbed from the rest of the entry: they would match ordinary text. */
const MIN_SCRUB_LENGTH = 8;

const names = (set: ReadonlySet<string>) => [...set].join('|');
/** `"encryptedPfxBlob": "…"` in text that is not valid JSON (a truncated body, JSON sent as text/plain). */
const JSON_TEXT_PATTERN = new RegExp(`("(?:${names(JSON_SECRETS)})"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"?`, 'gi');
/** `client_secret=…` in text that is not a form the server read. */
const FORM_TEXT_PATTERN = new RegExp(`(^|[&?\\s;])(${names(FORM_SECRETS)})=[^&\\s;]*`, 'gi');

/** Collects the secret values met while redacting one entry. */
export class Redactor {
  /** An array, not a Set: hashing a 3 KB blob to add it costs more than meeting it twice. */
  private readonly secrets: string[] = [];

  /** `Authorization: Bearer eyJ…` → `Bearer [redacted]`: the scheme stays, it tells which kind of credential was sent. */
  header(name: string, value: string): string {
    const lower = name.toLowerCase();
    if (lower === 'authorization' || lower === 'proxy-authorization') {
      const match = /^(\S+)\s+(.+)$/.exec(value);
      this.remember(match ? match[2] : value);
      return match ? `${match[1]} ${REDACTED}` : REDACTED;
    }
    if (lower === 'cookie' || lower === 'set-cookie') {
      this.remember(value);
      return REDACTED;
    }
    return value;
  }

  /** One query parameter or form field (names as decoded). */
  field(name: string, value: string): string {
    if (!FORM_SECRETS.has(name.toLowerCase()) && !JSON_SECRETS.has(name.toLowerCase())) return value;
    this.remember(value);
    return REDACTED;
  }

  /** A raw query string (without `?`): secret parameters' values replaced, everything else exactly as sent. */
  query(raw: string): string {
    return raw.split('&').map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      const name = decodeLoosely(pair.slice(0, eq));
      const value = pair.slice(eq + 1);
      return this.field(name, decodeLoosely(value)) === REDACTED ? `${pair.slice(0, eq)}=${encodeURIComponent(REDACTED)}` : pair;
    }).join('&');
  }

  /**
   * A body as text. JSON (whatever its Content-Type claims: a client may send JSON as text/plain) is redacted by
   * property, at any depth, also inside strings that hold JSON (a `$batch` body given as a string); a form by
   * field; any other text by pattern. Text with nothing to redact comes back exactly as it was.
   */
  body(text: string, mimeType: string): string {
    const trimmed = text.trimStart();
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      const parsed = parseJson(text);
      if (parsed.ok) {
        const before = this.redactions;
        const redacted = this.json(parsed.value);
        return this.redactions === before ? text : JSON.stringify(redacted);
      }
    }
    if (/^application\/x-www-form-urlencoded/i.test(mimeType)) return this.query(text);
    return text.replace(JSON_TEXT_PATTERN, (match, head: string) => {
      this.remember(match.slice(head.length).replace(/^"|"$/g, ''));
      return `${head}"${REDACTED}"`;
    }).replace(FORM_TEXT_PATTERN, (match, lead: string, name: string) => {
      this.remember(match.slice(lead.length + name.length + 1));
      return `${lead}${name}=${REDACTED}`;
    });
  }

  /** JSON properties redacted so far: a document with none is recorded exactly as it was sent. */
  private redactions = 0;

  private json(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.json(item));
    if (typeof value === 'string') {
      const start = value.trimStart()[0];
      if (start !== '{' && start !== '[') return value;
      const inner = parseJson(value);
      if (!inner.ok) return value;
      const before = this.redactions;
      const redacted = this.json(inner.value);
      return this.redactions === before ? value : JSON.stringify(redacted);
    }
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      // null stays null: Graph answers the secret fields as null to callers without the export role.
      if (JSON_SECRETS.has(key.toLowerCase()) && item !== null) {
        this.redactions++;
        if (typeof item === 'string') this.remember(item);
        out[key] = REDACTED;
      } else {
        out[key] = this.json(item);
      }
    }
    return out;
  }

  private remember(value: string): void {
    if (value.length >= MIN_SCRUB_LENGTH && value !== REDACTED) this.secrets.push(value);
  }

  /** The serialized entry with every remembered secret value replaced, in whatever form JSON wrote it. */
  scrub(json: string): string {
    let out = json;
    for (const secret of this.secrets) {
      // Each form is made only when it differs: base64 and tokens need no JSON escape (most of the cost otherwise).
      const escaped = /["\\\p{Cc}]/u.test(secret) ? JSON.stringify(secret).slice(1, -1) : secret;
      if (out.includes(escaped)) out = out.split(escaped).join(REDACTED);
      if (/[^A-Za-z0-9\-_.!~*'()]/.test(secret)) {
        const encoded = encodeURIComponent(secret);
        if (out.includes(encoded)) out = out.split(encoded).join(REDACTED);
      }
    }
    return out;
  }
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** A query or form component decoded (`+` is a space); a malformed escape is kept as it is. */
export function decodeLoosely(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}
