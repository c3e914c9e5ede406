/**
 * Key identifiers as AWS KMS accepts them: key id (UUID or `mrk-` + 32 hex), key ARN,
 * alias name (`alias/…`) and alias ARN. Parsing only; resolving is the domain's job.
 */
import { NotFoundException } from './errors.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MRK = /^mrk-[0-9a-f]{32}$/;
const ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):(key|alias)\/(.+)$/;

export type KeyRef =
  | { kind: 'id'; keyId: string }
  | { kind: 'keyArn'; keyId: string; region: string; account: string; raw: string }
  | { kind: 'alias'; aliasName: string }
  | { kind: 'aliasArn'; aliasName: string; region: string; account: string; raw: string };

export function isKeyId(s: string): boolean {
  return UUID.test(s) || MRK.test(s);
}

/**
 * "Specify the key ID, key ARN, alias name, or alias ARN" (KMS API reference, KeyId).
 * `allowAlias` is false for operations whose reference says "key ID or key ARN".
 */
export function parseKeyRef(raw: string, allowAlias: boolean): KeyRef {
  const m = ARN.exec(raw);
  if (m) {
    const [, , region, account, type, rest] = m as unknown as [string, string, string, string, string, string];
    if (type === 'key' && isKeyId(rest)) return { kind: 'keyArn', keyId: rest, region, account, raw };
    if (type === 'alias' && allowAlias) return { kind: 'aliasArn', aliasName: `alias/${rest}`, region, account, raw };
    if (type === 'key') throw new NotFoundException(`Invalid keyId '${raw}'`);
    throw new NotFoundException(`Invalid keyId '${raw}'`);
  }
  if (raw.startsWith('arn:')) throw new NotFoundException(`Invalid arn ${raw}`);
  if (allowAlias && raw.startsWith('alias/')) return { kind: 'alias', aliasName: raw };
  if (isKeyId(raw)) return { kind: 'id', keyId: raw };
  throw new NotFoundException(`Invalid keyId '${raw}'`);
}

export function keyArn(partition: string, region: string, account: string, keyId: string): string {
  return `arn:${partition}:kms:${region}:${account}:key/${keyId}`;
}

export function aliasArn(partition: string, region: string, account: string, aliasName: string): string {
  return `arn:${partition}:kms:${region}:${account}:${aliasName}`;
}
