/**
 * The audit record: AWS CloudTrail's record for KMS, field for field ("Logging AWS KMS API calls
 * with AWS CloudTrail", KMS developer guide; examples ct-encrypt, ct-rotatekey). Trent's own
 * bookkeeping (hash chain, node, metering class) lives in the line envelope, never in here.
 */
import type { Principal } from '../domain/types.ts';

export const EVENT_VERSION = '1.11';

export interface UserIdentity {
  type?: string;
  principalId?: string;
  arn?: string;
  accountId?: string;
  accessKeyId?: string;
  userName?: string;
  sessionContext?: {
    sessionIssuer: { type: 'Role'; principalId: string; arn: string; accountId: string; userName: string };
    attributes: { mfaAuthenticated: 'false' };
  };
  invokedBy?: string;
}

export interface ResourceRef {
  accountId: string;
  type: 'AWS::KMS::Key';
  ARN: string;
}

export interface CloudTrailRecord {
  eventVersion: string;
  userIdentity: UserIdentity;
  /** Seconds precision, as CloudTrail writes it: 2025-05-20T20:46:16Z. */
  eventTime: string;
  eventSource: 'kms.amazonaws.com' | 'sts.amazonaws.com';
  eventName: string;
  awsRegion: string;
  sourceIPAddress: string;
  userAgent: string;
  errorCode?: string;
  errorMessage?: string;
  requestParameters: Record<string, unknown> | null;
  responseElements: Record<string, unknown> | null;
  additionalEventData?: Record<string, unknown>;
  requestID?: string;
  eventID: string;
  readOnly: boolean;
  resources?: ResourceRef[];
  eventType: 'AwsApiCall' | 'AwsServiceEvent';
  managementEvent: true;
  recipientAccountId: string;
  serviceEventDetails?: Record<string, unknown>;
  eventCategory: 'Management';
}

/** The last second formatted: a record per request asks for the same second many times over. */
let eventSecond = Number.NaN;
let eventSecondText = '';

/** CloudTrail's time format: ISO 8601 without milliseconds. */
export function eventTime(d: Date): string {
  const second = Math.floor(d.getTime() / 1000);
  if (second !== eventSecond) {
    // toISOString throws on an invalid date before anything is cached.
    eventSecondText = `${new Date(second * 1000).toISOString().slice(0, -5)}Z`; // '.000Z' off
    eventSecond = second;
  }
  return eventSecondText;
}

const ASSUMED = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/;
const IAM_ROLE = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/;

/** The `userIdentity` block for an authenticated caller. */
/** `invokedBy`: the AWS service that made the call on the principal's behalf (`s3.amazonaws.com`). */
export function userIdentityOf(p: Principal, invokedBy?: string): UserIdentity {
  const base = {
    principalId: p.userId,
    arn: p.arn,
    accountId: p.accountId,
    ...(p.accessKeyId !== undefined ? { accessKeyId: p.accessKeyId } : {}),
    ...(invokedBy !== undefined ? { invokedBy } : {}),
  };
  switch (p.type) {
    case 'Root':
      return { type: 'Root', ...base, principalId: p.accountId };
    case 'IAMUser':
      return { type: 'IAMUser', ...base, userName: p.arn.slice(p.arn.lastIndexOf('/') + 1) };
    case 'AssumedRole': {
      const s = ASSUMED.exec(p.arn);
      const r = s ? undefined : IAM_ROLE.exec(p.arn);
      const roleName = s ? s[3]! : (r?.[3] ?? '');
      const roleArn = s ? `arn:${s[1]}:iam::${s[2]}:role/${s[3]}` : p.arn;
      return {
        type: 'AssumedRole',
        ...base,
        sessionContext: {
          sessionIssuer: { type: 'Role', principalId: p.userId.split(':')[0]!, arn: roleArn, accountId: p.accountId, userName: roleName },
          attributes: { mfaAuthenticated: 'false' },
        },
      };
    }
    default:
      return { type: p.type, ...base };
  }
}

/** What is known of a caller whose request failed authentication: only the access key id it claimed. */
export function unauthenticatedIdentity(claimedAccessKeyId: string | undefined): UserIdentity {
  return { type: 'Unknown', ...(claimedAccessKeyId !== undefined ? { accessKeyId: claimedAccessKeyId } : {}) };
}

/** `Credential=AKID/date/region/service/aws4_request` → AKID, only when it looks like one. */
export function claimedAccessKeyId(authorization: string | string[] | undefined): string | undefined {
  const h = Array.isArray(authorization) ? authorization[0] : authorization;
  if (h === undefined) return undefined;
  const m = /Credential=([A-Z0-9]{16,128})\//.exec(h);
  return m?.[1];
}

export function keyResource(arn: string, accountId: string): ResourceRef {
  return { accountId, type: 'AWS::KMS::Key', ARN: arn };
}
