/** Aliases: friendly names for keys, unique per account and Region. */
import {
  AlreadyExistsException,
  InvalidAliasNameException,
  LimitExceededException,
  NotFoundException,
  ValidationException,
} from '../shared/errors.ts';
import { parseKeyRef } from '../shared/ids.ts';
import type { CallContext, Core } from './core.ts';
import { useKey } from './execute.ts';
import { assertState } from './key-state.ts';
import { decodeMarker, encodeMarker } from './lifecycle.ts';
import { StoreDuplicateError } from './ports.ts';
import type { AliasRecord, KeyRecord } from './types.ts';

/** "Aliases per KMS key: 50" (AWS KMS resource quotas). */
export const MAX_ALIASES_PER_KEY = 50;

function checkAliasName(name: string): void {
  if (!name.startsWith('alias/')) {
    throw new ValidationException('Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html');
  }
  // "The alias name cannot begin with alias/aws/. The alias/aws/ prefix is reserved for AWS managed keys." (CreateAlias reference)
  if (name.startsWith('alias/aws/')) {
    throw new InvalidAliasNameException('Alias names cannot begin with alias/aws/. The alias/aws/ prefix is reserved for AWS managed keys.');
  }
  if (name === 'alias/') throw new InvalidAliasNameException('Alias name must not be empty after the alias/ prefix.');
}

function notFound(core: Core, ctx: CallContext, name: string) {
  return new NotFoundException(`Alias ${core.aliasArn(ctx.region, ctx.principal.accountId, name)} is not found.`);
}

/**
 * Permission on the alias itself. "Principals who manage aliases must have permission to call the
 * alias operation on the alias and on all affected KMS keys"; on the alias, "Provide this
 * permission in an IAM policy" ("Controlling access to aliases", AWS KMS developer guide): an
 * alias has no key policy, so only the caller's identity policies decide (the account root user,
 * which has none, is allowed; an identity-policy Deny on `alias/prod-*` refuses). Checked before
 * the alias or its keys are looked up, so a caller without it learns nothing about them.
 */
async function authorizeAlias(core: Core, ctx: CallContext, action: string, aliasName: string): Promise<void> {
  await core.authorize(ctx, action, undefined, { resource: core.aliasArn(ctx.region, ctx.principal.accountId, aliasName) });
}

/** "Aliases per KMS key: 50": CreateAlias and UpdateAlias refuse to give a key one more. */
async function assertAliasRoom(core: Core, key: KeyRecord): Promise<void> {
  const existing = await core.store.listAliases(key.account, key.region, { keyId: key.keyId, limit: MAX_ALIASES_PER_KEY + 1 });
  if (existing.length >= MAX_ALIASES_PER_KEY) throw new LimitExceededException(`Too many aliases for key ${key.arn}`);
}

export async function createAlias(core: Core, ctx: CallContext, aliasName: string, targetKeyId: string): Promise<void> {
  checkAliasName(aliasName);
  await authorizeAlias(core, ctx, 'kms:CreateAlias', aliasName);
  const key = await useKey(core, ctx, targetKeyId, { alias: false, action: 'kms:CreateAlias', op: 'CreateAlias', state: 'manage' });
  await assertAliasRoom(core, key);
  const now = core.now();
  try {
    await core.store.createAlias({ account: ctx.principal.accountId, region: ctx.region, aliasName, targetKeyId: key.keyId, createdAt: now, updatedAt: now });
  } catch (e) {
    if (e instanceof StoreDuplicateError) {
      throw new AlreadyExistsException(`An alias with the name ${core.aliasArn(ctx.region, ctx.principal.accountId, aliasName)} already exists`);
    }
    throw e;
  }
}

function keyKind(k: KeyRecord): string {
  return k.keySpec === 'SYMMETRIC_DEFAULT' ? 'symmetric' : k.keySpec.startsWith('HMAC') ? 'hmac' : 'asymmetric';
}

