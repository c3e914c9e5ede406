/** GenerateMac and VerifyMac with HMAC keys (GENERATE_VERIFY_MAC). */
import { hmac, hmacVerify } from '../crypto/hmac.ts';
import { keySpecInfo, macAlgorithmInfo, type MacAlgorithm } from '../crypto/key-specs.ts';
import { KMSInvalidMacException } from '../shared/errors.ts';
import type { Core } from './core.ts';
import { dryRun } from './crypto-ops.ts';
import { incompatibleAlgorithm } from './key-use.ts';
import type { KeyRecord } from './types.ts';

export interface MacInput {
  message: Uint8Array;
  algorithm: MacAlgorithm;
  dryRun?: boolean;
}

/** `key`: authorized for the operation (with kms:MacAlgorithm), in state, of GENERATE_VERIFY_MAC usage. */
async function macMaterial(core: Core, key: KeyRecord, p: MacInput): Promise<Uint8Array> {
  // "The MAC algorithm must be compatible with the HMAC key spec" (GenerateMac reference).
  if (!keySpecInfo(key.keySpec).macAlgorithms.includes(p.algorithm)) throw incompatibleAlgorithm(p.algorithm, key);
  if (p.dryRun) throw dryRun();
  return core.requireMaterial(key.keyId, key.currentMaterialId);
}

export async function generateMac(core: Core, key: KeyRecord, p: MacInput): Promise<Uint8Array> {
  return hmac(macAlgorithmInfo(p.algorithm).hash, await macMaterial(core, key, p), p.message);
}

/** A MAC that does not match is KMSInvalidMacException with an empty message (recorded against AWS). */
export async function verifyMac(core: Core, key: KeyRecord, p: MacInput & { mac: Uint8Array }): Promise<void> {
  if (!hmacVerify(macAlgorithmInfo(p.algorithm).hash, await macMaterial(core, key, p), p.message, p.mac)) throw new KMSInvalidMacException();
}
