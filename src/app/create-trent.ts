/**
 * createTrent(config): wires the concrete adapters — the only place that names them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CredentialStore } from '../auth/credential-store.ts';
import { IdentityRegistry, IdentitySource } from '../auth/identities.ts';
import { StsService } from '../auth/sts-service.ts';
import { SigV4Authenticator } from '../auth/sigv4-authenticator.ts';
import { UnverifiedAuthenticator } from './unverified-authenticator.ts';
import type { TrentConfig } from '../config/config.ts';
import { systemRng, type Rng } from '../crypto/rng.ts';
import type { Authorizer } from '../domain/authorizer.ts';
import { PolicyAuthorizer } from '../domain/policy-authorizer.ts';
import { ControlledClock } from '../domain/controlled-clock.ts';
import { Core } from '../domain/core.ts';
import { kmsOf, type RequestScope } from '../domain/execute.ts';
import { systemClock, type Clock, type KeyStore } from '../domain/ports.ts';
import type { KeyRecord } from '../domain/types.ts';
import { regionsAccepted } from '../shared/regions.ts';
import { FileKeyring, loadOrCreateRootKey } from '../keyring/file-keyring.ts';
import { createTrentServer, type TrentServer } from '../server/http-server.ts';
import { ensureTlsFiles } from '../server/tls-files.ts';
import { Scheduler } from '../scheduler/scheduler.ts';
import { SqliteStore } from '../storage/sqlite/sqlite-store.ts';
import { bootstrapRootCredentials, type BootstrapResult } from './bootstrap-credentials.ts';
import { ensurePrivateDir, PrivateFilesError, privatizeTree } from './private-files.ts';
import { AuditLog } from '../audit/audit-log.ts';
import { HeadAnchor } from '../audit/anchor.ts';
import { Auditor } from '../audit/auditor.ts';
import { auditedStore } from '../audit/audit-store.ts';
import { type AuditFileOps, nodeFileOps } from '../audit/files.ts';
import { claimNode, type NodeLock } from '../audit/node-lock.ts';
import { createLogger } from '../metrics/logger.ts';
import { applySeed } from '../domain/seeding.ts';
import { loadSeedFile, SeedFileError, type SeedPlan } from '../seed/seed-file.ts';
import { TrentMetrics } from '../metrics/metrics.ts';
import { type MetricsServer, startMetricsServer } from '../metrics/metrics-server.ts';

export interface Trent {
  readonly url: string;
  readonly port: number;
  readonly caPath?: string;
  readonly credentials: BootstrapResult;
  readonly core: Core;
  readonly server: TrentServer;
  readonly scheduler: Scheduler;
  readonly identities: IdentitySource;
  /**
   * Re-reads the identities file (SIGHUP) and revokes, in the shared store, the sessions of every
   * role or user it no longer declares (a removed user's sessions are those it started), so no
   * node sharing the store accepts them from its next request.
   * A file with a mistake throws and changes nothing.
   */
  reloadIdentities(): Promise<{ revokedSessions: number }>;
  /** The audit trail (absent only when started with `audit: false`). */
  readonly auditor?: Auditor;
  /** The name of this node's audit chain. */
  readonly nodeId?: string;
  readonly metrics: TrentMetrics;
  /** With `--metrics-port`: where `GET /metrics` is served (not on the API port then). */
  readonly metricsUrl?: string;
  close(): Promise<void>;
}

export interface TrentOptions {
  log?: (line: string) => void;
  clock?: Clock;
  rng?: Rng;
  authorizer?: Authorizer;
  /** Tests and benchmarks: wraps the opened store (fault injection, caching experiments). */
  wrapStore?: (store: KeyStore) => KeyStore;
  /** Benchmarks only: `false` runs without the audit trail (the baseline durable audit is measured against). */
  audit?: false;
  /** Tests: wraps the audit files' operations (make the disk fail, then heal). */
  wrapAuditFiles?: (ops: AuditFileOps) => AuditFileOps;
  /** `trent serve --workers`: false in all workers but one (the periodic scheduler runs once per host). */
  scheduler?: false;
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
  const logger = createLogger();
  const log = opts.log ?? ((line: string) => logger.info(line));
  const baseClock = opts.clock ?? systemClock;
  const rng = opts.rng ?? systemRng;
  try {
    ensurePrivateDir(config.dataDir, 'data directory', log);
  } catch (e) {
    throw e instanceof PrivateFilesError ? new StartupError(e.message, { cause: e }) : e;
  }

