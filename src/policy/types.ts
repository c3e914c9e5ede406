/**
 * The shapes of the policy library: a parsed policy (validated, normalised, JSON-like so it can be
 * shown back to an operator), the caller, the request, and the decision with its explanation.
 *
 * The compiled form used for evaluation is private to the library (see compile.ts); callers only
 * ever hold a `Policy`.
 */

export type Effect = 'Allow' | 'Deny';

/** "IAM supports the following Version element values: 2012-10-17 … 2008-10-17" (IAM JSON policy elements: Version). */
export type PolicyVersion = '2012-10-17' | '2008-10-17';

/** A key policy is a resource-based policy (it names principals); an identity policy never does. */
export type PolicyKind = 'key' | 'identity';

/**
 * A `Principal` / `NotPrincipal` element after normalisation: `"*"` and `{"AWS": "*"}` both become
 * `'*'`; a bare 12-digit account id becomes `arn:aws:iam::<id>:root`, as AWS does when it stores a
 * policy ("the service might convert it to the principal ARN", IAM JSON policy elements: Principal).
 */
export type PrincipalElement =
  | '*'
  | {
      readonly AWS?: readonly string[];
      readonly Service?: readonly string[];
      readonly Federated?: readonly string[];
    };

/** Condition operator → condition key → values (JSON numbers and booleans become strings). */
export type ConditionElement = Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;

export interface Statement {
  readonly sid?: string;
  readonly effect: Effect;
  readonly principal?: PrincipalElement;
  readonly notPrincipal?: PrincipalElement;
  readonly action?: readonly string[];
  readonly notAction?: readonly string[];
  readonly resource?: readonly string[];
  readonly notResource?: readonly string[];
  readonly condition?: ConditionElement;
}

export interface Policy {
  readonly kind: PolicyKind;
  /** Shown in explanations: a key policy is always named `default` in AWS KMS. */
  readonly name: string;
  /** Absent means the 2008-10-17 rules: policy variables are literal text. */
  readonly version?: PolicyVersion;
  readonly id?: string;
  readonly statements: readonly Statement[];
}

export type PrincipalType = 'Root' | 'IAMUser' | 'AssumedRole' | 'FederatedUser' | 'AWSService';

/** The authenticated caller of one request. */
export interface RequestPrincipal {
  /** The caller's ARN: `arn:aws:iam::<acct>:root|user/…`, `arn:aws:sts::<acct>:assumed-role/<role>/<session>`, … or a service principal name. */
  readonly arn: string;
  /** 12 digits; empty for an AWS service principal. */
  readonly accountId: string;
  readonly type: PrincipalType;
  /** `aws:userid` (for example `AIDA…`, `AROA…:session`); defaults to the account id for the root user. */
  readonly userid?: string;
  /** `aws:username` (IAM users only); derived from the ARN when absent. */
  readonly username?: string;
  /** For assumed-role sessions: the role's IAM ARN (with its path); derived from the session ARN when absent. */
  readonly roleArn?: string;
}

/** Condition keys of the request → value(s). Keys are matched case-insensitively. */
export type RequestContext = Readonly<Record<string, string | readonly string[]>>;

export interface DecideInput {
  /** `kms:Decrypt`, … (case-insensitive). */
  readonly action: string;
  /** The key ARN (or `*` for operations on no key). */
  readonly resource: string;
  /** The account that owns the key. */
  readonly keyAccount: string;
  readonly principal: RequestPrincipal;
  readonly context?: RequestContext;
  /** The key policy; `null`/absent for operations that act on no key (CreateKey, ListKeys, GenerateRandom). */
  readonly keyPolicy?: Policy | null;
  /** The caller's identity-based (IAM) policies. */
  readonly identityPolicies?: readonly Policy[];
  /** Whether a grant allows this operation (decided by the grants code). */
  readonly grantAllows?: boolean;
  /** Request time, for `aws:CurrentTime` / `aws:EpochTime` (epoch ms or Date). Never read from a clock here. */
  readonly now?: number | Date;
}

export type DecisionReason =
  | 'explicit-deny'
  | 'allowed-by-key-policy'
  | 'allowed-by-identity-policy'
  | 'allowed-by-key-and-identity-policy'
  | 'allowed-by-grant'
  /** No key policy is involved (CreateKey, ListKeys…) and the caller is the account's root user. */
  | 'allowed-as-account-root'
  | 'no-resource-policy-allows'
  | 'no-identity-policy-allows'
  | 'cross-account-not-permitted';

export interface StatementRef {
  /** `default` for the key policy; the identity policy's name otherwise. */
  readonly policy: string;
  readonly policyKind: PolicyKind;
  /** 0-based position of the statement in its policy. */
  readonly index: number;
  readonly sid?: string;
  readonly effect: Effect;
}

export interface MatchedStatement extends StatementRef {
  /**
   * How the statement applied: `direct` (names the caller, its role, its service, `*`, or a
   * NotPrincipal that leaves it out), `account` (names the caller's account: delegation to IAM),
   * `identity` (a statement of an identity policy).
   */
  readonly via: 'direct' | 'account' | 'identity';
}

export type FailedElement = 'action' | 'principal' | 'resource' | 'condition' | 'incomplete';

export interface NotMatchedStatement extends StatementRef {
  readonly failed: FailedElement;
  /** One line for an operator: which element failed and why. */
  readonly why: string;
}

export interface Decision {
  readonly allowed: boolean;
  readonly reason: DecisionReason;
  /** For `explicit-deny`: which kind of policy held the Deny. */
  readonly deniedBy?: 'key-policy' | 'identity-policy';
  readonly matched: readonly MatchedStatement[];
  readonly notMatched: readonly NotMatchedStatement[];
}
