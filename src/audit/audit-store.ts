/**
 * The key store as the audit trail sees it: every write waits for a durable write-ahead entry
 * (the request's, or a service entry outside any request) before it reaches the real store, and
 * every key read inside a request is remembered as one of the request's resources. One view
 * without a scope serves the scheduler and start-up; each request gets its own view (`scope`).
 *
 * Generic on purpose: any method that is not a read (`get…`, `list…`, `close`) or a store-meta
 * write is treated as a change, so a method added to the port later is covered by default.
 */
import type { KeyStore } from '../domain/ports.ts';
import type { KeyRecord } from '../domain/types.ts';
import { type AuditScope, touch } from './scope.ts';

export interface ServiceWriteBarrier {
  serviceWrite(method: string, keyId: string | undefined): Promise<void>;
}

/** Bookkeeping of the store itself (schema, root key check, test clock offset): not KMS state. */
const META_WRITES = new Set(['putMeta', 'putMetaIfAbsent']);

function isRead(name: string): boolean {
  return name === 'close' || name.startsWith('get') || name.startsWith('list') || META_WRITES.has(name);
}

function keyIdOf(args: unknown[]): string | undefined {
  const a = args[0];
  if (typeof a === 'string') return a;
  if (typeof a === 'object' && a !== null && typeof (a as { keyId?: unknown }).keyId === 'string') return (a as { keyId: string }).keyId;
  return undefined;
}

export function auditedStore(store: KeyStore, barrier: ServiceWriteBarrier, scope?: AuditScope): KeyStore {
  const wrappers = new Map<string, unknown>();
  return new Proxy(store, {
    get(target, prop) {
      const v: unknown = Reflect.get(target, prop, target);
      if (typeof v !== 'function' || typeof prop !== 'string') return v;
      const fn = v as (...args: unknown[]) => Promise<unknown>;
      let w = wrappers.get(prop);
      if (w) return w;
      if (prop === 'getKey') {
        w = async (...args: unknown[]) => {
          const key = (await fn.apply(target, args)) as KeyRecord | undefined;
          if (key && scope) touch(scope, key);
          return key;
        };
      } else if (isRead(prop)) {
        w = fn.bind(target);
      } else {
        w = async (...args: unknown[]) => {
          if (scope) await scope.beforeWrite();
          else await barrier.serviceWrite(prop, keyIdOf(args));
          const r = await fn.apply(target, args);
          if (scope && prop === 'createKey') touch(scope, args[0] as KeyRecord);
          return r;
        };
      }
      wrappers.set(prop, w);
      return w;
    },
  });
}
