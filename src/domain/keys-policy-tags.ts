/** Key policies and tags. */
import { NotFoundException } from '../shared/errors.ts';
import type { CallContext, Core } from './core.ts';
import { assertState } from './key-state.ts';
import { mergeTags, removeTags } from './tags.ts';
import type { KeyRecord, Tag } from './types.ts';

/** "The only valid name is default" (GetKeyPolicy / PutKeyPolicy reference). */
function checkPolicyName(name: string | undefined): void {
  if (name !== undefined && name !== 'default') throw new NotFoundException(`No such policy exists: ${name}`);
}

export function getKeyPolicy(key: KeyRecord, policyName: string | undefined): string {
  checkPolicyName(policyName);
  return key.policy;
}

export async function putKeyPolicy(core: Core, ctx: CallContext, key: KeyRecord, policyName: string | undefined, policy: string, bypass: boolean): Promise<void> {
  checkPolicyName(policyName);
  core.authorizer.checkKeyPolicy(policy, { principal: ctx.principal, keyArn: key.arn, keyAccount: key.account, bypassLockoutCheck: bypass });
  await core.mutate(key, (k) => ({ ...k, policy }));
}

export async function tagResource(core: Core, key: KeyRecord, tags: Tag[]): Promise<void> {
  mergeTags(key.tags, tags);
  await core.mutate(key, (k) => {
    assertState(k, 'manage');
    return { ...k, tags: mergeTags(k.tags, tags) };
  });
}

export async function untagResource(core: Core, key: KeyRecord, tagKeys: string[]): Promise<void> {
  removeTags(key.tags, tagKeys);
  await core.mutate(key, (k) => ({ ...k, tags: removeTags(k.tags, tagKeys) }));
}
