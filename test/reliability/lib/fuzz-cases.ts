/**
 * What the wire fuzzer sends. Every case is one request (or one raw byte stream), generated with
 * fast-check from a seed, in one of two groups:
 *
 * - invalid by construction (random bytes, truncated, huge and deep bodies, a wrong JSON type in
 *   each field of each operation — nested ones too —, each required field missing, invalid
 *   base64, bad or missing signatures, odd targets, methods and paths, broken HTTP): must be an
 *   AWS-shaped 4xx and must change nothing;
 * - mutations of valid requests (random JSON, unicode edge cases, duplicated keys, edge numbers,
 *   fields dropped or replaced): may succeed; must never be a 5xx.
 *
 * The field lists come from the operations' own input specs, so an operation added later is
 * fuzzed without touching this file.
 */
import fc from 'fast-check';
import { OPERATIONS } from '../../../src/operations/index.ts';
import type { Spec } from '../../../src/shared/validate.ts';

export interface Fixtures {
  account: string;
  rootArn: string;
  sym: string;
  symArn: string;
  symAlias: string;
  /** Keys and aliases the destructive operations' seeds aim at (never the ones other seeds use). */
  victim: string;
  victimAlias: string;
  rsa: string;
  ecc: string;
  hmac: string;
  ecdh: string;
  external: string;
  ciphertext: string;
  context: Record<string, string>;
  signature: string;
  mac: string;
  publicKey: string;
  grantToken: string;
  grantId: string;
}

export interface SignedCase {
  kind: 'signed';
  family: string;
  op: string;
  /** Exactly the bytes sent (and signed). */
  body: Buffer;
  /** Sent instead of the real target (signed with it), for odd targets. */
  target?: string;
  invalid: boolean;
}

export interface HttpCase {
  kind: 'http';
  family: string;
  method: string;
  path: string;
  /** Signed over `signBody` for `signTarget`, then these headers override or are removed (value null). */
  sign?: { target: string };
  headers: Record<string, string | null>;
  body: Buffer;
  /** The body the signature covers, when not `body`. */
  signBody?: Buffer;
  /** Sent with Transfer-Encoding: chunked instead of Content-Length. */
  chunked?: boolean;
  invalid: true;
}

export interface RawCase {
  kind: 'raw';
  family: string;
  bytes: Buffer;
  invalid: true;
}

export type FuzzCase = SignedCase | HttpCase | RawCase;

export const OP_NAMES = Object.keys(OPERATIONS).sort();
const specOf = (op: string): Record<string, Spec> => (OPERATIONS as Record<string, { input?: Readonly<Record<string, Spec>> }>)[op]?.input ?? {};
const hasRequired = (op: string) => Object.values(specOf(op)).some((s) => s.required);
/** Operations that fail without their required members: a body missing them can change nothing. */
export const OPS_WITH_REQUIRED = OP_NAMES.filter(hasRequired);

const b64 = (s: string) => Buffer.from(s).toString('base64');

function defaultPolicy(f: Fixtures): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: 'fuzz',
    Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: f.rootArn }, Action: 'kms:*', Resource: '*' }],
  });
}

