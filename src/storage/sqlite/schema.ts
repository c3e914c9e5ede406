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
  // Imported key material: its import state, expiry and description, and a rotation date (rows.ts).
  `
  ALTER TABLE materials ADD COLUMN meta TEXT;
  `,
  // Regions (multi-Region keys): a key row is (Region, key id), so a multi-Region key's primary
  // and replicas share a key id; their materials belong to the key id and are shared. Grants and
  // tombstones are per Region too. SQLite cannot change a primary key in place: the tables are
  // rebuilt, rows copied in their order (materials keep their rowid order), old tables dropped.
  `
  ALTER TABLE grants RENAME TO grants_v3;
  ALTER TABLE aliases RENAME TO aliases_v3;
  ALTER TABLE materials RENAME TO materials_v3;
  ALTER TABLE deleted_keys RENAME TO deleted_keys_v3;
  ALTER TABLE keys RENAME TO keys_v3;
  CREATE TABLE keys (
    key_id TEXT NOT NULL,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    version INTEGER NOT NULL,
    state TEXT NOT NULL,
    deletion_at INTEGER,
    next_rotation_at INTEGER,
    doc TEXT NOT NULL,
    PRIMARY KEY (region, key_id)
  );
  CREATE TABLE materials (
    key_id TEXT NOT NULL,
    material_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    wrapped BLOB NOT NULL,
    rotation_type TEXT,
    meta TEXT,
    PRIMARY KEY (key_id, material_id)
  );
  CREATE TABLE aliases (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    alias_name TEXT NOT NULL,
    target_key_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (account, region, alias_name),
    FOREIGN KEY (region, target_key_id) REFERENCES keys(region, key_id)
  );
  CREATE TABLE grants (
    region TEXT NOT NULL,
    key_id TEXT NOT NULL,
    grant_id TEXT NOT NULL,
    grantee_principal TEXT NOT NULL,
    retiring_principal TEXT,
    doc TEXT NOT NULL,
    PRIMARY KEY (region, key_id, grant_id),
    FOREIGN KEY (region, key_id) REFERENCES keys(region, key_id)
  );
  CREATE TABLE deleted_keys (region TEXT NOT NULL, key_id TEXT NOT NULL, arn TEXT NOT NULL, deleted_at INTEGER NOT NULL, PRIMARY KEY (region, key_id));
  INSERT INTO keys(key_id, account, region, version, state, deletion_at, next_rotation_at, doc)
    SELECT key_id, account, region, version, state, deletion_at, next_rotation_at, doc FROM keys_v3;
  INSERT INTO materials(key_id, material_id, created_at, wrapped, rotation_type, meta)
    SELECT key_id, material_id, created_at, wrapped, rotation_type, meta FROM materials_v3 ORDER BY rowid;
  INSERT INTO aliases(account, region, alias_name, target_key_id, created_at, updated_at)
    SELECT account, region, alias_name, target_key_id, created_at, updated_at FROM aliases_v3;
  INSERT INTO grants(region, key_id, grant_id, grantee_principal, retiring_principal, doc)
    SELECT k.region, g.key_id, g.grant_id, g.grantee_principal, g.retiring_principal, json_set(g.doc, '$.region', k.region)
    FROM grants_v3 g JOIN keys_v3 k ON k.key_id = g.key_id;
  -- The Region of a tombstone is the fourth field of its ARN (arn:aws:kms:REGION:account:key/id).
  INSERT INTO deleted_keys(region, key_id, arn, deleted_at)
    SELECT substr(rest, 1, instr(rest, ':') - 1), key_id, arn, deleted_at
    FROM (SELECT key_id, arn, deleted_at, substr(arn, instr(arn, ':kms:') + 5) AS rest FROM deleted_keys_v3);
  DROP TABLE grants_v3;
  DROP TABLE aliases_v3;
  DROP TABLE materials_v3;
  DROP TABLE deleted_keys_v3;
  DROP TABLE keys_v3;
  CREATE INDEX keys_by_account ON keys(account, region, key_id);
  CREATE INDEX keys_by_id ON keys(key_id);
  CREATE INDEX keys_by_deletion ON keys(deletion_at) WHERE deletion_at IS NOT NULL;
  CREATE INDEX keys_by_rotation ON keys(next_rotation_at) WHERE next_rotation_at IS NOT NULL;
  CREATE INDEX aliases_by_target ON aliases(region, target_key_id);
  CREATE INDEX grants_by_retiring ON grants(retiring_principal, region, key_id, grant_id) WHERE retiring_principal IS NOT NULL;
  `,
  // An STS session's source: the principal that called AssumeRole (its session ends with it).
  `
  ALTER TABLE access_keys ADD COLUMN source_arn TEXT;
  `,
];
