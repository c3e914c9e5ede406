/**
 * The request context as the evaluator sees it: condition keys lower-cased ("Key names are
 * case-insensitive. For example, aws:CurrentTime is equivalent to AWS:currenttime", IAM policy
 * variables; and for KMS "the condition key … is not case sensitive", AWS KMS condition keys,
 * kms:EncryptionContext), plus the keys AWS fills in from the caller and the clock.
 *
 * Values given by the caller of `decide` win over derived ones. Derived keys are computed only
 * when a policy asks for them, so a request pays for the keys its policies use.
 */
import type { Caller } from './principals.ts';
import type { RequestContext } from './types.ts';

export type ContextValue = string | readonly string[];

export class EvalContext {
  /** Keys given with the request, lower-cased. */
  readonly values = new Map<string, ContextValue>();
  /**
   * Keys given more than once in spellings that differ only by case (an encryption context
   * `{"tenant":"alice","TENANT":"bob"}` gives `kms:EncryptionContext:tenant` and
   * `kms:EncryptionContext:TENANT`): lower-cased key → one value per spelling. Condition key
   * names are case-insensitive, so a condition on such a key cannot tell which value it is
   * about; it is evaluated against each of them (conditions.ts). `values` holds all of them as
   * one multivalued key, which a policy variable cannot use ("You can't use a multivalued
   * condition key as a variable").
   */
  readonly ambiguous = new Map<string, ContextValue[]>();
  /**
   * Lockout mode: condition keys whose values are known. A condition on any other key is
   * "unknown": an Allow statement is given the benefit of the doubt, a Deny statement is not
   * applied. null in normal evaluation.
   */
  known: ReadonlySet<string> | null = null;
  /** Lockout mode without a key ARN: every Resource matches. */
  anyResource = false;

  constructor(
    private readonly caller: Caller,
    private readonly nowMs: number | undefined,
  ) {}

  /** The value of a lower-cased key, or undefined when the request has none. */
  get(key: string): ContextValue | undefined {
    const v = this.values.get(key);
    return v !== undefined ? v : this.derived(key);
  }

  private derived(key: string): string | undefined {
    const c = this.caller;
    const service = c.type === 'AWSService';
    switch (key) {
      case 'aws:principalarn':
        // aws:PrincipalArn of a role session is the role's ARN, not the session's (AWS global condition keys).
        return service ? undefined : c.type === 'AssumedRole' ? c.roleArn : c.arn;
      case 'aws:principalaccount':
      case 'kms:calleraccount':
        return service || c.accountId === '' ? undefined : c.accountId;
      case 'aws:principaltype':
        return service ? undefined : PRINCIPAL_TYPE[c.type];
      case 'aws:userid':
        return service ? undefined : c.userid;
      case 'aws:username':
        return service ? undefined : c.username;
      case 'aws:principalservicename':
        return service ? c.arn : undefined;
      case 'aws:currenttime':
        return this.nowMs === undefined ? undefined : new Date(this.nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
      case 'aws:epochtime':
        return this.nowMs === undefined ? undefined : String(Math.floor(this.nowMs / 1000));
      default:
        return undefined;
    }
  }
}

/** The keys derived from the caller, lower-cased; all of them count as "known" in lockout mode. */
export const CALLER_KEYS: readonly string[] = [
  'aws:principalarn',
  'aws:principalaccount',
  'aws:principaltype',
  'aws:userid',
  'aws:username',
  'aws:principalservicename',
  'kms:calleraccount',
];

export function buildContext(caller: Caller, given: RequestContext | undefined, now: number | Date | undefined): EvalContext {
  const ctx = new EvalContext(caller, now === undefined ? undefined : typeof now === 'number' ? now : now.getTime());
  if (given) {
    const v = ctx.values;
    for (const k of Object.keys(given)) {
      const val: unknown = given[k];
      if (val === undefined || val === null) continue;
      // Values are strings; a number or boolean from a JavaScript caller is read as its text.
      const value: ContextValue = typeof val === 'string' ? val : Array.isArray(val) ? val.map(String) : String(val);
      const lk = k.toLowerCase();
      const before = v.get(lk);
      if (before === undefined) {
        v.set(lk, value);
        continue;
      }
      // A second spelling of the same key: keep every value, never let the last one win.
      let alternatives = ctx.ambiguous.get(lk);
      if (!alternatives) ctx.ambiguous.set(lk, (alternatives = [before]));
      alternatives.push(value);
      v.set(lk, alternatives.flatMap((a) => (typeof a === 'string' ? [a] : a)));
    }
  }
  return ctx;
}

/** aws:PrincipalType values: "Account | User | FederatedUser | AssumedRole | Anonymous" (AWS global condition context keys). */
const PRINCIPAL_TYPE: Record<Caller['type'], string | undefined> = {
  Root: 'Account',
  IAMUser: 'User',
  AssumedRole: 'AssumedRole',
  FederatedUser: 'FederatedUser',
  AWSService: undefined,
};
