/**
 * The seed file (`trent serve --seed <file.yaml>`): keys with fixed ids and, optionally, fixed
 * material, aliases, and — in Trent's own format — policies, tags, grants and rotation settings.
 * This module reads and checks the whole file and returns a plan; nothing is written here, and a
 * mistake anywhere is an error naming the file, line and field (`seed.yaml:12: Keys.0.KeyId: …`).
 *
 * Three layouts are read:
 *
 * 1. local-kms's seed.yaml, unchanged (nsmithuk/local-kms README, "Seeding file format"):
 *      Keys:
 *        Symmetric:
 *          Aes:  [{ Metadata: { KeyId, Description?, Origin? }, BackingKeys: [hex…], NextKeyRotation? }]
 *          Hmac: [{ Metadata: { KeyId, KeySpec: HMAC_256, … }, BackingKeys: [hex…] }]
 *        Asymmetric:
 *          Rsa:  [{ Metadata: { KeyId, KeyUsage, Description? }, PrivateKeyPem: | … }]
 *          Ecc:  [{ Metadata: { KeyId, KeyUsage?, Description? }, PrivateKeyPem: | … }]
 *      Aliases: [{ AliasName, TargetKeyId }]
 *    "Adding more than one backing key simulates the effect of the CMK having been rotated": the
 *    last backing key is current. Its older layout (`Keys:` a list of AES keys) and its version-2
 *    layout (`Version: 2`, `Keys:` a list of `{ KeyId, Metadata, Material }`) are read too.
 *
 * 2. Trent's own (`Trent: 1` at the top):
 *      Trent: 1
 *      Account: "111122223333"        # default: the account Trent serves (--account-id)
 *      Region: us-east-1              # default: --region
 *      Keys:
 *        - KeyId: 0d6c7c8e-…          # required
 *          KeySpec: SYMMETRIC_DEFAULT # and KeyUsage, as CreateKey takes them
 *          Origin: AWS_KMS            # or EXTERNAL (imported material; none: PendingImport)
 *          Description: …
 *          Enabled: true
 *          Policy: { Version: "2012-10-17", Statement: [...] }   # or the JSON text
 *          Tags: { team: payments }    # or [{ TagKey, TagValue }]
 *          Rotation: { Enabled: true, PeriodInDays: 365, NextRotationDate: 2030-01-01T00:00:00Z }
 *          Materials:                  # oldest first; the last is current; none: generated once
 *            - Hex: 366a5555…          # or Base64: …, or PrivateKeyPem: |
 *            - { Hex: 0a1b…, RotationType: ON_DEMAND }
 *          Grants:
 *            - { Name: app, GranteePrincipal: arn:…, Operations: [Decrypt], RetiringPrincipal?: …,
 *                Constraints?: { EncryptionContextSubset: { app: x } } }
 *      Aliases: [{ AliasName, TargetKeyId }]
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { yaml } from '../shared/yaml.ts';
import { checkImportedMaterial } from '../crypto/imported-material.ts';
import { KEY_SPECS, KEY_USAGES, keySpecInfo, type KeySpec, type KeyUsage } from '../crypto/key-specs.ts';
import { GRANT_OPERATIONS, type GrantOperation } from '../domain/grants.ts';
import type { GrantConstraints, Origin, Tag } from '../domain/types.ts';
import { isKeyId } from '../shared/ids.ts';
import { SeedFileError, type SeedAlias, type SeedGrant, type SeedKey, type SeedMaterial, type SeedPlan } from '../domain/seeding.ts';

export { SeedFileError } from '../domain/seeding.ts';
export type { SeedAlias, SeedGrant, SeedKey, SeedMaterial, SeedPlan } from '../domain/seeding.ts';

type Path = (string | number)[];

const ALIAS_NAME = /^alias\/[a-zA-Z0-9:/_-]+$/;
const PRINCIPAL = /^(arn:aws[a-z-]*:(iam::\d{12}:(root|user\/.+|role\/.+)|sts::\d{12}:assumed-role\/.+\/.+)|[a-z0-9.-]+\.amazonaws\.com)$/;

export function parseSeedFile(text: string, path: string): SeedPlan {
  const { LineCounter, parseDocument } = yaml();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new SeedFileError(`${path}:${lines.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`);
  }
  const lineOf = (p: Path): number | undefined => {
    for (let n = p.length; n >= 0; n--) {
      const node = doc.getIn(p.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return lines.linePos(node.range[0]).line;
    }
    return undefined;
  };
  const where = (p: Path) => `${path}${lineOf(p) !== undefined ? `:${lineOf(p)}` : ''}`;
  const fail = (p: Path, msg: string): never => {
    throw new SeedFileError(`${where(p)}: ${p.length ? `${p.join('.')}: ` : ''}${msg}`);
  };
  /** An unknown field is reported at the line of its name (its value may start lines later). */
  const failKey = (parent: Path, key: string, msg: string): never => {
    const map = doc.getIn(parent, true) as { items?: { key?: { value?: unknown; range?: [number, number, number] } }[] } | undefined;
    const k = map?.items?.find((i) => String(i.key?.value) === key)?.key;
    const at = k?.range ? `${path}:${lines.linePos(k.range[0]).line}` : where([...parent, key]);
    throw new SeedFileError(`${at}: ${[...parent, key].join('.')}: ${msg}`);
  };
  const r = new Reader(doc.toJS({ maxAliasCount: 100 }) as unknown, fail, where, failKey);
  if (r.root === null || r.root === undefined) return { path, format: 'local-kms', keys: [], aliases: [] };
  const top = r.map([]);
  const plan = 'Trent' in top ? trentFormat(r, path) : localKmsFormat(r, path);
  checkUnique(plan, fail);
  return plan;
}

