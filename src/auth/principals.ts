/** What an IAM/STS ARN says about a principal (type, account, aws:userid, aws:username). */
import { createHash } from 'node:crypto';
import type { Principal, PrincipalType } from '../domain/types.ts';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A stable IAM-style unique id (AIDA… for users, AROA… for roles) derived from the ARN. */
export function uniqueIdFor(prefix: 'AIDA' | 'AROA', arn: string): string {
  const h = createHash('sha256').update(arn).digest();
  return prefix + [...h.subarray(0, 17)].map((b) => BASE32[b & 31]).join('');
}

const IAM = /^arn:(aws[a-z-]*):iam::(\d{12}):(root|user\/.+|role\/.+)$/;
const STS = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/;

export function principalFromArn(arn: string, accessKeyId?: string, uniqueId?: string): Principal {
  const base = accessKeyId !== undefined ? { accessKeyId } : {};
  const iam = IAM.exec(arn);
  if (iam) {
    const account = iam[2]!;
    const rest = iam[3]!;
    const type: PrincipalType = rest === 'root' ? 'Root' : rest.startsWith('user/') ? 'IAMUser' : 'AssumedRole';
    const id = type === 'Root' ? account : (uniqueId ?? uniqueIdFor(rest.startsWith('user/') ? 'AIDA' : 'AROA', arn));
    return { arn, accountId: account, type, userId: id, ...base };
  }
  const sts = STS.exec(arn);
  if (sts) {
    const roleId = uniqueId ?? uniqueIdFor('AROA', `arn:${sts[1]}:iam::${sts[2]}:role/${sts[3]}`);
    return { arn, accountId: sts[2]!, type: 'AssumedRole', userId: `${roleId}:${sts[4]}`, ...base };
  }
  throw new Error(`not a principal ARN: ${arn}`);
}
