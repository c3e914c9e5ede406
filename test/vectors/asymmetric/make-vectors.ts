/**
 * Generates the asymmetric known-answer and edge vectors in this directory with the `openssl`
 * command line (no Wycheproof package is on npm, and there is no network here):
 *
 *   node --import tsx test/vectors/asymmetric/make-vectors.ts
 *
 * Writes seed.yaml (Trent's seed format: the private keys, PEM, under fixed key ids — how a user
 * loads known keys with `trent serve --seed`) and vectors.json (per key its DER public key; per case
 * the message, signature or ciphertext, and the expected result). Every expected result of a
 * signature case is what OpenSSL's own verification answers (`openssl dgst -verify` for RAW,
 * `openssl pkeyutl -verify` for DIGEST), never what this script intended, so the vectors pin
 * Trent to OpenSSL on the edge cases (high S, BER lengths, r or s out of range, …).
 * The output is random (fresh keys and messages) each run: regenerate only on purpose.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const OUT = import.meta.dirname;
const dir = mkdtempSync(join(tmpdir(), 'trent-vectors-'));
const f = (name: string) => join(dir, name);

function openssl(args: string[], files: Record<string, Uint8Array> = {}): { ok: boolean; out: Buffer } {
  for (const [name, bytes] of Object.entries(files)) writeFileSync(f(name), bytes);
  try {
    return { ok: true, out: execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }) };
  } catch (e) {
    return { ok: false, out: Buffer.alloc(0) };
  }
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

interface KeyVector {
  keyId: string;
  keySpec: string;
  keyUsage: 'SIGN_VERIFY' | 'ENCRYPT_DECRYPT';
  pem: string;
  publicKey: string;
}
interface SignatureCase {
  keyId: string;
  name: string;
  algorithm: string;
  messageType: 'RAW' | 'DIGEST';
  message: string;
  signature: string;
  valid: boolean;
}
interface DecryptCase {
  keyId: string;
  name: string;
  algorithm: string;
  ciphertext: string;
  /** Base64 plaintext, or null: Decrypt fails with InvalidCiphertextException. */
  plaintext: string | null;
}

const keys: KeyVector[] = [];
const signatures: SignatureCase[] = [];
const decrypts: DecryptCase[] = [];
let serial = 0;

function newKey(keySpec: string, keyUsage: KeyVector['keyUsage'], genArgs: string[]): KeyVector {
  const keyId = `7e570000-a5a5-4000-8000-${String(++serial).padStart(12, '0')}`;
  openssl(['genpkey', ...genArgs, '-out', 'key.pem']);
  const pem = readFileSync(f('key.pem'), 'utf8');
  const publicKey = openssl(['pkey', '-in', 'key.pem', '-pubout', '-outform', 'DER']).out;
  const k = { keyId, keySpec, keyUsage, pem, publicKey: b64(publicKey) };
  keys.push(k);
  writeFileSync(f(`${keyId}.pem`), pem);
  writeFileSync(f(`${keyId}.pub.der`), publicKey);
  return k;
}

const HASHES = { SHA_256: 'sha256', SHA_384: 'sha384', SHA_512: 'sha512' } as const;
type Hash = keyof typeof HASHES;
const digest = (h: Hash, m: Uint8Array) => createHash(HASHES[h]).update(m).digest();
const rsaOpts = (flag: string, pss: boolean) => (pss ? [flag, 'rsa_padding_mode:pss', flag, 'rsa_pss_saltlen:digest'] : [flag, 'rsa_padding_mode:pkcs1']);

/** Signs RAW `message` with OpenSSL (dgst hashes it). */
function opensslSign(k: KeyVector, kind: 'rsa-pss' | 'rsa-pkcs1' | 'ecdsa', h: Hash, message: Uint8Array): Buffer {
  const rsa = kind !== 'ecdsa';
  const r = openssl(['dgst', `-${HASHES[h]}`, '-sign', `${k.keyId}.pem`, ...(rsa ? rsaOpts('-sigopt', kind === 'rsa-pss') : []), '-out', 'sig.bin', 'msg.bin'], { 'msg.bin': message });
  if (!r.ok) throw new Error(`openssl could not sign with ${k.keySpec}`);
  return readFileSync(f('sig.bin'));
}

