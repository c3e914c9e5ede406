export { gcmSeal, gcmOpen } from './aes-gcm.ts';
export { systemRng, type Rng } from './rng.ts';
export { keySpecInfo, KEY_SPECS, KEY_USAGES, ENCRYPTION_ALGORITHMS, type KeySpec, type KeyUsage, type EncryptionAlgorithm, type KeySpecInfo } from './key-specs.ts';
