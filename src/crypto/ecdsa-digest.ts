/**
 * ECDSA over a digest the caller computed (KMS MessageType DIGEST; Ethereum-style secp256k1 and
 * JWT ES256 signers use it). Node 20's `sign` always hashes its input and has no raw ECDSA, so:
 *
 * - signing: the secret scalar multiplication R = k·G is OpenSSL's constant-time one, reached
 *   through `createECDH().setPrivateKey(k)`; s = k⁻¹(e + r·d) mod n is computed with BigInt on
 *   blinded values ((k·b)⁻¹ · b(e + r·d), fresh b per signature). The nonce is hedged: k comes
 *   from HMAC-SHA-512 keyed with d over fresh randomness and the digest, so a weak or repeated
 *   random source cannot repeat k for different digests (the RFC 6979 idea).
 * - verifying uses only public values, in Jacobian coordinates with BigInt.
 *
 * Signatures are DER `ECDSA-Sig-Value` (RFC 3279), as KMS returns them. Tests cross-check both
 * directions against node:crypto and `openssl pkeyutl`.
 */
import { createECDH, createHmac, randomBytes, type KeyObject } from 'node:crypto';
import type { EcCurve } from './key-specs.ts';

interface Curve {
  p: bigint;
  a: bigint;
  b: bigint;
  n: bigint;
  gx: bigint;
  gy: bigint;
  /** Bytes of a field element and of a scalar. */
  fieldBytes: number;
  nBits: number;
}

const h = (s: string) => BigInt(`0x${s}`);

/** Domain parameters (SEC 2; FIPS 186-4 D.1.2), as `openssl ecparam -param_enc explicit` prints them. */
export const CURVES: Readonly<Record<EcCurve, Curve>> = {
  prime256v1: {
    p: h('ffffffff00000001000000000000000000000000ffffffffffffffffffffffff'),
    a: h('ffffffff00000001000000000000000000000000fffffffffffffffffffffffc'),
    b: h('5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b'),
    n: h('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551'),
    gx: h('6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296'),
    gy: h('4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5'),
    fieldBytes: 32,
    nBits: 256,
  },
  secp384r1: {
    p: h('fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff'),
    a: h('fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000fffffffc'),
    b: h('b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef'),
    n: h('ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973'),
    gx: h('aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7'),
    gy: h('3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f'),
    fieldBytes: 48,
    nBits: 384,
  },
  secp521r1: {
    p: h('01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff'),
    a: h('01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffc'),
    b: h('0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00'),
    n: h('01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409'),
    gx: h('00c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66'),
    gy: h('011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650'),
    fieldBytes: 66,
    nBits: 521,
  },
  secp256k1: {
    p: h('fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f'),
    a: 0n,
    b: 7n,
    n: h('fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141'),
    gx: h('79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798'),
    gy: h('483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8'),
    fieldBytes: 32,
    nBits: 256,
  },
};

const mod = (x: bigint, m: bigint) => {
  const r = x % m;
  return r < 0n ? r + m : r;
};

export function modInverse(x: bigint, m: bigint): bigint {
  let [a, b, u, v] = [mod(x, m), m, 1n, 0n];
  while (a !== 0n) {
    const q = b / a;
    [a, b] = [b - q * a, a];
    [u, v] = [v - q * u, u];
  }
  if (b !== 1n) throw new RangeError('not invertible');
  return mod(v, m);
}

const toBig = (b: Uint8Array) => (b.length === 0 ? 0n : BigInt(`0x${Buffer.from(b).toString('hex')}`));
function toBytes(x: bigint, length: number): Buffer {
  const hex = x.toString(16).padStart(length * 2, '0');
  if (hex.length > length * 2) throw new RangeError('integer too large');
  return Buffer.from(hex, 'hex');
}

/** FIPS 186-4 §6.4: the leftmost min(nBits, hashBits) bits of the digest. */
function bits2int(c: Curve, digest: Uint8Array): bigint {
  const e = toBig(digest);
  const excess = digest.length * 8 - c.nBits;
  return excess > 0 ? e >> BigInt(excess) : e;
}

