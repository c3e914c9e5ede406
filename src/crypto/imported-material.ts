/**
 * Key material a client imports (ImportKeyMaterial), checked against the key's spec and brought
 * to the one form Trent keeps for that spec (key-material.ts): raw bytes for symmetric and HMAC
 * keys, a DER PKCS#8 private key for RSA, ECC and Ed25519 keys, the RFC 9881 seed form for ML-DSA.
 *
 * Requirements, from the KMS developer guide ("Importing key material: requirements"):
 * - symmetric encryption keys: "256-bit (32-byte) symmetric key";
 * - HMAC keys: a length between the minimum and maximum of its spec: HMAC_224 28–64 bytes,
 *   HMAC_256 32–64, HMAC_384 48–128, HMAC_512 64–128;
 * - asymmetric keys: "a private key … in PKCS #8 format, DER-encoded", of the key spec's size or curve.
 *
 * The KeyMaterialId of imported material is a function of the key and the material: "KMS assigns
 * a unique identifier to the key material based on the KMS key ID and the imported key material"
 * (ImportKeyMaterial reference), which is how a re-import is recognised as the same material after
 * the bytes themselves were deleted. Trent's is HMAC-SHA256 keyed with the material over the key
 * id: it names the material without revealing it.
 */
import { createHmac, createPrivateKey, type KeyObject } from 'node:crypto';
import type { KeyMaterialParams } from './key-specs.ts';
import { parseMlDsaPkcs8 } from './ml-dsa.ts';

/** Inclusive byte-length bounds of imported HMAC key material, by the spec's digest size in bytes. */
const HMAC_BOUNDS: Readonly<Record<number, readonly [number, number]>> = Object.freeze({ 28: [28, 64], 32: [32, 64], 48: [48, 128], 64: [64, 128] });

export type CheckedMaterial = { ok: true; material: Uint8Array } | { ok: false; reason: string };

function parsePkcs8(der: Uint8Array): KeyObject | undefined {
  try {
    return createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
  } catch {
    return undefined;
  }
}

function canonical(key: KeyObject): Uint8Array {
  return new Uint8Array(key.export({ format: 'der', type: 'pkcs8' }));
}

/** Checks imported material against the key's material parameters; on success, the form Trent stores. */
export function checkImportedMaterial(params: KeyMaterialParams, material: Uint8Array): CheckedMaterial {
  switch (params.kind) {
    case 'aes':
      return material.length === params.bytes ? { ok: true, material: Uint8Array.from(material) } : { ok: false, reason: `symmetric key material must be ${params.bytes * 8} bits (${params.bytes} bytes), not ${material.length} bytes` };
    case 'hmac': {
      const [min, max] = HMAC_BOUNDS[params.bytes] ?? [params.bytes, params.bytes];
      return material.length >= min && material.length <= max
        ? { ok: true, material: Uint8Array.from(material) }
        : { ok: false, reason: `HMAC key material for this key spec must be ${min} to ${max} bytes, not ${material.length} bytes` };
    }
    case 'rsa': {
      const key = parsePkcs8(material);
      if (key?.asymmetricKeyType !== 'rsa') return { ok: false, reason: 'RSA key material must be an RSA private key in DER-encoded PKCS #8 form' };
      const bits = key.asymmetricKeyDetails?.modulusLength;
      return bits === params.modulusBits ? { ok: true, material: canonical(key) } : { ok: false, reason: `the RSA private key has a ${bits}-bit modulus; this key spec needs ${params.modulusBits} bits` };
    }
    case 'ec': {
      const key = parsePkcs8(material);
      if (key?.asymmetricKeyType !== 'ec') return { ok: false, reason: 'ECC key material must be an EC private key in DER-encoded PKCS #8 form' };
      const curve = key.asymmetricKeyDetails?.namedCurve;
      return curve === params.curve ? { ok: true, material: canonical(key) } : { ok: false, reason: `the EC private key is on curve ${curve}; this key spec needs ${params.curve}` };
    }
    case 'ed25519': {
      const key = parsePkcs8(material);
      return key?.asymmetricKeyType === 'ed25519' ? { ok: true, material: canonical(key) } : { ok: false, reason: 'ECC_NIST_EDWARDS25519 key material must be an Ed25519 private key in DER-encoded PKCS #8 form' };
    }
    case 'ml-dsa': {
      const parsed = parseMlDsaPkcs8(material);
      return parsed?.parameterSet === params.parameterSet
        ? { ok: true, material: Uint8Array.from(material) }
        : { ok: false, reason: `ML-DSA key material must be an ML-DSA-${params.parameterSet} private key in the DER-encoded PKCS #8 seed form (RFC 9881)` };
    }
    case 'sm2':
      return { ok: false, reason: 'SM2 key material cannot be imported into Trent' };
  }
}

/** The KeyMaterialId (64 lowercase hex characters) of imported material, in the form `checkImportedMaterial` returns. */
export function importedMaterialId(keyId: string, material: Uint8Array): string {
  return createHmac('sha256', material).update(`trent:imported-key-material-id:v1\u0000${keyId}`).digest('hex');
}