/** A valid request for each operation Trent had when this was written. */
export function seedInputs(f: Fixtures): Record<string, Record<string, unknown>> {
  const msg = b64('fuzz message');
  return {
    CancelKeyDeletion: { KeyId: f.victim },
    CreateAlias: { AliasName: 'alias/fuzz-created', TargetKeyId: f.sym },
    CreateGrant: { KeyId: f.sym, GranteePrincipal: f.rootArn, Operations: ['Decrypt', 'Encrypt'], Constraints: { EncryptionContextSubset: f.context }, Name: 'fuzz' },
    CreateKey: { Description: 'fuzz', KeyUsage: 'ENCRYPT_DECRYPT', KeySpec: 'SYMMETRIC_DEFAULT', Tags: [{ TagKey: 'fuzz', TagValue: 'yes' }] },
    Decrypt: { CiphertextBlob: f.ciphertext, EncryptionContext: f.context, KeyId: f.sym },
    DeleteAlias: { AliasName: f.victimAlias },
    DescribeKey: { KeyId: f.symAlias },
    DisableKey: { KeyId: f.victim },
    DisableKeyRotation: { KeyId: f.sym },
    EnableKey: { KeyId: f.victim },
    EnableKeyRotation: { KeyId: f.sym, RotationPeriodInDays: 365 },
    Encrypt: { KeyId: f.sym, Plaintext: b64('fuzz plaintext'), EncryptionContext: f.context },
    GenerateDataKey: { KeyId: f.symArn, KeySpec: 'AES_256', EncryptionContext: f.context },
    GenerateDataKeyWithoutPlaintext: { KeyId: f.sym, NumberOfBytes: 32 },
    GenerateRandom: { NumberOfBytes: 32 },
    GetKeyPolicy: { KeyId: f.sym, PolicyName: 'default' },
    GetKeyRotationStatus: { KeyId: f.sym },
    ListAliases: { Limit: 10 },
    ListGrants: { KeyId: f.sym, Limit: 10 },
    ListRetirableGrants: { RetiringPrincipal: f.rootArn },
    RetireGrant: { GrantToken: f.grantToken },
    RevokeGrant: { KeyId: f.sym, GrantId: f.grantId },
    ListKeyPolicies: { KeyId: f.sym },
    ListKeyRotations: { KeyId: f.sym },
    ListKeys: { Limit: 5 },
    ListResourceTags: { KeyId: f.sym },
    PutKeyPolicy: { KeyId: f.victim, PolicyName: 'default', Policy: defaultPolicy(f) },
    ReEncrypt: { CiphertextBlob: f.ciphertext, SourceEncryptionContext: f.context, DestinationKeyId: f.sym, DestinationEncryptionContext: { other: 'context' } },
    RotateKeyOnDemand: { KeyId: f.victim },
    ScheduleKeyDeletion: { KeyId: f.victim, PendingWindowInDays: 7 },
    TagResource: { KeyId: f.sym, Tags: [{ TagKey: 'k', TagValue: 'v' }] },
    UntagResource: { KeyId: f.sym, TagKeys: ['k'] },
    UpdateAlias: { AliasName: f.symAlias, TargetKeyId: f.sym },
    UpdateKeyDescription: { KeyId: f.sym, Description: 'fuzz' },
    DeriveSharedSecret: { KeyId: f.ecdh, KeyAgreementAlgorithm: 'ECDH', PublicKey: f.publicKey },
    GenerateDataKeyPair: { KeyId: f.sym, KeyPairSpec: 'ECC_NIST_P256', EncryptionContext: f.context },
    GenerateDataKeyPairWithoutPlaintext: { KeyId: f.sym, KeyPairSpec: 'ECC_NIST_P256' },
    GenerateMac: { KeyId: f.hmac, Message: msg, MacAlgorithm: 'HMAC_SHA_256' },
    VerifyMac: { KeyId: f.hmac, Message: msg, MacAlgorithm: 'HMAC_SHA_256', Mac: f.mac },
    GetPublicKey: { KeyId: f.ecc },
    Sign: { KeyId: f.ecc, Message: msg, SigningAlgorithm: 'ECDSA_SHA_256' },
    Verify: { KeyId: f.ecc, Message: msg, SigningAlgorithm: 'ECDSA_SHA_256', Signature: f.signature },
    GetParametersForImport: { KeyId: f.external, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' },
    DeleteImportedKeyMaterial: { KeyId: f.external },
  };
}

/** A plausible value for a spec (used for operations without a seed, and around a broken field). */
export function plausible(spec: Spec, name: string, f: Fixtures): unknown {
  switch (spec.t) {
    case 'string':
      if (spec.enum) return spec.enum[0];
      if (/KeyId$/.test(name)) return f.sym;
      if (/Principal$/.test(name)) return f.rootArn;
      if (name === 'AliasName') return 'alias/fuzz-plausible';
      if (name === 'GrantToken') return f.grantToken;
      return 'x'.repeat(Math.max(1, spec.min ?? 1));
    case 'int':
      return spec.min ?? 1;
    case 'bool':
      return false;
    case 'timestamp':
      return 1_900_000_000;
    case 'blob':
      return b64('x'.repeat(Math.max(1, spec.min ?? 1)));
    case 'map':
      return { a: 'b' };
    case 'list':
      return [plausible(spec.of, name, f)];
    case 'struct':
      return Object.fromEntries(Object.entries(spec.fields).map(([k, s]) => [k, plausible(s, k, f)]));
  }
}

export function seedFor(op: string, f: Fixtures, seeds: Record<string, Record<string, unknown>>): Record<string, unknown> {
  const s = seeds[op];
  if (s) return structuredClone(s);
  return Object.fromEntries(Object.entries(specOf(op)).filter(([, sp]) => sp.required).map(([k, sp]) => [k, plausible(sp, k, f)]));
}

/** JSON values of the wrong type for a spec: each must be refused with a SerializationException. */
function wrongTypes(spec: Spec): unknown[] {
  const obj = { a: 'b' };
  switch (spec.t) {
    case 'string':
      return [1, 0, -1.5, true, false, [], ['x'], obj];
    case 'int':
      return ['1', '', 1.5, -0.5, 2 ** 53, 1e300, true, [], [1], obj];
    case 'bool':
      return ['true', 'false', 0, 1, [], obj];
    case 'timestamp':
      return ['2030-01-01', true, [], obj];
    case 'blob':
      return [1, true, [], ['YQ=='], obj];
    case 'map':
      return ['x', 1, true, [], [['a', 'b']], { a: 1 }, { a: null }, { a: ['b'] }, { a: { b: 'c' } }, { a: true }];
    case 'list':
      return ['x', 1, true, obj, [null]];
    case 'struct':
      return ['x', 1, true, [], [obj]];
  }
}

/** Each field of an operation, nested ones too, as a path and its spec. */
export function fieldPaths(fields: Record<string, Spec>, prefix: (string | number)[] = []): { path: (string | number)[]; spec: Spec }[] {
  const out: { path: (string | number)[]; spec: Spec }[] = [];
  for (const [name, spec] of Object.entries(fields)) {
    const path = [...prefix, name];
    out.push({ path, spec });
    if (spec.t === 'struct') out.push(...fieldPaths(spec.fields, path));
    if (spec.t === 'list') {
      out.push({ path: [...path, 0], spec: spec.of });
      if (spec.of.t === 'struct') out.push(...fieldPaths(spec.of.fields, [...path, 0]));
    }
  }
  return out;
}

/** Sets `value` at `path` in `obj`, building plausible containers on the way. */
function setPath(obj: Record<string, unknown>, path: (string | number)[], value: unknown, fields: Record<string, Spec>, f: Fixtures): void {
  let cur: Record<string | number, unknown> = obj;
  let specs: Record<string, Spec> | undefined = fields;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i]!;
    const spec: Spec | undefined = typeof k === 'string' ? specs?.[k] : undefined;
    if (cur[k] === undefined || typeof cur[k] !== 'object' || cur[k] === null) {
      cur[k] = typeof path[i + 1] === 'number' ? [] : spec ? (plausible(spec, String(k), f) as object) : {};
      if (Array.isArray(cur[k]) && typeof path[i + 1] === 'number' && spec?.t === 'list') (cur[k] as unknown[])[0] = plausible(spec.of, String(k), f);
    }
    specs = spec?.t === 'struct' ? spec.fields : spec?.t === 'list' && spec.of.t === 'struct' ? spec.of.fields : typeof k === 'number' ? specs : undefined;
    cur = cur[k] as Record<string | number, unknown>;
  }
  cur[path[path.length - 1]!] = value;
}