// --- Jacobian point arithmetic (public values only: verification) ---
type Jac = readonly [bigint, bigint, bigint];
const INF: Jac = [0n, 1n, 0n];

function dbl(c: Curve, [x1, y1, z1]: Jac): Jac {
  const p = c.p;
  if (z1 === 0n || y1 === 0n) return INF;
  const xx = mod(x1 * x1, p);
  const yy = mod(y1 * y1, p);
  const yyyy = mod(yy * yy, p);
  const zz = mod(z1 * z1, p);
  const s = mod(2n * (mod((x1 + yy) ** 2n, p) - xx - yyyy), p);
  const m = mod(3n * xx + c.a * mod(zz * zz, p), p);
  const x3 = mod(m * m - 2n * s, p);
  const y3 = mod(m * (s - x3) - 8n * yyyy, p);
  const z3 = mod(mod((y1 + z1) ** 2n, p) - yy - zz, p);
  return [x3, y3, z3];
}

function add(c: Curve, P: Jac, Q: Jac): Jac {
  const p = c.p;
  const [x1, y1, z1] = P;
  const [x2, y2, z2] = Q;
  if (z1 === 0n) return Q;
  if (z2 === 0n) return P;
  const z1z1 = mod(z1 * z1, p);
  const z2z2 = mod(z2 * z2, p);
  const u1 = mod(x1 * z2z2, p);
  const u2 = mod(x2 * z1z1, p);
  const s1 = mod(y1 * z2 * z2z2, p);
  const s2 = mod(y2 * z1 * z1z1, p);
  if (u1 === u2) return s1 === s2 ? dbl(c, P) : INF;
  const hh = mod(u2 - u1, p);
  const i = mod(4n * hh * hh, p);
  const j = mod(hh * i, p);
  const r = mod(2n * (s2 - s1), p);
  const v = mod(u1 * i, p);
  const x3 = mod(r * r - j - 2n * v, p);
  const y3 = mod(r * (v - x3) - 2n * s1 * j, p);
  const z3 = mod((mod((z1 + z2) ** 2n, p) - z1z1 - z2z2) * hh, p);
  return [x3, y3, z3];
}

function mul(c: Curve, P: Jac, k: bigint): Jac {
  let R: Jac = INF;
  for (let i = k.toString(2).length - 1; i >= 0; i--) {
    R = dbl(c, R);
    if ((k >> BigInt(i)) & 1n) R = add(c, R, P);
  }
  return R;
}

function affineX(c: Curve, [x, , z]: Jac): bigint | undefined {
  if (z === 0n) return undefined;
  const zi = modInverse(z, c.p);
  return mod(x * zi * zi, c.p);
}

/** Exposed for tests: k·G in affine coordinates by the verification arithmetic. */
export function multiplyBase(curve: EcCurve, k: bigint): { x: bigint; y: bigint } | undefined {
  const c = CURVES[curve];
  const [x, y, z] = mul(c, [c.gx, c.gy, 1n], k);
  if (z === 0n) return undefined;
  const zi = modInverse(z, c.p);
  return { x: mod(x * zi * zi, c.p), y: mod(y * zi * zi * zi, c.p) };
}

// --- DER ECDSA-Sig-Value ---
function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x100) return Buffer.from([0x81, n]);
  return Buffer.from([0x82, n >> 8, n & 0xff]);
}

