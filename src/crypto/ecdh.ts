/**
 * ECDH (NIST SP 800-56A, the raw shared secret: the x-coordinate of d·Q), as DeriveSharedSecret
 * returns it and `openssl pkeyutl -derive` computes it.
 */
import { createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';

/** The peer's DER SubjectPublicKeyInfo, if it is an EC key on the same curve as `privateKey`; else undefined. */
export function peerPublicKey(privateKey: KeyObject, spki: Uint8Array): KeyObject | undefined {
  let peer: KeyObject;
  try {
    peer = createPublicKey({ key: Buffer.from(spki.buffer, spki.byteOffset, spki.length), format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
  if (peer.asymmetricKeyType !== 'ec' || peer.asymmetricKeyDetails?.namedCurve !== privateKey.asymmetricKeyDetails?.namedCurve) return undefined;
  return peer;
}

export function ecdhSharedSecret(privateKey: KeyObject, peer: KeyObject): Uint8Array {
  const secret = diffieHellman({ privateKey, publicKey: peer });
  return new Uint8Array(secret.buffer, secret.byteOffset, secret.length);
}
