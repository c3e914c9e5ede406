/** The `trent` command. */
import { parseArgs } from 'node:util';
import { createTrent, StartupError } from '../app/create-trent.ts';
import { IdentitiesError } from '../auth/identities.ts';
import { buildConfig, ConfigError } from '../config/config.ts';
import { EXPLAIN_USAGE, policyExplain } from './policy-explain.ts';
import { auditCommand } from './audit-command.ts';
import { costCommand } from './cost-command.ts';

const USAGE = `Usage: trent serve [options]
       trent policy explain --principal ARN --action kms:Decrypt --key KEY_ID [--identities FILE] [--context k=v]
       trent audit verify [--data-dir D] [--node ID]
       trent audit query [--data-dir D] [--key K] [--principal ARN] [--event NAME] [--since T] [--errors] [--format table]
       trent cost [--data-dir D] [--month YYYY-MM] [--no-free-tier] [--json]

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

Environment: TRENT_ROOT_ACCESS_KEY_ID, TRENT_ROOT_SECRET_ACCESS_KEY, TRENT_STORE_URL, TRENT_NODE_ID,
TRENT_LOG_LEVEL (pino level; debug logs one line per request)
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
    },
    process.env,
  );
  const trent = await createTrent(config);
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(`Trent listening on ${trent.url} (region ${config.region}, account ${config.accountId})`);
  out(`data directory: ${config.dataDir}`);
  if (trent.nodeId !== undefined) out(`audit trail: ${config.auditDir} (node ${trent.nodeId})`);
  if (trent.caPath) out(`CA certificate (for --ca-bundle / AWS_CA_BUNDLE / NODE_EXTRA_CA_CERTS): ${trent.caPath}`);
  if (trent.credentials.generated) {
    out(`generated root credentials for account ${config.accountId}: access key id ${trent.credentials.accessKeyId}`);
    out(`the secret access key is in ${trent.credentials.credentialsPath} (profile "trent"); it is not printed again`);
  } else {
    out(`root access key id: ${trent.credentials.accessKeyId}${trent.credentials.credentialsPath ? ` (credentials file ${trent.credentials.credentialsPath})` : ''}`);
  }
  out(`ready`);

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
    try {
      trent.identities.reload();
      out(`SIGHUP: identities reloaded from ${config.identitiesFile ?? '(none)'}`);
    } catch (e) {
      process.stderr.write(`SIGHUP: identities not reloaded, keeping the previous ones: ${(e as Error).message}\n`);
    }
  });
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
