/**
 * Authorization happens in the domain, so no path can skip it. The Authorizer is a port: the
 * policy engine (key policies, identity policies, grants) plugs in here.
 */
import { AccessDeniedException } from '../shared/errors.ts';
import { checkPolicyText } from './policy-text.ts';
import type { GrantConstraints, KeyRecord, Principal } from './types.ts';

export interface AuthzRequest {
  principal: Principal;
  /** `kms:Encrypt`, … */
  action: string;
  /** The key (or alias) ARN the action is on, or `*` for CreateKey / GenerateRandom / ListKeys. */
  resource: string;
  key?: KeyRecord;
  /** Condition keys known for this request (kms:EncryptionContext:…, kms:EncryptionAlgorithm, …). */
  conditions: Record<string, string | string[]>;
  /** The request's encryption context, for grant constraints. */
  encryptionContext?: Record<string, string>;
  grantTokens?: readonly string[];
  /**
   * kms:CreateGrant only: the grant the request would create. A grant can authorize it only when
   * it holds every one of these operations and its constraints are no looser (grants.ts).
   */
  newGrant?: { operations: readonly string[]; constraints?: GrantConstraints };
}

export interface Authorizer {
  /** Throws AccessDeniedException when the request is not allowed. */
  authorize(req: AuthzRequest): Promise<void>;
  /**
   * Validates a key policy for CreateKey / PutKeyPolicy (grammar, existing principals, and the
   * lockout safety check unless bypassed); throws MalformedPolicyDocumentException.
   */
  checkKeyPolicy(text: string, p: { principal: Principal; keyArn?: string; keyAccount: string; bypassLockoutCheck: boolean }): void;
}

/**
 * Until key policies are evaluated: a principal may act on keys of its own account only.
 * This is what AWS's default key policy amounts to for the account root.
 */
export const sameAccountAuthorizer: Authorizer = {
  async authorize(req) {
    if (!req.key || req.key.account === req.principal.accountId) return;
    throw new AccessDeniedException(
      `User: ${req.principal.arn} is not authorized to perform: ${req.action} on resource: ${req.resource} because no resource-based policy allows the ${req.action} action`,
    );
  },
  checkKeyPolicy(text) {
    checkPolicyText(text);
  },
};
