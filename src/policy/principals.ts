/**
 * Principals: which strings a key policy may name, how AWS normalises them, and how a caller
 * matches them (IAM JSON policy elements: Principal / NotPrincipal).
 *
 * - "You cannot use a wildcard to match part of a principal name or ARN"; `*` alone means everyone.
 * - An account is named by `arn:aws:iam::<id>:root` or by the bare id; "The account ARN and the
 *   shortened account ID behave the same way. Both delegate permissions to the account … does not
 *   limit permissions to only the root user." Here both become the root ARN.
 * - A role ARN names the role's sessions: "the role session principal is granted the permissions
 *   based on the ARN of role that was assumed" (role sessions appear as
 *   `arn:aws:sts::<acct>:assumed-role/<role>/<session>`).
 */
import type { PrincipalElement, PrincipalType, RequestPrincipal } from './types.ts';

const NAME = '[\\w+=,.@-]';
/** IAM paths may hold any printable ASCII but `/`; `*` and `?` are refused because principals take no wildcards. */
const PATH_SEGMENT = '[!-)+-.0->@-~]+';
const PARTITION = 'aws(?:-[a-z]+)*';
const ROOT_ARN = new RegExp(`^arn:${PARTITION}:iam::(\\d{12}):root$`);
const IAM_ARN = new RegExp(`^arn:${PARTITION}:iam::(\\d{12}):(user|role)/(?:${PATH_SEGMENT}/)*(${NAME}{1,64})$`);
const ASSUMED_ROLE_ARN = new RegExp(`^arn:(${PARTITION}):sts::(\\d{12}):assumed-role/(${NAME}{1,64})/(${NAME}{2,64})$`);
const FEDERATED_USER_ARN = new RegExp(`^arn:${PARTITION}:sts::(\\d{12}):federated-user/(${NAME}{2,32})$`);
const ACCOUNT_ID = /^\d{12}$/;
const SERVICE = /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?\.(?:amazonaws\.com|amazonaws\.com\.cn|amazon\.com)$/;
const FEDERATED = /^[!-~]+$/;

/** An `AWS` principal value as AWS stores it, or null when it is not a valid principal. */
export function normalizeAwsPrincipal(value: string, partition = 'aws'): string | null {
  if (value === '*') return '*';
  if (ACCOUNT_ID.test(value)) return `arn:${partition}:iam::${value}:root`;
  if (ROOT_ARN.test(value) || IAM_ARN.test(value) || ASSUMED_ROLE_ARN.test(value) || FEDERATED_USER_ARN.test(value)) return value;
  return null;
}

export function isServicePrincipal(value: string): boolean {
  return SERVICE.test(value);
}

export function isFederatedPrincipal(value: string): boolean {
  return FEDERATED.test(value);
}

/** The account named by a root ARN, else undefined. */
export function rootAccount(arn: string): string | undefined {
  return ROOT_ARN.exec(arn)?.[1];
}

/** A caller with the derived facts the matchers need. */
export interface Caller {
  readonly arn: string;
  readonly accountId: string;
  readonly type: PrincipalType;
  /** The IAM role ARN for an assumed-role session (else undefined). */
  readonly roleArn: string | undefined;
  readonly userid: string | undefined;
  readonly username: string | undefined;
}

export function resolveCaller(p: RequestPrincipal): Caller {
  let roleArn = p.roleArn;
  let username = p.username;
  let userid = p.userid;
  if (p.type === 'AssumedRole' && roleArn === undefined) {
    const m = ASSUMED_ROLE_ARN.exec(p.arn);
    if (m) roleArn = `arn:${m[1]}:iam::${m[2]}:role/${m[3]}`;
  }
  if (p.type === 'IAMUser' && username === undefined) {
    const m = IAM_ARN.exec(p.arn);
    if (m && m[2] === 'user') username = m[3];
  }
  // aws:userid is the account id for the root user and `account:caller-specified-name` for a
  // federated user (IAM policy variables, "Principal key values"); a user's or role's unique id
  // (AIDA…, AROA…) cannot be derived from its ARN.
  if (userid === undefined) {
    if (p.type === 'Root') userid = p.accountId;
    else if (p.type === 'FederatedUser') {
      const m = FEDERATED_USER_ARN.exec(p.arn);
      if (m) userid = `${m[1]}:${m[2]}`;
    }
  }
  return { arn: p.arn, accountId: p.accountId, type: p.type, roleArn, userid, username };
}