/** Typed access to the parsed document, every failure naming its path. */
class Reader {
  constructor(
    readonly root: unknown,
    readonly fail: (p: Path, msg: string) => never,
    readonly where: (p: Path) => string,
    readonly failKey: (parent: Path, key: string, msg: string) => never,
  ) {}

  get(p: Path): unknown {
    let v: unknown = this.root;
    for (const k of p) {
      if (v === null || typeof v !== 'object') return undefined;
      v = Object.prototype.hasOwnProperty.call(v, k) ? (v as Record<string | number, unknown>)[k] : undefined;
    }
    return v;
  }

  map(p: Path, known?: readonly string[]): Record<string, unknown> {
    const v = this.get(p);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) this.fail(p, 'must be a mapping');
    if (known) for (const k of Object.keys(v as object)) if (!known.includes(k)) this.failKey(p, k, `unknown field (expected one of ${known.join(', ')})`);
    return v as Record<string, unknown>;
  }

  list(p: Path): unknown[] {
    const v = this.get(p);
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) this.fail(p, 'must be a list');
    return v as unknown[];
  }

  string(p: Path, o: { required?: boolean; pattern?: RegExp; what?: string } = {}): string | undefined {
    const v = this.get(p);
    if (v === undefined || v === null) return o.required ? this.fail(p, 'is required') : undefined;
    if (typeof v !== 'string' && typeof v !== 'number') this.fail(p, 'must be a string');
    const s = String(v);
    if (o.pattern && !o.pattern.test(s)) this.fail(p, `${JSON.stringify(s)} is not ${o.what ?? `of the form ${o.pattern}`}`);
    return s;
  }

  oneOf<T extends string>(p: Path, values: readonly T[], fallback?: T): T | undefined {
    const s = this.string(p);
    if (s === undefined) return fallback;
    if (!values.includes(s as T)) this.fail(p, `${JSON.stringify(s)} is not one of ${values.join(', ')}`);
    return s as T;
  }

  bool(p: Path, fallback: boolean): boolean {
    const v = this.get(p);
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean') this.fail(p, 'must be true or false');
    return v as boolean;
  }

  date(p: Path): number | undefined {
    const v = this.get(p);
    if (v === undefined || v === null) return undefined;
    const t = v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : NaN;
    if (!Number.isFinite(t)) this.fail(p, 'must be an ISO 8601 date, like 2030-01-01T00:00:00Z');
    return t;
  }

  keyId(p: Path): string {
    const id = this.string(p, { required: true })!;
    if (!isKeyId(id) || id.startsWith('mrk-')) this.fail(p, `${JSON.stringify(id)} is not a key id (a UUID such as 1234abcd-12ab-34cd-56ef-1234567890ab)`);
    return id.toLowerCase();
  }
}

