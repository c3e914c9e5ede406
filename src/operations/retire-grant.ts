import { TRAITS } from '../domain/operation.ts';
import { retireGrant } from '../domain/grants.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, DryRunField, OptionalKeyIdField } from './operation.ts';

export default defineOperation({ name: 'RetireGrant', traits: TRAITS.write }, 
  { GrantToken: S.string({ min: 1, max: 8192 }), KeyId: OptionalKeyIdField, GrantId: S.string({ min: 1, max: 128 }), DryRun: DryRunField },
  async ({ core, call }, i) => {
    await retireGrant(core, call, {
      ...(i.GrantToken !== undefined ? { grantToken: i.GrantToken } : {}),
      ...(i.KeyId !== undefined ? { keyId: i.KeyId } : {}),
      ...(i.GrantId !== undefined ? { grantId: i.GrantId } : {}),
      ...(i.DryRun ? { dryRun: true } : {}),
    });
    return {};
  },
);
