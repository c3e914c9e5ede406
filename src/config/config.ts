/** Trent's configuration: defaults, flags and environment, validated once and frozen. */
import { resolve } from 'node:path';

export interface TrentConfig {
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly region: string;
  readonly accountId: string;
  readonly partition: string;
  /** `postgres://…` to use PostgreSQL; undefined for the embedded SQLite store. */
  readonly storeUrl?: string;
  readonly rootAccessKeyId?: string;
  readonly rootSecretAccessKey?: string;
  /** The identities file (accounts, users, roles, access keys, identity policies), if any. */
  readonly identitiesFile?: string;
  /** The seed file (keys, aliases, grants to create on start), if any. */
  readonly seedFile?: string;
  /** Enables POST /_trent/clock (tests only; loopback hosts only). */
  readonly clockControl: boolean;
  /** How often the scheduler looks for due rotations and deletions. */
  readonly schedulerIntervalMs: number;
  /** Where this node's audit chain is written (default `<data-dir>/audit`). */
  readonly auditDir: string;
  /** This node's audit chain name; default: the host name (`-2`, `-3`… when taken by a running node). */
  readonly nodeId?: string;
  /** Open connections served at once; past it a request gets ThrottlingException (default 1024). */
  readonly maxConnections?: number;
  /**
   * Where `GET /metrics` is served: absent, on the API port (default); a host and port, on a
   * listener of its own (`--metrics-port`, loopback unless `--metrics-host`); false, nowhere
   * (`--no-metrics`).
   */
  readonly metrics?: { host: string; port: number } | false;
  /** Benchmarks only (`--no-audit`): no audit trail; logged as a warning on start. */
  readonly noAudit?: true;
  /**
   * Benchmarks only (`--no-sigv4`): signatures are not verified, the access key id alone names the
   * caller. Refused unless loopback, plain HTTP and SQLite; logged as a warning on start.
   */
  readonly noSigV4?: true;
}

export const DEFAULTS = Object.freeze({
  dataDir: './.trent',
  host: '127.0.0.1',
  port: 4599,
  tls: true,
  region: 'us-east-1',
  accountId: '111122223333',
  partition: 'aws',
});

export class ConfigError extends Error {}