function hexBytes(r: Reader, p: Path): Uint8Array {
  const s = r.string(p, { required: true })!;
  if (!/^([0-9a-fA-F]{2})+$/.test(s)) r.fail(p, 'must be hex (an even number of 0-9 a-f)');
  return new Uint8Array(Buffer.from(s, 'hex'));
}

function base64Bytes(r: Reader, p: Path): Uint8Array {
  const s = r.string(p, { required: true })!.replace(/\s+/g, '');
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) r.fail(p, 'must be base64');
  return new Uint8Array(Buffer.from(s, 'base64'));
}

/** A PEM private key (PKCS#8, PKCS#1 RSA, SEC1 EC) as DER PKCS#8, and the key spec it implies. */
function pemKey(r: Reader, p: Path): { der: Uint8Array; spec: KeySpec } {
  const pem = r.string(p, { required: true })!;
  let key;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (e) {
    return r.fail(p, `is not an unencrypted PEM private key: ${(e as Error).message}`);
  }
  const der = new Uint8Array(key.export({ format: 'der', type: 'pkcs8' }));
  const d = key.asymmetricKeyDetails;
  switch (key.asymmetricKeyType) {
    case 'rsa': {
      const spec = ({ 2048: 'RSA_2048', 3072: 'RSA_3072', 4096: 'RSA_4096' } as Record<number, KeySpec>)[d?.modulusLength ?? 0];
      return spec ? { der, spec } : r.fail(p, `an RSA key must have 2048, 3072 or 4096 bits, not ${d?.modulusLength}`);
    }
    case 'ec': {
      const spec = ({ prime256v1: 'ECC_NIST_P256', secp384r1: 'ECC_NIST_P384', secp521r1: 'ECC_NIST_P521', secp256k1: 'ECC_SECG_P256K1' } as Record<string, KeySpec>)[d?.namedCurve ?? ''];
      return spec ? { der, spec } : r.fail(p, `EC curve ${d?.namedCurve} is not one KMS supports (P-256, P-384, P-521, secp256k1)`);
    }
    case 'ed25519':
      return { der, spec: 'ECC_NIST_EDWARDS25519' };
    default:
      return r.fail(p, `a ${key.asymmetricKeyType} key is not one KMS supports`);
  }
}

/** Checks material against the key spec (the rules ImportKeyMaterial applies). */
function material(r: Reader, p: Path, spec: KeySpec, raw: Uint8Array, rotationType?: SeedMaterial['rotationType']): SeedMaterial {
  const checked = checkImportedMaterial(keySpecInfo(spec).material, raw);
  if (!checked.ok) r.fail(p, `not key material for ${spec}: ${checked.reason}`);
  return { plain: (checked as { material: Uint8Array }).material, ...(rotationType ? { rotationType } : {}) };
}

/** Rotated materials of a seed that does not say how: automatic rotations, as local-kms simulates them. */
function withRotations(ms: SeedMaterial[]): SeedMaterial[] {
  return ms.map((m, i) => (i > 0 && !m.rotationType ? { ...m, rotationType: 'AUTOMATIC' } : m));
}

function usageFor(r: Reader, p: Path, spec: KeySpec, usage: KeyUsage | undefined): KeyUsage {
  const info = keySpecInfo(spec);
  const u = usage ?? (spec === 'SYMMETRIC_DEFAULT' ? 'ENCRYPT_DECRYPT' : info.usages.length === 1 ? info.usages[0]! : undefined);
  if (u === undefined) return r.fail(p, `is required for ${spec} keys (one of ${info.usages.join(', ')})`);
  if (!info.usages.includes(u)) r.fail(p, `${u} is not a usage of ${spec} keys (${info.usages.join(', ')})`);
  return u;
}

