/** GenerateMac and VerifyMac with HMAC keys (GENERATE_VERIFY_MAC). */
import { hmac, hmacVerify } from '../crypto/hmac.ts';
import { keySpecInfo, macAlgorithmInfo, type MacAlgorithm } from '../crypto/key-specs.ts';
import { KMSInvalidMacException } from '../shared/errors.ts';
import type { CallContext, Core } from './core.ts';
import { dryRun } from './crypto-ops.ts';
import { incompatibleAlgorithm, keyFor } from './key-use.ts';
import type { KeyRecord } from './types.ts';

export interface MacInput {
  keyId: string;
  message: Uint8Array;
  algorithm: MacAlgorithm;
  grantTokens?: readonly string[];
  dryRun?: boolean;
}

async function macKey(core: Core, ctx: CallContext, p: MacInput, op: 'GenerateMac' | 'VerifyMac'): Promise<{ key: KeyRecord; material: Uint8Array }> {
  const key = await keyFor(core, ctx, {
    keyIdParam: p.keyId,
    action: `kms:${op}`,
    op,
    usage: 'GENERATE_VERIFY_MAC',
    conditions: { 'kms:MacAlgorithm': p.algorithm },
    ...(p.grantTokens ? { grantTokens: p.grantTokens } : {}),
  });
  // "The MAC algorithm must be compatible with the HMAC key spec" (GenerateMac reference).
  if (!keySpecInfo(key.keySpec).macAlgorithms.includes(p.algorithm)) throw incompatibleAlgorithm(p.algorithm, key);
  if (p.dryRun) throw dryRun();
  return { key, material: await core.requireMaterial(key.keyId, key.currentMaterialId) };
}

export async function generateMac(core: Core, ctx: CallContext, p: MacInput): Promise<{ key: KeyRecord; mac: Uint8Array }> {
  const { key, material } = await macKey(core, ctx, p, 'GenerateMac');
  return { key, mac: hmac(macAlgorithmInfo(p.algorithm).hash, material, p.message) };
}

/** A MAC that does not match is KMSInvalidMacException with an empty message (recorded against AWS). */
export async function verifyMac(core: Core, ctx: CallContext, p: MacInput & { mac: Uint8Array }): Promise<{ key: KeyRecord }> {
  const { key, material } = await macKey(core, ctx, p, 'VerifyMac');
  if (!hmacVerify(macAlgorithmInfo(p.algorithm).hash, material, p.message, p.mac)) throw new KMSInvalidMacException();
  return { key };
}
