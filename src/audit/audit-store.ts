/**
 * The key store as Trent's own jobs use it (the scheduler, start-up, the seed): every write waits
 * for a durable service entry in the audit trail before it reaches the real store. Requests do not
 * go through it: `execute` makes a request's write-ahead entry durable before an operation that
 * may write runs.
 *
 * Generic on purpose: any method that is not a read (`get…`, `list…`, `close`) or a store-meta
 * write is treated as a change, so a method added to the port later is covered by default. Built
 * once at start, never per request.
 */
import type { KeyStore } from '../domain/ports.ts';

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

export function auditedStore(store: KeyStore, barrier: ServiceWriteBarrier): KeyStore {
  const wrappers = new Map<string, unknown>();
  return new Proxy(store, {
    get(target, prop) {
      const v: unknown = Reflect.get(target, prop, target);
      if (typeof v !== 'function' || typeof prop !== 'string') return v;
      const fn = v as (...args: unknown[]) => Promise<unknown>;
      let w = wrappers.get(prop);
      if (w) return w;
      if (isRead(prop)) {
        w = fn.bind(target);
      } else {
        w = async (...args: unknown[]) => {
          await barrier.serviceWrite(prop, keyIdOf(args));
          return fn.apply(target, args);
        };
      }
      wrappers.set(prop, w);
      return w;
    },
  });
}
