/**
 * One Trent node for bench/key-cache.ts, with a key-row cache in front of its PostgreSQL store
 * (an experiment: Trent itself caches no key rows). Every variant announces its key writes with
 * NOTIFY, so any node's cache can listen.
 *
 *   node --import tsx bench/key-cache-node.ts --data-dir <dir> --store <postgres url> --cache none|versioned|notify [--no-tls]
 *
 * - none: every request reads the key row (what Trent does).
 * - versioned: keeps rows, and checks each hit with `SELECT version` — still one round trip,
 *   but no row transfer or document parse.
 * - notify: keeps rows until a NOTIFY from any node says the key changed — no round trip.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createTrent } from '../src/app/create-trent.ts';
import { buildConfig } from '../src/config/config.ts';
import type { KeyStore } from '../src/domain/ports.ts';
import type { KeyRecord } from '../src/domain/types.ts';

const CHANNEL = 'trent_key_changed';

const { values } = parseArgs({ options: { 'data-dir': { type: 'string' }, store: { type: 'string' }, cache: { type: 'string' }, 'no-tls': { type: 'boolean' } }, strict: true });
const storeUrl = values.store!;
const mode = values.cache ?? 'none';
if (!['none', 'versioned', 'notify'].includes(mode)) throw new Error(`--cache must be none, versioned or notify, got ${mode}`);

const side = new pg.Pool({ connectionString: storeUrl, max: 10 });
side.on('error', () => {});

/** Forwards everything to `inner`, except what `over` redefines. */
function decorate(inner: KeyStore, over: Partial<KeyStore>): KeyStore {
  return new Proxy(inner, {
    get(target, prop) {
      if (Object.hasOwn(over, prop)) return over[prop as keyof KeyStore];
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

const cache = new Map<string, KeyRecord>();

// The notify variant listens before Trent starts, so no change is missed once it serves.
if (mode === 'notify') {
  const listener = new pg.Client({ connectionString: storeUrl });
  await listener.connect();
  listener.on('notification', (n) => {
    if (n.payload) cache.delete(n.payload);
  });
  await listener.query(`LISTEN ${CHANNEL}`);
}

function wrap(inner: KeyStore): KeyStore {
  const changed = async (keyId: string) => {
    cache.delete(keyId);
    await side.query('SELECT pg_notify($1, $2)', [CHANNEL, keyId]);
  };
  const writes: Partial<KeyStore> = {
    updateKey: async (k, v) => {
      await inner.updateKey(k, v);
      await changed(k.keyId);
    },
    addMaterial: async (k, v, m) => {
      await inner.addMaterial(k, v, m);
      await changed(k.keyId);
    },
    deleteKey: async (ref, at, v) => {
      await inner.deleteKey(ref, at, v);
      await changed(ref.keyId);
    },
  };
  if (mode === 'none') return decorate(inner, writes);
  if (mode === 'versioned') {
    return decorate(inner, {
      ...writes,
      getKey: async (ref) => {
        const id = ref.keyId; // one Region in this benchmark
        const hit = cache.get(id);
        if (hit) {
          const r = await side.query<{ version: number }>('SELECT version FROM keys WHERE key_id = $1', [id]);
          if (r.rows[0]?.version === hit.version) return structuredClone(hit);
        }
        const fresh = await inner.getKey(ref);
        if (fresh) cache.set(id, structuredClone(fresh));
        else cache.delete(id);
        return fresh;
      },
    });
  }
  return decorate(inner, {
    ...writes,
    getKey: async (ref) => {
      const id = ref.keyId; // one Region in this benchmark
      const hit = cache.get(id);
      if (hit) return structuredClone(hit);
      const fresh = await inner.getKey(ref);
      if (fresh) cache.set(id, structuredClone(fresh));
      return fresh;
    },
  });
}

const config = buildConfig({ dataDir: values['data-dir'], port: 0, storeUrl, tls: !values['no-tls'] }, process.env);
const trent = await createTrent(config, { log: () => {}, wrapStore: wrap });
process.stdout.write(`Trent listening on ${trent.url} (cache ${mode})\nCA certificate: ${trent.caPath ?? ''}\nready\n`);
process.on('SIGTERM', () => {
  trent.close().then(() => process.exit(0), () => process.exit(1));
});