// ---------------------------------------------------------------- local-kms

/**
 * The fields of local-kms's `Metadata`: AWS's KeyMetadata. Those Trent derives itself (Arn,
 * AWSAccountId, CreationDate, …) may be present, as local-kms files carry them; any other name is
 * a typo and refused.
 */
const LOCAL_KMS_METADATA = [
  'AWSAccountId', 'Arn', 'CloudHsmClusterId', 'CreationDate', 'CustomKeyStoreId', 'CustomerMasterKeySpec', 'DeletionDate', 'Description', 'Enabled',
  'EncryptionAlgorithms', 'ExpirationModel', 'KeyAgreementAlgorithms', 'KeyId', 'KeyManager', 'KeySpec', 'KeyState', 'KeyUsage', 'MacAlgorithms',
  'MultiRegion', 'Origin', 'PendingDeletionWindowInDays', 'SigningAlgorithms', 'ValidTo',
] as const;

function localKmsFormat(r: Reader, path: string): SeedPlan {
  const top = r.map([], ['Keys', 'Aliases', 'Version']);
  const keys: SeedKey[] = [];
  const rawKeys = top.Keys;
  if (Array.isArray(rawKeys)) {
    const v2 = top.Version !== undefined;
    if (v2 && String(top.Version) !== '2') r.fail(['Version'], `version ${String(top.Version)} of the local-kms seed format is not known (1 or 2)`);
    rawKeys.forEach((_, i) => keys.push(v2 ? localKmsV2Key(r, ['Keys', i]) : localKmsAes(r, ['Keys', i])));
  } else if (rawKeys !== undefined && rawKeys !== null) {
    const ks = r.map(['Keys'], ['Symmetric', 'Asymmetric']);
    if (ks.Symmetric !== undefined && ks.Symmetric !== null) {
      r.map(['Keys', 'Symmetric'], ['Aes', 'Hmac']);
      r.list(['Keys', 'Symmetric', 'Aes']).forEach((_, i) => keys.push(localKmsAes(r, ['Keys', 'Symmetric', 'Aes', i])));
      r.list(['Keys', 'Symmetric', 'Hmac']).forEach((_, i) => keys.push(localKmsHmac(r, ['Keys', 'Symmetric', 'Hmac', i])));
    }
    if (ks.Asymmetric !== undefined && ks.Asymmetric !== null) {
      r.map(['Keys', 'Asymmetric'], ['Rsa', 'Ecc']);
      r.list(['Keys', 'Asymmetric', 'Rsa']).forEach((_, i) => keys.push(localKmsAsymmetric(r, ['Keys', 'Asymmetric', 'Rsa', i], 'rsa')));
      r.list(['Keys', 'Asymmetric', 'Ecc']).forEach((_, i) => keys.push(localKmsAsymmetric(r, ['Keys', 'Asymmetric', 'Ecc', i], 'ec')));
    }
  }
  return { path, format: 'local-kms', keys, aliases: aliases(r) };
}

function localKmsBase(r: Reader, p: Path, fields: readonly string[]): Pick<SeedKey, 'keyId' | 'description' | 'enabled' | 'origin' | 'where' | 'tags' | 'grants'> {
  r.map(p, fields);
  r.map([...p, 'Metadata'], LOCAL_KMS_METADATA);
  const m = [...p, 'Metadata'];
  // The Metadata fields that describe what Trent derives (Arn, AWSAccountId, CreationDate…) are
  // not read; a name outside KeyMetadata's was refused above.
  const disabled = r.get([...m, 'Enabled']) === false || r.get([...m, 'KeyState']) === 'Disabled';
  return {
    keyId: r.keyId([...m, 'KeyId']),
    description: r.string([...m, 'Description']) ?? '',
    enabled: !disabled,
    origin: r.oneOf([...m, 'Origin'], ['AWS_KMS', 'EXTERNAL'] as const, 'AWS_KMS')!,
    where: r.where(p),
    tags: [],
    grants: [],
  };
}

