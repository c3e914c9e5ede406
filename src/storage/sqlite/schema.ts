/** Versioned schema: each entry is applied once, in order, inside one transaction. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE keys (
    key_id TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    version INTEGER NOT NULL,
    state TEXT NOT NULL,
    deletion_at INTEGER,
    next_rotation_at INTEGER,
    doc TEXT NOT NULL
  );
  CREATE INDEX keys_by_account ON keys(account, region, key_id);
  CREATE INDEX keys_by_deletion ON keys(deletion_at) WHERE deletion_at IS NOT NULL;
  CREATE INDEX keys_by_rotation ON keys(next_rotation_at) WHERE next_rotation_at IS NOT NULL;
  CREATE TABLE materials (
    key_id TEXT NOT NULL REFERENCES keys(key_id),
    material_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    wrapped BLOB NOT NULL,
    rotation_type TEXT,
    PRIMARY KEY (key_id, material_id)
  );
  CREATE TABLE aliases (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    alias_name TEXT NOT NULL,
    target_key_id TEXT NOT NULL REFERENCES keys(key_id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (account, region, alias_name)
  );
  CREATE INDEX aliases_by_target ON aliases(target_key_id);
  CREATE TABLE access_keys (
    access_key_id TEXT PRIMARY KEY,
    principal_arn TEXT NOT NULL,
    account_id TEXT NOT NULL,
    wrapped_secret BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    session_token TEXT,
    expires_at INTEGER
  );
  `,
  `
  CREATE TABLE deleted_keys (key_id TEXT PRIMARY KEY, arn TEXT NOT NULL, deleted_at INTEGER NOT NULL);
  CREATE TABLE grants (
    key_id TEXT NOT NULL REFERENCES keys(key_id),
    grant_id TEXT NOT NULL,
    grantee_principal TEXT NOT NULL,
    retiring_principal TEXT,
    doc TEXT NOT NULL,
    PRIMARY KEY (key_id, grant_id)
  );
  CREATE INDEX grants_by_retiring ON grants(retiring_principal, key_id, grant_id) WHERE retiring_principal IS NOT NULL;
  `,
  // Imported key material: its import state, expiry and description, and a rotation date (key-codec.ts).
  `
  ALTER TABLE materials ADD COLUMN meta TEXT;
  `,
];
