import { KEY_SPECS, KEY_USAGES } from '../crypto/key-specs.ts';
import { createKey } from '../domain/lifecycle.ts';
import { multiRegionConfiguration } from '../domain/multi-region.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, TagsField } from './operation.ts';
import { keyMetadata } from './key-metadata.ts';

export default defineOperation(
  {
    Policy: S.string({ min: 1, max: 131072, pattern: '^[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+$' }),
    Description: S.string({ min: 0, max: 8192 }),
    KeyUsage: S.string({ enum: KEY_USAGES }),
    CustomerMasterKeySpec: S.string({ enum: KEY_SPECS }),
    KeySpec: S.string({ enum: KEY_SPECS }),
    Origin: S.string({ enum: ['AWS_KMS', 'EXTERNAL', 'AWS_CLOUDHSM', 'EXTERNAL_KEY_STORE'] as const }),
    CustomKeyStoreId: S.string({ min: 1, max: 64 }),
    BypassPolicyLockoutSafetyCheck: S.bool(),
    Tags: TagsField,
    MultiRegion: S.bool(),
    XksKeyId: S.string({ min: 1, max: 128 }),
  },
  async ({ core, call }, i) => {
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
