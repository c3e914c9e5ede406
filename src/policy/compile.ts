/**
 * A policy compiled once for evaluation: action patterns lower-cased into a Set plus Globs
 * ("The prefix and the action name are case insensitive", IAM JSON policy elements: Action),
 * resources into per-ARN-part patterns, principals into Sets, conditions into tests. Cached per
 * Policy object, so the request path does no parsing and builds no regular expression.
 */
import { compileConditions, type CompiledCondition } from './conditions.ts';
import { type Glob, globFromPattern, matchGlob } from './glob.ts';
import { type ArnPattern, compileArnPattern } from './operators.ts';
import { compilePrincipal, type CompiledPrincipal } from './principals.ts';
import type { Policy, StatementRef } from './types.ts';
import { parseTemplate } from './variables.ts';

export interface ActionMatcher {
  readonly any: boolean;
  readonly exact: ReadonlySet<string>;
  readonly globs: readonly Glob[];
}

export interface CompiledStatement {
  readonly ref: StatementRef;
  readonly isAllow: boolean;
  /** null: the statement has neither Action nor NotAction. */
  readonly actions: ActionMatcher | null;
  readonly notAction: boolean;
  /** null: neither Resource nor NotResource. */
  readonly resources: readonly ArnPattern[] | null;
  readonly notResource: boolean;
  /** null in identity policies. */
  readonly principal: CompiledPrincipal | null;
  readonly notPrincipal: boolean;
  readonly conditions: readonly CompiledCondition[];
  /** For explanations. */
  readonly actionText: string;
  readonly resourceText: string;
}

export interface CompiledPolicy {
  readonly statements: readonly CompiledStatement[];
}

const cache = new WeakMap<Policy, CompiledPolicy>();

export function compiled(policy: Policy): CompiledPolicy {
  let c = cache.get(policy);
  if (!c) {
    c = compilePolicy(policy);
    cache.set(policy, c);
  }
  return c;
}

function compilePolicy(policy: Policy): CompiledPolicy {
  // Variables exist only in the 2012-10-17 language; otherwise `${aws:username}` is literal text.
  const variables = policy.version === '2012-10-17';
  const statements = policy.statements.map((s, index): CompiledStatement => {
    const actionList = s.action ?? s.notAction;
    const resourceList = s.resource ?? s.notResource;
    const principalEl = s.principal ?? s.notPrincipal;
    return {
      ref: {
        policy: policy.name,
        policyKind: policy.kind,
        index,
        ...(s.sid !== undefined ? { sid: s.sid } : {}),
        effect: s.effect,
      },
      isAllow: s.effect === 'Allow',
      actions: actionList ? compileActions(actionList) : null,
      notAction: s.notAction !== undefined,
      resources: resourceList ? resourceList.map((r) => compileArnPattern(parseTemplate(r, variables, true))) : null,
      notResource: s.notResource !== undefined,
      principal: principalEl !== undefined ? compilePrincipal(principalEl) : null,
      notPrincipal: s.notPrincipal !== undefined,
      conditions: compileConditions(s.condition, variables),
      actionText: (actionList ?? []).join(', '),
      resourceText: (resourceList ?? []).join(', '),
    };
  });
  return { statements };
}

function compileActions(list: readonly string[]): ActionMatcher {
  const exact = new Set<string>();
  const globs: Glob[] = [];
  let any = false;
  for (const a of list) {
    const g = globFromPattern(a.toLowerCase());
    if (g.kind === 'exact') exact.add(g.text);
    else if (g.kind === 'any') any = true;
    else globs.push(g);
  }
  return { any, exact, globs };
}

/** `lowerAction` must already be lower-cased. */
export function matchAction(m: ActionMatcher, lowerAction: string): boolean {
  if (m.any || m.exact.has(lowerAction)) return true;
  for (const g of m.globs) if (matchGlob(g, lowerAction)) return true;
  return false;
}
