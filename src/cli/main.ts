/** The `trent` command. */
import cluster, { type Worker } from 'node:cluster';
import { parseArgs } from 'node:util';
import { defaultNodeBase } from '../audit/node-lock.ts';
import { createTrent, StartupError } from '../app/create-trent.ts';
import { IdentitiesError } from '../auth/identities.ts';
import { buildConfig, ConfigError } from '../config/config.ts';
import { EXPLAIN_USAGE, policyExplain } from './policy-explain.ts';
import { auditCommand } from './audit-command.ts';
import { costCommand } from './cost-command.ts';
import { credentialsCommand } from './credentials-command.ts';

const USAGE = `Usage: trent serve [options]
       trent policy explain --principal ARN --action kms:Decrypt --key KEY_ID [--identities FILE] [--context k=v]
       trent audit verify [--data-dir D] [--node ID]
       trent audit query [--data-dir D] [--key K] [--principal ARN] [--event NAME] [--since T] [--errors] [--format table]
       trent cost [--data-dir D] [--month YYYY-MM] [--no-free-tier] [--json]
       trent credentials list [--data-dir D | --store URL] [--json]
       trent credentials revoke <access-key-id> [--data-dir D | --store URL]

Options:
  --port <n>          port to listen on (default 4599; 0 picks a free port)
  --host <addr>       address to bind (default 127.0.0.1)
  --data-dir <dir>    data directory (default ./.trent)
  --no-tls            serve plain HTTP instead of HTTPS
  --region <r>        AWS Region Trent answers as (default us-east-1)
  --account-id <id>   the default account's 12-digit id (default 111122223333)
  --store <url>       postgres://… to use PostgreSQL instead of the embedded SQLite
  --identities <file> accounts, users, roles, access keys and identity policies (YAML or JSON);
                      re-read on SIGHUP
  --seed <file>       keys (fixed ids and material), aliases, policies, tags, grants to create on
                      start if absent: local-kms's seed.yaml unchanged, or Trent's format (README)
  --clock-control     tests only: POST /_trent/clock moves Trent's clock forward and runs due
                      rotations and deletions (refused with a non-loopback --host)
  --scheduler-interval <s>  seconds between scheduler runs (default 60)
  --audit-dir <dir>   where the audit trail is written (default <data-dir>/audit)
  --node-id <id>      this node's audit chain name (default: the host name)
  --max-connections <n>  open connections served at once (default 1024); past it a request
                      gets ThrottlingException and its connection closes
  --metrics-port <p>  serve GET /metrics (Prometheus, no authentication) on its own plain-HTTP
                      listener at 127.0.0.1:<p> instead of on the API port
  --metrics-host <a>  address for --metrics-port (default 127.0.0.1)
  --no-metrics        do not serve GET /metrics at all
  --workers <n>       serve from n processes sharing the port (node:cluster; default 1). Each
                      worker writes its own audit chain, <node-id>-w<i>; the scheduler runs in
                      worker 0; SIGHUP and SIGTERM are passed on to every worker
  --no-audit          benchmarks only: write no audit trail (warned on start)
  --no-sigv4          benchmarks only: do not verify request signatures, the access key id alone
                      names the caller (warned on start; needs a loopback --host and --no-tls,
                      refused with --store)

Environment: TRENT_ROOT_ACCESS_KEY_ID, TRENT_ROOT_SECRET_ACCESS_KEY, TRENT_STORE_URL, TRENT_NODE_ID,
TRENT_LOG_LEVEL (trace, debug, info, warn, error, fatal; debug logs one line per request)
`;