/** UpdateAlias needs kms:UpdateAlias on the alias, on its current key and on its new key. */
export async function updateAlias(core: Core, ctx: CallContext, aliasName: string, targetKeyId: string): Promise<void> {
  checkAliasName(aliasName);
  await authorizeAlias(core, ctx, 'kms:UpdateAlias', aliasName);
  const alias = await core.store.getAlias(ctx.principal.accountId, ctx.region, aliasName);
  if (!alias) throw notFound(core, ctx, aliasName);
  // The new target's state is checked after the current key is authorized and after the account.
  const target = await useKey(core, ctx, targetKeyId, { alias: false, action: 'kms:UpdateAlias', op: 'UpdateAlias', state: 'any' });
  const current = await core.keyOf(ctx, { keyId: alias.targetKeyId, region: alias.region });
  if (current) await core.authorize(ctx, 'kms:UpdateAlias', current);
  // "The alias and its new target KMS key must be in the same AWS account and Region."
  if (target.account !== ctx.principal.accountId) throw new NotFoundException(`Key '${target.arn}' does not exist`);
  assertState(target, 'manage');
  // "The current and new KMS key must be the same type … and they must have the same key usage."
  if (current && (keyKind(current) !== keyKind(target) || current.keyUsage !== target.keyUsage)) {
    throw new ValidationException(`${target.arn} key usage or key type does not match the current target key of ${aliasName}.`);
  }
  if (target.keyId !== alias.targetKeyId) await assertAliasRoom(core, target);
  await core.store.updateAlias({ ...alias, targetKeyId: target.keyId, updatedAt: core.now() });
}

export async function deleteAlias(core: Core, ctx: CallContext, aliasName: string): Promise<void> {
  checkAliasName(aliasName);
  await authorizeAlias(core, ctx, 'kms:DeleteAlias', aliasName);
  const alias = await core.store.getAlias(ctx.principal.accountId, ctx.region, aliasName);
  if (!alias) throw notFound(core, ctx, aliasName);
  const key = await core.keyOf(ctx, { keyId: alias.targetKeyId, region: alias.region });
  if (key) await core.authorize(ctx, 'kms:DeleteAlias', key);
  await core.store.deleteAlias(ctx.principal.accountId, ctx.region, aliasName);
}

export async function listAliases(core: Core, ctx: CallContext, p: { keyId?: string; limit: number; marker?: string }): Promise<{ aliases: AliasRecord[]; next?: string }> {
  const after = p.marker !== undefined ? decodeMarker(p.marker, (s) => s.startsWith('alias/')) : undefined;
  // Authorized before KeyId is resolved: a caller without kms:ListAliases must not learn from
  // NotFoundException which key ids exist.
  await core.authorize(ctx, 'kms:ListAliases', undefined);
  let keyId: string | undefined;
  if (p.keyId !== undefined) {
    // "Cross-account use: No. ListAliases does not return aliases in other AWS accounts"; its KeyId
    // is "a KMS key in your AWS account" (ListAliases API reference). A key ARN of another account
    // is answered as a key that does not exist, without looking it up: whether it exists is that
    // account's to tell, and kms:ListAliases is granted by the caller's own account.
    const ref = parseKeyRef(p.keyId, false);
    if (ref.kind === 'keyArn' && ref.account !== ctx.principal.accountId) {
      throw new NotFoundException(`Key '${core.keyArn(ref.region, ref.account, ref.keyId)}' does not exist`);
    }
    const key = await core.resolve(ctx, p.keyId);
    keyId = key.keyId;
  }
  const rows = await core.store.listAliases(ctx.principal.accountId, ctx.region, {
    ...(keyId !== undefined ? { keyId } : {}),
    ...(after !== undefined ? { after } : {}),
    limit: p.limit + 1,
  });
  const aliases = rows.slice(0, p.limit);
  const last = aliases[aliases.length - 1];
  return rows.length > p.limit && last ? { aliases, next: encodeMarker(last.aliasName) } : { aliases };
}
