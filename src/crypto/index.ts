export { gcmSeal, gcmOpen } from './aes-gcm.ts';
export { systemRng, type Rng } from './rng.ts';
export {
  keySpecInfo, signingAlgorithmInfo, encryptionAlgorithmInfo, macAlgorithmInfo, rsaMaxPlaintext, isAsymmetric,
  KEY_SPECS, KEY_USAGES, ENCRYPTION_ALGORITHMS, SIGNING_ALGORITHMS, MAC_ALGORITHMS, KEY_AGREEMENT_ALGORITHMS, MESSAGE_TYPES, DATA_KEY_PAIR_SPECS,
  type KeySpec, type KeyUsage, type EncryptionAlgorithm, type SigningAlgorithm, type MacAlgorithm, type KeyAgreementAlgorithm, type MessageType,
  type DataKeyPairSpec, type KeySpecInfo, type SigningAlgorithmInfo, type EncryptionAlgorithmInfo, type MacAlgorithmInfo, type KeyMaterialParams,
} from './key-specs.ts';
export { generateKeyMaterial, privateKeyOf, publicKeyOf, publicKeyDer, signingKeyOf, verifyingKeyOf, type SigningKey, type VerifyingKey } from './key-material.ts';
export { signMessage, verifyMessage } from './signatures.ts';
export { oaepEncrypt, oaepDecrypt } from './rsa-oaep.ts';
export { hmac, hmacVerify } from './hmac.ts';
export { peerPublicKey, ecdhSharedSecret } from './ecdh.ts';
export { wrappingAlgorithmInfo, wrappingKeySpecInfo, generateWrappingKeyPair, unwrapKeyMaterial, WRAPPING_ALGORITHMS, WRAPPING_KEY_SPECS, type WrappingAlgorithm, type WrappingKeySpec } from './import-wrapping.ts';
export { checkImportedMaterial, importedMaterialId } from './imported-material.ts';
