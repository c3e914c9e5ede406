/**
 * The AWS KMS authorization decision: the key policy (parsed once per key version), the caller's
 * identity policies and the key's grants, evaluated by `policy/` as AWS documents it
 * ("Determining access to an AWS KMS key"). A denial carries AWS's message; the full explanation
 * goes to the debug log.
 */
import { accessDeniedMessage, assertLockoutSafe, decide, explainDecision, parsePolicy } from '../policy/index.ts';
import type { Policy, RequestPrincipal } from '../policy/types.ts';
import { AccessDeniedException } from '../shared/errors.ts';
import type { Authorizer, AuthzRequest } from './authorizer.ts';
import { grantsAllow, type GrantReader } from './grants.ts';
import type { Clock, KeyStore } from './ports.ts';
import type { KeyRecord, Principal } from './types.ts';

/** Where identity-based policies and known principals come from (the identities file). */
export interface IdentityPolicies {
  policiesFor(principalArn: string, roleArn?: string): Policy[];
  knows(arn: string): boolean;
}

export function roleArnOf(p: Principal): string | undefined {
  const s = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(p.arn);
  return s ? `arn:${s[1]}:iam::${s[2]}:role/${s[3]}` : undefined;
}

export function requestPrincipal(p: Principal): RequestPrincipal {
  const roleArn = roleArnOf(p);
  return { arn: p.arn, accountId: p.accountId, type: p.type, userid: p.userId, ...(roleArn ? { roleArn } : {}) };
}

export interface PolicyAuthorizerDeps {
  identities: () => IdentityPolicies;
  /** Where the key's grants and aliases are read (grants allow; kms:ResourceAliases). */
  store: GrantReader & Pick<KeyStore, 'listAliases'>;
  clock: Clock;
  partition: string;
  /** Called with the explanation of every denial (the server's debug log). */
  onDeny?: (explanation: string) => void;
}

const resourceAliasesMention = new WeakMap<Policy, boolean>();
function mentionsResourceAliases(p: Policy): boolean {
  let hit = resourceAliasesMention.get(p);
  if (hit === undefined) resourceAliasesMention.set(p, (hit = JSON.stringify(p).toLowerCase().includes('kms:resourcealiases')));
  return hit;
}

export class PolicyAuthorizer implements Authorizer {
  readonly #deps: PolicyAuthorizerDeps;
  readonly #policies = new Map<string, { version: number; text: string; policy: Policy }>();

  constructor(deps: PolicyAuthorizerDeps) {
    this.#deps = deps;
  }

  keyPolicy(key: KeyRecord): Policy {
    const hit = this.#policies.get(key.keyId);
    if (hit && hit.version === key.version && hit.text === key.policy) return hit.policy;
    const policy = parsePolicy(key.policy, { partition: this.#deps.partition });
    if (this.#policies.size > 50_000) this.#policies.clear();
    this.#policies.set(key.keyId, { version: key.version, text: key.policy, policy });
    return policy;
  }

  checkKeyPolicy(text: string, p: { principal: Principal; keyArn?: string; keyAccount: string; bypassLockoutCheck: boolean }): void {
    const ids = this.#deps.identities();
    // "The principals in the key policy must exist and be visible to AWS KMS" (PutKeyPolicy reference).
    const policy = parsePolicy(text, { partition: this.#deps.partition, isKnownPrincipal: (arn) => ids.knows(arn) });
    if (p.bypassLockoutCheck) return;
    assertLockoutSafe(policy, requestPrincipal(p.principal), {
      ...(p.keyArn ? { keyArn: p.keyArn } : {}),
      keyAccount: p.keyAccount,
      identityPolicies: ids.policiesFor(p.principal.arn, roleArnOf(p.principal)),
    });
  }

  async authorize(req: AuthzRequest): Promise<void> {
    const p = req.principal;
    const roleArn = roleArnOf(p);
    const identityPolicies = this.#deps.identities().policiesFor(p.arn, roleArn);
    const operation = req.action.startsWith('kms:') ? req.action.slice(4) : req.action;
    const context: Record<string, string | readonly string[]> = {
      ...req.conditions,
      'kms:CallerAccount': p.accountId,
      ...(req.key ? { 'kms:KeySpec': req.key.keySpec, 'kms:KeyUsage': req.key.keyUsage, 'kms:KeyOrigin': req.key.origin } : {}),
      ...(req.key && req.key.tags.length ? Object.fromEntries(req.key.tags.map((t) => [`aws:ResourceTag/${t.TagKey}`, t.TagValue])) : {}),
    };
    // kms:ResourceAliases ("AWS KMS condition keys"): the aliases of the key, multi-valued, for
    // operations on a KMS key. Read from the store only when a policy of this decision names the
    // key, so other requests pay no alias lookup. AWS documents the key for IAM policies; a key
    // policy that names it is given the same value, so that its statements (a Deny above all)
    // apply whoever calls, not only callers whose own identity policies happen to name the key.
    const keyPolicy = req.key ? this.keyPolicy(req.key) : null;
    if (req.key && ((keyPolicy && mentionsResourceAliases(keyPolicy)) || identityPolicies.some(mentionsResourceAliases))) {
      const aliases = await this.#deps.store.listAliases(req.key.account, req.key.region, { keyId: req.key.keyId, limit: 1000 });
      if (aliases.length) context['kms:ResourceAliases'] = aliases.map((a) => a.aliasName);
    }
    const input = {
      action: req.action,
      resource: req.resource,
      keyAccount: req.key?.account ?? p.accountId,
      principal: requestPrincipal(p),
      context,
      keyPolicy,
      identityPolicies,
      grantAllows: false,
      now: this.#deps.clock.now(),
    };
    // Grants are the last resort of the decision (decide.ts): look them up only when the
    // policies alone do not allow. A key may hold 50,000 grants; reading them all on every
    // request the key policy already allows made each call on such a key cost O(grants).
    let decision = decide(input);
    if (decision.allowed) return;
    if (req.key && (await grantsAllow(this.#deps.store, req.key, p, operation, req.encryptionContext, req.grantTokens ?? [], req.newGrant))) {
      input.grantAllows = true;
      decision = decide(input);
      if (decision.allowed) return;
    }
    this.#deps.onDeny?.(`denied ${req.action} on ${req.resource} for ${p.arn}:\n${explainDecision(decision)}`);
    throw new AccessDeniedException(accessDeniedMessage(decision, input));
  }
}
