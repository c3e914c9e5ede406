export { Core, type CallContext, type CoreDeps, materialAad } from './core.ts';
export { sameAccountAuthorizer, type Authorizer, type AuthzRequest } from './authorizer.ts';
export { systemClock, StoreConflictError, StoreDuplicateError, type Clock, type KeyStore, type RootKeyring, type Page } from './ports.ts';
export type { KeyRecord, MaterialRecord, AliasRecord, AccessKeyRecord, Principal, PrincipalType, Tag, KeyState, Origin, RotationSettings } from './types.ts';
export { createKey, describeKey, listKeys, updateKeyDescription, enableKey, disableKey, scheduleKeyDeletion, cancelKeyDeletion } from './lifecycle.ts';
export { getKeyPolicy, putKeyPolicy, listKeyPolicies, tagResource, untagResource, listResourceTags } from './keys-policy-tags.ts';
export { encrypt, decrypt, reEncrypt, generateDataKey, generateRandom } from './crypto-ops.ts';
export { createAlias, updateAlias, deleteAlias, listAliases } from './aliases.ts';
export { defaultKeyPolicy } from './default-policy.ts';
