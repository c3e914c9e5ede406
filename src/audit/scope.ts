/**
 * A request as the audited store sees it. The server gives each request its own view of the store
 * (audit-store.ts, through Core.withStore), which tells the request's scope which keys it touched
 * (its CloudTrail `resources`) and makes its write-ahead entry durable before the first change is
 * committed — no operation or domain function passes the scope along.
 *
 * Passed explicitly, not through AsyncLocalStorage: once any AsyncLocalStorage has run, Node 20
 * calls a promise hook for every promise the process creates, and a request creates dozens
 * (measured: 8% of the main thread's time per Encrypt at 64 connections).
 */
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

export function touch(scope: AuditScope, key: KeyRecord): void {
  if (!scope.touched.has(key.keyId)) {
    scope.touched.set(key.keyId, { keyId: key.keyId, arn: key.arn, account: key.account, keySpec: key.keySpec, keyManager: key.keyManager });
  }
}