function localKmsRotation(r: Reader, p: Path): SeedKey['rotation'] {
  // "NextKeyRotation: AES Keys Only. An ISO 8601 formatted date. Supplying this enables key rotation."
  const next = r.date(p);
  return next !== undefined ? { periodDays: 365, nextRotationAt: next } : undefined;
}

function backingKeys(r: Reader, p: Path, spec: KeySpec, origin: SeedKey['origin']): SeedMaterial[] {
  const list = r.list(p);
  if (origin === 'EXTERNAL' && list.length > 1) r.fail(p, 'an EXTERNAL key can have at most one backing key');
  if (origin === 'AWS_KMS' && list.length === 0) r.fail(p, 'at least one backing key must be supplied');
  return withRotations(list.map((_, i) => material(r, [...p, i], spec, hexBytes(r, [...p, i]))));
}

function localKmsAes(r: Reader, p: Path): SeedKey {
  const base = localKmsBase(r, p, ['Metadata', 'BackingKeys', 'NextKeyRotation']);
  // An AES key's spec and usage are fixed; saying otherwise here is a mistake, not a wish to ignore.
  r.oneOf([...p, 'Metadata', 'KeySpec'], ['SYMMETRIC_DEFAULT'] as const);
  r.oneOf([...p, 'Metadata', 'KeyUsage'], ['ENCRYPT_DECRYPT'] as const);
  const rotation = localKmsRotation(r, [...p, 'NextKeyRotation']);
  return { ...base, keySpec: 'SYMMETRIC_DEFAULT', keyUsage: 'ENCRYPT_DECRYPT', materials: backingKeys(r, [...p, 'BackingKeys'], 'SYMMETRIC_DEFAULT', base.origin), ...(rotation ? { rotation } : {}) };
}

function localKmsHmac(r: Reader, p: Path): SeedKey {
  const base = localKmsBase(r, p, ['Metadata', 'BackingKeys']);
  const spec = r.oneOf([...p, 'Metadata', 'KeySpec'], ['HMAC_224', 'HMAC_256', 'HMAC_384', 'HMAC_512'] as const, 'HMAC_256')!;
  usageFor(r, [...p, 'Metadata', 'KeyUsage'], spec, r.oneOf([...p, 'Metadata', 'KeyUsage'], KEY_USAGES));
  const ms = backingKeys(r, [...p, 'BackingKeys'], spec, base.origin).map(({ plain }) => ({ plain }));
  // local-kms MACs with its first HMAC backing key; AWS never rotates HMAC keys. So the first is
  // current here (listed last), and the others are kept as older material.
  return { ...base, keySpec: spec, keyUsage: 'GENERATE_VERIFY_MAC', materials: ms.length > 1 ? [...ms.slice(1), ms[0]!] : ms };
}

function localKmsAsymmetric(r: Reader, p: Path, kind: 'rsa' | 'ec'): SeedKey {
  const base = localKmsBase(r, p, ['Metadata', 'PrivateKeyPem']);
  const { der, spec } = pemKey(r, [...p, 'PrivateKeyPem']);
  const isRsa = spec.startsWith('RSA_');
  if (isRsa !== (kind === 'rsa')) r.fail([...p, 'PrivateKeyPem'], `is ${isRsa ? 'an RSA' : 'an elliptic-curve'} key, listed under ${kind === 'rsa' ? 'Rsa' : 'Ecc'}`);
  const usagePath = [...p, 'Metadata', 'KeyUsage'];
  const given = r.oneOf(usagePath, KEY_USAGES);
  // local-kms: "It [KeyUsage] is mandatory for RSA keys"; ECC keys sign.
  if (isRsa && given === undefined) r.fail(usagePath, 'is required for RSA keys (SIGN_VERIFY or ENCRYPT_DECRYPT)');
  const usage = usageFor(r, usagePath, spec, given ?? 'SIGN_VERIFY');
  return { ...base, origin: 'AWS_KMS', keySpec: spec, keyUsage: usage, materials: [material(r, [...p, 'PrivateKeyPem'], spec, der)] };
}

