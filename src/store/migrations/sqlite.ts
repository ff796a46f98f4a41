/**
 * SQLite schema, as numbered migrations applied in order inside one transaction each.
 * Dates are fixed-width UTC text (model/datetime.ts), so text comparison is time comparison and indexes serve
 * `expirationDateTime lt …`. Every index leads with tenant_id: every query is scoped to one tenant.
 */
export const sqliteMigrations: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
CREATE TABLE users (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  user_principal_name TEXT NOT NULL,
  upn_lower TEXT NOT NULL,
  display_name TEXT,
  mail TEXT,
  account_enabled INTEGER NOT NULL,
  created_date_time TEXT NOT NULL,
  UNIQUE (tenant_id, id),
  UNIQUE (tenant_id, upn_lower)
);

CREATE TABLE user_pfx_certificates (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  thumbprint TEXT NOT NULL,
  intended_purpose INTEGER NOT NULL,
  user_principal_name TEXT NOT NULL,
  upn_lower TEXT NOT NULL,
  start_date_time TEXT NOT NULL,
  expiration_date_time TEXT NOT NULL,
  provider_name TEXT NOT NULL,
  key_name TEXT NOT NULL,
  padding_scheme INTEGER NOT NULL,
  created_date_time TEXT NOT NULL,
  last_modified_date_time TEXT NOT NULL,
  -- The secrets go last: SQLite reads a row front to back, so reads without them never touch their overflow pages.
  encrypted_pfx_blob BLOB NOT NULL,
  encrypted_pfx_password BLOB NOT NULL,
  UNIQUE (tenant_id, id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
-- The PowerShell module's lookup: tolower(userPrincipalName) eq … and tolower(thumbprint) eq ….
CREATE INDEX user_pfx_certificates_upn ON user_pfx_certificates (tenant_id, upn_lower, thumbprint);
CREATE INDEX user_pfx_certificates_thumbprint ON user_pfx_certificates (tenant_id, thumbprint);
CREATE INDEX user_pfx_certificates_expiration ON user_pfx_certificates (tenant_id, expiration_date_time);
-- Serves the foreign-key check when a user is deleted.
CREATE INDEX user_pfx_certificates_user ON user_pfx_certificates (tenant_id, user_id);

-- A certificate's userPrincipalName is its owner's: renaming the user renames it on the certificates.
CREATE TRIGGER users_upn_follows AFTER UPDATE OF user_principal_name ON users
BEGIN
  UPDATE user_pfx_certificates SET user_principal_name = NEW.user_principal_name, upn_lower = NEW.upn_lower
  WHERE tenant_id = NEW.tenant_id AND user_id = NEW.id;
END;

CREATE TABLE audit_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  display_name TEXT NOT NULL,
  component_name TEXT NOT NULL,
  actor_json TEXT NOT NULL,
  activity TEXT NOT NULL,
  activity_date_time TEXT NOT NULL,
  activity_type TEXT NOT NULL,
  activity_operation_type TEXT NOT NULL,
  activity_result TEXT NOT NULL,
  correlation_id TEXT NOT NULL,
  resources_json TEXT NOT NULL,
  category TEXT NOT NULL,
  UNIQUE (tenant_id, id)
);
CREATE INDEX audit_events_time ON audit_events (tenant_id, activity_date_time);
`,
  },
  {
    version: 2,
    // A list without $filter or $orderby pages in (tenant_id, seq) order, which no index above has: without
    // statistics SQLite took any index leading with tenant_id and sorted the whole tenant for every page, so
    // paging through all of it cost pages × rows (100 pages of 100,000 certificates: 3 s; bench/keys.ts). These
    // indexes have that order. They are partial, on a condition only that query states (list-sql.ts adds
    // `seq >= 0`), so the planner never picks them for a filtered query, whose own index stays the better one.
    sql: `
CREATE INDEX user_pfx_certificates_seq ON user_pfx_certificates (tenant_id, seq) WHERE seq >= 0;
CREATE INDEX users_seq ON users (tenant_id, seq) WHERE seq >= 0;
`,
  },
  {
    version: 3,
    // /metrics counts certificates by expiry for every tenant (store/expiry-sql.ts). Counting the certificates
    // themselves reads every index entry: 0.5 s at 1,000,000, with the event loop held, on every scrape. These
    // counts by expiry day, kept by triggers in the writing transaction, make a scrape read one row per tenant
    // and day plus the certificates of the few days that a boundary (now, now + N days) cuts. SQLite has one
    // writer at a time, so the rows are updated in place; migrations/postgres.ts appends deltas instead.
    // A day whose count falls to 0 keeps its row: a tenant whose certificates are all deleted shows 0.
    sql: `
CREATE TABLE certificate_expiry_days (
  tenant_id TEXT NOT NULL,
  day TEXT NOT NULL,
  certificates INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, day)
) WITHOUT ROWID;
INSERT INTO certificate_expiry_days (tenant_id, day, certificates)
SELECT tenant_id, substr(expiration_date_time, 1, 10), COUNT(*) FROM user_pfx_certificates GROUP BY 1, 2;

CREATE TRIGGER certificate_expiry_days_insert AFTER INSERT ON user_pfx_certificates
BEGIN
  INSERT INTO certificate_expiry_days (tenant_id, day, certificates) VALUES (NEW.tenant_id, substr(NEW.expiration_date_time, 1, 10), 1)
  ON CONFLICT (tenant_id, day) DO UPDATE SET certificates = certificates + 1;
END;
CREATE TRIGGER certificate_expiry_days_delete AFTER DELETE ON user_pfx_certificates
BEGIN
  UPDATE certificate_expiry_days SET certificates = certificates - 1
  WHERE tenant_id = OLD.tenant_id AND day = substr(OLD.expiration_date_time, 1, 10);
END;
CREATE TRIGGER certificate_expiry_days_update AFTER UPDATE OF expiration_date_time ON user_pfx_certificates
WHEN substr(OLD.expiration_date_time, 1, 10) <> substr(NEW.expiration_date_time, 1, 10)
BEGIN
  UPDATE certificate_expiry_days SET certificates = certificates - 1
  WHERE tenant_id = OLD.tenant_id AND day = substr(OLD.expiration_date_time, 1, 10);
  INSERT INTO certificate_expiry_days (tenant_id, day, certificates) VALUES (NEW.tenant_id, substr(NEW.expiration_date_time, 1, 10), 1)
  ON CONFLICT (tenant_id, day) DO UPDATE SET certificates = certificates + 1;
END;
`,
  },
];
