/**
 * `trent audit query`: event records matching a key (id, key ARN, alias name or alias ARN), a
 * principal, an event name, a time range and/or errors only — streamed, in time order.
 */
import type { CloudTrailRecord } from './record.ts';
import { type EventEntry, mergedEvents } from './reader.ts';

export interface QueryFilter {
  key?: string;
  principal?: string;
  event?: string;
  /** ISO 8601 instants, compared with eventTime. */
  since?: string;
  until?: string;
  errors?: boolean;
}

const KEY_ARN = /^arn:[^:]+:kms:[^:]*:\d{12}:key\/(.+)$/;
const ALIAS_ARN = /^arn:[^:]+:kms:[^:]*:\d{12}:(alias\/.+)$/;

/** A key reference as the id or alias name it designates. */
function normalize(ref: string): { keyId?: string; alias?: string } {
  const k = KEY_ARN.exec(ref);
  if (k) return { keyId: k[1]! };
  const a = ALIAS_ARN.exec(ref);
  if (a) return { alias: a[1]! };
  if (ref.startsWith('alias/')) return { alias: ref };
  return { keyId: ref };
}

function keyIdsOf(r: CloudTrailRecord): string[] {
  const ids: string[] = [];
  for (const res of r.resources ?? []) {
    const m = KEY_ARN.exec(res.ARN);
    if (m) ids.push(m[1]!);
  }
  const details = r.serviceEventDetails as { keyId?: unknown } | undefined;
  if (typeof details?.keyId === 'string') ids.push(details.keyId);
  const p = r.requestParameters as { keyId?: unknown } | null;
  if (typeof p?.keyId === 'string') {
    const n = normalize(p.keyId);
    if (n.keyId) ids.push(n.keyId);
  }
  return ids;
}

function namesAlias(r: CloudTrailRecord, alias: string): boolean {
  const p = r.requestParameters as { keyId?: unknown; aliasName?: unknown } | null;
  if (!p) return false;
  return p.aliasName === alias || (typeof p.keyId === 'string' && normalize(p.keyId).alias === alias);
}

/** The keys an alias pointed to at any time, from CreateAlias / UpdateAlias records. */
async function aliasTargets(dirs: readonly string[], alias: string): Promise<Set<string>> {
  const targets = new Set<string>();
  for await (const e of mergedEvents(dirs)) {
    const r = e.record;
    if ((r.eventName !== 'CreateAlias' && r.eventName !== 'UpdateAlias') || r.errorCode !== undefined) continue;
    const p = r.requestParameters as { aliasName?: unknown; targetKeyId?: unknown } | null;
    if (p?.aliasName === alias && typeof p.targetKeyId === 'string') {
      const n = normalize(p.targetKeyId);
      if (n.keyId) targets.add(n.keyId);
    }
  }
  return targets;
}

function principalMatches(r: CloudTrailRecord, arn: string): boolean {
  const u = r.userIdentity;
  return u.arn === arn || u.sessionContext?.sessionIssuer.arn === arn || u.accessKeyId === arn;
}

export async function* queryEvents(dirs: readonly string[], f: QueryFilter): AsyncGenerator<EventEntry> {
  const ref = f.key !== undefined ? normalize(f.key) : undefined;
  const keyIds = new Set<string>();
  if (ref?.keyId) keyIds.add(ref.keyId);
  if (ref?.alias) for (const id of await aliasTargets(dirs, ref.alias)) keyIds.add(id);
  for await (const e of mergedEvents(dirs)) {
    const r = e.record;
    if (f.event !== undefined && r.eventName !== f.event) continue;
    if (f.errors && r.errorCode === undefined) continue;
    if (f.since !== undefined && r.eventTime < f.since) continue;
    if (f.until !== undefined && r.eventTime >= f.until) continue;
    if (f.principal !== undefined && !principalMatches(r, f.principal)) continue;
    if (ref && !keyIdsOf(r).some((id) => keyIds.has(id)) && !(ref.alias && namesAlias(r, ref.alias))) continue;
    yield e;
  }
}

/** `--since` / `--until`: an ISO 8601 time, or a duration back from `now` (30m, 12h, 7d). */
export function parseTimeArg(v: string, now: Date): string {
  const rel = /^(\d+)([smhd])$/.exec(v);
  if (rel) {
    const unit = { s: 1, m: 60, h: 3600, d: 86400 }[rel[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(now.getTime() - Number(rel[1]) * unit * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  const t = new Date(v);
  if (Number.isNaN(t.getTime())) throw new Error(`not a time: ${v} (use ISO 8601, or 30m, 12h, 7d)`);
  return t.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
