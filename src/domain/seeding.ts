/**
 * Applies a seed plan (seed/seed-file.ts reads it from a file) to the store on start, idempotently.
 * KMS acting on its own, as the scheduler's jobs do: it runs once, before the port opens, with
 * the operator's file as its authority; its writes go through the service-audited store.
 *
 *
 * - everything is checked against the store first (key ids taken in another account or Region or
 *   by a deleted key, a key that exists with another spec, policies, tags, alias targets); any
 *   problem stops the start with the file and line, before anything is written;
 * - a key that does not exist is created with its fixed id and materials, wrapped by the root
 *   keyring like any other material; the KeyMaterialId of a given material is a function of the
 *   key id and the material, so a fresh start from the same seed gives ciphertexts made earlier
 *   the material ids they name;
 * - a key that exists is left as it is ("If a key in the seeding file already exists, it will not
 *   be overwritten or amended", local-kms README) — except that seeded materials it lacks are
 *   added (never made current), which completes a start interrupted between two writes;
 * - grants and aliases are added when absent; an alias that exists is left pointing where it points.
 */
import { createHash, randomBytes } from 'node:crypto';
import { importedMaterialId } from '../crypto/imported-material.ts';
import { keySpecInfo } from '../crypto/key-specs.ts';
import type { KeySpec, KeyUsage } from '../crypto/key-specs.ts';
import type { Core } from './core.ts';
import { defaultKeyPolicy } from './default-policy.ts';
import type { GrantOperation } from './grants.ts';
import { newKeyMaterial } from './key-material.ts';
import { StoreDuplicateError } from './ports.ts';
import { checkNewTags } from './tags.ts';
import type { GrantConstraints, GrantRecord, KeyRecord, MaterialRecord, Origin, Principal, Tag } from './types.ts';
import { KmsError } from '../shared/errors.ts';

/** A mistake in the seed (file and line in the message): nothing was written. */
export class SeedFileError extends Error {}

export interface SeedMaterial {
  /** In the form Trent keeps (crypto/imported-material.ts). */
  plain: Uint8Array;
  rotationType?: 'AUTOMATIC' | 'ON_DEMAND';
}

export interface SeedGrant {
  name?: string;
  granteePrincipal: string;
  retiringPrincipal?: string;
  operations: GrantOperation[];
  constraints?: GrantConstraints;
}

export interface SeedKey {
  keyId: string;
  keySpec: KeySpec;
  keyUsage: KeyUsage;
  origin: Extract<Origin, 'AWS_KMS' | 'EXTERNAL'>;
  description: string;
  enabled: boolean;
  /** The policy text; absent: the default key policy. */
  policy?: string;
  tags: Tag[];
  rotation?: { periodDays: number; nextRotationAt?: number };
  /** Oldest first, the last current. Empty: generated on first start (AWS_KMS), or none yet (EXTERNAL). */
  materials: SeedMaterial[];
  grants: SeedGrant[];
  /** `file:line` of the key, for messages. */
  where: string;
}

export interface SeedAlias {
  aliasName: string;
  targetKeyId: string;
  where: string;
}

export interface SeedPlan {
  path: string;
  format: 'local-kms' | 'trent';
  account?: string;
  region?: string;
  keys: SeedKey[];
  aliases: SeedAlias[];
}

const DAY_MS = 86_400_000;

export interface SeedResult {
  created: string[];
  /** Existing keys that lacked some seeded materials. */
  completed: string[];
  unchanged: string[];
  aliases: string[];
  grants: number;
}

