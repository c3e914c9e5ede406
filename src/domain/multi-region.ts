/**
 * Multi-Region keys: a primary key and its replicas are rows of one key id in several Regions
 * of one account. They share the key id, key spec, usage, origin and key material (materials
 * belong to the key id in the store; imported material is imported into each Region on its own,
 * see imported-materials.ts) and the rotation status, which is managed on the primary
 * and copied to the replicas; policy, tags, description, aliases, grants and key state are each
 * Region's own ("Multi-Region keys in AWS KMS", developer guide; ReplicateKey reference).
 */
import { AlreadyExistsException, NotFoundException, UnsupportedOperationException, ValidationException } from '../shared/errors.ts';
import type { CallContext, Core } from './core.ts';
import { defaultKeyPolicy } from './default-policy.ts';
import { useKey } from './execute.ts';
import { assertState, invalidState } from './key-state.ts';
import { StoreConflictError, StoreDuplicateError, type KeyRef } from './ports.ts';
import { checkNewTags } from './tags.ts';
import type { KeyRecord, Tag } from './types.ts';

const DAY_MS = 86_400_000;

export interface MultiRegionKey {
  Arn: string;
  Region: string;
}

/** DescribeKey's MultiRegionConfiguration. */
export interface MultiRegionConfiguration {
  MultiRegionKeyType: 'PRIMARY' | 'REPLICA';
  PrimaryKey: MultiRegionKey;
  ReplicaKeys: MultiRegionKey[];
}

/** "<arn> is not a multi-region primary key." — recorded against AWS (ReplicateKey of a replica). */
export function notPrimary(key: KeyRecord): UnsupportedOperationException {
  return new UnsupportedOperationException(`${key.arn} is not a multi-region primary key.`);
}

export function isReplica(key: KeyRecord): boolean {
  return key.multiRegion && key.multiRegionKeyType === 'REPLICA';
}

/** Every Region's row of a multi-Region key (the primary and its replicas), in the key's account. */
async function related(core: Core, key: KeyRecord): Promise<KeyRecord[]> {
  return (await core.store.listKeyRegions(key.keyId)).filter((k) => k.account === key.account && k.multiRegion);
}

/** The MultiRegionConfiguration of a key's metadata; undefined for a single-Region key. */
export async function multiRegionConfiguration(core: Core, key: KeyRecord): Promise<MultiRegionConfiguration | undefined> {
  if (!key.multiRegion) return undefined;
  const rows = await related(core, key);
  const primary = rows.find((k) => k.multiRegionKeyType !== 'REPLICA') ?? key;
  return {
    MultiRegionKeyType: key.multiRegionKeyType ?? 'PRIMARY',
    PrimaryKey: { Arn: primary.arn, Region: primary.region },
    ReplicaKeys: rows.filter((k) => k.multiRegionKeyType === 'REPLICA').map((k) => ({ Arn: k.arn, Region: k.region })),
  };
}

export interface ReplicateKeyInput {
  keyId: string;
  replicaRegion: string;
  policy?: string;
  bypassPolicyLockoutSafetyCheck?: boolean;
  description?: string;
  tags?: Tag[];
}

/**
 * ReplicateKey: a replica of a multi-Region primary key in another Region, with the same key id
 * and material and its own policy (default: the default key policy), tags and description
 * (default: none — "not a shared property").
 */
