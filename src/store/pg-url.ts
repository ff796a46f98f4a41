/**
 * `--db postgres://user:password@host:5432/database?schema=pfxstore&sslmode=require`
 * - `schema` is pfxstore's own URL parameter (the `schema` open option wins over it): the schema that holds
 *   pfxstore's tables. It is taken out of the URL before pg sees it, created on first open when missing
 *   (pg-schema.ts), and made the `search_path` of every connection through the startup packet
 *   (`options=-c search_path=…`, pg-connections.ts), so no query can ever run before it applies. A plain
 *   lower-case identifier (`[a-z_][a-z0-9_]*`). Without it the tables live in the role's default search_path
 *   (normally `public`). Tests give every file its own schema.
 * - every other parameter is pg's (sslmode, application_name, options, …); an `options` in the URL is kept
 *   and pfxstore's settings are appended to it.
 */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PostgresUrl {
  /** The URL without `schema` and `options`, or a libpq key=value string as it was given. */
  readonly connectionString: string;
  readonly schema?: string;
  /** The URL's own `options` parameter, which pfxstore's startup options are appended to. */
  readonly urlOptions?: string;
}

/** Splits pfxstore's `schema` and pg's `options` out of the URL; pg would let the URL's `options` override ours. */
export function parseUrl(url: string, schemaOption: string | undefined): PostgresUrl {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined; // a libpq key=value string: handed to pg as it is
  }
  const schema = schemaOption ?? parsed?.searchParams.get('schema') ?? undefined;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new Error(`PostgreSQL schema '${schema}' is not a plain lower-case identifier ([a-z_][a-z0-9_]*, at most 63 characters).`);
  }
  if (!parsed) return { connectionString: url, schema };
  const urlOptions = parsed.searchParams.get('options') ?? undefined;
  parsed.searchParams.delete('schema');
  parsed.searchParams.delete('options');
  return { connectionString: parsed.toString(), schema, urlOptions };
}
