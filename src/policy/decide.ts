/**
 * The AWS KMS authorization decision ("Troubleshooting key access", AWS KMS Developer Guide; "Policy
 * evaluation logic" and "Cross-account policy evaluation logic", IAM User Guide):
 *
 * 1. An explicit Deny in the key policy or in the caller's identity policies wins ("An explicit deny
 *    in any of these policies overrides the allow"). Grants cannot override it: "A grant can allow
 *    access to a KMS key, but not deny access", and a Deny anywhere beats any Allow.
 * 2. From another account, only some operations work at all: "Cross-account permission is
 *    effective only for the following operations: cryptographic operations, CreateGrant,
 *    DescribeKey, GetKeyRotationStatus, GetPublicKey, ListGrants, RetireGrant, RevokeGrant … If
 *    you give a user in a different account permission for other operations, those permissions
 *    have no effect."
 * 3. The key policy is the gate: "To use an IAM policy to allow access to a KMS key, the key policy
 *    must explicitly allow it." Same account: a statement naming the caller (its ARN, its role for
 *    a session, its service, or `*`) allows by itself; a statement naming the caller's account
 *    only delegates ("it lets IAM policies in the account delegate"), so an identity policy must
 *    also allow. `*` names everyone directly: "An asterisk gives every identity in every AWS
 *    account permission to use the KMS key … Users in other AWS accounts just need corresponding
 *    IAM permissions in their own accounts" (AWS KMS: key policy elements). The account root user
 *    needs no identity policy: "all requests are implicitly denied with the exception of the AWS
 *    account root user, which has full access."
 *    Another account: "Cross-account access requires permission in the key policy of the KMS key
 *    and in an IAM policy in the external user's account … Neither the key policy nor the IAM
 *    policy alone is sufficient" (the external root user again needs no IAM policy).
 * 4. Otherwise a grant for this operation allows it.
 * 5. Otherwise: implicit deny, reported as the missing resource-based or identity-based Allow.
 *
 * Without a key policy (CreateKey, ListKeys, GenerateRandom…) only identity policies apply, and the
 * account root user of the account is allowed (it has no identity policies to consult).
 */
import { buildContext, type EvalContext } from './context.ts';
import { evalStatement, statementsOf, type Request } from './evaluate.ts';
import { splitArn } from './glob.ts';
import { type Caller, resolveCaller } from './principals.ts';
import type { DecideInput, Decision, DecisionReason, FailedElement, MatchedStatement, NotMatchedStatement, Policy, StatementRef } from './types.ts';

/** The operations a principal of another account may be allowed (lower-cased IAM action names). */
export const CROSS_ACCOUNT_ACTIONS: ReadonlySet<string> = new Set(
  [
    'kms:Decrypt',
    'kms:DeriveSharedSecret',
    'kms:Encrypt',
    'kms:GenerateDataKey',
    'kms:GenerateDataKeyPair',
    'kms:GenerateDataKeyPairWithoutPlaintext',
    'kms:GenerateDataKeyWithoutPlaintext',
    'kms:GenerateMac',
    'kms:ReEncryptFrom',
    'kms:ReEncryptTo',
    'kms:Sign',
    'kms:Verify',
    'kms:VerifyMac',
    'kms:CreateGrant',
    'kms:DescribeKey',
    'kms:GetKeyRotationStatus',
    'kms:GetPublicKey',
    'kms:ListGrants',
    'kms:RetireGrant',
    'kms:RevokeGrant',
  ].map((a) => a.toLowerCase()),
);

export function decide(input: DecideInput): Decision {
  const caller = resolveCaller(input.principal);
  return decideIn(input, caller, buildContext(caller, input.context, input.now));
}

