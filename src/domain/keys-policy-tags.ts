/** Key policies and tags. */
import { NotFoundException } from '../shared/errors.ts';
import type { CallContext, Core } from './core.ts';
import { assertState } from './key-state.ts';
import { mergeTags, removeTags } from './tags.ts';
import type { Tag } from './types.ts';

/** "The only valid name is default" (GetKeyPolicy / PutKeyPolicy reference). */
function checkPolicyName(name: string | undefined): void {
  if (name !== undefined && name !== 'default') throw new NotFoundException(`No such policy exists: ${name}`);
}

export async function getKeyPolicy(core: Core, ctx: CallContext, keyIdParam: string, policyName: string | undefined): Promise<string> {
  const key = await core.resolve(ctx, keyIdParam);
  await core.authorize(ctx, 'kms:GetKeyPolicy', key);
  checkPolicyName(policyName);
  return key.policy;
}

export async function putKeyPolicy(core: Core, ctx: CallContext, keyIdParam: string, policyName: string | undefined, policy: string, bypass: boolean): Promise<void> {
  const key = await core.resolve(ctx, keyIdParam);
  await core.authorize(ctx, 'kms:PutKeyPolicy', key, { conditions: { 'kms:BypassPolicyLockoutSafetyCheck': String(bypass) } });
  checkPolicyName(policyName);
  core.authorizer.checkKeyPolicy(policy, { principal: ctx.principal, keyArn: key.arn, keyAccount: key.account, bypassLockoutCheck: bypass });
  await core.mutate(key, (k) => ({ ...k, policy }));
}

export async function listKeyPolicies(core: Core, ctx: CallContext, keyIdParam: string): Promise<string[]> {
  const key = await core.resolve(ctx, keyIdParam);
  await core.authorize(ctx, 'kms:ListKeyPolicies', key);
  return ['default'];
}

export async function tagResource(core: Core, ctx: CallContext, keyIdParam: string, tags: Tag[]): Promise<void> {
  const key = await core.resolve(ctx, keyIdParam);
  await core.authorize(ctx, 'kms:TagResource', key, {
    conditions: { 'aws:TagKeys': tags.map((t) => t.TagKey), ...Object.fromEntries(tags.map((t) => [`aws:RequestTag/${t.TagKey}`, t.TagValue])) },
  });
  assertState(key, 'manage');
  mergeTags(key.tags, tags);
  await core.mutate(key, (k) => {
    assertState(k, 'manage');
    return { ...k, tags: mergeTags(k.tags, tags) };
  });
}

export async function untagResource(core: Core, ctx: CallContext, keyIdParam: string, tagKeys: string[]): Promise<void> {
  const key = await core.resolve(ctx, keyIdParam);
  await core.authorize(ctx, 'kms:UntagResource', key, { conditions: { 'aws:TagKeys': tagKeys } });
  assertState(key, 'manage');
  removeTags(key.tags, tagKeys);
  await core.mutate(key, (k) => ({ ...k, tags: removeTags(k.tags, tagKeys) }));
}

export async function listResourceTags(core: Core, ctx: CallContext, keyIdParam: string): Promise<Tag[]> {
  const key = await core.resolve(ctx, keyIdParam);
  await core.authorize(ctx, 'kms:ListResourceTags', key);
  return key.tags;
}
