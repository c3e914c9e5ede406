/**
 * createTrent(config): wires the concrete adapters — the only place that names them.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CredentialStore } from '../auth/credential-store.ts';
import { IdentityRegistry, IdentitySource } from '../auth/identities.ts';
import { StsService } from '../auth/sts-service.ts';
import { SigV4Authenticator } from '../auth/sigv4-authenticator.ts';
import type { TrentConfig } from '../config/config.ts';
import { systemRng, type Rng } from '../crypto/rng.ts';
import type { Authorizer } from '../domain/authorizer.ts';
import { PolicyAuthorizer } from '../domain/policy-authorizer.ts';
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
  readonly identities: IdentitySource;
  close(): Promise<void>;
}

export interface TrentOptions {
  log?: (line: string) => void;
  clock?: Clock;
  rng?: Rng;
  authorizer?: Authorizer;
  /** Tests and benchmarks: wraps the opened store (fault injection, caching experiments). */
  wrapStore?: (store: KeyStore) => KeyStore;
}

export class StartupError extends Error {}

/** The store URL with any password replaced, fit for a message or a log line. */
export function redactStoreUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the configured store';
  }
}

async function openStore(config: TrentConfig): Promise<KeyStore> {
  if (config.storeUrl !== undefined) {
    const { PostgresStore } = await import('../storage/postgres/postgres-store.ts');
    try {
      return await PostgresStore.open(config.storeUrl);
    } catch (e) {
      // Unreachable, refused, or a schema newer than this build: say so and stop, not a stack trace.
      throw new StartupError(`cannot open the store at ${redactStoreUrl(config.storeUrl)}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
  return new SqliteStore(join(config.dataDir, 'trent.db'));
}

export async function createTrent(config: TrentConfig, opts: TrentOptions = {}): Promise<Trent> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const baseClock = opts.clock ?? systemClock;
  const rng = opts.rng ?? systemRng;
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });

  // Load the identities file first: a mistake in it stops the start before anything is touched.
  const identities = new IdentitySource(config.identitiesFile !== undefined ? IdentityRegistry.load(config.identitiesFile) : IdentityRegistry.empty());
  const root = loadOrCreateRootKey(config.dataDir, rng);
  const keyring = new FileKeyring(root.key, rng);
  const opened = await openStore(config);
  const store = opts.wrapStore ? opts.wrapStore(opened) : opened;
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
      const where = config.storeUrl !== undefined ? redactStoreUrl(config.storeUrl) : join(config.dataDir, 'trent.db');
      throw new StartupError(
        `the root key in ${root.path} is not the one the store at ${where} was created with; refusing to start. ` +
          'Every node sharing a store needs the same root key: copy root.key from a node already using this store.',
      );
    }

    const creds = new CredentialStore(store, keyring, identities);
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

    const policyAuthorizer = new PolicyAuthorizer({ identities: () => identities.current, clock, partition: config.partition, onDeny: (why) => log(why) });
    const core = new Core({ store, keyring, clock, rng, authorizer: opts.authorizer ?? policyAuthorizer, partition: config.partition });
    policyAuthorizer.bind(core);
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
    // With several nodes on one store the offset is the store's: each node adopts a larger one
    // before every request and before moving the clock, so they agree on the time and a due job
    // is seen as due by all of them (the version check then lets exactly one run it). Two nodes
    // moved to different times at the same instant may leave the smaller offset stored; running
    // nodes still never go back, and tests move the clock one node at a time or to one time.
    const clockControl = ctl
      ? {
          clock: ctl,
          sync: async () => {
            ctl.catchUp(Number((await store.getMeta('clock_offset_ms')) ?? 0));
          },
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
      sts: new StsService(creds, identities, baseClock, config.partition),
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
      identities,
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