function materialRecords(core: Core, k: SeedKey, now: number): MaterialRecord[] {
  const n = k.materials.length;
  return k.materials.map((m, i) => {
    const materialId = importedMaterialId(k.keyId, m.plain);
    return {
      keyId: k.keyId,
      materialId,
      // Oldest first, a millisecond apart, so every store lists them in the seed's order.
      createdAt: now - (n - 1 - i),
      wrapped: core.wrapMaterial(k.keyId, materialId, m.plain),
      ...(i > 0 && m.rotationType ? { rotationType: m.rotationType } : {}),
      ...(k.origin === 'EXTERNAL' ? { imported: { importState: 'IMPORTED' as const, expirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' as const } } : {}),
    };
  });
}

function grantId(k: SeedKey, g: SeedKey['grants'][number]): string {
  const canonical = JSON.stringify([k.keyId, g.name ?? null, g.granteePrincipal, g.retiringPrincipal ?? null, [...g.operations].sort(), g.constraints ?? null]);
  return createHash('sha256').update(`trent:seed-grant:v1\u0000${canonical}`).digest('hex');
}

export async function applySeed(core: Core, plan: SeedPlan, o: { account: string; region: string; log: (line: string) => void }): Promise<SeedResult> {
  const account = plan.account ?? o.account;
  const region = plan.region ?? o.region;
  const root: Principal = { arn: `arn:${core.partition}:iam::${account}:root`, accountId: account, type: 'Root', userId: account };
  const result: SeedResult = { created: [], completed: [], unchanged: [], aliases: [], grants: 0 };

  // 1. Check everything; write nothing.
  const existing = new Map<string, KeyRecord | undefined>();
  const materials = new Map<string, MaterialRecord[]>();
  const now = core.now();
  for (const k of plan.keys) {
    const held = await core.store.listKeyRegions(k.keyId);
    const e = held.find((h) => h.region === region);
    existing.set(k.keyId, e);
    const elsewhere = held.find((h) => h.account !== account || h.region !== region);
    if (elsewhere) throw new SeedFileError(`${k.where}: key ${k.keyId} already exists in account ${elsewhere.account}, Region ${elsewhere.region}; key ids are unique`);
    if (!e && (await core.store.getDeletedKey({ keyId: k.keyId, region }))) throw new SeedFileError(`${k.where}: key ${k.keyId} was deleted; the id of a deleted key is not used again`);
    if (e && (e.keySpec !== k.keySpec || e.keyUsage !== k.keyUsage || e.origin !== k.origin)) {
      throw new SeedFileError(`${k.where}: key ${k.keyId} exists as ${e.keySpec} ${e.keyUsage} ${e.origin}; the seed says ${k.keySpec} ${k.keyUsage} ${k.origin}`);
    }
    if (k.policy !== undefined) {
      try {
        core.authorizer.checkKeyPolicy(k.policy, { principal: root, keyAccount: account, bypassLockoutCheck: true });
      } catch (err) {
        throw new SeedFileError(`${k.where}: Policy: ${err instanceof KmsError ? err.message : String(err)}`);
      }
    }
    try {
      checkNewTags(k.tags);
    } catch (err) {
      throw new SeedFileError(`${k.where}: Tags: ${(err as Error).message}`);
    }
    const recs = materialRecords(core, k, now);
    if (new Set(recs.map((m) => m.materialId)).size !== recs.length) throw new SeedFileError(`${k.where}: the same key material is listed twice`);
    materials.set(k.keyId, recs);
  }
  const seeded = new Set(plan.keys.map((k) => k.keyId));
  for (const a of plan.aliases) {
    if (seeded.has(a.targetKeyId)) continue;
    const t = await core.store.getKey({ keyId: a.targetKeyId, region });
    if (!t || t.account !== account || t.region !== region) throw new SeedFileError(`${a.where}: TargetKeyId: no key ${a.targetKeyId} in the seed or in account ${account}, Region ${region}`);
  }

  // 2. Write.
  for (const k of plan.keys) {
    const e = existing.get(k.keyId);
    const recs = materials.get(k.keyId)!;
    if (e) {
      const have = new Set((await core.store.listMaterials(k.keyId)).map((m) => m.materialId));
      const missing = recs.filter((m) => !have.has(m.materialId));
      if (missing.length > 0 && e.currentMaterialId !== '') {
        await core.store.putMaterials({ ...e, version: e.version + 1 }, e.version, missing);
        result.completed.push(k.keyId);
      } else {
        result.unchanged.push(k.keyId);
      }
    } else {
      let current = recs[recs.length - 1];
      let plain: Uint8Array | undefined;
      if (!current && k.origin === 'AWS_KMS') {
        // No material given: made once now; the key id stays fixed, the material is then the store's.
        const made = await newKeyMaterial(core, k.keyId, keySpecInfo(k.keySpec));
        current = made.record;
        plain = made.plain;
      }
      const key: KeyRecord = {
        keyId: k.keyId,
        arn: core.keyArn(region, account, k.keyId),
        account,
        region,
        version: 1,
        createdAt: now,
        description: k.description,
        keySpec: k.keySpec,
        keyUsage: k.keyUsage,
        origin: k.origin,
        keyManager: 'CUSTOMER',
        state: !current ? 'PendingImport' : k.enabled ? 'Enabled' : 'Disabled',
        multiRegion: false,
        policy: k.policy ?? defaultKeyPolicy(core.partition, account),
        tags: k.tags,
        currentMaterialId: current?.materialId ?? '',
        rotation: k.rotation
          ? { enabled: true, periodDays: k.rotation.periodDays, nextRotationAt: k.rotation.nextRotationAt ?? now + k.rotation.periodDays * DAY_MS, onDemandCount: 0 }
          : { enabled: false, onDemandCount: 0 },
        ...(k.origin === 'EXTERNAL' && current ? { expirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' as const } : {}),
      };
      // The current material with the key, then the older ones: a start cut in between leaves a
      // usable key, and the next start adds what is missing.
      await core.store.createKey(key, current);
      const older = recs.slice(0, -1);
      if (older.length > 0) await core.store.putMaterials({ ...key, version: 2 }, 1, older);
      if (current && plain) core.cacheMaterial(k.keyId, current.materialId, plain);
      result.created.push(k.keyId);
    }
    for (const g of k.grants) {
      const id = grantId(k, g);
      if (await core.store.getGrant({ keyId: k.keyId, region }, id)) continue;
      const rec: GrantRecord = {
        grantId: id,
        keyId: k.keyId,
        region,
        issuingAccount: root.arn,
        granteePrincipal: g.granteePrincipal,
        ...(g.retiringPrincipal !== undefined ? { retiringPrincipal: g.retiringPrincipal } : {}),
        operations: [...g.operations],
        ...(g.constraints ? { constraints: g.constraints } : {}),
        ...(g.name !== undefined ? { name: g.name } : {}),
        createdAt: now,
        tokenSecret: randomBytes(32).toString('base64url'),
      };
      await core.store.createGrant(rec);
      result.grants++;
    }
  }
  for (const a of plan.aliases) {
    const held = await core.store.getAlias(account, region, a.aliasName);
    if (held) {
      if (held.targetKeyId !== a.targetKeyId) o.log(`seed: ${a.where}: ${a.aliasName} already points at ${held.targetKeyId}; left as it is`);
      continue;
    }
    try {
      await core.store.createAlias({ account, region, aliasName: a.aliasName, targetKeyId: a.targetKeyId, createdAt: now, updatedAt: now });
      result.aliases.push(a.aliasName);
    } catch (err) {
      if (!(err instanceof StoreDuplicateError)) throw err;
    }
  }
  o.log(`seed ${plan.path} (${plan.format} format): ${result.created.length} keys created, ${result.completed.length} completed, ${result.unchanged.length} already present; ${result.aliases.length} aliases and ${result.grants} grants added`);
  return result;
}