/** OpenSSL's verdict: RAW through `dgst -verify`, DIGEST through `pkeyutl -verify` over the digest. */
function opensslVerify(k: KeyVector, kind: 'rsa-pss' | 'rsa-pkcs1' | 'ecdsa' | 'ed25519', h: Hash, messageType: 'RAW' | 'DIGEST', message: Uint8Array, signature: Uint8Array): boolean {
  const files = { 'msg.bin': message, 'sig.bin': signature };
  const pub = ['-keyform', 'DER'];
  const rsa = kind === 'rsa-pss' || kind === 'rsa-pkcs1';
  if (kind === 'ed25519') return openssl(['pkeyutl', '-verify', '-pubin', ...pub, '-inkey', `${k.keyId}.pub.der`, '-rawin', '-in', 'msg.bin', '-sigfile', 'sig.bin'], files).ok;
  if (messageType === 'RAW') return openssl(['dgst', `-${HASHES[h]}`, ...pub, '-verify', `${k.keyId}.pub.der`, '-signature', 'sig.bin', ...(rsa ? rsaOpts('-sigopt', kind === 'rsa-pss') : []), 'msg.bin'], files).ok;
  return openssl(['pkeyutl', '-verify', '-pubin', ...pub, '-inkey', `${k.keyId}.pub.der`, '-in', 'msg.bin', '-sigfile', 'sig.bin', '-pkeyopt', `digest:${HASHES[h]}`, ...(rsa ? rsaOpts('-pkeyopt', kind === 'rsa-pss') : [])], files).ok;
}

function addSignature(k: KeyVector, kind: 'rsa-pss' | 'rsa-pkcs1' | 'ecdsa' | 'ed25519', algorithm: string, h: Hash, messageType: 'RAW' | 'DIGEST', name: string, rawMessage: Uint8Array, signature: Uint8Array): void {
  const message = messageType === 'DIGEST' ? digest(h, rawMessage) : rawMessage;
  const valid = opensslVerify(k, kind, h, messageType, message, signature);
  signatures.push({ keyId: k.keyId, name, algorithm, messageType, message: b64(message), signature: b64(signature), valid });
}

const flip = (b: Uint8Array, at: number) => {
  const c = Uint8Array.from(b);
  c[at]! ^= 0x01;
  return c;
};

// ---------------------------------------------------------------- RSA signatures

for (const bits of [2048, 3072, 4096]) {
  const k = newKey(`RSA_${bits}`, 'SIGN_VERIFY', ['-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${bits}`]);
  for (const [kind, prefix] of [['rsa-pss', 'RSASSA_PSS'], ['rsa-pkcs1', 'RSASSA_PKCS1_V1_5']] as const) {
    for (const h of Object.keys(HASHES) as Hash[]) {
      const alg = `${prefix}_${h}`;
      const m = randomBytes(48);
      const sig = opensslSign(k, kind, h, m);
      const otherHash: Hash = h === 'SHA_256' ? 'SHA_384' : 'SHA_256';
      const wrongHash = opensslSign(k, kind, otherHash, m);
      for (const type of ['RAW', 'DIGEST'] as const) {
        addSignature(k, kind, alg, h, type, 'valid', m, sig);
        addSignature(k, kind, alg, h, type, 'bit flipped in the middle', m, flip(sig, sig.length >> 1));
        addSignature(k, kind, alg, h, type, `signed with ${otherHash}`, m, wrongHash);
      }
      addSignature(k, kind, alg, h, 'RAW', 'wrong message', Buffer.concat([m, Buffer.of(0)]), sig);
      addSignature(k, kind, alg, h, 'RAW', 'truncated by one byte', m, sig.subarray(0, sig.length - 1));
      addSignature(k, kind, alg, h, 'RAW', 'a zero byte prepended', m, Buffer.concat([Buffer.of(0), sig]));
    }
  }
}

// ---------------------------------------------------------------- ECDSA

const CURVES = [
  { spec: 'ECC_NIST_P256', curve: 'P-256', hash: 'SHA_256', n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n },
  { spec: 'ECC_NIST_P384', curve: 'P-384', hash: 'SHA_384', n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n },
  { spec: 'ECC_NIST_P521', curve: 'P-521', hash: 'SHA_512', n: 0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n },
  { spec: 'ECC_SECG_P256K1', curve: 'secp256k1', hash: 'SHA_256', n: 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n },
] as const;

/** DER length octets (definite form). */
function derLength(n: number): number[] {
  if (n < 0x80) return [n];
  return n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
}
/** A DER INTEGER of a signed bigint, minimal two's complement. */
function derInt(v: bigint): Buffer {
  let h = (v < 0n ? -v : v).toString(16);
  if (h.length % 2) h = `0${h}`;
  let bytes = Buffer.from(h, 'hex');
  if (v >= 0n) {
    if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.of(0), bytes]);
  } else {
    const width = bytes.length + ((bytes[0]! & 0x80) || (-v !== 1n << BigInt(bytes.length * 8 - 1)) ? 1 : 0);
    const twos = (1n << BigInt(width * 8)) + v;
    bytes = Buffer.from(twos.toString(16).padStart(width * 2, '0'), 'hex');
  }
  return Buffer.concat([Buffer.of(0x02, ...derLength(bytes.length)), bytes]);
}
const seq = (body: Buffer) => Buffer.concat([Buffer.of(0x30, ...derLength(body.length)), body]);
const ecdsaDer = (r: bigint, s: bigint) => seq(Buffer.concat([derInt(r), derInt(s)]));
function parseEcdsa(der: Buffer): { r: bigint; s: bigint } {
  let o = der[1]! === 0x81 ? 3 : der[1]! === 0x82 ? 4 : 2;
  const int = () => {
    const len = der[o + 1]!;
    const v = BigInt(`0x${hex(der.subarray(o + 2, o + 2 + len))}`);
    o += 2 + len;
    return v;
  };
  return { r: int(), s: int() };
}