export async function replicateKey(core: Core, ctx: CallContext, p: ReplicateKeyInput): Promise<KeyRecord> {
  // AWS documents only "KMS must be available in the replica Region"; its answer to a well-formed
  // Region that does not exist is neither documented nor recorded anywhere we found (API
  // reference, recorded responses, moto / LocalStack issues): exception and text are Trent's.
  if (!core.acceptsRegion(p.replicaRegion)) throw new ValidationException(`ReplicaRegion ${p.replicaRegion} is not a Region this endpoint serves.`);
  if (p.tags) checkNewTags(p.tags);
  // The Region and tags are checked before the key is looked up, and the key's role before its state.
  const key = await useKey(core, ctx, p.keyId, {
    alias: false,
    action: 'kms:ReplicateKey',
    op: 'ReplicateKey',
    state: 'any',
    conditions: {
      'kms:ReplicaRegion': p.replicaRegion,
      ...(p.tags ? { 'aws:TagKeys': p.tags.map((t) => t.TagKey) } : {}),
      ...Object.fromEntries((p.tags ?? []).map((t) => [`aws:RequestTag/${t.TagKey}`, t.TagValue])),
    },
  });
  if (!key.multiRegion || key.multiRegionKeyType === 'REPLICA') throw notPrimary(key);
  assertState(key, 'crypto');
  const arn = core.keyArn(p.replicaRegion, key.account, key.keyId);
  // "The replica must be in a different AWS Region than its primary key and other replicas of
  // that primary key": a Region that already holds the key id has the key already, the case
  // AlreadyExistsException covers ("attempted to create a resource that already exists"). AWS's
  // answer for the primary's own Region is not documented or recorded: Trent's choice and text.
  const exists = () => new AlreadyExistsException(`${arn} already exists`);
  if (p.replicaRegion === key.region) throw exists();
  // ReplicateKey's required permissions (API reference): kms:ReplicateKey on the primary (above),
  // kms:CreateKey in an IAM policy in the replica Region, and kms:TagResource there for Tags.
  const inReplica: CallContext = { ...ctx, region: p.replicaRegion };
  const tagConditions = {
    ...(p.tags ? { 'aws:TagKeys': p.tags.map((t) => t.TagKey) } : {}),
    ...Object.fromEntries((p.tags ?? []).map((t) => [`aws:RequestTag/${t.TagKey}`, t.TagValue])),
  };
  await core.authorize(inReplica, 'kms:CreateKey', undefined, {
    conditions: {
      'kms:KeySpec': key.keySpec,
      'kms:KeyUsage': key.keyUsage,
      'kms:KeyOrigin': key.origin,
      'kms:MultiRegion': 'true',
      'kms:MultiRegionKeyType': 'REPLICA',
      'kms:BypassPolicyLockoutSafetyCheck': String(p.bypassPolicyLockoutSafetyCheck ?? false),
      ...tagConditions,
    },
  });
  if (p.tags && p.tags.length > 0) await core.authorize(inReplica, 'kms:TagResource', undefined, { conditions: tagConditions });
  const policy = p.policy ?? defaultKeyPolicy(core.partition, key.account);
  if (p.policy !== undefined) {
    core.authorizer.checkKeyPolicy(p.policy, { principal: ctx.principal, keyAccount: key.account, bypassLockoutCheck: p.bypassPolicyLockoutSafetyCheck ?? false });
  }
  const replica: KeyRecord = {
    keyId: key.keyId,
    arn,
    account: key.account,
    region: p.replicaRegion,
    version: 1,
    createdAt: core.now(),
    description: p.description ?? '',
    keySpec: key.keySpec,
    keyUsage: key.keyUsage,
    origin: key.origin,
    keyManager: key.keyManager,
    // "AWS KMS does not copy or synchronize the key material from a primary key with imported key
    // material to its replica keys": such a replica waits for its own import.
    state: key.origin === 'EXTERNAL' ? 'PendingImport' : 'Enabled',
    multiRegion: true,
    multiRegionKeyType: 'REPLICA',
    policy,
    tags: p.tags ?? [],
    currentMaterialId: key.currentMaterialId,
    rotation: structuredClone(key.rotation),
  };
  try {
    // No material: the replica shares the materials of its key id (imported ones as not yet
    // imported in its Region, imported-materials.ts).
    await core.store.createKey(replica);
  } catch (e) {
    if (e instanceof StoreDuplicateError) throw exists();
    throw e;
  }
  return replica;
}

