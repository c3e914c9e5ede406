/**
 * A minimal STS, enough for role-based code: AssumeRole (temporary ASIA… credentials with a
 * session token, stored in the shared store so every node accepts them) and GetCallerIdentity.
 */
import { randomBytes } from 'node:crypto';
import type { Clock, KeyStore } from '../domain/ports.ts';
import type { Principal } from '../domain/types.ts';
import { decideAssumeRole } from '../policy/trust.ts';
import { withoutV4Mapping } from '../shared/source-ip.ts';
import type { CredentialStore } from './credential-store.ts';
import type { IdentitySource } from './identities.ts';
import { uniqueIdFor } from './principals.ts';

export class StsError extends Error {
  constructor(readonly code: string, message: string, readonly status = 400) {
    super(message);
  }
}

export interface AssumedRole {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  assumedRoleId: string;
  arn: string;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
/** "Length Constraints: Minimum length of 2. Maximum length of 1224. Pattern: [\w+=,.@:\/-]*" (AssumeRole, ExternalId). */
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

export class StsService {
  constructor(
    private readonly creds: CredentialStore,
    private readonly identities: IdentitySource,
    private readonly clock: Clock,
    private readonly partition: string,
  ) {}

  /**
   * "DurationSeconds … from 900 seconds (15 minutes) up to the maximum session duration (default 1
   * hour, at most 12 hours)". `via`: the store view the session is written through (a request's
   * audited view); default the credential store's.
   */
  async assumeRole(
    caller: Principal,
    p: { roleArn?: string; roleSessionName?: string; durationSeconds?: string; externalId?: string; sourceIp?: string },
    via?: Pick<KeyStore, 'putAccessKey'>,
  ): Promise<AssumedRole> {
    if (!p.roleArn) throw new StsError('ValidationError', "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null");
    if (!p.roleSessionName) throw new StsError('ValidationError', "1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null");
    if (!SESSION_NAME.test(p.roleSessionName)) {
      throw new StsError('ValidationError', `1 validation error detected: Value '${p.roleSessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`);
    }
    const duration = p.durationSeconds === undefined ? 3600 : Number(p.durationSeconds);
    if (!Number.isInteger(duration) || duration < 900 || duration > 43_200) {
      throw new StsError('ValidationError', `1 validation error detected: Value '${p.durationSeconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`);
    }
    if (p.externalId !== undefined && !EXTERNAL_ID.test(p.externalId)) {
      throw new StsError('ValidationError', "1 validation error detected: Value at 'externalId' failed to satisfy constraint: Member must have length between 2 and 1224 and satisfy regular expression pattern: [\\w+=,.@:\\/-]*");
    }
    const reg = this.identities.current;
    const role = reg.principal(p.roleArn);
    const roleMatch = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(p.roleArn);
    const denied = () => new StsError('AccessDenied', `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${p.roleArn}`, 403);
    if (!role || !roleMatch || !role.trustPolicy) throw denied();
    // The role's trust policy must trust the caller, and (unless it names the caller itself, in
    // the same account) the caller's identity policies must allow sts:AssumeRole on the role.
    const session = /^arn:aws[a-z-]*:sts::(\d{12}):assumed-role\/([^/]+)\//.exec(caller.arn);
    const callerRole = session ? reg.roleByName(session[1]!, session[2]!) : undefined;
    const decision = decideAssumeRole({
      roleArn: p.roleArn,
      roleAccount: role.accountId,
      principal: { arn: caller.arn, accountId: caller.accountId, type: caller.type, userid: caller.userId, ...(callerRole ? { roleArn: callerRole.arn } : {}) },
      trustPolicy: role.trustPolicy,
      identityPolicies: reg.policiesFor(caller.arn, callerRole?.arn),
      context: {
        'sts:RoleSessionName': p.roleSessionName,
        ...(p.externalId !== undefined ? { 'sts:ExternalId': p.externalId } : {}),
        ...(p.sourceIp ? { 'aws:SourceIp': withoutV4Mapping(p.sourceIp) } : {}),
      },
      now: this.clock.now(),
    });
    if (!decision.allowed) throw denied();
    const now = this.clock.now().getTime();
    const accessKeyId = 'ASIA' + [...randomBytes(16)].map((b) => BASE32[b & 31]).join('');
    const secretAccessKey = randomBytes(30).toString('base64');
    const sessionToken = randomBytes(96).toString('base64');
    const arn = `arn:${this.partition}:sts::${role.accountId}:assumed-role/${roleMatch[3]}/${p.roleSessionName}`;
    const expiration = new Date(now + duration * 1000);
    await this.creds.put({ accessKeyId, secretAccessKey, principalArn: arn, now, sessionToken, expiresAt: expiration.getTime(), sourceArn: caller.arn }, via);
    return { accessKeyId, secretAccessKey, sessionToken, expiration, arn, assumedRoleId: `${uniqueIdFor('AROA', `arn:${roleMatch[1]}:iam::${roleMatch[2]}:role/${roleMatch[3]}`)}:${p.roleSessionName}` };
  }
}
