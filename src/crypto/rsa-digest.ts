/**
 * RSA signatures over a digest the caller computed (KMS MessageType DIGEST). Node's `sign`
 * always hashes its input, so the encoding step is done here (RFC 8017 §9.1 EMSA-PSS, §9.2
 * EMSA-PKCS1-v1_5) and the RSA private operation is OpenSSL's (`privateEncrypt`, blinded).
 * The results are ordinary RSASSA-PSS / RSASSA-PKCS1-v1_5 signatures: `openssl pkeyutl -verify`
 * with the public key checks them.
 */
import { constants, createHash, privateEncrypt, publicDecrypt, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { HashName } from './key-specs.ts';

/** DER of DigestInfo without the digest: SEQUENCE { SEQUENCE { OID, NULL }, OCTET STRING (hLen) } (RFC 8017 §9.2 note 1). */
const DIGEST_INFO_PREFIX: Readonly<Partial<Record<HashName, string>>> = {
  sha256: '3031300d060960864801650304020105000420',
  sha384: '3041300d060960864801650304020205000430',
  sha512: '3051300d060960864801650304020305000440',
};

function digestInfo(hash: HashName, digest: Uint8Array): Buffer {
  const prefix = DIGEST_INFO_PREFIX[hash];
  if (!prefix) throw new RangeError(`no DigestInfo for ${hash}`);
  return Buffer.concat([Buffer.from(prefix, 'hex'), digest]);
}

export function pkcs1SignDigest(key: KeyObject, hash: HashName, digest: Uint8Array): Uint8Array {
  return new Uint8Array(privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, digestInfo(hash, digest)));
}

export function pkcs1VerifyDigest(key: KeyObject, hash: HashName, digest: Uint8Array, signature: Uint8Array): boolean {
  const expected = digestInfo(hash, digest);
  let recovered: Buffer;
  try {
    recovered = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    return false;
  }
  return recovered.length === expected.length && timingSafeEqual(recovered, expected);
}

function mgf1(hash: HashName, seed: Uint8Array, length: number): Buffer {
  const out: Buffer[] = [];
  let have = 0;
  for (let counter = 0; have < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    const block = createHash(hash).update(seed).update(c).digest();
    out.push(block);
    have += block.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

function modulusBits(key: KeyObject): number {
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (!bits) throw new RangeError('not an RSA key');
  return bits;
}

/** EMSA-PSS-ENCODE with MGF1(hash) and salt length = hash length, as KMS signs (RFC 8017 §9.1.1). */
export function pssSignDigest(key: KeyObject, hash: HashName, digest: Uint8Array): Uint8Array {
  const bits = modulusBits(key);
  const k = Math.ceil(bits / 8);
  const emBits = bits - 1;
  const emLen = Math.ceil(emBits / 8);
  const hLen = digest.length;
  const sLen = hLen;
  if (emLen < hLen + sLen + 2) throw new RangeError('modulus too small');
  const salt = randomBytes(sLen);
  const h = createHash(hash).update(Buffer.alloc(8)).update(digest).update(salt).digest();
  const db = Buffer.alloc(emLen - hLen - 1);
  db[emLen - sLen - hLen - 2] = 0x01;
  salt.copy(db, emLen - sLen - hLen - 1);
  const mask = mgf1(hash, h, db.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!;
  db[0]! &= 0xff >> (8 * emLen - emBits);
  const em = Buffer.alloc(k);
  Buffer.concat([db, h, Buffer.from([0xbc])]).copy(em, k - emLen);
  return new Uint8Array(privateEncrypt({ key, padding: constants.RSA_NO_PADDING }, em));
}

/** EMSA-PSS-VERIFY with salt length = hash length (RFC 8017 §9.1.2). */
export function pssVerifyDigest(key: KeyObject, hash: HashName, digest: Uint8Array, signature: Uint8Array): boolean {
  const bits = modulusBits(key);
  const k = Math.ceil(bits / 8);
  if (signature.length !== k) return false;
  let m: Buffer;
  try {
    m = publicDecrypt({ key, padding: constants.RSA_NO_PADDING }, signature);
  } catch {
    return false;
  }
  const emBits = bits - 1;
  const emLen = Math.ceil(emBits / 8);
  const hLen = digest.length;
  const sLen = hLen;
  if (m.length !== k) return false;
  for (let i = 0; i < k - emLen; i++) if (m[i] !== 0) return false;
  const em = m.subarray(k - emLen);
  if (emLen < hLen + sLen + 2 || em[emLen - 1] !== 0xbc) return false;
  const maskedDb = em.subarray(0, emLen - hLen - 1);
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  const topMask = 0xff >> (8 * emLen - emBits);
  if ((maskedDb[0]! & ~topMask) !== 0) return false;
  const db = Buffer.from(maskedDb);
  const mask = mgf1(hash, h, db.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!;
  db[0]! &= topMask;
  const ps = emLen - hLen - sLen - 2;
  for (let i = 0; i < ps; i++) if (db[i] !== 0) return false;
  if (db[ps] !== 0x01) return false;
  const salt = db.subarray(db.length - sLen);
  const h2 = createHash(hash).update(Buffer.alloc(8)).update(digest).update(salt).digest();
  return timingSafeEqual(h, h2);
}
