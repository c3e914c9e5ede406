/**
 * What a month of the audit trail would have cost on AWS KMS (price-table.ts), per key and per
 * account, and how many calls data-key caching or S3 Bucket Keys would have saved.
 *
 * Fed event records in time order. Key storage comes from the lifecycle the records show
 * (CreateKey, ScheduleKeyDeletion, CancelKeyDeletion, the DeleteKey service event, RotateKey
 * service events and RotateKeyOnDemand); requests from each record's request class.
 */
import type { EventEntry } from '../audit/reader.ts';
import type { RequestClass } from '../audit/request-class.ts';
import type { PriceTable } from './price-table.ts';

const HOUR = 3_600_000;

export interface CostOptions {
  /** `YYYY-MM` (UTC). */
  month: string;
  prices: PriceTable;
  freeTier: boolean;
  /** How long a cached data key (or an S3 Bucket Key) would be reused. */
  cacheWindowSeconds: number;
}

interface KeyLife {
  arn: string;
  account: string;
  keySpec?: string;
  keyManager?: string;
  createdAt?: number;
  pendingSince?: number;
  deletedAt?: number;
  /** Free spans: pending deletion that ended in deletion. */
  rotations: number[];
  requests: Partial<Record<RequestClass, number>>;
}

export interface KeyBill {
  key: string;
  account: string;
  keySpec: string | null;
  keyManager: string | null;
  createdAt: string | null;
  deletedAt: string | null;
  pendingDeletionSince: string | null;
  billedHours: number;
  billedRotations: number;
  keyCharge: number;
  rotationCharge: number;
  requests: Partial<Record<RequestClass, number>>;
  requestCharge: number;
  total: number;
  note?: string;
}

export interface AccountBill {
  account: string;
  requests: Partial<Record<RequestClass, number>>;
  requestChargeBeforeFreeTier: number;
  freeTierRequests: number;
  freeTierCredit: number;
  requestCharge: number;
  keyCharge: number;
  total: number;
}

export interface Savings {
  windowSeconds: number;
  /** GenerateDataKey*, Decrypt calls repeating a (caller, key, context) seen within the window. */
  repeatedCalls: number;
  byEvent: Record<string, number>;
  /** Of those, calls whose context names S3 objects of one bucket (what Bucket Keys fold together). */
  bucketKeyCalls: number;
  charge: number;
}

export interface Bill {
  month: string;
  hoursInMonth: number;
  freeTier: boolean;
  keys: KeyBill[];
  accounts: AccountBill[];
  requests: number;
  total: number;
  savings: Savings;
}

