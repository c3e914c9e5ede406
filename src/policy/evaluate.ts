/**
 * Does one statement apply to a request? A statement applies when its action, principal,
 * resource and every condition match; the first element that fails is reported, in that order,
 * for the operator-facing explanation.
 */
import { compiled, matchAction, type CompiledStatement } from './compile.ts';
import { describeValue, evalCondition } from './conditions.ts';
import type { EvalContext } from './context.ts';
import type { SplitArn } from './glob.ts';
import { matchArnPattern } from './operators.ts';
import { type Caller, matchPrincipal, notPrincipalExcludes } from './principals.ts';
import type { FailedElement, Policy } from './types.ts';

export interface Request {
  /** Lower-cased action. */
  readonly action: string;
  /** As given, for messages. */
  readonly actionText: string;
  readonly resource: SplitArn;
  readonly caller: Caller;
  readonly ctx: EvalContext;
}

export type Outcome =
  | { readonly ok: true; readonly via: 'direct' | 'account' | 'identity' }
  | { readonly ok: false; readonly failed: FailedElement; readonly why: string };

const DIRECT: Outcome = { ok: true, via: 'direct' };
const ACCOUNT: Outcome = { ok: true, via: 'account' };
const IDENTITY: Outcome = { ok: true, via: 'identity' };

export function evalStatement(s: CompiledStatement, r: Request): Outcome {
  if (s.actions === null) return fail('incomplete', 'the statement has no Action or NotAction, so it applies to nothing');
  if (s.resources === null) return fail('incomplete', 'the statement has no Resource or NotResource, so it applies to nothing');
  if (s.principal === null && s.ref.policyKind === 'key') return fail('incomplete', 'the key policy statement names no Principal, so it applies to nothing');

  if (matchAction(s.actions, r.action) === s.notAction) {
    return fail('action', s.notAction ? `action ${r.actionText} is excluded by NotAction [${s.actionText}]` : `action ${r.actionText} is not in Action [${s.actionText}]`);
  }

  let via: Outcome = IDENTITY;
  if (s.principal !== null) {
    if (s.notPrincipal) {
      if (notPrincipalExcludes(s.principal, r.caller)) return fail('principal', `principal ${r.caller.arn} is excluded by NotPrincipal [${s.principal.text}]`);
      via = DIRECT;
    } else {
      const hit = matchPrincipal(s.principal, r.caller);
      if (hit === null) return fail('principal', `principal ${r.caller.arn} is not named in Principal [${s.principal.text}]`);
      via = hit === 'direct' ? DIRECT : ACCOUNT;
    }
  }

  if (r.ctx.anyResource) {
    // Lockout check without the key's ARN: an Allow may cover the key; a Deny is counted on only
    // when it covers every resource.
    if (!s.isAllow && (s.notResource || !s.resources.some((p) => p.any))) {
      return fail('resource', 'the key ARN is not known yet; a Deny on specific resources is not counted on');
    }
  } else {
    let hit = false;
    for (const p of s.resources) {
      if (matchArnPattern(p, r.resource, r.ctx)) {
        hit = true;
        break;
      }
    }
    if (hit === s.notResource) {
      return fail('resource', s.notResource ? `resource ${r.resource.text} is excluded by NotResource [${s.resourceText}]` : `resource ${r.resource.text} is not in Resource [${s.resourceText}]`);
    }
  }

  const known = r.ctx.known;
  for (const c of s.conditions) {
    if (known !== null && !known.has(c.lkey)) {
      // Lockout check: a condition on a request-time value may hold later for an Allow, and a
      // Deny that depends on one cannot be counted on to apply.
      if (s.isAllow) continue;
      return fail('condition', `condition ${c.operator} ${c.key} depends on the request; a Deny is not counted on`);
    }
    if (!evalCondition(c, r.ctx, s.isAllow)) return fail('condition', `condition ${c.operator} ${c.key} failed (${describeValue(r.ctx, c.lkey)})`);
  }
  return via;
}

function fail(failed: FailedElement, why: string): Outcome {
  return { ok: false, failed, why };
}

export function statementsOf(p: Policy): readonly CompiledStatement[] {
  return compiled(p).statements;
}