const INVALID_BASE64 = ['***', 'YQ', 'YQ=', 'Y', '=', '====', 'YQ==YQ==', 'Y Q==', 'YQ==\n', '-_-_', 'YQ%3D%3D', 'Zm9v\u0000', 'Zm9v!', '😀😀😀😀', 'YQ=a'];

/** The invalid-by-construction cases that need no randomness: every field of every operation. */
export function systematicCases(f: Fixtures): SignedCase[] {
  const seeds = seedInputs(f);
  const out: SignedCase[] = [];
  const signed = (family: string, op: string, input: unknown): SignedCase => ({ kind: 'signed', family, op, body: Buffer.from(JSON.stringify(input)), invalid: true });
  for (const op of OP_NAMES) {
    const fields = specOf(op);
    for (const { path, spec } of fieldPaths(fields)) {
      for (const wrong of wrongTypes(spec)) {
        const input = seedFor(op, f, seeds);
        setPath(input, path, wrong, fields, f);
        out.push(signed('wrong-type', op, input));
      }
      if (spec.t === 'blob') {
        for (const bad of INVALID_BASE64) {
          const input = seedFor(op, f, seeds);
          setPath(input, path, bad, fields, f);
          out.push(signed('invalid-base64', op, input));
        }
      }
    }
    for (const [name, spec] of Object.entries(fields)) {
      if (!spec.required) continue;
      const input = seedFor(op, f, seeds);
      delete input[name];
      out.push(signed('missing-field', op, input));
      out.push(signed('missing-field', op, { ...seedFor(op, f, seeds), [name]: null }));
    }
    if (hasRequired(op)) out.push(signed('missing-field', op, {}));
  }
  return out;
}

