/**
 * PostgreSQL schema, as numbered migrations, mirroring migrations/sqlite.ts column for column so both stores
 * hold rows in the same stored form (store/store.ts): dates as fixed-width UTC text, enums as INTEGER,
 * secrets as BYTEA (already encrypted by the service).
 *
 * Every text column is `COLLATE "C"`: byte order, as SQLite's BINARY. With the database's default collation
 * (often en_US.UTF-8) `$orderby` on a string would sort differently from SQLite, and a btree could not serve
 * `startswith` (LIKE 'abc%') or the date ranges as plain byte ranges.
 *
 * The statements run in the search_path the store set (its schema), inside one transaction that holds an
 * advisory lock, so they use unqualified names (store/pg-schema.ts, `migrate`).
 */
export const postgresMigrations: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
CREATE TABLE users (
  seq BIGINT GENERATED ALWAYS AS IDENTITY,
  tenant_id TEXT COLLATE "C" NOT NULL,
  id TEXT COLLATE "C" NOT NULL,
  user_principal_name TEXT COLLATE "C" NOT NULL,
  upn_lower TEXT COLLATE "C" NOT NULL,
  display_name TEXT COLLATE "C",
  mail TEXT COLLATE "C",
  account_enabled BOOLEAN NOT NULL,
  created_date_time TEXT COLLATE "C" NOT NULL,
  -- Keyset paging in the default order (the sequence) within one tenant; nothing needs seq alone.
  PRIMARY KEY (tenant_id, seq),
  UNIQUE (tenant_id, id),
  UNIQUE (tenant_id, upn_lower)
);

