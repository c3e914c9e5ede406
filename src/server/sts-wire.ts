/**
 * STS on Trent's endpoint, in the Query protocol (form body, XML answers), so
 * `aws sts assume-role` / `get-caller-identity` with --endpoint-url work.
 */
import { TRAITS, type OperationTraits } from '../domain/operation.ts';
import type { KeyStore } from '../domain/ports.ts';
import type { Principal } from '../domain/types.ts';
import { StsError, type StsService } from '../auth/sts-service.ts';
import { KmsError } from '../shared/errors.ts';

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function isStsRequest(headers: Record<string, string | string[] | undefined>): boolean {
  const ct = String(headers['content-type'] ?? '');
  return headers['x-amz-target'] === undefined && ct.startsWith('application/x-www-form-urlencoded');
}

export function stsErrorXml(code: string, message: string, requestId: string, type = 'Sender'): string {
  return `<ErrorResponse xmlns="${NS}"><Error><Type>${type}</Type><Code>${esc(code)}</Code><Message>${esc(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}

/** Maps authentication errors (KmsError codes) to STS's spelling of them. */
export function stsErrorFrom(e: unknown): { code: string; message: string; status: number } | undefined {
  if (e instanceof StsError) return { code: e.code, message: e.message, status: e.status };
  if (e instanceof KmsError) {
    const code = e.code === 'InvalidSignatureException' ? 'SignatureDoesNotMatch' : e.code === 'UnrecognizedClientException' ? 'InvalidClientTokenId' : e.code.replace(/Exception$/, '');
    return { code, message: e.message, status: e.code === 'InvalidSignatureException' || e.code === 'UnrecognizedClientException' ? 403 : 400 };
  }
  return undefined;
}

/** What of an STS request the audit trail keeps (never the secret or the session token it returns). */
export const STS_AUDIT_SPEC = Object.freeze({
  RoleArn: { t: 'string' as const },
  RoleSessionName: { t: 'string' as const },
  DurationSeconds: { t: 'string' as const },
  ExternalId: { t: 'string' as const },
});

/** CloudTrail's facts of the STS actions on Trent's endpoint. */
export function stsTraits(action: string): OperationTraits {
  return action === 'GetCallerIdentity' ? TRAITS.list : { ...TRAITS.write, resources: false };
}

export function stsAction(body: Buffer): string {
  const action = new URLSearchParams(body.toString('utf8')).get('Action') ?? '';
  return /^[A-Za-z]{1,64}$/.test(action) ? action : 'Unknown';
}

/**
 * The parameters each action honours (ExternalId is the trust policy's sts:ExternalId). Any other
 * is refused, never ignored: AssumeRole's Policy, PolicyArns, Tags, SerialNumber/TokenCode,
 * SourceIdentity and ProvidedContexts restrict or condition the session on AWS, so a session
 * issued without them would hold more than its caller asked for (or skip a check it relied on).
 */
const STS_PARAMETERS: Readonly<Record<string, readonly string[]>> = {
  GetCallerIdentity: ['Action', 'Version'],
  AssumeRole: ['Action', 'Version', 'RoleArn', 'RoleSessionName', 'DurationSeconds', 'ExternalId'],
};

/** The model's bounds on AssumeRole's RoleArn ("Length Constraints: Minimum length of 20. Maximum length of 2048."). */
const ROLE_ARN_MIN = 20;
const ROLE_ARN_MAX = 2048;

function refuseUnsupported(action: string, form: URLSearchParams): void {
  // Own members only: an Action of '__proto__' names no entry (it is refused as InvalidAction).
  if (!Object.hasOwn(STS_PARAMETERS, action)) return;
  const allowed = STS_PARAMETERS[action]!;
  const extra = [...new Set([...form.keys()].filter((k) => !allowed.includes(k)).map((k) => k.split('.')[0]!))];
  if (extra.length > 0) {
    const names = extra.slice(0, 5).map((n) => (/^[A-Za-z]{1,64}$/.test(n) ? n : '(unnamed)')).join(', ');
    throw new StsError('ValidationError', `Trent's STS does not support the ${action} parameter${extra.length === 1 ? '' : 's'} ${names}; it honours only ${allowed.filter((a) => a !== 'Action' && a !== 'Version').join(', ') || 'none'}.`);
  }
  const roleArn = form.get('RoleArn');
  if (action === 'AssumeRole' && roleArn !== null && roleArn !== '' && (roleArn.length < ROLE_ARN_MIN || roleArn.length > ROLE_ARN_MAX)) {
    const bound = roleArn.length < ROLE_ARN_MIN ? `greater than or equal to ${ROLE_ARN_MIN}` : `less than or equal to ${ROLE_ARN_MAX}`;
    throw new StsError('ValidationError', `1 validation error detected: Value at 'roleArn' failed to satisfy constraint: Member must have length ${bound}`);
  }
}

/**
 * `store`: the request's audited view, where AssumeRole writes its session (absent without an
 * audit trail). `sourceIp`: the caller's address, for aws:SourceIp in the role's trust policy.
 */
export async function handleSts(sts: StsService, principal: Principal, body: Buffer, requestId: string, store?: Pick<KeyStore, 'putAccessKey'>, sourceIp?: string): Promise<{ status: number; xml: string; responseElements?: Record<string, unknown> }> {
  const form = new URLSearchParams(body.toString('utf8'));
  const action = form.get('Action');
  if (action !== null) refuseUnsupported(action, form);
  const meta = `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>`;
  switch (action) {
    case 'GetCallerIdentity':
      return {
        status: 200,
        xml: `<GetCallerIdentityResponse xmlns="${NS}"><GetCallerIdentityResult><Arn>${esc(principal.arn)}</Arn><UserId>${esc(principal.userId)}</UserId><Account>${principal.accountId}</Account></GetCallerIdentityResult>${meta}</GetCallerIdentityResponse>`,
      };
    case 'AssumeRole': {
      const r = await sts.assumeRole(principal, {
        ...(form.get('RoleArn') !== null ? { roleArn: form.get('RoleArn')! } : {}),
        ...(form.get('RoleSessionName') !== null ? { roleSessionName: form.get('RoleSessionName')! } : {}),
        ...(form.get('DurationSeconds') !== null ? { durationSeconds: form.get('DurationSeconds')! } : {}),
        ...(form.get('ExternalId') !== null ? { externalId: form.get('ExternalId')! } : {}),
        ...(sourceIp !== undefined ? { sourceIp } : {}),
      }, store);
      return {
        status: 200,
        responseElements: { credentials: { accessKeyId: r.accessKeyId, expiration: r.expiration.toISOString() }, assumedRoleUser: { assumedRoleId: r.assumedRoleId, arn: r.arn } },
        xml:
          `<AssumeRoleResponse xmlns="${NS}"><AssumeRoleResult><Credentials><AccessKeyId>${r.accessKeyId}</AccessKeyId><SecretAccessKey>${esc(r.secretAccessKey)}</SecretAccessKey>` +
          `<SessionToken>${esc(r.sessionToken)}</SessionToken><Expiration>${r.expiration.toISOString()}</Expiration></Credentials>` +
          `<AssumedRoleUser><AssumedRoleId>${esc(r.assumedRoleId)}</AssumedRoleId><Arn>${esc(r.arn)}</Arn></AssumedRoleUser></AssumeRoleResult>${meta}</AssumeRoleResponse>`,
      };
    }
    default:
      throw new StsError('InvalidAction', `Could not find operation ${action ?? ''} for version ${form.get('Version') ?? ''}`);
  }
}