/** `decide` with a prepared caller and context (the lockout check prepares its own). */
export function decideIn(input: DecideInput, caller: Caller, ctx: EvalContext): Decision {
  const req: Request = {
    action: input.action.toLowerCase(),
    actionText: input.action,
    resource: splitArn(input.resource),
    caller,
    ctx,
  };
  const matched: MatchedStatement[] = [];
  const notMatched: NotMatchedStatement[] = [];

  let keyDeny = false;
  let keyDirect = false;
  let keyAccount = false;
  const keyPolicy = input.keyPolicy ?? null;
  if (keyPolicy) {
    for (const s of statementsOf(keyPolicy)) {
      const o = evalStatement(s, req);
      if (!o.ok) {
        notMatched.push(skipped(s.ref, o.failed, o.why));
        continue;
      }
      matched.push(applied(s.ref, o.via));
      if (!s.isAllow) keyDeny = true;
      else if (o.via === 'direct') keyDirect = true;
      else keyAccount = true;
    }
  }

  let idDeny = false;
  let idAllow = false;
  const ids = input.identityPolicies ?? [];
  for (let p = 0; p < ids.length; p++) {
    const policy: Policy = ids[p]!;
    for (const s of statementsOf(policy)) {
      const o = evalStatement(s, req);
      if (!o.ok) {
        notMatched.push(skipped(s.ref, o.failed, o.why));
        continue;
      }
      matched.push(applied(s.ref, 'identity'));
      if (s.isAllow) idAllow = true;
      else idDeny = true;
    }
  }

  if (keyDeny) return decision(false, 'explicit-deny', matched, notMatched, 'key-policy');
  if (idDeny) return decision(false, 'explicit-deny', matched, notMatched, 'identity-policy');

  const isRoot = caller.type === 'Root';
  if (!keyPolicy) {
    if (isRoot && caller.accountId === input.keyAccount) return decision(true, 'allowed-as-account-root', matched, notMatched);
    return idAllow ? decision(true, 'allowed-by-identity-policy', matched, notMatched) : decision(false, 'no-identity-policy-allows', matched, notMatched);
  }

  const isService = caller.type === 'AWSService';
  const sameAccount = isService || caller.accountId === input.keyAccount;
  if (!sameAccount && !CROSS_ACCOUNT_ACTIONS.has(req.action)) return decision(false, 'cross-account-not-permitted', matched, notMatched);

  if (sameAccount) {
    if (keyDirect || (isRoot && keyAccount)) return decision(true, 'allowed-by-key-policy', matched, notMatched);
    if (keyAccount && idAllow) return decision(true, 'allowed-by-identity-policy', matched, notMatched);
  } else if (keyDirect || keyAccount) {
    if (isRoot) return decision(true, 'allowed-by-key-policy', matched, notMatched);
    if (idAllow) return decision(true, 'allowed-by-key-and-identity-policy', matched, notMatched);
  }

  if (input.grantAllows === true) return decision(true, 'allowed-by-grant', matched, notMatched);
  return decision(false, keyDirect || keyAccount ? 'no-identity-policy-allows' : 'no-resource-policy-allows', matched, notMatched);
}

// Fixed-shape literals, not `{ ...ref, … }`: spreading into a literal with extra fields takes a
// slow generic path in V8, and this runs once per statement per request.
function skipped(r: StatementRef, failed: FailedElement, why: string): NotMatchedStatement {
  return { policy: r.policy, policyKind: r.policyKind, index: r.index, sid: r.sid, effect: r.effect, failed, why };
}

function applied(r: StatementRef, via: MatchedStatement['via']): MatchedStatement {
  return { policy: r.policy, policyKind: r.policyKind, index: r.index, sid: r.sid, effect: r.effect, via };
}

function decision(
  allowed: boolean,
  reason: DecisionReason,
  matched: MatchedStatement[],
  notMatched: NotMatchedStatement[],
  deniedBy?: 'key-policy' | 'identity-policy',
): Decision {
  return deniedBy ? { allowed, reason, deniedBy, matched, notMatched } : { allowed, reason, matched, notMatched };
}
