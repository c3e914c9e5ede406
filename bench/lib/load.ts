/**
 * A closed-loop load generator: `connections` keep-alive connections each send one request at a
 * time for `requests` requests in total (bounded), loopback only. Returns req/s and latency
 * percentiles. Every response must have the expected status, or the run fails.
 */
import http from 'node:http';

export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  p50ms: number;
  p99ms: number;
}

export interface LoadOptions {
  /** Several URLs (nodes behind one endpoint): request i goes to url[i % n]. */
  url: string | string[];
  connections: number;
  /** At most this many requests; with `seconds`, the run also stops issuing once that time is up. */
  requests: number;
  seconds?: number;
  /** Builds one request (headers + body) for the node it goes to; called once per request. */
  make: (i: number, node: URL) => { headers: Record<string, string>; body: string };
  expectStatus?: number;
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const urls = (Array.isArray(o.url) ? o.url : [o.url]).map((s) => new URL(s));
  for (const u of urls) if (!['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) throw new Error('benchmarks target loopback only');
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.connections });
  const lat: number[] = [];
  let next = 0;
  const one = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const u = urls[i % urls.length]!;
      const { headers, body } = o.make(i, u);
      const t0 = process.hrtime.bigint();
      const req = http.request({ host: u.hostname, port: u.port, path: '/', method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
          if (res.statusCode !== (o.expectStatus ?? 200)) reject(new Error(`HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString().slice(0, 300)}`));
          else resolve();
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  const start = process.hrtime.bigint();
  const until = o.seconds === undefined ? Infinity : performance.now() + o.seconds * 1000;
  await Promise.all(
    Array.from({ length: o.connections }, async () => {
      for (let i = next++; i < o.requests && performance.now() < until; i = next++) await one(i);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const done = lat.length;
  agent.destroy();
  lat.sort((a, b) => a - b);
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? 0;
  return { requests: done, seconds, rps: done / seconds, p50ms: pct(0.5), p99ms: pct(0.99) };
}

export function table(rows: Record<string, string | number>[]): string {
  const cols = Object.keys(rows[0] ?? {});
  const fmt = (v: string | number) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : v);
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => fmt(r[c] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(cols), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => fmt(r[c] ?? ''))))].join('\n');
}
