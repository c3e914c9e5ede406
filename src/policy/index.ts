/** The IAM policy language and the AWS KMS authorization decision. Pure: no I/O, no clock. */
export { parsePolicy, parseIdentityPolicy, MAX_KEY_POLICY_BYTES, INVALID_PRINCIPALS_MESSAGE, type ParseOptions } from './parse.ts';
export { decide, CROSS_ACCOUNT_ACTIONS } from './decide.ts';
export { accessDeniedMessage, explainDecision } from './explain.ts';
export { lockoutSafetyCheck, assertLockoutSafe, LOCKOUT_MESSAGE, type LockoutOptions } from './lockout.ts';
export { callerFromArn, normalizeAwsPrincipal } from './principals.ts';
export type {
  Effect,
  PolicyVersion,
  PolicyKind,
  PrincipalElement,
  ConditionElement,
  Statement,
  Policy,
  PrincipalType,
  RequestPrincipal,
  RequestContext,
  DecideInput,
  DecisionReason,
  StatementRef,
  MatchedStatement,
  FailedElement,
  NotMatchedStatement,
  Decision,
} from './types.ts';
export { parseTrustPolicy, decideAssumeRole, type AssumeRoleInput } from './trust.ts';
