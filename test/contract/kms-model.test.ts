/**
 * AWS's KMS API model as the contract for Trent's input specs.
 *
 * Reads the model botocore ships (`data/kms/<version>/service-2.json`, or `.json.gz`) at test time
 * from the installed Python package — never a copy in this repository — and checks every
 * operation in the dispatch table against it: member names, types, enums, length and range
 * bounds, patterns and required members, down through nested structures and lists. Where Trent
 * differs on purpose, KNOWN_DIFFERENCES names the difference and why; a listed difference that
 * no longer occurs fails too, so the list cannot go stale.
 *
 * Without botocore the test is skipped with a message; with CI=true that is a failure (CI
 * installs python3-boto3).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { OPERATIONS } from '../../src/operations/index.ts';
import type { Spec } from '../../src/shared/validate.ts';

interface Shape {
  type: string;
  members?: Record<string, { shape: string }>;
  required?: string[];
  member?: { shape: string };
  key?: { shape: string };
  value?: { shape: string };
  enum?: string[];
  min?: number;
  max?: number;
  pattern?: string;
}
interface Model {
  operations: Record<string, { input?: { shape: string }; errors?: { shape: string }[] }>;
  shapes: Record<string, Shape>;
}

/** The newest KMS model of the installed botocore, or why there is none. */
function loadModel(): Model | string {
  let dir: string;
  try {
    dir = execFileSync('python3', ['-c', 'import botocore, os; print(os.path.dirname(botocore.__file__))'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (e) {
    return `python3 with botocore is not installed (python3 -c "import botocore" failed: ${(e as Error).message.split('\n')[0]})`;
  }
  const kms = join(dir, 'data', 'kms');
  if (!existsSync(kms)) return `botocore at ${dir} has no data/kms`;
  const versions = readdirSync(kms).filter((v) => /^\d{4}-\d{2}-\d{2}$/.test(v)).sort();
  const latest = versions.at(-1);
  if (latest === undefined) return `no API version under ${kms}`;
  const plain = join(kms, latest, 'service-2.json');
  if (existsSync(plain)) return JSON.parse(readFileSync(plain, 'utf8')) as Model;
  if (existsSync(`${plain}.gz`)) return JSON.parse(gunzipSync(readFileSync(`${plain}.gz`)).toString('utf8')) as Model;
  return `no service-2.json(.gz) under ${join(kms, latest)}`;
}

/**
 * Where Trent's input specs knowingly differ from the model, keyed `Operation.path.to.member
 * aspect`, each with the reason. Empty today: every spec is the model's.
 *
 * Rules AWS enforces beyond its model are checked after decoding, so the specs keep the model's
 * bounds and the rule sits where it is enforced (each has an end-to-end test):
 * - ScheduleKeyDeletion PendingWindowInDays: the model allows 1–365, AWS takes 7–30
 *   (domain/lifecycle.ts);
 * - CreateAlias AliasName: the model's pattern allows ':', AWS refuses it with
 *   "<name> contains invalid characters for an alias" (operations/create-alias.ts);
 * - Recipient (Decrypt, DeriveSharedSecret, GenerateDataKey, GenerateDataKeyPair, GenerateRandom) is decoded with
 *   the model's shape and then refused (UnsupportedOperationException: Trent verifies no
 *   attestation document); CustomKeyStoreId (CreateKey, GenerateRandom) and XksKeyId (CreateKey) likewise
 *   (CustomKeyStoreNotFoundException / UnsupportedOperationException: Trent has no custom key
 *   stores) — accepted as members, never silently ignored.
 */
const KNOWN_DIFFERENCES: Record<string, string> = {};

const TYPES: Record<string, Spec['t']> = { string: 'string', integer: 'int', long: 'int', boolean: 'bool', blob: 'blob', map: 'map', list: 'list', structure: 'struct', timestamp: 'timestamp' };

function compare(model: Model, op: string, fields: Readonly<Record<string, Spec>>, shapeName: string, prefix: string, out: Map<string, string>): void {
  const shape = model.shapes[shapeName]!;
  const members = shape.members ?? {};
  const required = new Set(shape.required ?? []);
  for (const name of Object.keys(fields)) {
    if (!(name in members)) out.set(`${op}.${prefix}${name} member`, 'Trent accepts a member the model lacks');
  }
  for (const [name, ref] of Object.entries(members)) {
    const key = `${op}.${prefix}${name}`;
    const spec = fields[name];
    if (spec === undefined) {
      out.set(`${key} member`, 'the model has a member Trent does not accept');
      continue;
    }
    if (Boolean(spec.required) !== required.has(name)) out.set(`${key} required`, `model ${required.has(name)}, Trent ${Boolean(spec.required)}`);
    compareShape(model, op, spec, ref.shape, key, out);
  }
}

function compareShape(model: Model, op: string, spec: Spec, shapeName: string, key: string, out: Map<string, string>): void {
  const shape = model.shapes[shapeName]!;
  const want = TYPES[shape.type];
  if (want !== spec.t) {
    out.set(`${key} type`, `model ${shape.type}, Trent ${spec.t}`);
    return;
  }
  const bound = (aspect: 'min' | 'max', trent: number | undefined) => {
    // A string of min 0 is the same as no min.
    const m = shape[aspect] ?? (aspect === 'min' && (spec.t === 'string' || spec.t === 'list') ? 0 : undefined);
    const t = trent ?? (aspect === 'min' && (spec.t === 'string' || spec.t === 'list') ? 0 : undefined);
    if (m !== t) out.set(`${key} ${aspect}`, `model ${m}, Trent ${t}`);
  };
  switch (spec.t) {
    case 'string': {
      bound('min', spec.min);
      bound('max', spec.max);
      if (shape.pattern !== spec.pattern) out.set(`${key} pattern`, `model ${shape.pattern}, Trent ${spec.pattern}`);
      const m = [...(shape.enum ?? [])].sort().join(',');
      const t = [...(spec.enum ?? [])].sort().join(',');
      if (m !== t) out.set(`${key} enum`, `model [${m}], Trent [${t}]`);
      return;
    }
    case 'int':
    case 'blob':
      bound('min', spec.min);
      bound('max', spec.max);
      return;
    case 'list':
      bound('min', spec.min);
      bound('max', spec.max);
      compareShape(model, op, spec.of, shape.member!.shape, `${key}[]`, out);
      return;
    case 'map': {
      // Trent's maps take string keys and values; the model's key and value shapes must add nothing.
      for (const part of ['key', 'value'] as const) {
        const s = model.shapes[shape[part]!.shape]!;
        if (s.type !== 'string' || s.min !== undefined || s.max !== undefined || s.pattern !== undefined || s.enum !== undefined) out.set(`${key} ${part}`, `model's map ${part} is constrained: ${JSON.stringify(s)}`);
      }
      return;
    }
    case 'struct':
      compare(model, op, spec.fields, shapeName, `${key.slice(op.length + 1)}.`, out);
      return;
    case 'bool':
    case 'timestamp':
      return;
  }
}

const loaded = loadModel();
const skip = typeof loaded === 'string' && process.env.CI !== 'true' ? `KMS model unavailable: ${loaded}` : false;

test('every operation Trent serves matches AWS KMS model (botocore), apart from the listed differences', { skip }, () => {
  if (typeof loaded === 'string') assert.fail(`KMS model unavailable with CI=true: ${loaded}`);
  const model = loaded;
  const found = new Map<string, string>();
  for (const [name, op] of Object.entries(OPERATIONS)) {
    const mop = model.operations[name];
    assert.ok(mop, `${name} is not an operation of the KMS model`);
    compare(model, name, op.input ?? {}, mop.input!.shape, '', found);
  }
  const unexplained = [...found].filter(([k]) => !(k in KNOWN_DIFFERENCES)).map(([k, v]) => `${k}: ${v}`);
  const stale = Object.keys(KNOWN_DIFFERENCES).filter((k) => !found.has(k));
  assert.deepEqual(unexplained, [], `differences from the KMS model nobody explained:\n${unexplained.join('\n')}`);
  assert.deepEqual(stale, [], `listed differences that no longer occur:\n${stale.join('\n')}`);
});

/**
 * Errors that AWS's services answer outside any one model (the common errors of the AWS APIs, and
 * the JSON 1.1 protocol's own), so the KMS model does not list them.
 */
const COMMON_ERRORS: Record<string, string> = {
  AccessDeniedException: 'common error: IAM denied the request',
  IncompleteSignatureException: 'common error: the signature does not conform to AWS standards',
  InvalidSignatureException: 'common error (SigV4): the signature does not match',
  MissingAuthenticationTokenException: 'common error: no access key or signature',
  UnrecognizedClientException: 'common error: unknown access key or security token',
  ExpiredTokenException: 'common error: the security token expired',
  ThrottlingException: 'common error: request rate exceeded',
  ValidationException: 'common error: input fails the model constraints',
  SerializationException: 'JSON 1.1 protocol: a value of the wrong JSON type',
  UnknownOperationException: 'JSON 1.1 protocol: an X-Amz-Target naming no operation',
  RequestEntityTooLargeException: 'common error (API front end): a body past the size bound',
};

/**
 * The per-operation check (each error an operation can throw is in that operation's `errors` in
 * the model) would need a static analysis of every throw in domain/ — fragile — so this checks
 * the family as a whole: every code Trent can put in `__type` is one the model or AWS's common
 * errors define, spelled as they spell it.
 */
test("every KmsError code is an exception of AWS's KMS model or one of AWS's common errors", { skip }, async () => {
  if (typeof loaded === 'string') assert.fail(`KMS model unavailable with CI=true: ${loaded}`);
  const model = loaded;
  const errors = await import('../../src/shared/errors.ts');
  const codes = new Set<string>();
  for (const value of Object.values(errors)) {
    if (typeof value !== 'function' || !(value.prototype instanceof errors.KmsError)) continue;
    codes.add((new (value as new (m: string) => InstanceType<typeof errors.KmsError>)('probe')).code);
  }
  assert.ok(codes.size > 20, `found only ${codes.size} error classes`);
  const modelled = new Set(Object.entries(model.shapes).filter(([, s]) => (s as Shape & { exception?: boolean }).exception).map(([n]) => n));
  const unknown = [...codes].filter((c) => !modelled.has(c) && !(c in COMMON_ERRORS));
  assert.deepEqual(unknown, [], `error codes neither in the KMS model nor AWS's common errors: ${unknown.join(', ')}`);
  const stale = Object.keys(COMMON_ERRORS).filter((c) => !codes.has(c) || modelled.has(c));
  assert.deepEqual(stale, [], `COMMON_ERRORS entries Trent no longer throws, or that the model now lists: ${stale.join(', ')}`);
});