/**
 * UpdatePrimaryRegion: the replica in `primaryRegion` becomes the primary key and the primary a
 * replica, in one store transaction. The rotation settings move with the primary role. `key` is
 * authorized for kms:UpdatePrimaryRegion (kms:PrimaryRegion); its role, then its state, are checked here.
 */
export async function updatePrimaryRegion(core: Core, key: KeyRecord, primaryRegion: string): Promise<void> {
  if (!key.multiRegion || key.multiRegionKeyType === 'REPLICA') throw notPrimary(key);
  assertState(key, 'crypto');
  if (primaryRegion === key.region) return;
  let primary = key;
  for (let attempt = 0; ; attempt++) {
    const target = await core.store.getKey({ keyId: key.keyId, region: primaryRegion });
    if (!target || target.account !== key.account) throw new NotFoundException(`Key '${core.keyArn(primaryRegion, key.account, key.keyId)}' does not exist`);
    if (target.state === 'PendingDeletion' || target.state === 'PendingImport') throw invalidState(target);
    try {
      await core.store.updateKeys([
        { key: { ...primary, multiRegionKeyType: 'REPLICA', version: primary.version + 1 }, expectedVersion: primary.version },
        {
          key: { ...target, multiRegionKeyType: 'PRIMARY', currentMaterialId: primary.currentMaterialId, rotation: structuredClone(primary.rotation), version: target.version + 1 },
          expectedVersion: target.version,
        },
      ]);
      return;
    } catch (e) {
      if (!(e instanceof StoreConflictError) || attempt >= 8) throw e;
      const fresh = await core.store.getKey(key);
      if (!fresh) throw new NotFoundException(`Key '${key.arn}' does not exist`);
      if (fresh.multiRegionKeyType === 'REPLICA') throw notPrimary(fresh);
      assertState(fresh, 'crypto');
      primary = fresh;
    }
  }
}

/**
 * After a change of the primary's shared properties (rotation settings, a new current material):
 * the same on each replica. Materials are shared, so a replica that misses an update (a node
 * stopping between the writes) still decrypts everything and encrypts with an older material
 * until the next change reaches it.
 */
export async function syncReplicas(core: Core, primary: KeyRecord): Promise<void> {
  if (!primary.multiRegion || primary.multiRegionKeyType === 'REPLICA') return;
  for (const replica of await related(core, primary)) {
    if (replica.multiRegionKeyType !== 'REPLICA') continue;
    await core.mutate(replica, (r) => ({ ...r, currentMaterialId: primary.currentMaterialId, rotation: structuredClone(primary.rotation) }));
  }
}

/** Whether a primary key still has replicas (deleting it then waits for them). */
export async function hasReplicas(core: Core, key: KeyRecord): Promise<boolean> {
  if (!key.multiRegion || key.multiRegionKeyType === 'REPLICA') return false;
  return (await related(core, key)).some((k) => k.multiRegionKeyType === 'REPLICA');
}

/**
 * After the scheduler deleted a replica: a primary waiting in PendingReplicaDeletion whose last
 * replica this was starts its own waiting period — "the waiting period begins when the last of
 * its replica keys is deleted" (ScheduleKeyDeletion reference).
 */
export async function afterReplicaDeleted(core: Core, ref: KeyRef, now: number): Promise<void> {
  const rows = await core.store.listKeyRegions(ref.keyId);
  const primary = rows.find((k) => k.multiRegionKeyType === 'PRIMARY' && k.state === 'PendingReplicaDeletion');
  if (!primary || rows.some((k) => k.multiRegionKeyType === 'REPLICA' && k.account === primary.account)) return;
  await core.mutate(primary, (k) => {
    if (k.state !== 'PendingReplicaDeletion') return k;
    return { ...k, state: 'PendingDeletion', deletionDate: now + (k.pendingWindowInDays ?? 30) * DAY_MS };
  });
}

/** Rotation of a multi-Region key is managed on its primary; a replica refuses to change it. */
export function assertNotReplica(key: KeyRecord): void {
  if (isReplica(key)) throw notPrimary(key);
}