async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      'no-tls': { type: 'boolean' },
      region: { type: 'string' },
      'account-id': { type: 'string' },
      store: { type: 'string' },
      'clock-control': { type: 'boolean' },
      identities: { type: 'string' },
      seed: { type: 'string' },
      'scheduler-interval': { type: 'string' },
      'audit-dir': { type: 'string' },
      'node-id': { type: 'string' },
      'max-connections': { type: 'string' },
      'metrics-port': { type: 'string' },
      'metrics-host': { type: 'string' },
      'no-metrics': { type: 'boolean' },
      'no-audit': { type: 'boolean' },
      'no-sigv4': { type: 'boolean' },
      workers: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const config = buildConfig(
    {
      dataDir: values['data-dir'],
      host: values.host,
      port: values.port,
      tls: !values['no-tls'],
      region: values.region,
      accountId: values['account-id'],
      storeUrl: values.store,
      clockControl: values['clock-control'],
      identitiesFile: values.identities,
      seedFile: values.seed,
      schedulerIntervalSeconds: values['scheduler-interval'],
      auditDir: values['audit-dir'],
      nodeId: values['node-id'],
      maxConnections: values['max-connections'],
      metricsPort: values['metrics-port'],
      metricsHost: values['metrics-host'],
      noMetrics: values['no-metrics'],
      noAudit: values['no-audit'],
      noSigV4: values['no-sigv4'],
    },
    process.env,
  );
  const workers = values.workers === undefined ? 1 : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new ConfigError(`--workers must be an integer 1..64, got ${values.workers}`);
  const out = (s: string) => process.stdout.write(`${s}\n`);
  if (workers > 1 && cluster.isPrimary) return servePrimary(workers, config.region, config.accountId, out);
  // In a worker of `--workers n`: its index; worker 0 prints the start-up details, the primary `ready`.
  const worker = cluster.isWorker ? Number(process.env.TRENT_WORKER_INDEX ?? '0') : undefined;
  const trent = await createTrent(
    worker === undefined ? config : { ...config, nodeId: `${config.nodeId ?? defaultNodeBase()}-w${worker}` },
    worker !== undefined && worker > 0 ? { scheduler: false } : {},
  );
  if (worker === undefined) out(`Trent listening on ${trent.url} (region ${config.region}, account ${config.accountId})`);
  if (worker === undefined || worker === 0) {
    out(`data directory: ${config.dataDir}`);
    if (trent.metricsUrl !== undefined) out(`metrics: ${trent.metricsUrl}`);
    if (trent.caPath) out(`CA certificate (for --ca-bundle / AWS_CA_BUNDLE / NODE_EXTRA_CA_CERTS): ${trent.caPath}`);
    if (trent.credentials.generated) {
      out(`generated root credentials for account ${config.accountId}: access key id ${trent.credentials.accessKeyId}`);
      out(`the secret access key is in ${trent.credentials.credentialsPath} (profile "trent"); it is not printed again`);
    } else {
      out(`root access key id: ${trent.credentials.accessKeyId}${trent.credentials.credentialsPath ? ` (credentials file ${trent.credentials.credentialsPath})` : ''}`);
    }
    if (trent.credentials.revoked?.length) {
      out(`revoked the replaced root access key(s): ${trent.credentials.revoked.join(', ')}`);
    }
  }
  if (trent.nodeId !== undefined) out(`audit trail: ${config.auditDir} (node ${trent.nodeId})`);
  if (worker === undefined) out(`ready`);
  else {
    // GET /metrics in any worker answers for all of them: the primary gathers every worker's registry.
    const { AggregatorRegistry } = await import('prom-client');
    new AggregatorRegistry(); // installs the worker's side of prom-client's cluster protocol
    AggregatorRegistry.setRegistries([await trent.metrics.registry()]);
    let next = 0;
    const pending = new Map<number, (m: { contentType: string; body: string }) => void>();
    process.on('message', (m: { type?: string; id?: number; contentType?: string; body?: string }) => {
      if (m?.type !== 'trent:metrics' || m.id === undefined) return;
      pending.get(m.id)?.({ contentType: m.contentType ?? 'text/plain', body: m.body ?? '' });
      pending.delete(m.id);
    });
    trent.metrics.render = () =>
      new Promise((resolve) => {
        const id = next++;
        pending.set(id, resolve);
        process.send!({ type: 'trent:metrics?', id });
      });
    process.send!({ type: 'trent:ready', url: trent.url });
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    out(`${signal}: finishing in-flight requests`);
    trent.close().then(
      () => process.exit(0),
      (e) => {
        process.stderr.write(`error while stopping: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGHUP', () => {
    trent.reloadIdentities().then(
      (r) => out(`SIGHUP: identities reloaded from ${config.identitiesFile ?? '(none)'}${r.revokedSessions > 0 ? `; ${r.revokedSessions} session(s) of removed principals revoked` : ''}`),
      (e) => process.stderr.write(`SIGHUP: identities not reloaded, keeping the previous ones: ${(e as Error).message}\n`),
    );
  });
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/**
 * `trent serve --workers n`: forks worker 0 and waits for it (it creates the root key, TLS files,
 * credentials and schema on a first start), then the others; all listen on the same port
 * (node:cluster hands out connections). A worker that dies is started again; SIGHUP is passed on to
 * every worker (each re-reads the identities file); SIGTERM/SIGINT stop every worker gracefully.
 */
async function servePrimary(n: number, region: string, accountId: string, out: (s: string) => void): Promise<void> {
  const { AggregatorRegistry } = await import('prom-client');
  const aggregator = new AggregatorRegistry();
  const workers = new Map<number, Worker>();
  let stopping = false;
  let started = false;
  const fork = (i: number): Promise<string> => {
    const w = cluster.fork({ TRENT_WORKER_INDEX: String(i) });
    workers.set(i, w);
    w.on('message', (m: { type?: string; id?: number }) => {
      if (m?.type !== 'trent:metrics?') return;
      aggregator.clusterMetrics().then(
        (body) => w.send({ type: 'trent:metrics', id: m.id, contentType: aggregator.contentType, body }),
        (e: Error) => w.send({ type: 'trent:metrics', id: m.id, contentType: 'text/plain', body: `# metrics unavailable: ${e.message}\n` }),
      );
    });
    return new Promise((resolve, reject) => {
      w.on('message', (m: { type?: string; url?: string }) => m?.type === 'trent:ready' && resolve(m.url!));
      w.on('exit', (code, signal) => {
        workers.delete(i);
        if (!started) return reject(new Error(`worker ${i} exited before it was ready (${signal ?? `code ${code}`})`));
        if (stopping) return;
        process.stderr.write(`trent: worker ${i} exited (${signal ?? `code ${code}`}); starting it again\n`);
        fork(i).catch((e: Error) => process.stderr.write(`trent: worker ${i} did not start again: ${e.message}\n`));
      });
    });
  };
  let url: string;
  try {
    url = await fork(0);
    await Promise.all(Array.from({ length: n - 1 }, (_, i) => fork(i + 1)));
  } catch (e) {
    stopping = true;
    for (const w of workers.values()) w.process.kill('SIGTERM');
    process.stderr.write(`trent: ${(e as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  started = true;
  out(`Trent listening on ${url} (region ${region}, account ${accountId}, ${n} workers)`);
  out('ready');
  process.on('SIGHUP', () => {
    for (const w of workers.values()) w.process.kill('SIGHUP');
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    out(`${signal}: stopping ${workers.size} workers`);
    let failed = false;
    const exits = [...workers.values()].map(
      (w) =>
        new Promise<void>((resolve) => {
          w.on('exit', (code) => {
            if (code !== 0) failed = true;
            resolve();
          });
          w.process.kill('SIGTERM');
        }),
    );
    void Promise.all(exits).then(() => process.exit(failed ? 1 : 0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'serve':
        await serve(rest);
        return -1; // keep running
      case 'policy':
        if (rest[0] !== 'explain') {
          process.stderr.write(EXPLAIN_USAGE);
          return 2;
        }
        return await policyExplain(rest.slice(1), (l) => process.stdout.write(`${l}\n`));
      case 'audit':
        return await auditCommand(rest, (l) => process.stdout.write(`${l}\n`), (l) => process.stderr.write(`${l}\n`));
      case 'cost':
        return await costCommand(rest, (l) => process.stdout.write(`${l}\n`), (l) => process.stderr.write(`${l}\n`));
      case 'credentials':
        return await credentialsCommand(rest, (l) => process.stdout.write(`${l}\n`), (l) => process.stderr.write(`${l}\n`));
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return cmd === undefined ? 2 : 0;
      default:
        process.stderr.write(`trent: unknown command '${cmd}'\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof ConfigError || e instanceof StartupError || e instanceof IdentitiesError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`trent: ${(e as Error).message}\n`);
      return 2;
    }
    if ((e as { code?: string }).code === 'EADDRINUSE') {
      process.stderr.write(`trent: ${(e as Error).message}\n`);
      return 1;
    }
    throw e;
  }
}

const code = await main(process.argv.slice(2));
if (code >= 0) process.exit(code);
