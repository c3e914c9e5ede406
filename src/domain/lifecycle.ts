/** Creating, describing, listing, enabling, disabling and scheduling deletion of keys. */
import { keySpecInfo, type KeySpec, type KeyUsage } from '../crypto/key-specs.ts';
import { InvalidMarkerException, KMSInvalidStateException, UnsupportedOperationException, ValidationException } from '../shared/errors.ts';
import { isKeyId } from '../shared/ids.ts';
import { touch, type CallContext, type Core } from './core.ts';
import { defaultKeyPolicy } from './default-policy.ts';
import { newKeyMaterial } from './key-material.ts';
import { importedKeyState, materialsInRegion } from './imported-materials.ts';
import { assertState, invalidState, isPendingDeletion } from './key-state.ts';
import { hasReplicas } from './multi-region.ts';
import { checkNewTags, requestTagConditions } from './tags.ts';
import type { KeyRecord, Tag } from './types.ts';

const DAY_MS = 86_400_000;

export interface CreateKeyInput {
  description?: string;
  keySpec?: KeySpec;
  keyUsage?: KeyUsage;
  policy?: string;
  bypassPolicyLockoutSafetyCheck?: boolean;
  tags?: Tag[];
  origin?: string;
  multiRegion?: boolean;
}

export async function createKey(core: Core, ctx: CallContext, input: CreateKeyInput): Promise<KeyRecord> {
  const spec = input.keySpec ?? 'SYMMETRIC_DEFAULT';
  const info = keySpecInfo(spec);
  if (input.keyUsage === undefined && spec !== 'SYMMETRIC_DEFAULT') {
    throw new ValidationException('You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.');
  }
  const usage = input.keyUsage ?? 'ENCRYPT_DECRYPT';
  if (!info.usages.includes(usage)) throw new ValidationException(`KeyUsage ${usage} is not compatible with KeySpec ${spec}`);
  if (!info.supported) throw new UnsupportedOperationException(info.unsupportedReason ?? `KeySpec ${spec} is not supported by this version of Trent.`);
  const origin = input.origin ?? 'AWS_KMS';
  if (origin !== 'AWS_KMS' && origin !== 'EXTERNAL') {
    throw new UnsupportedOperationException(`Origin ${origin} is not supported by this version of Trent.`);
  }
  const multiRegion = input.multiRegion ?? false;
  if (input.tags) checkNewTags(input.tags);
  const account = ctx.principal.accountId;
  const policy = input.policy ?? defaultKeyPolicy(core.partition, account);
  await core.authorize(ctx, 'kms:CreateKey', undefined, {
    conditions: {
      'kms:KeySpec': spec,
      'kms:KeyUsage': usage,
      'kms:KeyOrigin': origin,
      'kms:MultiRegion': String(multiRegion),
      ...(multiRegion ? { 'kms:MultiRegionKeyType': 'PRIMARY' } : {}),
      'kms:BypassPolicyLockoutSafetyCheck': String(input.bypassPolicyLockoutSafetyCheck ?? false),
      ...(input.tags ? requestTagConditions(input.tags) : {}),
    },
  });
  // Only after the caller is authorized: the check looks up whether the policy's principals
  // exist, and MalformedPolicyDocumentException answered to anyone would tell which IAM users
  // and roles exist in any account.
  if (input.policy !== undefined) {
    core.authorizer.checkKeyPolicy(input.policy, { principal: ctx.principal, keyAccount: account, bypassLockoutCheck: input.bypassPolicyLockoutSafetyCheck ?? false });
  }
  // Multi-Region key ids are "mrk-" and 32 hex digits (KMS developer guide, "Multi-Region key identifiers").
  const keyId = multiRegion ? `mrk-${Buffer.from(core.rng.bytes(16)).toString('hex')}` : core.rng.uuid();
  // "Keys with imported key material are created in the PendingImport state" with no material
  // (key-state reference); their first material comes from ImportKeyMaterial.
  const first = origin === 'AWS_KMS' ? await newKeyMaterial(core, keyId, info) : undefined;
  const key: KeyRecord = {
    keyId,
    arn: core.keyArn(ctx.region, account, keyId),
    account,
    region: ctx.region,
    version: 1,
    createdAt: core.now(),
    description: input.description ?? '',
    keySpec: spec,
    keyUsage: usage,
    origin,
    keyManager: 'CUSTOMER',
    state: first ? 'Enabled' : 'PendingImport',
    multiRegion,
    ...(multiRegion ? { multiRegionKeyType: 'PRIMARY' as const } : {}),
    policy,
    tags: input.tags ?? [],
    currentMaterialId: first?.record.materialId ?? '',
    rotation: { enabled: false, onDemandCount: 0 },
  };
  await core.store.createKey(key, first?.record);
  touch(ctx, key);
  if (first) core.cacheMaterial(keyId, first.record.materialId, first.plain);
  return key;
}

