import { TRAITS } from '../domain/operation.ts';
import { KEY_SPECS, KEY_USAGES } from '../crypto/key-specs.ts';
import { createKey } from '../domain/lifecycle.ts';
import { multiRegionConfiguration } from '../domain/multi-region.ts';
import { S } from '../shared/validate.ts';
import { UnsupportedOperationException } from '../shared/errors.ts';
import { CustomKeyStoreIdField, defineOperation, refuseCustomKeyStore, TagsField } from './operation.ts';
import { keyMetadata } from './key-metadata.ts';

/**
 * CustomerMasterKeySpec is deprecated ("use the KeySpec parameter instead") and its model enum
 * stopped growing: the key specs added since (ECC_NIST_EDWARDS25519, ML_DSA_*) are valid only
 * as KeySpec.
 */
const CUSTOMER_MASTER_KEY_SPECS = KEY_SPECS.filter((s) => s !== 'ECC_NIST_EDWARDS25519' && !s.startsWith('ML_DSA_'));

export default defineOperation({ name: 'CreateKey', traits: TRAITS.write }, 
  {
    Policy: S.string({ min: 1, max: 131072, pattern: '[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+' }),
    Description: S.string({ min: 0, max: 8192 }),
    KeyUsage: S.string({ enum: KEY_USAGES }),
    CustomerMasterKeySpec: S.string({ enum: CUSTOMER_MASTER_KEY_SPECS }),
    KeySpec: S.string({ enum: KEY_SPECS }),
    Origin: S.string({ enum: ['AWS_KMS', 'EXTERNAL', 'AWS_CLOUDHSM', 'EXTERNAL_KEY_STORE'] as const }),
    CustomKeyStoreId: CustomKeyStoreIdField,
    BypassPolicyLockoutSafetyCheck: S.bool(),
    Tags: TagsField,
    MultiRegion: S.bool(),
    XksKeyId: S.string({ min: 1, max: 128, pattern: '^[a-zA-Z0-9-_.]+$' }),
  },
  async ({ core, call }, i) => {
    refuseCustomKeyStore(i.CustomKeyStoreId);
    // "XksKeyId: Identifies the external key that serves as key material for the KMS key in an
    // external key store" (CreateKey): only with a CustomKeyStoreId, which Trent never has.
    if (i.XksKeyId !== undefined) throw new UnsupportedOperationException('XksKeyId is valid only for a KMS key in an external key store (Origin EXTERNAL_KEY_STORE with a CustomKeyStoreId); Trent has no custom key stores.');
    const key = await createKey(core, call, {
      ...(i.Description !== undefined ? { description: i.Description } : {}),
      ...((i.KeySpec ?? i.CustomerMasterKeySpec) !== undefined ? { keySpec: (i.KeySpec ?? i.CustomerMasterKeySpec)! } : {}),
      ...(i.KeyUsage !== undefined ? { keyUsage: i.KeyUsage } : {}),
      ...(i.Policy !== undefined ? { policy: i.Policy } : {}),
      ...(i.BypassPolicyLockoutSafetyCheck !== undefined ? { bypassPolicyLockoutSafetyCheck: i.BypassPolicyLockoutSafetyCheck } : {}),
      ...(i.Tags !== undefined ? { tags: i.Tags } : {}),
      ...(i.Origin !== undefined ? { origin: i.Origin } : {}),
      ...(i.MultiRegion !== undefined ? { multiRegion: i.MultiRegion } : {}),
    });
    return { KeyMetadata: keyMetadata(key, await multiRegionConfiguration(core, key)) };
  },
);