function localKmsV2Key(r: Reader, p: Path): SeedKey {
  r.map(p, ['KeyId', 'Metadata', 'NextKeyRotation', 'Material']);
  const m = [...p, 'Metadata'];
  if (r.get(m) !== undefined && r.get(m) !== null) r.map(m, LOCAL_KMS_METADATA);
  if (r.get([...p, 'Material']) !== undefined && r.get([...p, 'Material']) !== null) r.map([...p, 'Material'], ['PrivateKeyPem', 'BackingKeys']);
  const spec = r.oneOf([...m, 'KeySpec'], KEY_SPECS, 'SYMMETRIC_DEFAULT')!;
  const usage = usageFor(r, [...m, 'KeyUsage'], spec, r.oneOf([...m, 'KeyUsage'], KEY_USAGES));
  const mat = [...p, 'Material'];
  let materials: SeedMaterial[] = [];
  if (r.get([...mat, 'PrivateKeyPem']) !== undefined) {
    const { der, spec: pemSpec } = pemKey(r, [...mat, 'PrivateKeyPem']);
    if (pemSpec !== spec) r.fail([...mat, 'PrivateKeyPem'], `is a ${pemSpec} key; Metadata.KeySpec says ${spec}`);
    materials = [material(r, [...mat, 'PrivateKeyPem'], spec, der)];
  } else if (r.get([...mat, 'BackingKeys']) !== undefined) {
    materials = withRotations(r.list([...mat, 'BackingKeys']).map((_, i) => material(r, [...mat, 'BackingKeys', i], spec, hexBytes(r, [...mat, 'BackingKeys', i]))));
  }
  const rotation = localKmsRotation(r, [...p, 'NextKeyRotation']);
  return {
    keyId: r.keyId([...p, 'KeyId']),
    keySpec: spec,
    keyUsage: usage,
    origin: 'AWS_KMS',
    description: r.string([...m, 'Description']) ?? '',
    enabled: true,
    tags: [],
    grants: [],
    materials,
    where: r.where(p),
    ...(rotation ? { rotation } : {}),
  };
}

// ---------------------------------------------------------------- Trent

const TRENT_KEY_FIELDS = ['KeyId', 'KeySpec', 'KeyUsage', 'Origin', 'Description', 'Enabled', 'Policy', 'Tags', 'Rotation', 'Materials', 'Grants'] as const;

function trentFormat(r: Reader, path: string): SeedPlan {
  const top = r.map([], ['Trent', 'Account', 'Region', 'Keys', 'Aliases']);
  if (String(top.Trent) !== '1') r.fail(['Trent'], `version ${String(top.Trent)} of Trent's seed format is not known (1)`);
  const account = r.string(['Account'], { pattern: /^\d{12}$/, what: 'a 12-digit account id (quote it in YAML)' });
  const region = r.string(['Region'], { pattern: /^[a-z]{2}(-[a-z]+)+-\d+$/, what: 'a Region like us-east-1' });
  const keys = r.list(['Keys']).map((_, i) => trentKey(r, ['Keys', i]));
  return { path, format: 'trent', ...(account ? { account } : {}), ...(region ? { region } : {}), keys, aliases: aliases(r) };
}