/**
 * A RequestPrincipal from an ARN (or a service principal name), for tests, the CLI's `explain`
 * and callers that only know the ARN. `extra` supplies `userid` and friends.
 */
export function callerFromArn(arn: string, extra: Partial<Pick<RequestPrincipal, 'userid' | 'username' | 'roleArn'>> = {}): RequestPrincipal {
  let m = ROOT_ARN.exec(arn);
  if (m) return { arn, accountId: m[1]!, type: 'Root', ...extra };
  m = IAM_ARN.exec(arn);
  if (m) {
    if (m[2] === 'user') return { arn, accountId: m[1]!, type: 'IAMUser', ...extra };
    throw new TypeError(`a role is not a caller; use its session ARN (arn:aws:sts::${m[1]}:assumed-role/${m[3]}/<session>): ${arn}`);
  }
  m = ASSUMED_ROLE_ARN.exec(arn);
  if (m) return { arn, accountId: m[2]!, type: 'AssumedRole', ...extra };
  m = FEDERATED_USER_ARN.exec(arn);
  if (m) return { arn, accountId: m[1]!, type: 'FederatedUser', ...extra };
  if (SERVICE.test(arn)) return { arn, accountId: '', type: 'AWSService', ...extra };
  throw new TypeError(`not a principal ARN: ${arn}`);
}

/** A Principal / NotPrincipal element prepared for set lookups. */
export interface CompiledPrincipal {
  readonly any: boolean;
  readonly accounts: ReadonlySet<string>;
  readonly arns: ReadonlySet<string>;
  readonly services: ReadonlySet<string>;
  /** For explanations. */
  readonly text: string;
}

export function compilePrincipal(el: PrincipalElement): CompiledPrincipal {
  const accounts = new Set<string>();
  const arns = new Set<string>();
  const services = new Set<string>();
  if (el === '*') return { any: true, accounts, arns, services, text: '*' };
  for (const a of el.AWS ?? []) {
    const acct = rootAccount(a);
    if (acct !== undefined) accounts.add(acct);
    else arns.add(a);
  }
  for (const s of el.Service ?? []) services.add(s);
  // Federated principals name identity providers (web identity / SAML role trust); no KMS caller is one.
  const all = [...(el.AWS ?? []), ...(el.Service ?? []), ...(el.Federated ?? [])];
  return { any: false, accounts, arns, services, text: all.join(', ') };
}

export type PrincipalHit = 'direct' | 'account' | null;

/** Does a `Principal` element name this caller, and how. */
export function matchPrincipal(p: CompiledPrincipal, c: Caller): PrincipalHit {
  if (p.any) return 'direct';
  if (c.type === 'AWSService') return p.services.has(c.arn) ? 'direct' : null;
  if (p.arns.has(c.arn)) return 'direct';
  if (c.roleArn !== undefined && p.arns.has(c.roleArn)) return 'direct';
  if (p.accounts.has(c.accountId)) return 'account';
  return null;
}

/**
 * Does a `NotPrincipal` element leave this caller out (so the statement does not apply)?
 *
 * "AWS might validate the account first and then the user … If an assumed-role user … is being
 * evaluated, AWS might validate the account first, then the role, and then the assumed-role
 * user", which is why the docs tell you to list the account, the role and the session
 * (NotPrincipal, "NotPrincipal With Deny"). Here a caller is left out only when every link of that
 * chain is named: the conservative reading, under which a `Deny` applies more often, never less.
 */
export function notPrincipalExcludes(p: CompiledPrincipal, c: Caller): boolean {
  if (p.any) return true;
  if (c.type === 'AWSService') return p.services.has(c.arn);
  if (!p.accounts.has(c.accountId)) return false;
  switch (c.type) {
    case 'Root':
      return true;
    case 'AssumedRole':
      return c.roleArn !== undefined && p.arns.has(c.roleArn) && p.arns.has(c.arn);
    default:
      return p.arns.has(c.arn);
  }
}
