import { TRAITS } from '../domain/operation.ts';
import { revokeGrant } from '../domain/grants.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, DryRunField, KeyIdField } from './operation.ts';

export default defineOperation(
  { name: 'RevokeGrant', traits: TRAITS.write, key: { member: 'KeyId', alias: false, action: 'kms:RevokeGrant', state: 'any' } },
  { KeyId: KeyIdField, GrantId: S.string({ required: true, min: 1, max: 128 }), DryRun: DryRunField },
  async ({ core }, i, key) => {
    await revokeGrant(core, key, { grantId: i.GrantId, ...(i.DryRun ? { dryRun: true } : {}) });
    return {};
  },
);
