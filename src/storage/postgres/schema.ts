/**
 * Versioned schema for PostgreSQL: the same tables and columns as the SQLite store, with
 * `bytea` blobs and `bigint` epoch-millisecond times. Each entry is applied once, in order,
 * inside the migration transaction (which holds MIGRATION_LOCK).
 *
 * Text keys that are listed in order use COLLATE "C": pagination compares `key_id > $after`
 * and must agree with the byte order the other stores use, whatever the database's locale.
 * `materials.seq` is the only addition: PostgreSQL has no rowid to break ties between
 * materials created in the same millisecond.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (name TEXT COLLATE "C" PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE keys (
    key_id TEXT COLLATE "C" PRIMARY KEY,
    account TEXT COLLATE "C" NOT NULL,
    region TEXT COLLATE "C" NOT NULL,
    version INTEGER NOT NULL,
    state TEXT NOT NULL,
    deletion_at BIGINT,
    next_rotation_at BIGINT,
    doc TEXT NOT NULL
  );
  CREATE INDEX keys_by_account ON keys(account, region, key_id);
  CREATE INDEX keys_by_deletion ON keys(deletion_at) WHERE deletion_at IS NOT NULL;
  CREATE INDEX keys_by_rotation ON keys(next_rotation_at) WHERE next_rotation_at IS NOT NULL;
  CREATE TABLE materials (
    key_id TEXT COLLATE "C" NOT NULL REFERENCES keys(key_id),
    material_id TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    wrapped BYTEA NOT NULL,
    rotation_type TEXT,
    seq BIGINT GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (key_id, material_id)
  );
  CREATE TABLE aliases (
    account TEXT COLLATE "C" NOT NULL,
    region TEXT COLLATE "C" NOT NULL,
    alias_name TEXT COLLATE "C" NOT NULL,
    target_key_id TEXT COLLATE "C" NOT NULL REFERENCES keys(key_id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (account, region, alias_name)
  );
  CREATE INDEX aliases_by_target ON aliases(target_key_id);
  CREATE TABLE access_keys (
    access_key_id TEXT COLLATE "C" PRIMARY KEY,
    principal_arn TEXT NOT NULL,
    account_id TEXT NOT NULL,
    wrapped_secret BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    session_token TEXT,
    expires_at BIGINT
  );
  `,
  `
  CREATE TABLE deleted_keys (key_id TEXT COLLATE "C" PRIMARY KEY, arn TEXT NOT NULL, deleted_at BIGINT NOT NULL);
  CREATE TABLE grants (
    key_id TEXT COLLATE "C" NOT NULL REFERENCES keys(key_id),
    grant_id TEXT COLLATE "C" NOT NULL,
    grantee_principal TEXT COLLATE "C" NOT NULL,
    retiring_principal TEXT COLLATE "C",
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
  // and replicas share a key id; their materials belong to the key id and are shared (no foreign
  // key to one row). Grants and tombstones are per Region too. Constraint names are PostgreSQL's
  // defaults for the tables above.
  `
  ALTER TABLE materials DROP CONSTRAINT materials_key_id_fkey;
  ALTER TABLE aliases DROP CONSTRAINT aliases_target_key_id_fkey;
  ALTER TABLE grants DROP CONSTRAINT grants_key_id_fkey;
  ALTER TABLE keys DROP CONSTRAINT keys_pkey;
  ALTER TABLE keys ADD PRIMARY KEY (region, key_id);
  CREATE INDEX keys_by_id ON keys(key_id);
  ALTER TABLE aliases ADD FOREIGN KEY (region, target_key_id) REFERENCES keys(region, key_id);
  DROP INDEX aliases_by_target;
  CREATE INDEX aliases_by_target ON aliases(region, target_key_id);
  ALTER TABLE grants ADD COLUMN region TEXT COLLATE "C";
  UPDATE grants g SET region = k.region, doc = jsonb_set(g.doc::jsonb, '{region}', to_jsonb(k.region))::text FROM keys k WHERE k.key_id = g.key_id;
  ALTER TABLE grants ALTER COLUMN region SET NOT NULL;
  ALTER TABLE grants DROP CONSTRAINT grants_pkey;
  ALTER TABLE grants ADD PRIMARY KEY (region, key_id, grant_id);
  ALTER TABLE grants ADD FOREIGN KEY (region, key_id) REFERENCES keys(region, key_id);
  DROP INDEX grants_by_retiring;
  CREATE INDEX grants_by_retiring ON grants(retiring_principal, region, key_id, grant_id) WHERE retiring_principal IS NOT NULL;
  ALTER TABLE deleted_keys ADD COLUMN region TEXT COLLATE "C";
  -- The fourth field of the ARN: arn:aws:kms:REGION:account:key/id.
  UPDATE deleted_keys SET region = split_part(arn, ':', 4);
  ALTER TABLE deleted_keys ALTER COLUMN region SET NOT NULL;
  ALTER TABLE deleted_keys DROP CONSTRAINT deleted_keys_pkey;
  ALTER TABLE deleted_keys ADD PRIMARY KEY (region, key_id);
  `,
  // An STS session's source: the principal that called AssumeRole (its session ends with it).
  `
  ALTER TABLE access_keys ADD COLUMN source_arn TEXT;
  `,
];

/** Key of the transaction-scoped advisory lock that serializes migrations across nodes ("trent" in ASCII). */
export const MIGRATION_LOCK = 0x7472656e74;