function derInteger(x: bigint): Buffer {
  let hex = x.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let body = Buffer.from(hex, 'hex');
  if (body[0]! & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  return Buffer.concat([Buffer.from([0x02]), derLength(body.length), body]);
}

export function encodeSignature(r: bigint, s: bigint): Uint8Array {
  const body = Buffer.concat([derInteger(r), derInteger(s)]);
  return new Uint8Array(Buffer.concat([Buffer.from([0x30]), derLength(body.length), body]));
}

/** Strict DER decode; undefined for anything else. */
export function decodeSignature(sig: Uint8Array): { r: bigint; s: bigint } | undefined {
  let o = 0;
  const readLen = (): number | undefined => {
    const first = sig[o++];
    if (first === undefined) return undefined;
    if (first < 0x80) return first;
    if (first === 0x81) {
      const n = sig[o++];
      return n !== undefined && n >= 0x80 ? n : undefined;
    }
    return undefined;
  };
  const readInt = (): bigint | undefined => {
    if (sig[o++] !== 0x02) return undefined;
    const len = readLen();
    if (len === undefined || len === 0 || o + len > sig.length) return undefined;
    const body = sig.subarray(o, o + len);
    o += len;
    if (body[0]! & 0x80) return undefined;
    if (len > 1 && body[0] === 0 && !(body[1]! & 0x80)) return undefined;
    return toBig(body);
  };
  if (sig[o++] !== 0x30) return undefined;
  const total = readLen();
  if (total === undefined || o + total !== sig.length) return undefined;
  const r = readInt();
  const s = readInt();
  if (r === undefined || s === undefined || o !== sig.length) return undefined;
  return { r, s };
}

// --- sign / verify ---
const secrets = new WeakMap<KeyObject, bigint>();

function privateScalar(key: KeyObject): bigint {
  let d = secrets.get(key);
  if (d === undefined) {
    const jwk = key.export({ format: 'jwk' });
    if (typeof jwk.d !== 'string') throw new RangeError('not an EC private key');
    d = toBig(Buffer.from(jwk.d, 'base64url'));
    secrets.set(key, d);
  }
  return d;
}

/** A uniform scalar in [1, n−1] from `bytes` (16 extra bytes make the modular bias negligible). */
const scalarFrom = (c: Curve, bytes: Uint8Array) => mod(toBig(bytes), c.n - 1n) + 1n;

function hedgedNonce(c: Curve, d: bigint, digest: Uint8Array, attempt: number): bigint {
  const nLen = Math.ceil(c.nBits / 8);
  const seed = Buffer.concat([randomBytes(32), Buffer.from(digest), Buffer.from([attempt & 0xff])]);
  const key = toBytes(d, nLen);
  const blocks: Buffer[] = [];
  for (let i = 0; blocks.length * 64 < nLen + 16; i++) blocks.push(createHmac('sha512', key).update(Buffer.from([i])).update(seed).digest());
  return scalarFrom(c, Buffer.concat(blocks).subarray(0, nLen + 16));
}

export function ecdsaSignDigest(key: KeyObject, curve: EcCurve, digest: Uint8Array): Uint8Array {
  const c = CURVES[curve];
  const n = c.n;
  const d = privateScalar(key);
  const e = bits2int(c, digest);
  const nLen = Math.ceil(c.nBits / 8);
  for (let attempt = 0; attempt < 64; attempt++) {
    const k = hedgedNonce(c, d, digest, attempt);
    const ecdh = createECDH(curve);
    ecdh.setPrivateKey(toBytes(k, nLen));
    const point = ecdh.getPublicKey(null, 'uncompressed');
    const r = mod(toBig(point.subarray(1, 1 + c.fieldBytes)), n);
    if (r === 0n) continue;
    const b = scalarFrom(c, randomBytes(nLen + 16));
    const s = mod(modInverse(mod(k * b, n), n) * mod(b * e + mod(b * r, n) * d, n), n);
    if (s === 0n) continue;
    return encodeSignature(r, s);
  }
  throw new RangeError('could not produce a signature');
}

export function ecdsaVerifyDigest(publicKey: KeyObject, curve: EcCurve, digest: Uint8Array, signature: Uint8Array): boolean {
  const c = CURVES[curve];
  const sig = decodeSignature(signature);
  if (!sig) return false;
  const { r, s } = sig;
  if (r < 1n || r >= c.n || s < 1n || s >= c.n) return false;
  const jwk = publicKey.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string' || typeof jwk.y !== 'string') return false;
  const q: Jac = [toBig(Buffer.from(jwk.x, 'base64url')), toBig(Buffer.from(jwk.y, 'base64url')), 1n];
  const w = modInverse(s, c.n);
  const u1 = mod(bits2int(c, digest) * w, c.n);
  const u2 = mod(r * w, c.n);
  const x = affineX(c, add(c, mul(c, [c.gx, c.gy, 1n], u1), mul(c, q, u2)));
  return x !== undefined && mod(x, c.n) === r;
}
