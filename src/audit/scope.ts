/**
 * The request an asynchronous call belongs to. The server runs each operation inside a scope;
 * the audited store (audit-store.ts) reads it to learn which keys the request touched (its
 * CloudTrail `resources`) and to make the request's write-ahead entry durable before the first
 * change is committed — without any operation or domain function having to pass it along.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { KeyRecord } from '../domain/types.ts';

export interface TouchedKey {
  keyId: string;
  arn: string;
  account: string;
  keySpec: string;
  keyManager: string;
}

export interface AuditScope {
  readonly touched: Map<string, TouchedKey>;
  /** Resolves once the request's write-ahead entry is durable (written once per request). */
  beforeWrite(): Promise<void>;
}

export const auditScope = new AsyncLocalStorage<AuditScope>();

export function touch(scope: AuditScope, key: KeyRecord): void {
  if (!scope.touched.has(key.keyId)) {
    scope.touched.set(key.keyId, { keyId: key.keyId, arn: key.arn, account: key.account, keySpec: key.keySpec, keyManager: key.keyManager });
  }
}
