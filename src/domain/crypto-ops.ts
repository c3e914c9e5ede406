/**
 * Symmetric cryptographic operations: Encrypt, Decrypt, ReEncrypt, GenerateDataKey*,
 * GenerateRandom. Every decrypt failure — malformed or foreign blob, unknown material, bad tag,
 * wrong context — is the same InvalidCiphertextException; a KeyId that differs from the blob's
 * key is IncorrectKeyException.
 */
import { gcmOpen, gcmSeal } from '../crypto/aes-gcm.ts';
import type { EncryptionAlgorithm } from '../crypto/key-specs.ts';
import { canonicalContext, type EncryptionContext } from '../format/encryption-context.ts';
import { assemble, concatBytes, decodeBlob, encodeHeader, IV_LENGTH } from '../format/ciphertext-blob.ts';
import { DryRunOperationException, IncorrectKeyException, InvalidCiphertextException, NotFoundException, ValidationException } from '../shared/errors.ts';
import type { CallContext, Core } from './core.ts';
import { admitKey, useKey, type KeyCheck } from './execute.ts';
import type { Conditions, KeyUse } from './operation.ts';
import { assertEncryptionAlgorithm, refuseContextForAsymmetric, rsaOpen, rsaSeal } from './rsa-encryption.ts';
import type { KeyRecord } from './types.ts';

export interface Sealed {
  key: KeyRecord;
  materialId: string;
  blob: Uint8Array;
  /** Set for asymmetric (RSAES-OAEP) ciphertext; absent means SYMMETRIC_DEFAULT. */
  algorithm?: EncryptionAlgorithm;
}

/**
 * The condition keys of a request with an encryption context and algorithm (Encrypt, Decrypt,
 * ReEncrypt, GenerateDataKey*): kms:EncryptionAlgorithm (SYMMETRIC_DEFAULT when absent),
 * kms:EncryptionContextKeys and kms:EncryptionContext:<key>.
 */
export function contextConditions(ctx: EncryptionContext | undefined, algorithm: EncryptionAlgorithm = 'SYMMETRIC_DEFAULT'): Conditions {
  const out: Conditions = { 'kms:EncryptionAlgorithm': algorithm };
  const keys = Object.keys(ctx ?? {});
  if (keys.length > 0) out['kms:EncryptionContextKeys'] = keys;
  for (const [k, v] of Object.entries(ctx ?? {})) out[`kms:EncryptionContext:${k}`] = v;
  return out;
}

/**
 * The key of an operation that seals under the key its KeyId names (Encrypt, GenerateDataKey*,
 * GenerateDataKeyPair*), as its declaration states it: an alias may name it; `kms:<action>` with
 * the context's condition keys (and `more`, e.g. kms:DataKeyPairSpec); crypto state; ENCRYPT_DECRYPT.
 */
export function sealingKeyUse<I extends { KeyId: string; EncryptionContext?: EncryptionContext; EncryptionAlgorithm?: EncryptionAlgorithm }>(action: string, more?: (input: I) => Conditions): KeyUse<I> {
  return {
    member: 'KeyId',
    alias: true,
    action,
    state: 'crypto',
    usage: 'ENCRYPT_DECRYPT',
    conditions: more ? (i) => ({ ...contextConditions(i.EncryptionContext, i.EncryptionAlgorithm), ...more(i) }) : (i) => contextConditions(i.EncryptionContext, i.EncryptionAlgorithm),
    encryptionContext: (i) => i.EncryptionContext,
  };
}

/** The key use of a request that seals or opens under the key it names (ReEncrypt's destination, a dry run without ciphertext). */
function sealingUse(action: string, op: string, ec: EncryptionContext | undefined, algorithm: EncryptionAlgorithm | undefined): KeyCheck {
  return { alias: true, action, op, state: 'crypto', usage: 'ENCRYPT_DECRYPT', conditions: contextConditions(ec, algorithm), encryptionContext: ec ?? {} };
}

/**
 * What a sealing operation (and a dry run without ciphertext) checks once the key is authorized,
 * in state and of ENCRYPT_DECRYPT usage: the algorithm fits the key spec, and an asymmetric key
 * has no encryption context.
 */
export function assertSealable(key: KeyRecord, ec: EncryptionContext | undefined, algorithm: EncryptionAlgorithm | undefined): void {
  assertEncryptionAlgorithm(key, algorithm);
  refuseContextForAsymmetric(key, ec);
}

export const dryRun = () => new DryRunOperationException('The request would have succeeded, but the DryRun option is set.');