function trentKey(r: Reader, p: Path): SeedKey {
  r.map(p, TRENT_KEY_FIELDS);
  const spec = r.oneOf([...p, 'KeySpec'], KEY_SPECS, 'SYMMETRIC_DEFAULT')!;
  if (!keySpecInfo(spec).supported) r.fail([...p, 'KeySpec'], keySpecInfo(spec).unsupportedReason ?? `${spec} is not supported`);
  const usage = usageFor(r, [...p, 'KeyUsage'], spec, r.oneOf([...p, 'KeyUsage'], KEY_USAGES));
  const origin = r.oneOf([...p, 'Origin'], ['AWS_KMS', 'EXTERNAL'] as const, 'AWS_KMS')!;
  const materials = withRotations(r.list([...p, 'Materials']).map((_, i) => trentMaterial(r, [...p, 'Materials', i], spec)));
  if (origin === 'EXTERNAL' && materials.length > 1 && spec !== 'SYMMETRIC_DEFAULT') r.fail([...p, 'Materials'], 'asymmetric and HMAC keys have one key material');
  if (origin === 'AWS_KMS' && materials.length > 1 && spec !== 'SYMMETRIC_DEFAULT') r.fail([...p, 'Materials'], 'only symmetric encryption keys rotate: give one material');
  const rotation = trentRotation(r, [...p, 'Rotation'], spec, origin);
  return {
    keyId: r.keyId([...p, 'KeyId']),
    keySpec: spec,
    keyUsage: usage,
    origin,
    description: r.string([...p, 'Description']) ?? '',
    enabled: r.bool([...p, 'Enabled'], true),
    ...policy(r, [...p, 'Policy']),
    tags: tags(r, [...p, 'Tags']),
    ...(rotation ? { rotation } : {}),
    materials,
    grants: r.list([...p, 'Grants']).map((_, i) => grant(r, [...p, 'Grants', i])),
    where: r.where(p),
  };
}

function trentMaterial(r: Reader, p: Path, spec: KeySpec): SeedMaterial {
  const m = r.map(p, ['Hex', 'Base64', 'PrivateKeyPem', 'RotationType']);
  const given = ['Hex', 'Base64', 'PrivateKeyPem'].filter((k) => m[k] !== undefined);
  if (given.length !== 1) r.fail(p, 'give exactly one of Hex, Base64 or PrivateKeyPem');
  const rotationType = r.oneOf([...p, 'RotationType'], ['AUTOMATIC', 'ON_DEMAND'] as const);
  if (m.PrivateKeyPem !== undefined) {
    const { der, spec: pemSpec } = pemKey(r, [...p, 'PrivateKeyPem']);
    if (pemSpec !== spec) r.fail([...p, 'PrivateKeyPem'], `is a ${pemSpec} key; KeySpec is ${spec}`);
    return material(r, [...p, 'PrivateKeyPem'], spec, der, rotationType);
  }
  const field = m.Hex !== undefined ? 'Hex' : 'Base64';
  const raw = field === 'Hex' ? hexBytes(r, [...p, field]) : base64Bytes(r, [...p, field]);
  return material(r, [...p, field], spec, raw, rotationType);
}

function trentRotation(r: Reader, p: Path, spec: KeySpec, origin: SeedKey['origin']): SeedKey['rotation'] {
  if (r.get(p) === undefined || r.get(p) === null) return undefined;
  r.map(p, ['Enabled', 'PeriodInDays', 'NextRotationDate']);
  if (!r.bool([...p, 'Enabled'], true)) return undefined;
  // EnableKeyRotation: symmetric encryption keys with AWS_KMS origin only; RotationPeriodInDays 90–2560.
  if (spec !== 'SYMMETRIC_DEFAULT' || origin !== 'AWS_KMS') r.fail(p, 'automatic rotation is only for symmetric encryption keys with Origin AWS_KMS');
  const period = r.get([...p, 'PeriodInDays']) ?? 365;
  if (typeof period !== 'number' || !Number.isInteger(period) || period < 90 || period > 2560) r.fail([...p, 'PeriodInDays'], 'must be an integer from 90 to 2560');
  const next = r.date([...p, 'NextRotationDate']);
  return { periodDays: period as number, ...(next !== undefined ? { nextRotationAt: next } : {}) };
}

function policy(r: Reader, p: Path): { policy?: string } {
  const v = r.get(p);
  if (v === undefined || v === null) return {};
  if (typeof v === 'string') {
    try {
      JSON.parse(v);
    } catch {
      r.fail(p, 'must be a policy document (a mapping, or its JSON text)');
    }
    return { policy: v };
  }
  r.map(p);
  return { policy: JSON.stringify(v) };
}

