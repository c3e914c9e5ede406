import { TRAITS } from '../domain/operation.ts';
import { multiRegionConfiguration, replicateKey } from '../domain/multi-region.ts';
import { S } from '../shared/validate.ts';
import { keyMetadata } from './key-metadata.ts';
import { defineOperation, KeyIdField, TagsField } from './operation.ts';

/** A Region id as the KMS model constrains it (ReplicateKey's ReplicaRegion, UpdatePrimaryRegion's PrimaryRegion). */
export const RegionField = S.string({ required: true, min: 1, max: 32, pattern: '^([a-z]+-){2,3}\\d+$' });

export default defineOperation({ name: 'ReplicateKey', traits: TRAITS.write }, 
  {
    KeyId: KeyIdField,
    ReplicaRegion: RegionField,
    Policy: S.string({ min: 1, max: 131072, pattern: '[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+' }),
    BypassPolicyLockoutSafetyCheck: S.bool(),
    Description: S.string({ min: 0, max: 8192 }),
    Tags: TagsField,
  },
  async ({ core, call }, i) => {
    const replica = await replicateKey(core, call, {
      keyId: i.KeyId,
      replicaRegion: i.ReplicaRegion,
      ...(i.Policy !== undefined ? { policy: i.Policy } : {}),
      ...(i.BypassPolicyLockoutSafetyCheck !== undefined ? { bypassPolicyLockoutSafetyCheck: i.BypassPolicyLockoutSafetyCheck } : {}),
      ...(i.Description !== undefined ? { description: i.Description } : {}),
      ...(i.Tags !== undefined ? { tags: i.Tags } : {}),
    });
    // Recorded against AWS: the answer shows the replica as it starts, KeyState Creating, not
    // enabled and without CurrentKeyMaterialId. Trent's replica is usable at once (DescribeKey
    // shows it Enabled), so a client that waits for Enabled goes on immediately.
    const md = keyMetadata(replica, await multiRegionConfiguration(core, replica));
    delete md.CurrentKeyMaterialId;
    return {
      ReplicaKeyMetadata: { ...md, KeyState: 'Creating', Enabled: false },
      ReplicaPolicy: replica.policy,
      ReplicaTags: replica.tags,
    };
  },
);
