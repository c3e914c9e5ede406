/** The common preamble of Sign, Verify, GenerateMac, VerifyMac, DeriveSharedSecret, GetPublicKey. */
import type { KeyUsage } from '../crypto/key-specs.ts';
import { InvalidKeyUsageException } from '../shared/errors.ts';
import type { CallContext, Core } from './core.ts';
import { assertState } from './key-state.ts';
import type { KeyRecord } from './types.ts';

export interface KeyUse {
  keyIdParam: string;
  /** `kms:Sign`, … */
  action: string;
  /** The operation's name in AWS's messages. */
  op: string;
  /** Required KeyUsage, if the operation has one. */
  usage?: KeyUsage;
  conditions?: Record<string, string | string[]>;
  grantTokens?: readonly string[];
}

/** "<arn> key usage is ENCRYPT_DECRYPT which is not valid for GenerateMac." (recorded against AWS). */
export function wrongUsage(key: KeyRecord, op: string): InvalidKeyUsageException {
  return new InvalidKeyUsageException(`${key.arn} key usage is ${key.keyUsage} which is not valid for ${op}.`);
}

/** "Algorithm HMAC_SHA_512 is incompatible with key spec HMAC_256." (recorded against AWS). */
export function incompatibleAlgorithm(algorithm: string, key: KeyRecord): InvalidKeyUsageException {
  return new InvalidKeyUsageException(`Algorithm ${algorithm} is incompatible with key spec ${key.keySpec}.`);
}

/** Resolves (id, ARN, alias, alias ARN), authorizes, checks the key state and the key usage. */
export async function keyFor(core: Core, ctx: CallContext, use: KeyUse): Promise<KeyRecord> {
  const { key, requestAlias } = await core.resolveNamed(ctx, use.keyIdParam);
  await core.authorize(ctx, use.action, key, { requestAlias, conditions: use.conditions ?? {}, ...(use.grantTokens ? { grantTokens: use.grantTokens } : {}) });
  assertState(key, 'crypto');
  if (use.usage !== undefined && key.keyUsage !== use.usage) throw wrongUsage(key, use.op);
  return key;
}
