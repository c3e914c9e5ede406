/**
 * Ciphertext fuzzing: real ciphertext blobs — from Encrypt, GenerateDataKey,
 * ReEncrypt and GenerateDataKeyPair, with and without an encryption context — bit-flipped,
 * truncated, extended, byte-substituted, and spliced (headers, key ids and material ids of other
 * keys, bodies of other blobs), blobs of another key presented with a KeyId, blobs from another
 * Trent, and real blobs with a wrong encryption context. Decrypt and ReEncrypt must answer
 * InvalidCiphertextException (IncorrectKeyException where a KeyId names another key) — never a
 * plaintext, never a 5xx. RSA ciphertext (RSAES-OAEP) is fuzzed the same way.
 *
 * `npm test` runs ~1,500 cases; TRENT_CT_FUZZ_CASES sets any number (`npm run test:fuzz`: 20,000);
 * TRENT_TEST_SEED replays a run.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { HEADER_LENGTH } from '../../src/format/ciphertext-blob.ts';
import { startTrent, type Harness } from '../support/trent.ts';
import { ok } from './lib/fixtures.ts';
import { newSeed } from './lib/rand.ts';
import { b64, unb64, WireClient } from './lib/wire-client.ts';

const CASES = Number(process.env.TRENT_CT_FUZZ_CASES ?? 1500);
const SEED = newSeed();

interface Blob {
  keyId: string;
  blob: Buffer;
  plaintext: Buffer;
  context?: Record<string, string>;
  source: string;
}

interface Case {
  what: string;
  op: 'Decrypt' | 'ReEncrypt';
  blob: Buffer;
  context?: Record<string, string>;
  /** A KeyId named in the request (SourceKeyId for ReEncrypt). */
  keyId?: string;
  /** Allowed answers; IncorrectKeyException joins when a KeyId is named. */
  allowed: string[];
}

let a: Harness;
let other: Harness;
let client: WireClient;
let otherClient: WireClient;
const keys: string[] = [];
const blobs: Blob[] = [];
const foreign: Blob[] = [];
let rsaKey = '';
let rsaBlob: Buffer = Buffer.alloc(0);

async function makeBlobs(c: WireClient, into: Blob[], ids: string[], source: string): Promise<void> {
  const contexts: (Record<string, string> | undefined)[] = [undefined, { purpose: 'fuzz' }, { ab: 'c' }, { 'ü': '日本語', '😀': '\u0000' }];
  for (const [i, keyId] of ids.entries()) {
    for (const [j, context] of contexts.entries()) {
      const plaintext = Buffer.from(`plaintext ${source} ${i}.${j} `.repeat(1 + ((i + j) % 5) * 20)).subarray(0, [1, 16, 300, 4096][(i + j) % 4]);
      const ec = context ? { EncryptionContext: context } : {};
      const e = await ok(c, 'Encrypt', { KeyId: keyId, Plaintext: b64(plaintext), ...ec });
      into.push({ keyId, blob: unb64(e.CiphertextBlob), plaintext, ...(context ? { context } : {}), source: `${source} Encrypt` });
      const d = await ok(c, 'GenerateDataKey', { KeyId: keyId, KeySpec: j % 2 ? 'AES_128' : 'AES_256', ...ec });
      into.push({ keyId, blob: unb64(d.CiphertextBlob), plaintext: unb64(d.Plaintext), ...(context ? { context } : {}), source: `${source} GenerateDataKey` });
    }
    const re = await ok(c, 'ReEncrypt', { CiphertextBlob: b64(into[0]!.blob), ...(into[0]!.context ? { SourceEncryptionContext: into[0]!.context } : {}), DestinationKeyId: keyId });
    into.push({ keyId, blob: unb64(re.CiphertextBlob), plaintext: into[0]!.plaintext, source: `${source} ReEncrypt` });
    const pair = await ok(c, 'GenerateDataKeyPair', { KeyId: keyId, KeyPairSpec: 'ECC_NIST_P256' });
    into.push({ keyId, blob: unb64(pair.PrivateKeyCiphertextBlob), plaintext: unb64(pair.PrivateKeyPlaintext), source: `${source} GenerateDataKeyPair` });
  }
}