function tags(r: Reader, p: Path): Tag[] {
  const v = r.get(p);
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) {
    return v.map((_, i) => {
      r.map([...p, i], ['TagKey', 'TagValue']);
      return { TagKey: r.string([...p, i, 'TagKey'], { required: true })!, TagValue: r.string([...p, i, 'TagValue']) ?? '' };
    });
  }
  return Object.keys(r.map(p)).map((k) => ({ TagKey: k, TagValue: r.string([...p, k]) ?? '' }));
}

function grant(r: Reader, p: Path): SeedGrant {
  r.map(p, ['Name', 'GranteePrincipal', 'RetiringPrincipal', 'Operations', 'Constraints']);
  const principal = (q: Path, required: boolean) => r.string(q, { required, pattern: PRINCIPAL, what: 'an IAM principal ARN or an AWS service principal' });
  const operations = r.list([...p, 'Operations']).map((_, i) => r.oneOf([...p, 'Operations', i], GRANT_OPERATIONS)!);
  if (operations.length === 0) r.fail([...p, 'Operations'], 'list at least one operation');
  let constraints: GrantConstraints | undefined;
  if (r.get([...p, 'Constraints']) !== undefined) {
    const c = r.map([...p, 'Constraints'], ['EncryptionContextEquals', 'EncryptionContextSubset']);
    const ctx = (k: string) => Object.fromEntries(Object.keys(r.map([...p, 'Constraints', k])).map((n) => [n, r.string([...p, 'Constraints', k, n], { required: true })!]));
    constraints = {
      ...(c.EncryptionContextEquals !== undefined ? { EncryptionContextEquals: ctx('EncryptionContextEquals') } : {}),
      ...(c.EncryptionContextSubset !== undefined ? { EncryptionContextSubset: ctx('EncryptionContextSubset') } : {}),
    };
  }
  const name = r.string([...p, 'Name'], { pattern: /^[a-zA-Z0-9:/_-]{1,256}$/, what: 'a grant name (1-256 of a-z A-Z 0-9 : / _ -)' });
  const retiring = principal([...p, 'RetiringPrincipal'], false);
  return {
    granteePrincipal: principal([...p, 'GranteePrincipal'], true)!,
    operations,
    ...(name !== undefined ? { name } : {}),
    ...(retiring !== undefined ? { retiringPrincipal: retiring } : {}),
    ...(constraints ? { constraints } : {}),
  };
}

// ---------------------------------------------------------------- both

function aliases(r: Reader): SeedAlias[] {
  return r.list(['Aliases']).map((_, i) => {
    const p = ['Aliases', i];
    r.map(p, ['AliasName', 'TargetKeyId']);
    const aliasName = r.string([...p, 'AliasName'], { required: true, pattern: ALIAS_NAME, what: 'an alias name (alias/ followed by a-z A-Z 0-9 : / _ -)' })!;
    if (aliasName.startsWith('alias/aws/')) r.fail([...p, 'AliasName'], 'alias/aws/ names are reserved for AWS managed keys');
    if (aliasName.length > 256) r.fail([...p, 'AliasName'], 'must be at most 256 characters');
    return { aliasName, targetKeyId: r.keyId([...p, 'TargetKeyId']), where: r.where(p) };
  });
}

function checkUnique(plan: SeedPlan, fail: (p: Path, msg: string) => never): void {
  const seen = new Map<string, string>();
  for (const k of plan.keys) {
    const first = seen.get(k.keyId);
    if (first) throw new SeedFileError(`${k.where}: key ${k.keyId} is declared twice (first at ${first})`);
    seen.set(k.keyId, k.where);
  }
  const names = new Map<string, string>();
  for (const a of plan.aliases) {
    const first = names.get(a.aliasName);
    if (first) throw new SeedFileError(`${a.where}: alias ${a.aliasName} is declared twice (first at ${first})`);
    names.set(a.aliasName, a.where);
  }
  void fail;
}

/** Reads and parses the seed file; a file that cannot be read is a SeedFileError too. */
export function loadSeedFile(path: string): SeedPlan {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SeedFileError(`${path}: cannot read: ${(e as Error).message}`);
  }
  return parseSeedFile(text, path);
}