CREATE TABLE user_pfx_certificates (
  seq BIGINT GENERATED ALWAYS AS IDENTITY,
  tenant_id TEXT COLLATE "C" NOT NULL,
  id TEXT COLLATE "C" NOT NULL,
  user_id TEXT COLLATE "C" NOT NULL,
  thumbprint TEXT COLLATE "C" NOT NULL,
  intended_purpose INTEGER NOT NULL,
  user_principal_name TEXT COLLATE "C" NOT NULL,
  upn_lower TEXT COLLATE "C" NOT NULL,
  start_date_time TEXT COLLATE "C" NOT NULL,
  expiration_date_time TEXT COLLATE "C" NOT NULL,
  provider_name TEXT COLLATE "C" NOT NULL,
  key_name TEXT COLLATE "C" NOT NULL,
  padding_scheme INTEGER NOT NULL,
  created_date_time TEXT COLLATE "C" NOT NULL,
  last_modified_date_time TEXT COLLATE "C" NOT NULL,
  -- The secrets go last, as in the SQLite schema.
  encrypted_pfx_blob BYTEA NOT NULL,
  encrypted_pfx_password BYTEA NOT NULL,
  PRIMARY KEY (tenant_id, seq),
  UNIQUE (tenant_id, id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
-- The PowerShell module's lookup: tolower(userPrincipalName) eq … and tolower(thumbprint) eq ….
CREATE INDEX user_pfx_certificates_upn ON user_pfx_certificates (tenant_id, upn_lower, thumbprint);
CREATE INDEX user_pfx_certificates_thumbprint ON user_pfx_certificates (tenant_id, thumbprint);
CREATE INDEX user_pfx_certificates_expiration ON user_pfx_certificates (tenant_id, expiration_date_time);
-- Serves the foreign-key check when a user is deleted (PostgreSQL does not index referencing columns itself).
CREATE INDEX user_pfx_certificates_user ON user_pfx_certificates (tenant_id, user_id);

-- A certificate's userPrincipalName is its owner's: renaming the user renames it on the certificates.
-- search_path is pinned to the migrating session's (the store's schema), whatever the caller's is.
CREATE FUNCTION users_upn_follows() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  UPDATE user_pfx_certificates SET user_principal_name = NEW.user_principal_name, upn_lower = NEW.upn_lower
  WHERE tenant_id = NEW.tenant_id AND user_id = NEW.id;
  RETURN NULL;
END
$$;
CREATE TRIGGER users_upn_follows AFTER UPDATE OF user_principal_name ON users
FOR EACH ROW WHEN (OLD.user_principal_name IS DISTINCT FROM NEW.user_principal_name)
EXECUTE FUNCTION users_upn_follows();

CREATE TABLE audit_events (
  seq BIGINT GENERATED ALWAYS AS IDENTITY,
  tenant_id TEXT COLLATE "C" NOT NULL,
  id TEXT COLLATE "C" NOT NULL,
  display_name TEXT COLLATE "C" NOT NULL,
  component_name TEXT COLLATE "C" NOT NULL,
  actor_json TEXT COLLATE "C" NOT NULL,
  activity TEXT COLLATE "C" NOT NULL,
  activity_date_time TEXT COLLATE "C" NOT NULL,
  activity_type TEXT COLLATE "C" NOT NULL,
  activity_operation_type TEXT COLLATE "C" NOT NULL,
  activity_result TEXT COLLATE "C" NOT NULL,
  correlation_id TEXT COLLATE "C" NOT NULL,
  resources_json TEXT COLLATE "C" NOT NULL,
  category TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (tenant_id, seq),
  UNIQUE (tenant_id, id)
);
CREATE INDEX audit_events_time ON audit_events (tenant_id, activity_date_time);
`,
  },
  {
    version: 2,
    // Certificates by expiry day, for /metrics (store/expiry-sql.ts; why, in migrations/sqlite.ts version 3).
    // Here the triggers append a delta row per statement and day rather than update one row per day: a row
    // updated by every insert would be held from the update to the commit, so concurrent imports (several
    // instances) would queue behind one another on it, and take such rows in different orders into deadlocks.
    // Appends never wait. Statement triggers see all the rows of a batched insert at once (one delta per day,
    // not per certificate). The store folds the deltas of a (tenant, day) together when it counts (compaction
    // in postgres.ts); a count is the SUM of the rows either way, so a reader never sees a half-folded state.
    sql: `
CREATE TABLE certificate_expiry_days (
  tenant_id TEXT COLLATE "C" NOT NULL,
  day TEXT COLLATE "C" NOT NULL,
  certificates BIGINT NOT NULL
);
CREATE INDEX certificate_expiry_days_key ON certificate_expiry_days (tenant_id, day);
INSERT INTO certificate_expiry_days (tenant_id, day, certificates)
SELECT tenant_id, left(expiration_date_time, 10), count(*) FROM user_pfx_certificates GROUP BY 1, 2;

CREATE FUNCTION certificate_expiry_days_count() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  -- PL/pgSQL plans a statement when it first runs it, so each branch names only the transition tables its
  -- trigger has.
  IF TG_OP = 'INSERT' THEN
    INSERT INTO certificate_expiry_days (tenant_id, day, certificates)
    SELECT tenant_id, left(expiration_date_time, 10), count(*) FROM added GROUP BY 1, 2;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO certificate_expiry_days (tenant_id, day, certificates)
    SELECT tenant_id, left(expiration_date_time, 10), -count(*) FROM removed GROUP BY 1, 2;
  ELSE
    -- Every UPDATE of a certificate comes here (a trigger with transition tables cannot name its columns);
    -- one that keeps the expiry day adds nothing.
    INSERT INTO certificate_expiry_days (tenant_id, day, certificates)
    SELECT tenant_id, day, sum(n) FROM (
      SELECT tenant_id, left(expiration_date_time, 10) AS day, -1 AS n FROM removed
      UNION ALL
      SELECT tenant_id, left(expiration_date_time, 10), 1 FROM added
    ) AS changes GROUP BY 1, 2 HAVING sum(n) <> 0;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER certificate_expiry_days_insert AFTER INSERT ON user_pfx_certificates
REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION certificate_expiry_days_count();
CREATE TRIGGER certificate_expiry_days_delete AFTER DELETE ON user_pfx_certificates
REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION certificate_expiry_days_count();
CREATE TRIGGER certificate_expiry_days_update AFTER UPDATE ON user_pfx_certificates
REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION certificate_expiry_days_count();
`,
  },
];
