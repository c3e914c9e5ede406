/** The GrantListEntry structure of ListGrants / ListRetirableGrants. */
import type { GrantRecord } from '../domain/types.ts';

export function grantEntry(g: GrantRecord, keyArn: string): Record<string, unknown> {
  return {
    KeyId: keyArn,
    GrantId: g.grantId,
    ...(g.name !== undefined ? { Name: g.name } : {}),
    CreationDate: new Date(g.createdAt),
    GranteePrincipal: g.granteePrincipal,
    ...(g.retiringPrincipal !== undefined ? { RetiringPrincipal: g.retiringPrincipal } : {}),
    IssuingAccount: g.issuingAccount,
    Operations: g.operations,
    ...(g.constraints ? { Constraints: g.constraints } : {}),
  };
}