// ------------------------------------------------------------------ random families (fast-check)

const UNICODE_EDGES = [
  '\u0000', '\ud800', '\udfff', '\ud83d', '\ufeff', '\u202e', '\u2028', '\u2029', 'e\u0301', '😀', '\uffff', '\ufffd', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', 'Ω≈ç√',
  '日本語', 'ℌ', '\u00ff', '\u0100', '\u007f', '\t\n\r', '../../etc/passwd', "'; DROP TABLE keys; --", '__proto__', 'constructor', 'toString',
  '{"a":1}', '%00', '\\u0000', 'alias/\u0000', 'alias/aws/x', 'arn:aws:kms:us-east-1:111122223333:key/', 'a'.repeat(300), '€'.repeat(3000),
];
const EDGE_NUMBERS = [0, -0, -1, 1, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 2 ** 32, 2 ** 53 + 1, 1e308, -1e308, 1.5, 1e-7, 7, 30, 365, 1024, 1025, 4096, 4097];

const unicodeString = fc.oneof(
  fc.constantFrom(...UNICODE_EDGES),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.tuple(fc.constantFrom(...UNICODE_EDGES), fc.string({ maxLength: 10 })).map(([a, b]) => a + b),
);
const anyJson = fc.oneof(fc.jsonValue({ maxDepth: 3 }), unicodeString, fc.constantFrom(...EDGE_NUMBERS));

type Mutation =
  | { k: 'set'; field: string; value: unknown }
  | { k: 'drop'; field: string }
  | { k: 'add'; field: string; value: unknown }
  | { k: 'dup'; field: string; value: unknown };

/** Mutations of a valid request: may be valid, must never be a 5xx. */
export function mutationArb(f: Fixtures): fc.Arbitrary<SignedCase> {
  const seeds = seedInputs(f);
  return fc.constantFrom(...OP_NAMES).chain((op) => {
    const names = Object.keys(specOf(op));
    const field = names.length ? fc.constantFrom(...names) : fc.constant('Unknown');
    const mutation: fc.Arbitrary<Mutation> = fc.oneof(
      fc.record({ k: fc.constant('set' as const), field, value: anyJson }),
      fc.record({ k: fc.constant('set' as const), field, value: unicodeString }),
      fc.record({ k: fc.constant('set' as const), field, value: fc.constantFrom(...EDGE_NUMBERS) }),
      fc.record({ k: fc.constant('drop' as const), field }),
      fc.record({ k: fc.constant('add' as const), field: unicodeString, value: anyJson }),
      fc.record({ k: fc.constant('dup' as const), field, value: anyJson }),
    );
    return fc.array(mutation, { minLength: 1, maxLength: 3 }).map((ms): SignedCase => {
      const input = seedFor(op, f, seeds);
      const dups: string[] = [];
      for (const m of ms) {
        if (m.k === 'drop') delete input[m.field];
        else if (m.k === 'dup') dups.push(`${JSON.stringify(m.field)}:${JSON.stringify(m.value) ?? 'null'}`);
        else input[m.field] = m.value;
      }
      let text = JSON.stringify(input);
      // Duplicated keys: the same member twice in the text (the last one wins in JSON.parse).
      if (dups.length) text = text === '{}' ? `{${dups.join(',')}}` : `${text.slice(0, -1)},${dups.join(',')}}`;
      return { kind: 'signed', family: 'mutation', op, body: Buffer.from(text), invalid: false };
    });
  });
}

/** Random JSON bodies and raw invalid UTF-8 for any operation: may be valid, never a 5xx. */
export function randomJsonArb(): fc.Arbitrary<SignedCase> {
  return fc.tuple(fc.constantFrom(...OP_NAMES), fc.oneof(fc.json({ maxDepth: 4 }).map((s) => Buffer.from(s)), fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.concat([Buffer.from('{"Description":"'), Buffer.from(b).map((x) => (x === 0x22 || x === 0x5c ? 0x41 : x)), Buffer.from('"}')]))))
    .map(([op, body]) => ({ kind: 'signed', family: 'random-json', op, body, invalid: false }));
}