export interface ConfigInput {
  dataDir?: string | undefined;
  host?: string | undefined;
  port?: string | number | undefined;
  tls?: boolean | undefined;
  region?: string | undefined;
  accountId?: string | undefined;
  storeUrl?: string | undefined;
  clockControl?: boolean | undefined;
  identitiesFile?: string | undefined;
  seedFile?: string | undefined;
  schedulerIntervalSeconds?: string | number | undefined;
  auditDir?: string | undefined;
  nodeId?: string | undefined;
  maxConnections?: string | number | undefined;
  metricsPort?: string | number | undefined;
  metricsHost?: string | undefined;
  noMetrics?: boolean | undefined;
  noAudit?: boolean | undefined;
  noSigV4?: boolean | undefined;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

export function buildConfig(input: ConfigInput, env: Record<string, string | undefined>): TrentConfig {
  const port = Number(input.port ?? DEFAULTS.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`--port must be an integer 0..65535, got ${input.port}`);
  const region = input.region ?? DEFAULTS.region;
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) throw new ConfigError(`--region must look like us-east-1, got ${region}`);
  const accountId = input.accountId ?? DEFAULTS.accountId;
  if (!/^\d{12}$/.test(accountId)) throw new ConfigError(`--account-id must be 12 digits, got ${accountId}`);
  const id = env.TRENT_ROOT_ACCESS_KEY_ID || undefined;
  const secret = env.TRENT_ROOT_SECRET_ACCESS_KEY || undefined;
  if ((id === undefined) !== (secret === undefined)) {
    throw new ConfigError('set both TRENT_ROOT_ACCESS_KEY_ID and TRENT_ROOT_SECRET_ACCESS_KEY, or neither');
  }
  if (id !== undefined && !/^[A-Z0-9]{16,128}$/.test(id)) throw new ConfigError('TRENT_ROOT_ACCESS_KEY_ID must be 16-128 characters A-Z0-9');
  if (secret !== undefined && secret.length < 16) throw new ConfigError('TRENT_ROOT_SECRET_ACCESS_KEY must be at least 16 characters');
  const storeUrl = input.storeUrl ?? (env.TRENT_STORE_URL || undefined);
  if (storeUrl !== undefined && !/^postgres(ql)?:\/\//.test(storeUrl)) throw new ConfigError('--store must be a postgres:// URL');
  const clockControl = input.clockControl ?? false;
  const host = input.host ?? DEFAULTS.host;
  if (clockControl && !LOOPBACK.test(host)) throw new ConfigError('--clock-control is for tests: it is refused with a non-loopback --host');
  const interval = Number(input.schedulerIntervalSeconds ?? 60);
  if (!Number.isFinite(interval) || interval <= 0) throw new ConfigError('--scheduler-interval must be a positive number of seconds');
  const nodeId = input.nodeId ?? (env.TRENT_NODE_ID || undefined);
  if (nodeId !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(nodeId)) throw new ConfigError(`--node-id must be 1-64 characters A-Z a-z 0-9 _ -, got ${nodeId}`);
  const maxConnections = input.maxConnections === undefined ? undefined : Number(input.maxConnections);
  if (maxConnections !== undefined && (!Number.isInteger(maxConnections) || maxConnections < 1)) throw new ConfigError(`--max-connections must be a positive integer, got ${input.maxConnections}`);
  const metricsPort = input.metricsPort === undefined ? undefined : Number(input.metricsPort);
  if (metricsPort !== undefined && (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65535)) throw new ConfigError(`--metrics-port must be an integer 0..65535, got ${input.metricsPort}`);
  if (input.noMetrics && (metricsPort !== undefined || input.metricsHost !== undefined)) throw new ConfigError('--no-metrics cannot be combined with --metrics-port or --metrics-host');
  if (input.metricsHost !== undefined && metricsPort === undefined) throw new ConfigError('--metrics-host needs --metrics-port');
  const metrics = input.noMetrics ? false : metricsPort !== undefined ? { host: input.metricsHost ?? '127.0.0.1', port: metricsPort } : undefined;
  if (input.noSigV4 && (!LOOPBACK.test(host) || (input.tls ?? DEFAULTS.tls) || storeUrl !== undefined)) {
    throw new ConfigError('--no-sigv4 turns signature verification off (benchmarks only): it needs a loopback --host and --no-tls, and is refused with --store');
  }
  const dataDir = resolve(input.dataDir ?? DEFAULTS.dataDir);
  return Object.freeze({
    ...(input.noAudit ? { noAudit: true as const } : {}),
    ...(input.noSigV4 ? { noSigV4: true as const } : {}),
    ...(metrics !== undefined ? { metrics } : {}),
    ...(maxConnections !== undefined ? { maxConnections } : {}),
    auditDir: input.auditDir !== undefined ? resolve(input.auditDir) : resolve(dataDir, 'audit'),
    ...(nodeId !== undefined ? { nodeId } : {}),
    clockControl,
    schedulerIntervalMs: interval * 1000,
    ...(input.identitiesFile !== undefined ? { identitiesFile: resolve(input.identitiesFile) } : {}),
    ...(input.seedFile !== undefined ? { seedFile: resolve(input.seedFile) } : {}),
    dataDir,
    host,
    port,
    tls: input.tls ?? DEFAULTS.tls,
    region,
    accountId,
    partition: DEFAULTS.partition,
    ...(storeUrl !== undefined ? { storeUrl } : {}),
    ...(id !== undefined ? { rootAccessKeyId: id } : {}),
    ...(secret !== undefined ? { rootSecretAccessKey: secret } : {}),
  });
}