export async function seal(core: Core, key: KeyRecord, plaintext: Uint8Array, ec: EncryptionContext | undefined, algorithm?: EncryptionAlgorithm): Promise<Sealed> {
  if (algorithm !== undefined && algorithm !== 'SYMMETRIC_DEFAULT') {
    return { key, materialId: key.currentMaterialId, blob: await rsaSeal(core, key, plaintext, algorithm), algorithm };
  }
  const materialId = key.currentMaterialId;
  const material = await core.requireMaterial(key.keyId, materialId);
  const iv = core.rng.bytes(IV_LENGTH);
  const header = encodeHeader({ keyId: key.keyId, materialId, iv });
  const { ciphertext, tag } = gcmSeal(material, iv, plaintext, concatBytes(header, canonicalContext(ec)));
  return { key, materialId, blob: assemble(header, ciphertext, tag) };
}

export interface OpenInput {
  blob: Uint8Array;
  keyIdParam?: string;
  context?: EncryptionContext;
  algorithm?: EncryptionAlgorithm;
  action: string;
  op: string;
}

export interface Opened {
  key: KeyRecord;
  materialId: string;
  plaintext: Uint8Array;
  /** Set for asymmetric (RSAES-OAEP) ciphertext; absent means SYMMETRIC_DEFAULT. */
  algorithm?: EncryptionAlgorithm;
}

/** Decrypts a Trent blob after resolution, authorization and the key-state and usage checks (`admitKey`). */
async function open(core: Core, ctx: CallContext, input: OpenInput): Promise<Opened> {
  if (input.algorithm !== undefined && input.algorithm !== 'SYMMETRIC_DEFAULT') {
    const { key, plaintext } = await rsaOpen(core, ctx, { ...input, algorithm: input.algorithm });
    return { key, materialId: key.currentMaterialId, plaintext, algorithm: input.algorithm };
  }
  const decoded = decodeBlob(input.blob);
  let named: { key: KeyRecord; requestAlias?: string } | undefined;
  if (input.keyIdParam !== undefined) {
    named = await core.resolveNamed(ctx, input.keyIdParam);
    // "If you specify a KeyId … and it is not the key that encrypted the ciphertext, Decrypt fails" → IncorrectKeyException.
    if (!decoded || decoded.keyId !== named.key.keyId) {
      throw new IncorrectKeyException('The key ID in the request does not identify a CMK that can perform this operation.');
    }
  }
  if (!decoded) throw new InvalidCiphertextException();
  // The blob names the key id; the request's Region picks the key row — for a multi-Region key,
  // this Region's primary or replica, which shares the materials of every Region.
  const here = { keyId: decoded.keyId, region: ctx.region };
  // A KeyId in the request names the blob's key (checked above) in this Region: that record is
  // the one to authorize, so a KeyId given as an alias is the request's kms:RequestAlias ("the
  // value of the KeyId parameter in the request must be a matching alias name or alias ARN").
  const key = named?.key ?? (await core.keyOf(ctx, here));
  if (!key) {
    // A ciphertext of a key that was deleted: "the KMS key … is deleted … cannot be decrypted".
    const gone = await core.store.getDeletedKey(here);
    if (gone) throw new NotFoundException(`Key '${gone.arn}' does not exist`);
    throw new InvalidCiphertextException();
  }
  await admitKey(core, ctx, key, named?.requestAlias, {
    action: input.action,
    op: input.op,
    state: 'crypto',
    usage: 'ENCRYPT_DECRYPT',
    conditions: contextConditions(input.context, input.algorithm),
    encryptionContext: input.context ?? {},
  });
  if (input.algorithm !== undefined && input.algorithm !== 'SYMMETRIC_DEFAULT') throw new InvalidCiphertextException();
  const material = await core.material(key.keyId, decoded.materialId);
  if (!material) throw new InvalidCiphertextException();
  const plaintext = gcmOpen(material, decoded.iv, decoded.ciphertext, decoded.tag, concatBytes(decoded.header, canonicalContext(input.context)));
  if (!plaintext) throw new InvalidCiphertextException();
  return { key, materialId: decoded.materialId, plaintext };
}

/** `key`: authorized for kms:Encrypt, in state, of ENCRYPT_DECRYPT usage. */
export async function encrypt(core: Core, key: KeyRecord, p: { plaintext: Uint8Array; context?: EncryptionContext; algorithm?: EncryptionAlgorithm; dryRun?: boolean }): Promise<Sealed> {
  assertSealable(key, p.context, p.algorithm);
  if (p.dryRun) throw dryRun();
  return seal(core, key, p.plaintext, p.context, p.algorithm);
}