/** True when the bytes are a JSON object: such a body may be a valid request. */
function isJsonObject(b: Buffer): boolean {
  try {
    const v: unknown = JSON.parse(b.toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

/** Invalid bodies for operations with required members: random bytes, truncations, depth, size. */
export function invalidBodyArb(f: Fixtures): fc.Arbitrary<SignedCase> {
  const seeds = seedInputs(f);
  const op = fc.constantFrom(...OPS_WITH_REQUIRED);
  const randomBytes = fc.tuple(op, fc.uint8Array({ minLength: 1, maxLength: 2048 })).map(([o, b]) => ({ o, body: Buffer.from(b), family: 'random-bytes' }));
  const truncated = fc.tuple(op, fc.double({ min: 0, max: 0.999, noNaN: true })).map(([o, r]) => {
    const full = Buffer.from(JSON.stringify(seedFor(o, f, seeds)));
    return { o, body: full.subarray(0, Math.max(1, Math.floor(full.length * r))), family: 'truncated' };
  });
  const deep = fc.tuple(op, fc.integer({ min: 1_000, max: 300_000 }), fc.constantFrom('array', 'object', 'in-field', 'unbalanced')).map(([o, depth, shape]) => {
    const body =
      shape === 'array' ? '['.repeat(depth) + ']'.repeat(depth)
      : shape === 'object' ? '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
      : shape === 'in-field' ? `{"KeyId":${'['.repeat(depth)}${']'.repeat(depth)}}`
      : '{"a":['.repeat(depth);
    return { o, body: Buffer.from(body), family: 'deep-json' };
  });
  // Large but under the body limit, and missing the operation's required members.
  const huge = fc.tuple(op, fc.integer({ min: 9_000, max: 1_000_000 })).map(([o, n]) => ({
    o,
    body: Buffer.from(JSON.stringify({ Description: 'd'.repeat(n), Tags: [{ TagKey: 'k'.repeat(Math.min(n, 500_000)), TagValue: 'v' }] })),
    family: 'huge-body',
  }));
  return fc.oneof(randomBytes, truncated, deep, huge)
    .filter((c) => !isJsonObject(c.body) || c.family !== 'random-bytes')
    .map((c): SignedCase => ({ kind: 'signed', family: c.family, op: c.o, body: c.body, invalid: true }));
}

const TARGETS = ['', 'TrentService.', 'TrentService.__proto__', 'TrentService.constructor', 'TrentService.hasOwnProperty', 'TrentService.toString', 'trentservice.ListKeys', 'TrentService.ListKeys ', 'AWSKMS.ListKeys', 'TrentService.ListKeys.ListKeys'];

/** Invalid at the HTTP level: signatures, targets, methods, paths, content types, sizes. */
export function invalidHttpArb(f: Fixtures): fc.Arbitrary<HttpCase> {
  const seeds = seedInputs(f);
  const op = fc.constantFrom(...OPS_WITH_REQUIRED);
  const base = (family: string, o: Partial<HttpCase>): HttpCase => ({ kind: 'http', family, method: 'POST', path: '/', headers: {}, body: Buffer.from('{}'), invalid: true, ...o });
  const target = (o: string) => `TrentService.${o}`;
  const bodyOf = (o: string) => Buffer.from(JSON.stringify(seedFor(o, f, seeds)));
  return fc.oneof(
    op.map((o) => base('unsigned', { headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target(o) }, body: bodyOf(o) })),
    fc.tuple(op, fc.string({ unit: 'grapheme-ascii', maxLength: 300 })).map(([o, auth]) => base('bad-authorization', { headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target(o), authorization: auth, 'x-amz-date': '20300101T000000Z' }, body: bodyOf(o) })),
    fc.tuple(op, fc.constantFrom('x-amz-date', 'x-amz-target', 'host', 'content-type', 'authorization'), fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 40 })).map(([o, h, v]) =>
      base('tampered-after-signing', { sign: { target: target(o) }, headers: { [h]: v }, body: bodyOf(o) }),
    ),
    fc.tuple(op, fc.constantFrom('x-amz-date', 'authorization', 'x-amz-target')).map(([o, h]) => base('header-removed', { sign: { target: target(o) }, headers: { [h]: null }, body: bodyOf(o) })),
    fc.tuple(op, fc.integer({ min: 1, max: 30 })).map(([o, n]) => base('body-changed-after-signing', { sign: { target: target(o) }, headers: {}, signBody: bodyOf(o), body: Buffer.concat([bodyOf(o), Buffer.from(' '.repeat(n))]) })),
    fc.oneof(fc.constantFrom(...TARGETS), fc.string({ unit: 'grapheme-ascii', maxLength: 60 }), fc.integer({ min: 1000, max: 12_000 }).map((n) => `TrentService.${'A'.repeat(n)}`)).map((t) =>
      base('odd-target', { sign: { target: t }, headers: {}, body: Buffer.from('{}') }),
    ),
    fc.tuple(op, fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD')).map(([o, m]) => base('method', { method: m, sign: { target: target(o) }, headers: {}, body: m === 'GET' || m === 'HEAD' ? Buffer.alloc(0) : bodyOf(o) })),
    fc.tuple(op, fc.constantFrom('/x', '/?Action=ListKeys', '/%2e%2e/x', '/' + 'p'.repeat(4000))).map(([o, p]) => base('path', { path: p, sign: { target: target(o) }, headers: {}, body: bodyOf(o) })),
    fc.tuple(op, fc.integer({ min: 1024 * 1024 + 1, max: 3 * 1024 * 1024 }), fc.boolean()).map(([o, n, chunked]) =>
      base('huge-body', { sign: { target: target(o) }, headers: {}, body: Buffer.alloc(n, 0x20), chunked }),
    ),
    fc.tuple(op, fc.integer({ min: 2_000, max: 7_000 })).map(([o, n]) => base('long-header', { sign: { target: target(o) }, headers: { 'x-long': 'L'.repeat(n), 'user-agent': 'U'.repeat(n) }, body: Buffer.from('{}') })),
  );
}

