/**
 * Words for a decision: the AccessDeniedException message AWS sends, and a multi-line explanation
 * for Trent's operator `explain` command.
 *
 * "Most access denied error messages appear in the format `User user is not authorized to perform
 * action on resource because context` … When a policy explicitly denies access … AWS includes the
 * phrase `with an explicit deny in a type policy` … When the policy implicitly denies access, then
 * AWS includes the phrase `because no type policy allows the action action`" (IAM: Troubleshooting
 * access denied error messages). AWS KMS says, for example: `User:
 * arn:aws:iam::111122223333:user/alice is not authorized to perform: kms:Decrypt on resource:
 * arn:aws:kms:…:key/… because no resource-based policy allows the kms:Decrypt action`.
 */
import type { DecideInput, Decision, StatementRef } from './types.ts';

export function accessDeniedMessage(decision: Decision, input: Pick<DecideInput, 'action' | 'resource' | 'principal'>): string {
  if (decision.allowed) throw new TypeError('accessDeniedMessage: the decision allows the request');
  const head = `User: ${input.principal.arn} is not authorized to perform: ${input.action} on resource: ${input.resource}`;
  switch (decision.reason) {
    case 'explicit-deny':
      return `${head} with an explicit deny in ${decision.deniedBy === 'identity-policy' ? 'an identity-based' : 'a resource-based'} policy`;
    case 'no-identity-policy-allows':
      return `${head} because no identity-based policy allows the ${input.action} action`;
    default:
      // no-resource-policy-allows, and cross-account-not-permitted (the key policy cannot grant that operation to another account).
      return `${head} because no resource-based policy allows the ${input.action} action`;
  }
}

const REASON_TEXT: Record<Decision['reason'], string> = {
  'explicit-deny': 'an explicit Deny applies',
  'allowed-by-key-policy': 'the key policy allows the caller',
  'allowed-by-identity-policy': 'the key policy delegates to the account and an identity policy allows',
  'allowed-by-key-and-identity-policy': 'cross-account: the key policy allows the caller\'s account and its identity policy allows',
  'allowed-by-grant': 'a grant allows the operation',
  'allowed-as-account-root': 'no key policy is involved and the caller is the account root user',
  'no-resource-policy-allows': 'no key policy statement allows the caller',
  'no-identity-policy-allows': 'the key policy only delegates to the account, and no identity policy allows',
  'cross-account-not-permitted': 'this operation cannot be allowed to a principal of another account',
};

function label(s: StatementRef): string {
  const where = s.policyKind === 'key' ? `key policy "${s.policy}"` : `identity policy "${s.policy}"`;
  return `${where} statement ${s.index + 1}${s.sid ? ` (Sid "${s.sid}")` : ''} ${s.effect}`;
}

/** Text for `trent explain`: verdict, reason, then every statement and what it did. */
export function explainDecision(decision: Decision): string {
  const lines = [
    `${decision.allowed ? 'ALLOWED' : 'DENIED'}: ${REASON_TEXT[decision.reason]}${decision.deniedBy ? ` (in the ${decision.deniedBy === 'key-policy' ? 'key policy' : 'identity policies'})` : ''}`,
  ];
  for (const m of decision.matched) {
    const via = m.via === 'account' ? 'names the caller\'s account' : m.via === 'direct' ? 'names the caller' : 'applies';
    lines.push(`  matched  ${label(m)}: ${via}`);
  }
  for (const n of decision.notMatched) lines.push(`  skipped  ${label(n)}: ${n.why}`);
  return lines.join('\n');
}
