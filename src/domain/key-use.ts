/** What the operations on a key check of the algorithm a request names, once the key is authorized. */
import { InvalidKeyUsageException } from '../shared/errors.ts';
import type { KeyRecord } from './types.ts';

/** "Algorithm HMAC_SHA_512 is incompatible with key spec HMAC_256." (recorded against AWS). */
export function incompatibleAlgorithm(algorithm: string, key: KeyRecord): InvalidKeyUsageException {
  return new InvalidKeyUsageException(`Algorithm ${algorithm} is incompatible with key spec ${key.keySpec}.`);
}
