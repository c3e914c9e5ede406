/**
 * `GET /metrics` (Prometheus text format, prom-client): requests by operation and error code,
 * request latency, audit flush latency and batch size, unwrapped-material cache hits, keys by
 * state, and the meter — billable requests per account and request class.
 *
 * Every label has a bounded set of values, whatever the number of keys or what clients send:
 * operations are the ones Trent serves (anything else is `Unknown`), codes are Trent's error
 * codes, accounts are the configured ones. There is no per-key label (100,000 keys would be
 * 100,000 series): per-key usage is in the audit trail, which `trent cost` reads.
 *
 * Each Trent owns its registry (several can run in one process, as the tests do).
 *
 * prom-client and its default process metrics cost ~25 ms of start-up (profile of `trent serve`),
 * so they load a second after the server listens (createTrent calls `load()` then), or at the
 * first scrape: not on the way to /healthz, nor in the first request's latency. Observations
 * made before then wait in a queue (bounded) and are counted once it has loaded.
 */
import type { Counter, Histogram, Registry } from 'prom-client';
import type { Usage } from '../audit/auditor.ts';
import { OPERATIONS } from '../operations/index.ts';

/** The operation label's values: KMS operations, `sts:` actions Trent serves, and `Unknown`. */
const KNOWN_OPERATIONS: ReadonlySet<string> = new Set([...Object.keys(OPERATIONS), 'sts:AssumeRole', 'sts:GetCallerIdentity']);
const CODE = /^[A-Za-z]{1,64}$/;

export interface MetricsSources {
  /** Lookups in the unwrapped-material cache so far. */
  cacheStats?: () => { hits: number; misses: number };
  /** Keys per state, counted when scraped. */
  keysByState?: () => Promise<Record<string, number>>;
}

type Prom = typeof import('prom-client');

/** What the registry holds once prom-client has loaded. */
interface Loaded {
  registry: Registry;
  requests: Counter<'operation' | 'code'>;
  duration: Histogram<'operation'>;
  flush: Histogram;
  batch: Histogram;
  auditFailures: Counter;
  billable: Counter<'account' | 'class'>;
}

/** Observations before prom-client loaded: start-up takes milliseconds, but the queue is bounded anyway. */
const MAX_QUEUED = 100_000;

export class TrentMetrics {
  readonly #sources: MetricsSources;
  #m: Loaded | undefined;
  #loading: Promise<Loaded> | undefined;
  #queue: ((m: Loaded) => void)[] = [];

  constructor(sources: MetricsSources = {}) {
    this.#sources = sources;
  }

  /** Loads prom-client and builds the registry (once); observations queued so far are counted. */
  load(): Promise<Loaded> {
    this.#loading ??= import('prom-client').then((prom) => {
      const m = build(prom, this.#sources);
      this.#m = m;
      for (const f of this.#queue) f(m);
      this.#queue = [];
      return m;
    });
    return this.#loading;
  }

  /** The prom-client registry (cluster aggregation), once loaded. */
  async registry(): Promise<Registry> {
    return (await this.load()).registry;
  }

  #observe(f: (m: Loaded) => void): void {
    if (this.#m !== undefined) f(this.#m);
    else {
      if (this.#queue.length < MAX_QUEUED) this.#queue.push(f);
    }
  }

  observeRequest(operation: string, code: string, seconds: number): void {
    const op = KNOWN_OPERATIONS.has(operation) ? operation : operation.startsWith('sts:') ? 'sts:Unknown' : 'Unknown';
    const c = CODE.test(code) ? code : 'Unknown';
    this.#observe((m) => {
      m.requests.inc({ operation: op, code: c });
      m.duration.observe({ operation: op }, seconds);
    });
  }

  observeFlush(seconds: number, entries: number, ok: boolean): void {
    this.#observe((m) => {
      m.flush.observe(seconds);
      m.batch.observe(entries);
      if (!ok) m.auditFailures.inc();
    });
  }

  observeUsage(u: Usage): void {
    if (u.class === 'none' || u.account === undefined) return;
    const account = u.account;
    const cls = u.class;
    this.#observe((m) => m.billable.inc({ account, class: cls }));
  }

  async render(): Promise<{ contentType: string; body: string }> {
    const { registry } = await this.load();
    return { contentType: registry.contentType, body: await registry.metrics() };
  }
}

function build(prom: Prom, sources: MetricsSources): Loaded {
  const { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } = prom;
  const registry = new Registry();
  const registers = [registry];
  const requests = new Counter({ name: 'trent_requests_total', help: 'Requests by operation and outcome (OK or the error code).', labelNames: ['operation', 'code'] as const, registers });
  const duration = new Histogram({
    name: 'trent_request_duration_seconds',
    help: 'Request latency, from the first byte read to the response, audit flush included.',
    labelNames: ['operation'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  const flush = new Histogram({
    name: 'trent_audit_flush_duration_seconds',
    help: 'Duration of one audit flush (write + fdatasync), shared by every entry in its batch.',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
    registers,
  });
  const batch = new Histogram({ name: 'trent_audit_flush_entries', help: 'Audit entries per flush (group commit).', buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 1024], registers });
  const auditFailures = new Counter({ name: 'trent_audit_flush_failures_total', help: 'Audit flushes that failed (their requests were refused).', registers });
  const billable = new Counter({
    name: 'trent_kms_billable_requests_total',
    help: 'Successful KMS requests as AWS would bill them: per calling account and request class (per key: trent cost, from the audit trail).',
    labelNames: ['account', 'class'] as const,
    registers,
  });
  if (sources.cacheStats) {
    const stats = sources.cacheStats;
    new Gauge({
      name: 'trent_material_cache_lookups',
      help: 'Lookups in the unwrapped key-material cache, by result.',
      labelNames: ['result'],
      registers,
      collect() {
        const s = stats();
        this.set({ result: 'hit' }, s.hits);
        this.set({ result: 'miss' }, s.misses);
      },
    });
    new Gauge({
      name: 'trent_material_cache_hit_ratio',
      help: 'Hits / lookups in the unwrapped key-material cache since start.',
      registers,
      collect() {
        const s = stats();
        this.set(s.hits + s.misses === 0 ? 0 : s.hits / (s.hits + s.misses));
      },
    });
  }
  if (sources.keysByState) {
    const count = sources.keysByState;
    new Gauge({
      name: 'trent_keys',
      help: 'KMS keys by key state.',
      labelNames: ['state'],
      registers,
      async collect() {
        this.reset();
        for (const [state, n] of Object.entries(await count())) this.set({ state }, n);
      },
    });
  }
  collectDefaultMetrics({ register: registry, prefix: 'trent_' });
  return { registry, requests, duration, flush, batch, auditFailures, billable };
}