const CRLF = '\r\n';

/** Broken HTTP on a raw socket: the server answers an AWS-shaped 4xx or closes; it never hangs. */
export function rawArb(): fc.Arbitrary<RawCase> {
  const req = (head: string, body = '') => Buffer.from(head + CRLF + CRLF + body, 'latin1');
  return fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 4096 }).map((b) => ({ family: 'raw-bytes', bytes: Buffer.from(b) })),
    fc.integer({ min: 17_000, max: 80_000 }).map((n) => ({ family: 'header-overflow', bytes: req(`POST / HTTP/1.1${CRLF}Host: x${CRLF}X-Big: ${'b'.repeat(n)}`) })),
    fc.integer({ min: 201, max: 2000 }).map((n) => ({ family: 'many-headers', bytes: req(`POST / HTTP/1.1${CRLF}Host: x${CRLF}Content-Length: 2${CRLF}${Array.from({ length: n }, (_, i) => `X-H${i}: v`).join(CRLF)}`, '{}') })),
    fc.constantFrom(
      req(`POST / HTTP/1.1${CRLF}Host: x${CRLF}Content-Length: 2${CRLF}Transfer-Encoding: chunked`, '{}'),
      req(`POST / HTTP/1.1${CRLF}Host: x${CRLF}Content-Length: -1`),
      req(`POST / HTTP/1.1${CRLF}Host: x${CRLF}Content-Length: abc`),
      req(`POST / HTTP/1.1${CRLF}Host: x${CRLF}Content-Length: 2${CRLF}Content-Length: 3`, '{}'),
      req(`POST / HTTP/1.1${CRLF}Host: x${CRLF}Content-Length: 99999999999999999999`),
      req(`POST / HTTP/1.1${CRLF}Host: x${CRLF}Content-Length: 2000000`, 'x'.repeat(1000)),
      req(`POST / HTTP/1.1${CRLF}Host: x${CRLF}Transfer-Encoding: chunked`, `ZZZ${CRLF}x${CRLF}0${CRLF}${CRLF}`),
      req(`POST / HTTP/1.1${CRLF}Host: x${CRLF}Transfer-Encoding: gzip, chunked`, `0${CRLF}${CRLF}`),
      req(`POST / HTTP/1.1${CRLF}Host: x${CRLF}X-Nul: a\u0000b`),
      req(`POST / HTTP/1.1${CRLF}Host: x${CRLF} folded: header`),
      req(`POST${CRLF}Host: x`),
      req(`POST / HTTP/9.9${CRLF}Host: x`),
      req(`POST / HTTP/1.0${CRLF}Content-Length: 2`, '{}'),
      Buffer.from(`PRI * HTTP/2.0${CRLF}${CRLF}SM${CRLF}${CRLF}`),
      Buffer.from(`\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000\u00a1\u0003\u0003`, 'latin1'),
      Buffer.concat([req(`POST / HTTP/1.1${CRLF}Host: x${CRLF}Content-Length: 2`, '{}'), req(`BREW / HTCPCP/1.0${CRLF}Host: x`)]),
    ).map((bytes) => ({ family: 'broken-http', bytes })),
  ).map((c): RawCase => ({ kind: 'raw', family: c.family, bytes: c.bytes, invalid: true }));
}