export function encodeMarker(last: string): string {
  return Buffer.from(`k:${last}`, 'utf8').toString('base64url');
}

export function decodeMarker(marker: string, valid: (s: string) => boolean): string {
  const text = Buffer.from(marker, 'base64url').toString('utf8');
  if (!text.startsWith('k:') || !valid(text.slice(2)) || encodeMarker(text.slice(2)) !== marker) {
    throw new InvalidMarkerException('Invalid marker');
  }
  return text.slice(2);
}

export async function listKeys(core: Core, ctx: CallContext, limit: number, marker?: string): Promise<{ keys: KeyRecord[]; next?: string }> {
  const after = marker !== undefined ? decodeMarker(marker, isKeyId) : undefined;
  await core.authorize(ctx, 'kms:ListKeys', undefined);
  const rows = await core.store.listKeys(ctx.principal.accountId, ctx.region, after, limit + 1);
  const keys = rows.slice(0, limit);
  const last = keys[keys.length - 1];
  return rows.length > limit && last ? { keys, next: encodeMarker(last.keyId) } : { keys };
}

export async function updateKeyDescription(core: Core, key: KeyRecord, description: string): Promise<void> {
  await core.mutate(key, (k) => {
    assertState(k, 'manage');
    return { ...k, description };
  });
}

export async function enableKey(core: Core, key: KeyRecord): Promise<void> {
  if (key.state === 'Enabled') return;
  await core.mutate(key, (k) => {
    assertState(k, 'toggle');
    return { ...k, state: 'Enabled' };
  });
}

export async function disableKey(core: Core, key: KeyRecord): Promise<void> {
  if (key.state === 'Disabled') return;
  await core.mutate(key, (k) => {
    assertState(k, 'toggle');
    return { ...k, state: 'Disabled' };
  });
}

/** The waiting period ScheduleKeyDeletion asks for: 30 days by default, 7 to 30. */
export function pendingWindowInDays(days: number | undefined): number {
  const window = days ?? 30;
  // The model allows 1–365 but KMS enforces 7–30; AWS answers with this text.
  if (window < 7 || window > 30) throw new ValidationException('PendingWindowInDays must be between 7 and 30');
  return window;
}

export async function scheduleKeyDeletion(core: Core, key: KeyRecord, days: number | undefined): Promise<KeyRecord> {
  const window = pendingWindowInDays(days);
  // "If you schedule deletion of a multi-Region primary key with replica keys, its key state
  // changes to PendingReplicaDeletion … the waiting period begins when the last of its replica
  // keys is deleted" (ScheduleKeyDeletion reference): no DeletionDate until then.
  if (await hasReplicas(core, key)) {
    return core.mutate(key, (k) => {
      assertState(k, 'schedule');
      return { ...k, state: 'PendingReplicaDeletion', pendingWindowInDays: window };
    });
  }
  const deletionDate = core.now() + window * DAY_MS;
  return core.mutate(key, (k) => {
    assertState(k, 'schedule');
    return { ...k, state: 'PendingDeletion', deletionDate, pendingWindowInDays: window };
  });
}

export async function cancelKeyDeletion(core: Core, key: KeyRecord): Promise<KeyRecord> {
  const notPending = (k: KeyRecord) => new KMSInvalidStateException(`${k.arn} is not pending deletion.`);
  if (!isPendingDeletion(key)) throw key.state === 'Enabled' || key.state === 'Disabled' ? notPending(key) : invalidState(key);
  // "When you cancel the deletion, the key state changes to Disabled" (CancelKeyDeletion reference) —
  // or PendingImport for a key whose imported material was deleted or expired meanwhile.
  const materials = key.origin === 'EXTERNAL' ? materialsInRegion(key, await core.store.listMaterials(key.keyId)) : [];
  return core.mutate(key, (k) => {
    if (!isPendingDeletion(k)) throw notPending(k);
    const { deletionDate: _d, pendingWindowInDays: _w, ...rest } = k;
    return { ...rest, state: k.origin === 'EXTERNAL' && importedKeyState({ ...rest, state: 'Disabled' }, materials) === 'PendingImport' ? 'PendingImport' : 'Disabled' };
  });
}