before(async () => {
  a = await startTrent({ tls: false });
  other = await startTrent({ tls: false });
  client = new WireClient(a.trent.url, { timeoutMs: 10_000 });
  otherClient = new WireClient(other.trent.url, { timeoutMs: 10_000 });
  for (let i = 0; i < 3; i++) keys.push(((await ok(client, 'CreateKey', { Description: `ct fuzz ${i}` })).KeyMetadata as { KeyId: string }).KeyId);
  // A rotated key: its blobs carry different material ids.
  await ok(client, 'RotateKeyOnDemand', { KeyId: keys[2] });
  await makeBlobs(client, blobs, keys, 'A');
  const otherKey = ((await ok(otherClient, 'CreateKey', {})).KeyMetadata as { KeyId: string }).KeyId;
  await makeBlobs(otherClient, foreign, [otherKey], 'another Trent');
  rsaKey = ((await ok(client, 'CreateKey', { KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' })).KeyMetadata as { KeyId: string }).KeyId;
  rsaBlob = unb64((await ok(client, 'Encrypt', { KeyId: rsaKey, Plaintext: b64(Buffer.from('rsa plaintext')), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' })).CiphertextBlob);
  process.stdout.write(`# ciphertext fuzz: seed ${SEED}, ${blobs.length} real blobs from ${keys.length} keys, ${foreign.length} from another Trent\n`);
});

after(async () => {
  client?.close();
  otherClient?.close();
  await a?.stop();
  await other?.stop();
});

const INVALID = ['InvalidCiphertextException'];
/** An empty blob breaks the model's length constraint before any decrypting: AWS answers ValidationException. */
const lengthRule = (b: Buffer) => (b.length === 0 || b.length > 6144 ? ['ValidationException'] : []);

function mutated(base: Blob, blob: Buffer, what: string, withKeyId: number): Case {
  const keyId = withKeyId === 0 ? undefined : withKeyId === 1 ? base.keyId : keys.find((k) => k !== base.keyId);
  return {
    what: `${what} of a ${base.source} blob${keyId === undefined ? '' : keyId === base.keyId ? ' (its KeyId named)' : ' (another KeyId named)'}`,
    op: 'Decrypt',
    blob,
    ...(base.context ? { context: base.context } : {}),
    ...(keyId !== undefined ? { keyId } : {}),
    allowed: [...INVALID, ...lengthRule(blob), ...(keyId !== undefined ? ['IncorrectKeyException'] : [])],
  };
}

/** Random mutations of real blobs (fast-check). */
function caseArb(): fc.Arbitrary<Case> {
  const base = fc.constantFrom(...blobs);
  const keyIdMode = fc.integer({ min: 0, max: 2 });
  const flip = fc.tuple(base, fc.nat(), fc.integer({ min: 0, max: 7 }), keyIdMode).map(([b, pos, bit, k]) => {
    const x = Buffer.from(b.blob);
    const i = pos % x.length;
    x[i]! ^= 1 << bit;
    return mutated(b, x, `bit ${bit} of byte ${i} flipped`, k);
  });
  const multiFlip = fc.tuple(base, fc.array(fc.nat(), { minLength: 2, maxLength: 16 }), keyIdMode).map(([b, ps, k]) => {
    const x = Buffer.from(b.blob);
    // Distinct bits: flipping one bit twice would give back the original blob, which decrypts.
    const bits = new Set(ps.map((p) => p % (x.length * 8)));
    for (const i of bits) x[i >> 3]! ^= 1 << (i & 7);
    return mutated(b, x, `${bits.size} distinct bits flipped`, k);
  });
  const truncate = fc.tuple(base, fc.nat(), keyIdMode).map(([b, n, k]) => mutated(b, b.blob.subarray(0, n % b.blob.length), `truncated to ${n % b.blob.length} bytes`, k));
  const cutFront = fc.tuple(base, fc.integer({ min: 1, max: 100 }), keyIdMode).map(([b, n, k]) => mutated(b, b.blob.subarray(Math.min(n, b.blob.length)), `first ${n} bytes cut`, k));
  const extend = fc.tuple(base, fc.uint8Array({ minLength: 1, maxLength: 64 }), keyIdMode).map(([b, extra, k]) => mutated(b, Buffer.concat([b.blob, extra]), `${extra.length} bytes appended`, k));
  const substitute = fc.tuple(base, fc.nat(), fc.integer({ min: 1, max: 255 }), keyIdMode).map(([b, pos, v, k]) => {
    const x = Buffer.from(b.blob);
    const i = pos % x.length;
    x[i] = (x[i]! + v) & 0xff;
    return mutated(b, x, `byte ${i} replaced`, k);
  });
  const randomBlob = fc.tuple(fc.uint8Array({ minLength: 0, maxLength: 600 }), base, keyIdMode).map(([bytes, b, k]) => mutated(b, Buffer.from(bytes), `random bytes`, k));
  const formatByte = fc.tuple(base, fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), keyIdMode).filter(([b, v, kind]) => v !== b.blob[0] || kind !== b.blob[1]).map(([b, v, kind, k]) => {
    const x = Buffer.from(b.blob);
    x[0] = v;
    x[1] = kind;
    return mutated(b, x, `format ${v}/kind ${kind}`, k);
  });
  // Splices of two real blobs: header of one on the body of another, or one field transplanted.
  const splice = fc.tuple(base, base, fc.constantFrom('header', 'key id', 'material id', 'iv', 'tag', 'body'), keyIdMode)
    .filter(([x, y]) => !x.blob.equals(y.blob))
    .map(([x, y, part, k]) => {
      const out = Buffer.from(x.blob);
      const range: Record<string, [number, number]> = { header: [0, HEADER_LENGTH], 'key id': [2, 18], 'material id': [18, 50], iv: [50, 62] };
      if (part === 'tag') {
        const tag = y.blob.subarray(y.blob.length - 16);
        return mutated(x, Buffer.concat([out.subarray(0, out.length - 16), tag]), `tag of another blob`, k);
      }
      if (part === 'body') return mutated(x, Buffer.concat([out.subarray(0, HEADER_LENGTH), y.blob.subarray(HEADER_LENGTH)]), `body of another blob`, k);
      const [s, e] = range[part]!;
      y.blob.copy(out, s, s, e);
      return mutated(x, out, `${part} of another blob`, k);
    })
    .filter((c) => !blobs.some((b) => b.blob.equals(c.blob)));
  const wrongContext = fc.tuple(base, fc.constantFrom('dropped', 'extra pair', 'value changed', 'split moved', 'case changed', 'NFD'), keyIdMode).map(([b, how, k]): Case => {
    const ctx: Record<string, string> = { ...b.context };
    if (how === 'dropped') for (const key of Object.keys(ctx)) delete ctx[key];
    if (how === 'extra pair' || Object.keys(ctx).length === 0) ctx.extra = 'pair';
    else if (how === 'value changed') ctx[Object.keys(ctx)[0]!] += 'x';
    else if (how === 'split moved') {
      const [key, v] = Object.entries(ctx)[0]!;
      delete ctx[key];
      ctx[key + v.slice(0, 1)] = v.slice(1);
    } else if (how === 'case changed') {
      const [key, v] = Object.entries(ctx)[0]!;
      delete ctx[key];
      ctx[key.toUpperCase() === key ? key.toLowerCase() + 'x' : key.toUpperCase()] = v;
    } else {
      const [key, v] = Object.entries(ctx)[0]!;
      delete ctx[key];
      ctx['u\u0308' + key] = v;
    }
    const c = mutated(b, b.blob, `encryption context ${how}`, k);
    return { ...c, context: ctx, what: `${c.what} with its context ${how}` };
  });
  const asReEncrypt = (arb: fc.Arbitrary<Case>) => arb.map((c): Case => ({ ...c, op: 'ReEncrypt', what: `ReEncrypt: ${c.what}` }));
  return fc.oneof(
    { weight: 4, arbitrary: flip },
    { weight: 2, arbitrary: multiFlip },
    { weight: 2, arbitrary: truncate },
    { weight: 1, arbitrary: cutFront },
    { weight: 1, arbitrary: extend },
    { weight: 2, arbitrary: substitute },
    { weight: 1, arbitrary: randomBlob },
    { weight: 1, arbitrary: formatByte },
    { weight: 3, arbitrary: splice },
    { weight: 2, arbitrary: wrongContext },
    { weight: 2, arbitrary: asReEncrypt(fc.oneof(flip, truncate, splice, wrongContext)) },
  );
}

/** The cases that need no randomness: every header bit, every truncation length, every foreign blob. */
function systematic(): Case[] {
  const out: Case[] = [];
  const b = blobs.find((x) => x.context && x.plaintext.length === 16) ?? blobs[0]!;
  for (let i = 0; i < HEADER_LENGTH * 8; i++) {
    const x = Buffer.from(b.blob);
    x[i >> 3]! ^= 1 << (i & 7);
    out.push(mutated(b, x, `header bit ${i} flipped`, i % 3));
  }
  for (let n = 0; n < b.blob.length; n++) out.push(mutated(b, b.blob.subarray(0, n), `truncated to ${n} bytes`, n % 3));
  for (const f of foreign) {
    out.push({ what: `a ${f.source} blob`, op: 'Decrypt', blob: f.blob, ...(f.context ? { context: f.context } : {}), allowed: INVALID });
    out.push({ what: `a ${f.source} blob with a KeyId of this Trent`, op: 'Decrypt', blob: f.blob, ...(f.context ? { context: f.context } : {}), keyId: keys[0]!, allowed: ['IncorrectKeyException'] });
    out.push({ what: `ReEncrypt of a ${f.source} blob`, op: 'ReEncrypt', blob: f.blob, ...(f.context ? { context: f.context } : {}), allowed: INVALID });
  }
  // A real blob of another key of this Trent, with the KeyId of a different key.
  for (const x of blobs.slice(0, 20)) {
    const otherKey = keys.find((k) => k !== x.keyId)!;
    out.push({ what: `a ${x.source} blob with another key's KeyId`, op: 'Decrypt', blob: x.blob, ...(x.context ? { context: x.context } : {}), keyId: otherKey, allowed: ['IncorrectKeyException'] });
  }
  // RSA ciphertext: flipped, truncated, extended, or a symmetric blob in its place.
  for (let i = 0; i < rsaBlob.length; i += 7) {
    const x = Buffer.from(rsaBlob);
    x[i]! ^= 0x80;
    out.push({ what: `RSA ciphertext byte ${i} flipped`, op: 'Decrypt', blob: x, keyId: rsaKey, allowed: INVALID });
  }
  for (const n of [0, 1, 100, 255, 257]) {
    const x = n <= rsaBlob.length ? rsaBlob.subarray(0, n) : Buffer.concat([rsaBlob, Buffer.alloc(n - rsaBlob.length)]);
    out.push({ what: `RSA ciphertext of ${n} bytes`, op: 'Decrypt', blob: x, keyId: rsaKey, allowed: [...INVALID, ...lengthRule(x)] });
  }
  out.push({ what: 'a symmetric blob as RSA ciphertext', op: 'Decrypt', blob: blobs[0]!.blob, keyId: rsaKey, allowed: INVALID });
  return out.map((c) => (c.keyId !== undefined && !c.allowed.includes('IncorrectKeyException') && c.keyId !== rsaKey ? { ...c, allowed: [...c.allowed, 'IncorrectKeyException'] } : c));
}

test('tampered, truncated, spliced and foreign ciphertext never decrypts and never answers 5xx', { timeout: Math.max(120_000, CASES * 60) }, async () => {
  const cases = [...systematic(), ...fc.sample(caseArb(), { numRuns: Math.max(0, CASES - 600), seed: SEED })];
  const failures: string[] = [];
  const byType: Record<string, number> = {};
  let next = 0;
  let sent = 0;
  await Promise.all(
    Array.from({ length: 12 }, async () => {
      while (next < cases.length) {
        const c = cases[next++]!;
        const rsa = c.keyId === rsaKey;
        const input =
          c.op === 'Decrypt'
            ? { CiphertextBlob: b64(c.blob), ...(c.context ? { EncryptionContext: c.context } : {}), ...(c.keyId ? { KeyId: c.keyId } : {}), ...(rsa ? { EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' } : {}) }
            : { CiphertextBlob: b64(c.blob), ...(c.context ? { SourceEncryptionContext: c.context } : {}), ...(c.keyId ? { SourceKeyId: c.keyId } : {}), DestinationKeyId: keys[0] };
        const r = await client.call(c.op, input);
        sent++;
        const type = String(r.json?.__type ?? r.status);
        byType[type] = (byType[type] ?? 0) + 1;
        if (r.status === 200) failures.push(`${c.what}: ${c.op} succeeded (${r.text.slice(0, 120)})`);
        else if (r.status >= 500) failures.push(`${c.what}: HTTP ${r.status} ${r.text.slice(0, 200)}`);
        else if (!c.allowed.includes(type)) failures.push(`${c.what}: ${type}, expected ${c.allowed.join(' or ')} (${r.text.slice(0, 160)})`);
        if (/Plaintext/.test(r.text)) failures.push(`${c.what}: the answer carries a plaintext`);
      }
    }),
  );
  process.stdout.write(`# ciphertext fuzz: ${sent} requests; answers ${JSON.stringify(byType)}\n`);
  assert.deepEqual(failures.slice(0, 30), [], `${failures.length} failures (TRENT_TEST_SEED=${SEED})`);
  // The untouched blobs still decrypt: the fuzzing changed nothing.
  for (const b of blobs.slice(0, 10)) {
    const d = await ok(client, 'Decrypt', { CiphertextBlob: b64(b.blob), ...(b.context ? { EncryptionContext: b.context } : {}) });
    assert.ok(unb64(d.Plaintext).equals(b.plaintext));
  }
});