const CACHEABLE = new Set(['GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'Decrypt']);
const MAX_GROUPS = 1_000_000;

export function monthRange(month: string): { start: number; end: number } {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw new Error(`--month must be YYYY-MM, got ${month}`);
  const start = Date.UTC(Number(m[1]), Number(m[2]) - 1, 1);
  const end = Date.UTC(Number(m[1]), Number(m[2]), 1);
  return { start, end };
}

function overlapMs(a0: number, a1: number, b0: number, b1: number): number {
  return Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
}

const sortedContext = (ctx: unknown): string => {
  if (typeof ctx !== 'object' || ctx === null) return '{}';
  const entries = Object.entries(ctx as Record<string, unknown>).map(([k, v]) => {
    // S3 names each object in aws:s3:arn; a Bucket Key is per bucket.
    if (k === 'aws:s3:arn' && typeof v === 'string') return [k, v.replace(/^(arn:[^:]+:s3:::[^/]+)\/.*$/, '$1')] as const;
    return [k, v] as const;
  });
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(entries);
};

export class CostModel {
  readonly #o: CostOptions;
  readonly #start: number;
  readonly #end: number;
  readonly #keys = new Map<string, KeyLife>();
  readonly #accounts = new Map<string, Partial<Record<RequestClass, number>>>();
  readonly #groups = new Map<string, number>();
  readonly #savings: Savings;
  #requests = 0;

  constructor(o: CostOptions) {
    this.#o = o;
    ({ start: this.#start, end: this.#end } = monthRange(o.month));
    this.#savings = { windowSeconds: o.cacheWindowSeconds, repeatedCalls: 0, byEvent: {}, bucketKeyCalls: 0, charge: 0 };
  }

  #key(arn: string, account: string): KeyLife {
    let k = this.#keys.get(arn);
    if (!k) {
      k = { arn, account, rotations: [], requests: {} };
      this.#keys.set(arn, k);
    }
    return k;
  }

  add(e: EventEntry): void {
    const r = e.record;
    const t = Date.parse(r.eventTime);
    if (Number.isNaN(t) || t >= this.#end) return;
    const ok = r.errorCode === undefined;
    const res = r.resources?.[0];
    if (ok && res) this.#lifecycle(r.eventName, res.ARN, res.accountId, t, r.responseElements);
    if (!ok || t < this.#start || e.usage.class === 'none' || e.usage.account === undefined) return;
    const cls = e.usage.class;
    this.#requests++;
    const acct = this.#accounts.get(e.usage.account) ?? {};
    acct[cls] = (acct[cls] ?? 0) + 1;
    this.#accounts.set(e.usage.account, acct);
    if (e.usage.key !== undefined) {
      const k = this.#key(e.usage.key, res?.accountId ?? e.usage.account);
      k.requests[cls] = (k.requests[cls] ?? 0) + 1;
    }
    if (CACHEABLE.has(r.eventName) && e.usage.key !== undefined) this.#cache(r, e.usage.key, t, cls);
  }

  #lifecycle(eventName: string, arn: string, account: string, t: number, response: Record<string, unknown> | null): void {
    switch (eventName) {
      case 'CreateKey': {
        const k = this.#key(arn, account);
        const md = (response as { keyMetadata?: { keySpec?: unknown; keyManager?: unknown } } | null)?.keyMetadata;
        k.createdAt = t;
        if (typeof md?.keySpec === 'string') k.keySpec = md.keySpec;
        if (typeof md?.keyManager === 'string') k.keyManager = md.keyManager;
        return;
      }
      case 'ReplicateKey': {
        // A replica is a customer managed key of its own Region, billed as one from its creation.
        const md = (response as { replicaKeyMetadata?: { arn?: unknown; keySpec?: unknown; keyManager?: unknown } } | null)?.replicaKeyMetadata;
        if (typeof md?.arn !== 'string') return;
        const k = this.#key(md.arn, account);
        k.createdAt = t;
        if (typeof md.keySpec === 'string') k.keySpec = md.keySpec;
        if (typeof md.keyManager === 'string') k.keyManager = md.keyManager;
        return;
      }
      case 'ScheduleKeyDeletion':
        this.#key(arn, account).pendingSince = t;
        return;
      case 'CancelKeyDeletion':
        // "…will incur charges as though it was never scheduled for deletion."
        delete this.#key(arn, account).pendingSince;
        return;
      case 'DeleteKey': {
        const k = this.#key(arn, account);
        k.deletedAt = t;
        return;
      }
      case 'RotateKey':
      case 'RotateKeyOnDemand':
        this.#key(arn, account).rotations.push(t);
        return;
    }
  }

  #cache(r: EventEntry['record'], key: string, t: number, cls: RequestClass): void {
    const ctx = (r.requestParameters as { encryptionContext?: unknown } | null)?.encryptionContext;
    const id = `${r.userIdentity.arn ?? ''}\n${r.eventName}\n${key}\n${sortedContext(ctx)}`;
    const windowStart = this.#groups.get(id);
    if (windowStart !== undefined && t - windowStart < this.#o.cacheWindowSeconds * 1000) {
      this.#savings.repeatedCalls++;
      this.#savings.byEvent[r.eventName] = (this.#savings.byEvent[r.eventName] ?? 0) + 1;
      if (typeof ctx === 'object' && ctx !== null && 'aws:s3:arn' in ctx) this.#savings.bucketKeyCalls++;
      this.#savings.charge += this.#o.prices.per10k[cls] / 10_000;
      return;
    }
    if (windowStart === undefined && this.#groups.size >= MAX_GROUPS) {
      const oldest = this.#groups.keys().next().value;
      if (oldest !== undefined) this.#groups.delete(oldest);
    }
    this.#groups.delete(id);
    this.#groups.set(id, t);
  }

  bill(): Bill {
    const p = this.#o.prices;
    const hoursInMonth = (this.#end - this.#start) / HOUR;
    const keys: KeyBill[] = [];
    const keyChargeByAccount = new Map<string, number>();
    for (const k of this.#keys.values()) {
      // Billed from creation until deletion, less a pending-deletion span that ended in deletion
      // (or is still pending: provisionally free, as it will be if the deletion happens).
      let note: string | undefined;
      let billedHours = 0;
      let rotationHours = 0;
      let billedRotations = 0;
      const free = k.keyManager === 'AWS';
      if (k.createdAt === undefined) {
        note = 'no CreateKey in the audit trail: storage not billed';
      } else if (free) {
        note = 'AWS managed key: storage free';
      } else {
        const until = Math.min(k.pendingSince ?? Infinity, k.deletedAt ?? Infinity, this.#end);
        billedHours = Math.ceil(overlapMs(k.createdAt, until, this.#start, this.#end) / HOUR);
        const rot = k.rotations.slice(0, p.billedRotations);
        billedRotations = rot.filter((t) => t < until).length;
        for (const t of rot) rotationHours += Math.ceil(overlapMs(Math.max(t, k.createdAt), until, this.#start, this.#end) / HOUR);
        if (k.pendingSince !== undefined && k.deletedAt === undefined) note = 'pending deletion: not billed from the day it was scheduled';
      }
      const keyCharge = (billedHours / hoursInMonth) * p.keyMonth;
      const rotationCharge = (rotationHours / hoursInMonth) * p.rotationMonth;
      let requestCharge = 0;
      for (const [cls, n] of Object.entries(k.requests) as [RequestClass, number][]) requestCharge += (n * p.per10k[cls]) / 10_000;
      const inMonth = billedHours > 0 || Object.keys(k.requests).length > 0 || (k.createdAt !== undefined && k.createdAt < this.#end && (k.deletedAt ?? Infinity) >= this.#start);
      if (!inMonth) continue;
      keyChargeByAccount.set(k.account, (keyChargeByAccount.get(k.account) ?? 0) + keyCharge + rotationCharge);
      keys.push({
        key: k.arn,
        account: k.account,
        keySpec: k.keySpec ?? null,
        keyManager: k.keyManager ?? null,
        createdAt: k.createdAt !== undefined ? new Date(k.createdAt).toISOString() : null,
        deletedAt: k.deletedAt !== undefined ? new Date(k.deletedAt).toISOString() : null,
        pendingDeletionSince: k.pendingSince !== undefined ? new Date(k.pendingSince).toISOString() : null,
        billedHours,
        billedRotations,
        keyCharge,
        rotationCharge,
        requests: k.requests,
        requestCharge,
        total: keyCharge + rotationCharge + requestCharge,
        ...(note ? { note } : {}),
      });
    }
    keys.sort((a, b) => a.key.localeCompare(b.key));
    const accountIds = new Set([...this.#accounts.keys(), ...keyChargeByAccount.keys()]);
    const accounts: AccountBill[] = [...accountIds].sort().map((account) => {
      const requests = this.#accounts.get(account) ?? {};
      let gross = 0;
      let eligible = 0;
      for (const [cls, n] of Object.entries(requests) as [RequestClass, number][]) {
        gross += (n * p.per10k[cls]) / 10_000;
        if (p.freeTierClasses.includes(cls)) eligible += n;
      }
      const freeTierRequests = this.#o.freeTier ? Math.min(eligible, p.freeTierRequests) : 0;
      // The free requests are the cheapest eligible ones: all eligible classes cost the general rate.
      const freeTierCredit = (freeTierRequests * p.per10k.general) / 10_000;
      const requestCharge = gross - freeTierCredit;
      const keyCharge = keyChargeByAccount.get(account) ?? 0;
      return { account, requests, requestChargeBeforeFreeTier: gross, freeTierRequests, freeTierCredit, requestCharge, keyCharge, total: requestCharge + keyCharge };
    });
    return {
      month: this.#o.month,
      hoursInMonth,
      freeTier: this.#o.freeTier,
      keys,
      accounts,
      requests: this.#requests,
      total: accounts.reduce((s, a) => s + a.total, 0),
      savings: this.#savings,
    };
  }
}
