/**
 * Role trust policies (IAM's AssumeRolePolicyDocument) and the sts:AssumeRole decision.
 *
 * A trust policy is a resource-based policy on the role, in the same language as a key policy:
 * every statement names a Principal and an Action; it has no Resource ("Has prohibited field
 * Resource", IAM), since the resource is the role itself.
 *
 * The decision follows IAM's policy evaluation logic (IAM User Guide, "Policy evaluation logic",
 * "Cross-account policy evaluation logic", and STS AssumeRole: "To allow a user to assume a role
 * in the same account, you can do either of the following: Attach a policy to the user that
 * allows the user to call AssumeRole (as long as the role's trust policy trusts the account).
 * Add the user as a principal directly in the role's trust policy."; "A user who wants to access
 * a role in a different account must also have permissions that are delegated from the account
 * administrator"):
 * - an explicit Deny in the trust policy or in the caller's identity policies refuses;
 * - same account: a trust statement naming the caller (its ARN, its role for a session, or `*`)
 *   allows by itself; one naming only the caller's account delegates to IAM, so an identity
 *   policy must allow too (the account root user, which has no identity policies, excepted);
 * - another account: the trust policy must name the caller or its account AND the caller's
 *   identity policy must allow sts:AssumeRole on the role; neither alone is enough.
 */
import { compiled } from './compile.ts';
import { buildContext } from './context.ts';
import { evalStatement, statementsOf, type Request } from './evaluate.ts';
import { splitArn } from './glob.ts';
import { parsePolicy, type ParseOptions } from './parse.ts';
import { resolveCaller } from './principals.ts';
import { MalformedPolicyDocumentException } from '../shared/errors.ts';
import type { Decision, DecisionReason, MatchedStatement, NotMatchedStatement, Policy, RequestContext, RequestPrincipal } from './types.ts';

/** Parses a role's trust policy; throws MalformedPolicyDocumentException as IAM would refuse it. */
export function parseTrustPolicy(text: string, opts: ParseOptions = {}): Policy {
  const parsed = parsePolicy(text, { ...opts, name: opts.name ?? 'trust-policy' });
  parsed.statements.forEach((s, i) => {
    if (s.resource !== undefined || s.notResource !== undefined) throw new MalformedPolicyDocumentException(`Statement ${i + 1}: Has prohibited field Resource (a trust policy's resource is its role).`);
    if (s.action === undefined && s.notAction === undefined) throw new MalformedPolicyDocumentException(`Statement ${i + 1}: Missing required field Action.`);
  });
  // The evaluator matches a statement's Resource; a trust statement's resource is always its role.
  const policy: Policy = Object.freeze({ ...parsed, statements: Object.freeze(parsed.statements.map((s) => Object.freeze({ ...s, resource: Object.freeze(['*']) }))) });
  compiled(policy);
  return policy;
}

export interface AssumeRoleInput {
  readonly roleArn: string;
  readonly roleAccount: string;
  readonly principal: RequestPrincipal;
  readonly trustPolicy: Policy;
  readonly identityPolicies: readonly Policy[];
  /** sts:ExternalId, sts:RoleSessionName, aws:SourceIp … */
  readonly context?: RequestContext;
  readonly now?: number | Date;
}

export function decideAssumeRole(input: AssumeRoleInput): Decision {
  const caller = resolveCaller(input.principal);
  const req: Request = { action: 'sts:assumerole', actionText: 'sts:AssumeRole', resource: splitArn(input.roleArn), caller, ctx: buildContext(caller, input.context, input.now) };
  const matched: MatchedStatement[] = [];
  const notMatched: NotMatchedStatement[] = [];
  let trustDeny = false;
  let trustDirect = false;
  let trustAccount = false;
  for (const s of statementsOf(input.trustPolicy)) {
    const o = evalStatement(s, req);
    if (!o.ok) {
      notMatched.push({ policy: s.ref.policy, policyKind: s.ref.policyKind, index: s.ref.index, sid: s.ref.sid, effect: s.ref.effect, failed: o.failed, why: o.why });
      continue;
    }
    matched.push({ policy: s.ref.policy, policyKind: s.ref.policyKind, index: s.ref.index, sid: s.ref.sid, effect: s.ref.effect, via: o.via });
    if (!s.isAllow) trustDeny = true;
    else if (o.via === 'direct') trustDirect = true;
    else trustAccount = true;
  }
  let idDeny = false;
  let idAllow = false;
  for (const p of input.identityPolicies) {
    for (const s of statementsOf(p)) {
      const o = evalStatement(s, req);
      if (!o.ok) {
        notMatched.push({ policy: s.ref.policy, policyKind: s.ref.policyKind, index: s.ref.index, sid: s.ref.sid, effect: s.ref.effect, failed: o.failed, why: o.why });
        continue;
      }
      matched.push({ policy: s.ref.policy, policyKind: s.ref.policyKind, index: s.ref.index, sid: s.ref.sid, effect: s.ref.effect, via: 'identity' });
      if (s.isAllow) idAllow = true;
      else idDeny = true;
    }
  }
  const out = (allowed: boolean, reason: DecisionReason, deniedBy?: 'key-policy' | 'identity-policy'): Decision =>
    deniedBy ? { allowed, reason, deniedBy, matched, notMatched } : { allowed, reason, matched, notMatched };
  if (trustDeny) return out(false, 'explicit-deny', 'key-policy');
  if (idDeny) return out(false, 'explicit-deny', 'identity-policy');
  const trusted = trustDirect || trustAccount;
  if (!trusted) return out(false, 'no-resource-policy-allows');
  if (caller.accountId === input.roleAccount) {
    if (trustDirect) return out(true, 'allowed-by-key-policy');
    if (caller.type === 'Root') return out(true, 'allowed-as-account-root');
    return idAllow ? out(true, 'allowed-by-identity-policy') : out(false, 'no-identity-policy-allows');
  }
  // Another account: "Roles may not be assumed by root accounts" (STS), and IAM must allow it too.
  if (caller.type === 'Root') return out(false, 'cross-account-not-permitted');
  return idAllow ? out(true, 'allowed-by-key-and-identity-policy') : out(false, 'no-identity-policy-allows');
}