  // Load the identities file first: a mistake in it stops the start before anything is touched.
  const identities = new IdentitySource(config.identitiesFile !== undefined ? IdentityRegistry.load(config.identitiesFile) : IdentityRegistry.empty());
  // The seed file too: a mistake in it (file, line, field) stops the start with nothing applied.
  let seedPlan: SeedPlan | undefined;
  try {
    seedPlan = config.seedFile !== undefined ? loadSeedFile(config.seedFile) : undefined;
  } catch (e) {
    throw e instanceof SeedFileError ? new StartupError(e.message, { cause: e }) : e;
  }
  const root = loadOrCreateRootKey(config.dataDir, rng);
  const keyring = new FileKeyring(root.key, rng);
  const opened = await openStore(config);
  const baseStore = opts.wrapStore ? opts.wrapStore(opened) : opened;
  let store: KeyStore = baseStore;
  let clock: Clock = baseClock;
  let controlled: ControlledClock | undefined;
  let auditor: Auditor | undefined;
  let nodeLock: NodeLock | undefined;
  // (account, Region) pairs this node has served, as "account/region": what trent_keys counts.
  const accountsSeen = new Set<string>([`${config.accountId}/${config.region}`]);
  let coreRef: Core | undefined;
  const metrics = new TrentMetrics({
    cacheStats: () => coreRef?.cacheStats ?? { hits: 0, misses: 0 },
    keysByState: () => countKeysByState(baseStore, [...accountsSeen]),
  });
  try {
    if (config.clockControl) {
      // The offset is persisted, so a restarted Trent keeps the time a test moved it to.
      controlled = new ControlledClock(baseClock, Number((await store.getMeta('clock_offset_ms')) ?? 0));
      clock = controlled;
    }
    if (config.noAudit) log('WARNING: --no-audit: no audit trail is written (benchmarks only)');
    if (opts.audit !== false && !config.noAudit) {
      // Before anything can change: every write from here on waits for its audit entry.
      const auditClock = clock;
      try {
        ensurePrivateDir(config.auditDir, 'audit directory', log);
        // Files of an earlier run (another umask, an older Trent) are narrowed before new ones are added.
        privatizeTree(config.auditDir, 'audit directory', log);
        nodeLock = claimNode(config.auditDir, config.nodeId);
        // The chain head, anchored in the store (not through the audited store: bookkeeping).
        const anchor = new HeadAnchor((name, value) => baseStore.putMeta(name, value), nodeLock.nodeId);
        const auditLog = await AuditLog.open({
          dir: config.auditDir,
          nodeId: nodeLock.nodeId,
          now: () => auditClock.now(),
          fileOps: opts.wrapAuditFiles ? opts.wrapAuditFiles(nodeFileOps) : nodeFileOps,
          onFlush: (seconds, entries, ok) => metrics.observeFlush(seconds, entries, ok),
          onDurable: anchor.note,
        });
        auditor = new Auditor({
          log: auditLog,
          clock: auditClock,
          region: config.region,
          anchor,
          onEvent: (record, usage) => {
            if (usage.account !== undefined && accountsSeen.size < 10_000) accountsSeen.add(`${usage.account}/${record.awsRegion}`);
            if (record.errorCode === undefined) metrics.observeUsage(usage);
          },
        });
      } catch (e) {
        // Fail closed at start too: without a writable audit trail, Trent does not serve.
        nodeLock?.release();
        nodeLock = undefined;
        throw new StartupError(`cannot open the audit trail in ${config.auditDir}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
      store = auditedStore(baseStore, auditor);
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

    // The Regions requests may be signed for, and ReplicateKey may target: one predicate for both.
    const acceptsRegion = regionsAccepted(config.region);
    // Grants and aliases are read for decisions; reads need no audit entry.
    const policyAuthorizer = new PolicyAuthorizer({ identities: () => identities.current, store: baseStore, clock, partition: config.partition, onDeny: (why) => log(why) });
    // Requests reach the store through `execute`, which makes each request's write-ahead entry
    // durable before an operation that may write runs; Trent's own jobs (the seed, the scheduler)
    // write through the service-audited view. Both share one material cache.
    const requestCore = new Core({ store: baseStore, keyring, clock, rng, authorizer: opts.authorizer ?? policyAuthorizer, partition: config.partition, acceptsRegion });
    const core = store === baseStore ? requestCore : requestCore.withStore(store);
    coreRef = core;
    if (seedPlan) {
      try {
        await applySeed(core, seedPlan, { account: config.accountId, region: config.region, log });
      } catch (e) {
        if (e instanceof SeedFileError) throw new StartupError(e.message, { cause: e });
        throw e;
      }
    }
    let tls: { cert: Buffer; key: Buffer } | undefined;
    let caPath: string | undefined;
    if (config.tls) {
      const hosts = config.host === '0.0.0.0' || config.host === '::' ? [] : [config.host];
      const files = await ensureTlsFiles(config.dataDir, { hosts, now: clock.now() });
      tls = { cert: readFileSync(files.certPath), key: readFileSync(files.keyPath) };
      caPath = files.caPath;
    }
    // Everything created above (root key, store, credentials, TLS files) was made private as it
    // was written; this catches what an earlier run, another umask or an operator left open.
    try {
      privatizeTree(config.dataDir, 'data directory', log, auditor ? config.auditDir : undefined);
    } catch (e) {
      throw e instanceof PrivateFilesError ? new StartupError(e.message, { cause: e }) : e;
    }
    const audited = auditor;
    const scheduler = new Scheduler(core, {
      intervalMs: config.schedulerIntervalMs,
      log,
      // CloudTrail's AwsServiceEvent records: RotateKey (automatic rotation) and DeleteKey.
      ...(audited
        ? {
            events: {
              rotated: (k: KeyRecord, materialId: string) => audited.serviceEvent('RotateKey', k, { rotationType: 'AUTOMATIC', keyOrigin: k.origin, currentKeyMaterialId: materialId }),
              deleted: (k: KeyRecord) => audited.serviceEvent('DeleteKey', k, {}),
              // Imported material deleted at its ValidTo (CloudTrail's DeleteExpiredKeyMaterial).
              expired: (k: KeyRecord, materialIds: string[]) => audited.serviceEvent('DeleteExpiredKeyMaterial', k, { keyMaterialIds: materialIds }),
            },
          }
        : {}),
    });
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
    if (config.noSigV4) log('WARNING: --no-sigv4: request signatures are NOT verified; anyone who knows an access key id is its principal (benchmarks only)');
    const server = createTrentServer({
      kms: kmsOf(requestCore),
      // Signatures are checked against real time: the test clock moves key lifecycles, not clients' clocks.
      authenticator: config.noSigV4 ? new UnverifiedAuthenticator(creds) : new SigV4Authenticator(creds, baseClock),
      region: config.region,
      acceptsRegion,
      log,
      ...(tls ? { tls } : {}),
      ...(clockControl ? { clockControl } : {}),
      sts: new StsService(creds, identities, baseClock, config.partition),
      ...(auditor
        ? {
            audit: {
              auditor,
              sessionStore: (scope: RequestScope) => ({
                putAccessKey: async (rec: Parameters<KeyStore['putAccessKey']>[0]) => {
                  await scope.beforeWrite();
                  return baseStore.putAccessKey(rec);
                },
              }),
            },
          }
        : {}),
      metrics,
      ...(config.metrics !== undefined ? { metricsRoute: false } : {}),
      ...(config.maxConnections !== undefined ? { maxConnections: config.maxConnections } : {}),
      ...(logger.isLevelEnabled('debug') ? { requestLog: (fields: Record<string, unknown>) => logger.debug(fields, 'request') } : {}),
    });
    const { port } = await server.listen(config.port, config.host);
    let metricsServer: MetricsServer | undefined;
    if (config.metrics !== undefined && config.metrics !== false) {
      try {
        metricsServer = await startMetricsServer(metrics, config.metrics.host, config.metrics.port);
      } catch (e) {
        await server.close();
        throw new StartupError(`cannot serve /metrics on ${config.metrics.host}:${config.metrics.port}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
    }
    if (opts.scheduler !== false) scheduler.start();
    // prom-client loads a second after the port opened (metrics.ts); a failure would show at the first scrape.
    const loadMetrics = setTimeout(() => void metrics.load().catch(() => undefined), 1000);
    loadMetrics.unref();
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
      async reloadIdentities() {
        const before = identities.current;
        const after = identities.reload();
        const revoked = await creds.revokeRemoved(before, after);
        if (revoked.length > 0) log(`identities reloaded: revoked ${revoked.length} session(s) of removed principals`);
        return { revokedSessions: revoked.length };
      },
      ...(auditor ? { auditor } : {}),
      ...(nodeLock ? { nodeId: nodeLock.nodeId } : {}),
      metrics,
      ...(metricsServer ? { metricsUrl: metricsServer.url } : {}),
      async close() {
        clearTimeout(loadMetrics);
        await server.close();
        await metricsServer?.close();
        await scheduler.stop();
        await auditor?.close();
        nodeLock?.release();
        await store.close();
      },
    };
  } catch (e) {
    await auditor?.close().catch(() => undefined);
    nodeLock?.release();
    await store.close();
    throw e;
  }
}

/** Keys per state for `trent_keys`: the (account, Region) pairs this node has seen, paged, bounded. */
async function countKeysByState(store: KeyStore, pairs: string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  let budget = 100_000;
  for (const pair of pairs) {
    const [account, region] = pair.split('/') as [string, string];
    let after: string | undefined;
    while (budget > 0) {
      const page = await store.listKeys(account, region, after, 1000);
      for (const k of page) counts[k.state] = (counts[k.state] ?? 0) + 1;
      budget -= page.length;
      if (page.length < 1000) break;
      after = page[page.length - 1]!.keyId;
    }
  }
  return counts;
}
