/** `trent audit verify` and `trent audit query`. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULTS } from '../config/config.ts';
import { parseTimeArg, queryEvents, type QueryFilter } from '../audit/query.ts';
import { ANCHOR_PREFIX, anchorKey, parseAnchor } from '../audit/anchor.ts';
import { type AnchorLookup, verifyAuditDir, verifyMissingChain } from '../audit/verify.ts';

export const AUDIT_USAGE = `Usage: trent audit verify [--data-dir D | --audit-dir A] [--store URL] [--node ID] [--json]
       trent audit query  [--data-dir D | --audit-dir A ...] [--key ID|ARN|ALIAS] [--principal ARN]
                          [--event NAME] [--since TIME] [--until TIME] [--errors] [--format json|table] [--limit N]

verify  checks every node's hash chain and names the first broken record (exit 1 if any), and
        compares each chain's end with the head its node anchored in the store (the data
        directory's trent.db, or --store / TRENT_STORE_URL), so lines cut from the end show;
        a node the store anchors a head for but with no files in the audit directories (all
        deleted, or kept elsewhere: give every node's with --audit-dir) is a failure too.
query   prints matching records in time order, as JSON lines (default) or a table.
        TIME is ISO 8601 or a duration back from now: 30m, 12h, 7d.
`;

type Out = (line: string) => void;

function auditDirs(values: { 'data-dir'?: string | undefined; 'audit-dir'?: string[] | undefined }): string[] {
  if (values['audit-dir']?.length) return values['audit-dir'].map((d) => resolve(d));
  return [resolve(values['data-dir'] ?? DEFAULTS.dataDir, 'audit')];
}

export async function auditCommand(args: string[], out: Out, err: Out): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'verify') return verify(rest, out, err);
  if (sub === 'query') return query(rest, out, err);
  err(AUDIT_USAGE);
  return 2;
}

/** The store holding the nodes' anchors: --store / TRENT_STORE_URL, else the data directory's SQLite file if there is one. */
async function anchorStore(values: { 'data-dir'?: string | undefined; 'audit-dir'?: string[] | undefined; store?: string | undefined }): Promise<{ lookup: AnchorLookup; nodes: () => Promise<string[]>; close: () => Promise<void> } | undefined> {
  const url = values.store ?? (process.env.TRENT_STORE_URL || undefined);
  let store: { getMeta(name: string): Promise<string | undefined>; metaNames(prefix: string): Promise<string[]>; close(): Promise<void> };
  if (url !== undefined) {
    const { PostgresStore } = await import('../storage/postgres/postgres-store.ts');
    store = await PostgresStore.open(url);
  } else {
    if (values['audit-dir']?.length && values['data-dir'] === undefined) return undefined;
    const db = join(resolve(values['data-dir'] ?? DEFAULTS.dataDir), 'trent.db');
    if (!existsSync(db)) return undefined;
    const { SqliteStore } = await import('../storage/sqlite/sqlite-store.ts');
    store = new SqliteStore(db);
  }
  return {
    lookup: async (node) => parseAnchor(await store.getMeta(anchorKey(node))),
    nodes: async () => (await store.metaNames(ANCHOR_PREFIX)).map((name) => name.slice(ANCHOR_PREFIX.length)),
    close: () => store.close(),
  };
}

