import { TRAITS } from '../domain/operation.ts';
import { createGrant, GRANT_OPERATIONS, grantToken } from '../domain/grants.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, DryRunField, EncryptionContextField, GrantTokensField, KeyIdField } from './operation.ts';

export const PrincipalField = S.string({ min: 1, max: 256, pattern: '^[\\w+=,.@:/-]+$' });

export default defineOperation({ name: 'CreateGrant', traits: TRAITS.write }, 
  {
    KeyId: KeyIdField,
    GranteePrincipal: { ...PrincipalField, required: true as const },
    RetiringPrincipal: PrincipalField,
    Operations: S.list(S.string({ enum: GRANT_OPERATIONS }), { required: true }),
    Constraints: S.struct({ EncryptionContextSubset: EncryptionContextField, EncryptionContextEquals: EncryptionContextField }),
    GrantTokens: GrantTokensField,
    Name: S.string({ min: 1, max: 256, pattern: '^[a-zA-Z0-9:/_-]+$' }),
    DryRun: DryRunField,
  },
  async ({ core, call }, i) => {
    const g = await createGrant(core, call, {
      keyId: i.KeyId,
      granteePrincipal: i.GranteePrincipal,
      ...(i.RetiringPrincipal !== undefined ? { retiringPrincipal: i.RetiringPrincipal } : {}),
      operations: i.Operations,
      ...(i.Constraints && (i.Constraints.EncryptionContextEquals || i.Constraints.EncryptionContextSubset) ? { constraints: i.Constraints } : {}),
      ...(i.Name !== undefined ? { name: i.Name } : {}),
      ...(i.DryRun ? { dryRun: true } : {}),
    });
    return { GrantToken: grantToken(g), GrantId: g.grantId };
  },
);
