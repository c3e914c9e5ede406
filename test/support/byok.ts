/**
 * The client's side of importing key material, on node:crypto: wrap material under the public
 * key GetParametersForImport returned, as AWS's documentation does it with OpenSSL.
 * RSAES_OAEP_*: RSAES-OAEP with MGF1 over the same hash. RSA_AES_KEY_WRAP_*: a fresh 256-bit AES
 * key, RSAES-OAEP-encrypted, followed by the material under AES Key Wrap with Padding (RFC 5649).
 */
import { constants, createCipheriv, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';

export type ClientWrappingAlgorithm = 'RSAES_OAEP_SHA_1' | 'RSAES_OAEP_SHA_256' | 'RSA_AES_KEY_WRAP_SHA_1' | 'RSA_AES_KEY_WRAP_SHA_256';

export function wrapForImport(publicKeyDer: Uint8Array, algorithm: ClientWrappingAlgorithm, material: Uint8Array): Uint8Array {
  const key = createPublicKey({ key: Buffer.from(publicKeyDer), format: 'der', type: 'spki' });
  const oaepHash = algorithm.endsWith('SHA_1') ? 'sha1' : 'sha256';
  const oaep = (data: Uint8Array) => publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, data);
  if (algorithm.startsWith('RSAES_OAEP')) return new Uint8Array(oaep(material));
  const aesKey = randomBytes(32);
  const c = createCipheriv('id-aes256-wrap-pad', aesKey, Buffer.from('a65959a6', 'hex'));
  const wrapped = Buffer.concat([c.update(material), c.final()]);
  return new Uint8Array(Buffer.concat([oaep(aesKey), wrapped]));
}
