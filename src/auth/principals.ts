/** What an IAM/STS ARN says about a principal (type, account, aws:userid, aws:username). */
import type { Principal, PrincipalType } from '../domain/types.ts';

const IAM = /^arn:(aws[a-z-]*):iam::(\d{12}):(root|user\/.+|role\/.+)$/;
const STS = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/;

export function principalFromArn(arn: string, accessKeyId?: string, uniqueId?: string): Principal {
  const base = accessKeyId !== undefined ? { accessKeyId } : {};
  const iam = IAM.exec(arn);
  if (iam) {
    const account = iam[2]!;
    const rest = iam[3]!;
    const type: PrincipalType = rest === 'root' ? 'Root' : rest.startsWith('user/') ? 'IAMUser' : 'AssumedRole';
    return { arn, accountId: account, type, userId: type === 'Root' ? account : (uniqueId ?? rest.slice(rest.lastIndexOf('/') + 1)), ...base };
  }
  const sts = STS.exec(arn);
  if (sts) return { arn, accountId: sts[2]!, type: 'AssumedRole', userId: `${uniqueId ?? sts[3]}:${sts[4]}`, ...base };
  throw new Error(`not a principal ARN: ${arn}`);
}