/**
 * DryRun with DryRunModifiers IGNORE_CIPHERTEXT: "KMS performs only authorization validation
 * without ciphertext validation" (Decrypt, ReEncrypt), so the key is the one the request names —
 * "KeyId … is required … when DryRun is true and DryRunModifiers is set to IGNORE_CIPHERTEXT".
 * The same checks as a real call on that key (authorization with the context's condition keys,
 * key state, usage, algorithm), then DryRunOperationException; no ciphertext is read.
 */
export interface DryRunKeyUse {
  keyId: string | undefined;
  /** The request member naming the key, for the error when it is absent. */
  member: string;
  action: string;
  context?: EncryptionContext;
  algorithm?: EncryptionAlgorithm;
}

export async function dryRunWithoutCiphertext(core: Core, ctx: CallContext, op: 'Decrypt' | 'ReEncrypt', uses: readonly DryRunKeyUse[]): Promise<never> {
  for (const u of uses) if (u.keyId === undefined) throw new ValidationException(`${u.member} is required when DryRun is true and DryRunModifiers is IGNORE_CIPHERTEXT.`);
  for (const u of uses) assertSealable(await useKey(core, ctx, u.keyId!, sealingUse(u.action, op, u.context, u.algorithm)), u.context, u.algorithm);
  throw dryRun();
}

export async function decrypt(core: Core, ctx: CallContext, p: { blob: Uint8Array; keyId?: string; context?: EncryptionContext; algorithm?: EncryptionAlgorithm; dryRun?: boolean }): Promise<Opened> {
  const opened = await open(core, ctx, {
    blob: p.blob,
    ...(p.keyId !== undefined ? { keyIdParam: p.keyId } : {}),
    ...(p.context !== undefined ? { context: p.context } : {}),
    ...(p.algorithm !== undefined ? { algorithm: p.algorithm } : {}),
    action: 'kms:Decrypt',
    op: 'Decrypt',
  });
  if (p.dryRun) {
    opened.plaintext.fill(0);
    throw dryRun();
  }
  return opened;
}

export interface ReEncryptInput {
  blob: Uint8Array;
  sourceKeyId?: string;
  sourceContext?: EncryptionContext;
  sourceAlgorithm?: EncryptionAlgorithm;
  destinationKeyId: string;
  destinationContext?: EncryptionContext;
  destinationAlgorithm?: EncryptionAlgorithm;
  dryRun?: boolean;
}

export async function reEncrypt(core: Core, ctx: CallContext, p: ReEncryptInput): Promise<{ source: Opened; sealed: Sealed }> {
  const source = await open(core, ctx, {
    blob: p.blob,
    ...(p.sourceKeyId !== undefined ? { keyIdParam: p.sourceKeyId } : {}),
    ...(p.sourceContext !== undefined ? { context: p.sourceContext } : {}),
    ...(p.sourceAlgorithm !== undefined ? { algorithm: p.sourceAlgorithm } : {}),
    action: 'kms:ReEncryptFrom',
    op: 'ReEncrypt',
  });
  try {
    const dest = await useKey(core, ctx, p.destinationKeyId, sealingUse('kms:ReEncryptTo', 'ReEncrypt', p.destinationContext, p.destinationAlgorithm));
    assertSealable(dest, p.destinationContext, p.destinationAlgorithm);
    if (p.dryRun) throw dryRun();
    const sealed = await seal(core, dest, source.plaintext, p.destinationContext, p.destinationAlgorithm);
    return { source, sealed };
  } finally {
    source.plaintext.fill(0);
  }
}

/** "Please specify either number of bytes or key spec." — exactly one of them (answered before the key is looked up). */
export function assertBytesOrSpec(p: { keySpec?: unknown; numberOfBytes?: unknown }): void {
  if ((p.keySpec === undefined) === (p.numberOfBytes === undefined)) {
    throw new ValidationException('Please specify either number of bytes or key spec.');
  }
}

/** GenerateDataKey*: `key` authorized for the operation, in state, of ENCRYPT_DECRYPT usage. */
export async function generateDataKey(core: Core, key: KeyRecord, p: { keySpec?: 'AES_256' | 'AES_128'; numberOfBytes?: number; context?: EncryptionContext; dryRun?: boolean }): Promise<Sealed & { plaintext: Uint8Array }> {
  assertSealable(key, p.context, undefined);
  if (p.dryRun) throw dryRun();
  const n = p.numberOfBytes ?? (p.keySpec === 'AES_128' ? 16 : 32);
  const plaintext = core.rng.bytes(n);
  const sealed = await seal(core, key, plaintext, p.context);
  return { ...sealed, plaintext };
}

export async function generateRandom(core: Core, ctx: CallContext, n: number): Promise<Uint8Array> {
  await core.authorize(ctx, 'kms:GenerateRandom', undefined);
  return core.rng.bytes(n);
}
