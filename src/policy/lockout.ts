/**
 * The policy lockout safety check of CreateKey and PutKeyPolicy: "the principal that is making the
 * request [must be allowed] to make a subsequent PutKeyPolicy request on the KMS key" unless
 * BypassPolicyLockoutSafetyCheck is set; AWS answers MalformedPolicyDocumentException "The new key
 * policy will not allow you to update the key policy in the future." The permission may come from
 * the key policy or, through an account delegation, from an IAM policy: "The CreateKey caller can
 * get kms:PutKeyPolicy permission for the KMS key from an IAM policy or they can include this
 * permission in the key policy" (AWS KMS: customer managed policies).
 *
 * Conditions on request-time values (source IP, MFA, encryption context, …) cannot be judged now:
 * an Allow that depends on one is given the benefit of the doubt, a Deny that depends on one is not
 * counted on. Conditions on the caller's own identity (aws:PrincipalArn, kms:CallerAccount, …) and
 * on keys the caller supplies in `context` are evaluated.
 */
import { MalformedPolicyDocumentException } from '../shared/errors.ts';
import { buildContext, CALLER_KEYS } from './context.ts';
import { decideIn } from './decide.ts';
import { resolveCaller } from './principals.ts';
import type { Policy, RequestContext, RequestPrincipal } from './types.ts';

export const LOCKOUT_MESSAGE = 'The new key policy will not allow you to update the key policy in the future.';

export interface LockoutOptions {
  /** The key's ARN; when absent every Resource element is taken to match. */
  readonly keyArn?: string;
  /** The key's account (default: the caller's). */
  readonly keyAccount?: string;
  /**
   * The caller's identity policies. When absent, a statement delegating to the caller's account
   * counts as enough (the caller's IAM side is not known here).
   */
  readonly identityPolicies?: readonly Policy[];
  /** Condition keys whose values are known now; conditions on them are evaluated. */
  readonly context?: RequestContext;
}

/** The IAM side, when the caller's identity policies are not known: delegation is taken as enough. */
const ALLOW_ALL: Policy = {
  kind: 'identity',
  name: 'assumed-identity-allow',
  version: '2012-10-17',
  statements: [{ effect: 'Allow', action: ['kms:PutKeyPolicy'], resource: ['*'] }],
};

/** Would `policy` still let `principal` call kms:PutKeyPolicy on the key? */
export function lockoutSafetyCheck(policy: Policy, principal: RequestPrincipal, opts: LockoutOptions = {}): boolean {
  const caller = resolveCaller(principal);
  const ctx = buildContext(caller, opts.context, undefined);
  ctx.known = new Set([...CALLER_KEYS, ...Object.keys(opts.context ?? {}).map((k) => k.toLowerCase())]);
  ctx.anyResource = opts.keyArn === undefined;
  const decision = decideIn(
    {
      action: 'kms:PutKeyPolicy',
      resource: opts.keyArn ?? '*',
      keyAccount: opts.keyAccount ?? principal.accountId,
      principal,
      keyPolicy: policy,
      identityPolicies: opts.identityPolicies ?? [ALLOW_ALL],
      grantAllows: false,
    },
    caller,
    ctx,
  );
  return decision.allowed;
}

/** Throws AWS's MalformedPolicyDocumentException when the policy would lock the caller out. */
export function assertLockoutSafe(policy: Policy, principal: RequestPrincipal, opts: LockoutOptions = {}): void {
  if (!lockoutSafetyCheck(policy, principal, opts)) throw new MalformedPolicyDocumentException(LOCKOUT_MESSAGE);
}
