/**
 * createTrent(config): wires the concrete adapters — the only place that names them.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CredentialStore } from '../auth/credential-store.ts';
import { SigV4Authenticator } from '../auth/sigv4-authenticator.ts';
import type { TrentConfig } from '../config/config.ts';
import { systemRng, type Rng } from '../crypto/rng.ts';
import { sameAccountAuthorizer, type Authorizer } from '../domain/authorizer.ts';
import { ControlledClock } from '../domain/controlled-clock.ts';
import { Core } from '../domain/core.ts';
import { systemClock, type Clock, type KeyStore } from '../domain/ports.ts';
import { FileKeyring, loadOrCreateRootKey } from '../keyring/file-keyring.ts';
import { createTrentServer, type TrentServer } from '../server/http-server.ts';
import { ensureTlsFiles } from '../server/tls-files.ts';
import { Scheduler } from '../scheduler/scheduler.ts';
import { SqliteStore } from '../storage/sqlite/sqlite-store.ts';
import { bootstrapRootCredentials, type BootstrapResult } from './bootstrap-credentials.ts';

export interface Trent {
  readonly url: string;
  readonly port: number;
  readonly caPath?: string;
  readonly credentials: BootstrapResult;
  readonly core: Core;
  readonly server: TrentServer;
  readonly scheduler: Scheduler;
  close(): Promise<void>;
}

export interface TrentOptions {
  log?: (line: string) => void;
  clock?: Clock;
  rng?: Rng;
  authorizer?: Authorizer;
}

export class StartupError extends Error {}

async function openStore(config: TrentConfig): Promise<KeyStore> {
  if (config.storeUrl !== undefined) {
    const { PostgresStore } = await import('../storage/postgres/postgres-store.ts');
    return PostgresStore.open(config.storeUrl);
  }
  return new SqliteStore(join(config.dataDir, 'trent.db'));
}

export async function createTrent(config: TrentConfig, opts: TrentOptions = {}): Promise<Trent> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const baseClock = opts.clock ?? systemClock;
  const rng = opts.rng ?? systemRng;
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });

  const root = loadOrCreateRootKey(config.dataDir, rng);
  const keyring = new FileKeyring(root.key, rng);
  const store = await openStore(config);
  let clock: Clock = baseClock;
  let controlled: ControlledClock | undefined;
  try {
    if (config.clockControl) {
      // The offset is persisted, so a restarted Trent keeps the time a test moved it to.
      controlled = new ControlledClock(baseClock, Number((await store.getMeta('clock_offset_ms')) ?? 0));
      clock = controlled;
    }
    // A node with another root key must refuse to start, not fail on every decrypt later.
    const check = await store.putMetaIfAbsent('root_key_check', keyring.checkValue());
    if (check !== keyring.checkValue()) {
      throw new StartupError(`the root key in ${root.path} is not the one this store was created with; refusing to start`);
    }

    const creds = new CredentialStore(store, keyring);
    const rootArn = `arn:${config.partition}:iam::${config.accountId}:root`;
    const credentials = await bootstrapRootCredentials({
      store,
      creds,
      rng,
      now: clock.now().getTime(),
      dataDir: config.dataDir,
      rootArn,
      ...(config.rootAccessKeyId !== undefined && config.rootSecretAccessKey !== undefined
        ? { fromEnv: { accessKeyId: config.rootAccessKeyId, secretAccessKey: config.rootSecretAccessKey } }
        : {}),
    });

    const core = new Core({ store, keyring, clock, rng, authorizer: opts.authorizer ?? sameAccountAuthorizer, partition: config.partition });
    let tls: { cert: Buffer; key: Buffer } | undefined;
    let caPath: string | undefined;
    if (config.tls) {
      const hosts = config.host === '0.0.0.0' || config.host === '::' ? [] : [config.host];
      const files = await ensureTlsFiles(config.dataDir, { hosts, now: clock.now() });
      tls = { cert: readFileSync(files.certPath), key: readFileSync(files.keyPath) };
      caPath = files.caPath;
    }
    const scheduler = new Scheduler(core, { intervalMs: config.schedulerIntervalMs, log });
    const ctl = controlled;
    const clockControl = ctl
      ? {
          clock: ctl,
          afterMove: async () => {
            await store.putMeta('clock_offset_ms', String(ctl.offsetMs));
            return scheduler.run();
          },
        }
      : undefined;
    const server = createTrentServer({
      core,
      // Signatures are checked against real time: the test clock moves key lifecycles, not clients' clocks.
      authenticator: new SigV4Authenticator(creds, baseClock),
      region: config.region,
      log,
      ...(tls ? { tls } : {}),
      ...(clockControl ? { clockControl } : {}),
    });
    const { port } = await server.listen(config.port, config.host);
    scheduler.start();
    const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
    const url = `${config.tls ? 'https' : 'http'}://${hostForUrl === '0.0.0.0' ? '127.0.0.1' : hostForUrl}:${port}`;
    return {
      url,
      port,
      ...(caPath !== undefined ? { caPath } : {}),
      credentials,
      core,
      server,
      scheduler,
      async close() {
        await server.close();
        await scheduler.stop();
        await store.close();
      },
    };
  } catch (e) {
    await store.close();
    throw e;
  }
}