for (const c of CURVES) {
  const k = newKey(c.spec, 'SIGN_VERIFY', ['-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${c.curve}`, '-pkeyopt', 'ec_param_enc:named_curve']);
  const alg = `ECDSA_${c.hash}`;
  const m = randomBytes(40);
  const sig = opensslSign(k, 'ecdsa', c.hash, m);
  const { r, s } = parseEcdsa(sig);
  const width = Math.ceil(c.n.toString(16).length / 2);
  const fixed = (v: bigint) => Buffer.from(v.toString(16).padStart(width * 2, '0'), 'hex');
  const withRInt = (rInt: Buffer) => seq(Buffer.concat([rInt, derInt(s)]));
  const otherHash: Hash = c.hash === 'SHA_256' ? 'SHA_384' : 'SHA_256';
  const variants: [string, Uint8Array, Uint8Array?][] = [
    ['valid', sig],
    [s > c.n / 2n ? 's replaced by n - s (low S)' : 's replaced by n - s (high S)', ecdsaDer(r, c.n - s)],
    ['wrong message', sig, Buffer.concat([m, Buffer.of(0)])],
    ['last byte bit flipped', flip(sig, sig.length - 1)],
    ['truncated by one byte', sig.subarray(0, sig.length - 1)],
    ['trailing zero byte after the SEQUENCE', Buffer.concat([sig, Buffer.of(0)])],
    ['r = 0', ecdsaDer(0n, s)],
    ['s = 0', ecdsaDer(r, 0n)],
    ['r + n', ecdsaDer(r + c.n, s)],
    ['s + n', ecdsaDer(r, s + c.n)],
    ['r negated', ecdsaDer(-r, s)],
    ['r with a redundant leading zero (not DER)', withRInt(Buffer.concat([Buffer.of(0x02, derInt(r).length - 1), Buffer.of(0), derInt(r).subarray(2)]))],
    ['SEQUENCE length in long form (BER, not DER)', Buffer.concat([Buffer.of(0x30, 0x82, 0x00, sig.length - (sig[1] === 0x81 ? 3 : 2)), sig.subarray(sig[1] === 0x81 ? 3 : 2)])],
    ['r and s swapped', ecdsaDer(s, r)],
    ['r ‖ s (IEEE P1363) instead of DER', Buffer.concat([fixed(r), fixed(s)])],
    [`signed with ${otherHash}`, opensslSign(k, 'ecdsa', otherHash, m)],
  ];
  for (const type of ['RAW', 'DIGEST'] as const) {
    for (const [name, signature, message] of variants) addSignature(k, 'ecdsa', alg, c.hash, type, name, message ?? m, signature);
  }
}

// ---------------------------------------------------------------- Ed25519

{
  const k = newKey('ECC_NIST_EDWARDS25519', 'SIGN_VERIFY', ['-algorithm', 'ED25519']);
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  const ed = (m: Uint8Array) => {
    if (!openssl(['pkeyutl', '-sign', '-inkey', `${k.keyId}.pem`, '-rawin', '-in', 'msg.bin', '-out', 'sig.bin'], { 'msg.bin': m }).ok) throw new Error('openssl could not sign with Ed25519');
    return readFileSync(f('sig.bin'));
  };
  const le = (b: Uint8Array) => BigInt(`0x${hex(Uint8Array.from(b).reverse())}`);
  const toLe = (v: bigint) => Buffer.from(v.toString(16).padStart(64, '0'), 'hex').reverse();
  const m = randomBytes(64);
  const sig = ed(m);
  const one = Buffer.of(0x61);
  const big = randomBytes(4096);
  const sPlusL = le(sig.subarray(32)) + L;
  const variants: [string, Uint8Array, Uint8Array][] = [
    ['valid', m, sig],
    ['valid, one-byte message', one, ed(one)],
    ['valid, 4096-byte message (the RAW limit)', big, ed(big)],
    ['wrong message', Buffer.concat([m, Buffer.of(0)]), sig],
    ['bit flipped in R', m, flip(sig, 0)],
    ['bit flipped in S', m, flip(sig, 40)],
    ['truncated by one byte', m, sig.subarray(0, 63)],
    ...(sPlusL < 2n ** 256n ? [['S + L (non-canonical S)', m, Buffer.concat([sig.subarray(0, 32), toLe(sPlusL)])] as [string, Uint8Array, Uint8Array]] : []),
  ];
  for (const [name, message, signature] of variants) addSignature(k, 'ed25519', 'ED25519_SHA_512', 'SHA_512', 'RAW', name, message, signature);
}

// ---------------------------------------------------------------- RSA-OAEP

for (const bits of [2048, 3072, 4096]) {
  const k = newKey(`RSA_${bits}`, 'ENCRYPT_DECRYPT', ['-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${bits}`]);
  for (const [algorithm, md, hLen] of [['RSAES_OAEP_SHA_1', 'sha1', 20], ['RSAES_OAEP_SHA_256', 'sha256', 32]] as const) {
    const encrypt = (p: Uint8Array) => {
      const r = openssl(['pkeyutl', '-encrypt', '-pubin', '-keyform', 'DER', '-inkey', `${k.keyId}.pub.der`, '-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', `rsa_oaep_md:${md}`, '-pkeyopt', `rsa_mgf1_md:${md}`, '-in', 'pt.bin', '-out', 'ct.bin'], { 'pt.bin': p });
      if (!r.ok) throw new Error(`openssl could not encrypt ${p.length} bytes`);
      return readFileSync(f('ct.bin'));
    };
    const max = bits / 8 - 2 * hLen - 2;
    for (const [name, p] of [['one byte', randomBytes(1)], ['32 bytes', randomBytes(32)], [`${max} bytes (the largest)`, randomBytes(max)]] as const) {
      decrypts.push({ keyId: k.keyId, name, algorithm, ciphertext: b64(encrypt(p)), plaintext: b64(p) });
    }
    const ct = encrypt(randomBytes(16));
    decrypts.push({ keyId: k.keyId, name: 'bit flipped', algorithm, ciphertext: b64(flip(ct, ct.length >> 1)), plaintext: null });
    decrypts.push({ keyId: k.keyId, name: `decrypted as the other OAEP hash`, algorithm: algorithm === 'RSAES_OAEP_SHA_1' ? 'RSAES_OAEP_SHA_256' : 'RSAES_OAEP_SHA_1', ciphertext: b64(ct), plaintext: null });
  }
}

rmSync(dir, { recursive: true, force: true });

const indent = (pem: string, pad: string) => pem.trim().split('\n').map((l) => pad + l).join('\n');
const seed = [
  '# Generated by make-vectors.ts with OpenSSL. Test vectors only: these private keys are public.',
  'Trent: 1',
  'Keys:',
  ...keys.flatMap((k) => [
    `  - KeyId: ${k.keyId}`,
    `    KeySpec: ${k.keySpec}`,
    `    KeyUsage: ${k.keyUsage}`,
    `    Description: vector key ${k.keySpec} ${k.keyUsage}`,
    '    Materials:',
    '      - PrivateKeyPem: |',
    indent(k.pem, '          '),
  ]),
  '',
].join('\n');
writeFileSync(join(OUT, 'seed.yaml'), seed);
const opensslVersion = execFileSync('openssl', ['version']).toString().trim();
writeFileSync(
  join(OUT, 'vectors.json'),
  `${JSON.stringify({ generator: 'test/vectors/asymmetric/make-vectors.ts', openssl: opensslVersion, keys: keys.map(({ pem: _pem, ...k }) => k), signatures, decrypts }, null, 1)}\n`,
);
console.log(`${keys.length} keys, ${signatures.length} signature cases (${signatures.filter((s) => s.valid).length} valid), ${decrypts.length} decrypt cases (${opensslVersion})`);