async function verify(args: string[], out: Out, err: Out): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { 'data-dir': { type: 'string' }, 'audit-dir': { type: 'string', multiple: true }, store: { type: 'string' }, node: { type: 'string' }, json: { type: 'boolean' } },
    strict: true,
  });
  const dirs = auditDirs(values);
  let bad = false;
  let chains = 0;
  const reports = [];
  let anchors: Awaited<ReturnType<typeof anchorStore>>;
  try {
    anchors = await anchorStore(values);
  } catch (e) {
    err(`trent: cannot read the audit anchors from the store: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  try {
    for (const dir of dirs) {
      for (const r of await verifyAuditDir(dir, values.node, anchors?.lookup)) {
        chains++;
        reports.push({ dir, ...r });
        if (r.broken) bad = true;
      }
    }
    // Every chain the store anchors must have files: a node whose files were all deleted leaves
    // no chain to walk, only its anchor. Without --node every anchored node is looked for.
    if (anchors) {
      const seen = new Set(reports.map((r) => r.node));
      const anchored = values.node !== undefined ? [values.node] : await anchors.nodes();
      for (const node of anchored) {
        if (seen.has(node)) continue;
        const anchor = await anchors.lookup(node);
        if (anchor) {
          chains++;
          reports.push({ dir: dirs[0]!, ...(await verifyMissingChain(node, anchor)) });
          bad = true;
        } else if (values.node === undefined) {
          // An anchor entry that does not parse: the store was edited; its chain cannot be checked.
          err(`trent: the store's audit anchor for node ${node} is unreadable; its chain cannot be checked`);
          bad = true;
        }
      }
    }
  } finally {
    await anchors?.close();
  }
  if (values.json) {
    out(JSON.stringify({ ok: !bad && chains > 0, chains: reports }, null, 2));
    return bad || chains === 0 ? 1 : 0;
  }
  if (chains === 0) {
    err(`trent: no audit files${values.node !== undefined ? ` of node ${values.node}` : ''} in ${dirs.join(', ')}`);
    return 1;
  }
  for (const r of reports) {
    if (r.broken) {
      out(`node ${r.node}: BROKEN at ${r.broken.line === 0 ? `the end of ${r.broken.file}` : `${r.broken.file} line ${r.broken.line}`} (record seq ${r.broken.seq}): ${r.broken.reason}`);
      out(`  the ${r.entries} entries before it verify; head before the break: seq ${r.headSeq} sha256 ${r.head}`);
    } else {
      out(`node ${r.node}: OK, ${r.entries} entries (${r.events} records) in ${r.files} file${r.files === 1 ? '' : 's'}; head seq ${r.headSeq} sha256 ${r.head}`);
    }
    if (r.files === 0) out(`  no audit file of node ${r.node} is in ${dirs.join(', ')}: its files were deleted, or are in an audit directory not given with --audit-dir`);
    if (!anchors) out(`  note: no store to compare the head with (pass --data-dir or --store): lines cut from the end would not show`);
    else if (!r.anchor) out(`  note: the store holds no anchored head for node ${r.node}`);
    else if (r.anchor.matched) out(`  anchored head in the store: seq ${r.anchor.seq} (written ${r.anchor.at}) is in the chain`);
    if (r.tornTail) out(`  note: ${r.tornTail} is an incomplete last line (a write in progress, or one never acknowledged)`);
    if (r.outcomeUnknown.length > 0) {
      out(`  warning: ${r.outcomeUnknown.length} change${r.outcomeUnknown.length === 1 ? '' : 's'} with a write-ahead entry but no record (the change may have committed; the caller was answered with an error):`);
      for (const u of r.outcomeUnknown.slice(0, 20)) out(`    ${u.requestID} ${u.eventName} by ${u.principal ?? '(unknown)'} at ${u.file}:${u.line}`);
    }
  }
  return bad ? 1 : 0;
}

function cell(s: string, width: number): string {
  return s.length > width ? `${s.slice(0, width - 1)}…` : s.padEnd(width);
}

async function query(args: string[], out: Out, err: Out): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      'data-dir': { type: 'string' },
      'audit-dir': { type: 'string', multiple: true },
      key: { type: 'string' },
      principal: { type: 'string' },
      event: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      errors: { type: 'boolean' },
      format: { type: 'string' },
      limit: { type: 'string' },
    },
    strict: true,
  });
  const format = values.format ?? 'json';
  if (format !== 'json' && format !== 'table') {
    err('trent: --format must be json or table');
    return 2;
  }
  const limit = values.limit !== undefined ? Number(values.limit) : Infinity;
  if (!(limit > 0)) {
    err('trent: --limit must be a positive number');
    return 2;
  }
  const now = new Date();
  let filter: QueryFilter;
  try {
    filter = {
      ...(values.key !== undefined ? { key: values.key } : {}),
      ...(values.principal !== undefined ? { principal: values.principal } : {}),
      ...(values.event !== undefined ? { event: values.event } : {}),
      ...(values.since !== undefined ? { since: parseTimeArg(values.since, now) } : {}),
      ...(values.until !== undefined ? { until: parseTimeArg(values.until, now) } : {}),
      ...(values.errors ? { errors: true } : {}),
    };
  } catch (e) {
    err(`trent: ${(e as Error).message}`);
    return 2;
  }
  if (format === 'table') out(`${cell('eventTime', 21)} ${cell('eventName', 28)} ${cell('outcome', 30)} ${cell('principal', 50)} key`);
  let n = 0;
  for await (const e of queryEvents(auditDirs(values), filter)) {
    const r = e.record;
    if (format === 'json') out(JSON.stringify(r));
    else {
      const who = r.userIdentity.arn ?? (r.userIdentity.invokedBy ? `(${r.userIdentity.invokedBy})` : `(unauthenticated${r.userIdentity.accessKeyId ? ` ${r.userIdentity.accessKeyId}` : ''})`);
      const key = r.resources?.map((x) => x.ARN.slice(x.ARN.lastIndexOf('/') + 1)).join(',') ?? '-';
      out(`${cell(r.eventTime, 21)} ${cell(r.eventName, 28)} ${cell(r.errorCode ?? 'OK', 30)} ${cell(who, 50)} ${key}`);
    }
    if (++n >= limit) break;
  }
  return 0;
}
