/**
 * A closed-loop load generator: `connections` keep-alive connections each send one request at a
 * time for `requests` requests in total (bounded), loopback only. Returns req/s and latency
 * percentiles. Every response must have the expected status, or the run fails.
 *
 * It speaks HTTP/1.1 over raw `node:net` sockets: each request is written as one buffer (request
 * line, headers, body) and a response is read by its Content-Length, nothing more. node:http's
 * client cost ~90 µs of generator CPU per request here, so the generator saturated its core near
 * 10,000 req/s and the bare baseline measured the generator, not node:http; this one costs a
 * fraction of that (the bench prints the generator's CPU per request beside the bare cells). Every
 * request is still signed by `make` (the light signer) as it is sent.
 */
import { connect, type Socket } from 'node:net';

export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  p50ms: number;
  p99ms: number;
  /** This process's CPU (user + system) per answered request, µs: the generator's own cost. */
  generatorUs: number;
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

const CRLF2 = Buffer.from('\r\n\r\n');

/** The whole request as one buffer: POST / with the given headers and a Content-Length. */
export function encodeRequest(host: string, headers: Record<string, string>, body: string): Buffer {
  let head = 'POST / HTTP/1.1\r\n';
  let hasHost = false;
  for (const name in headers) {
    if (name.toLowerCase() === 'host') hasHost = true;
    head += `${name}: ${headers[name]}\r\n`;
  }
  if (!hasHost) head += `host: ${host}\r\n`;
  head += `content-length: ${Buffer.byteLength(body)}\r\nconnection: keep-alive\r\n\r\n`;
  return Buffer.from(head + body, 'utf8');
}

interface Parsed {
  status: number;
  /** Bytes of the whole response (head + body), or -1 while the head is incomplete. */
  length: number;
}

/** Status and total length of the response at the start of `buf`; throws on what this client does not read. */
export function parseResponseHead(buf: Buffer): Parsed {
  const end = buf.indexOf(CRLF2);
  if (end < 0) return { status: 0, length: -1 };
  const head = buf.toString('latin1', 0, end);
  const status = Number(head.slice(9, 12));
  const m = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
  if (!m) throw new Error(`response without Content-Length (this generator reads no other framing): ${head.slice(0, 200)}`);
  return { status, length: end + 4 + Number(m[1]) };
}

/** One keep-alive connection, one request in flight. */
class Conn {
  readonly #socket: Socket;
  #buf: Buffer | undefined;
  /** The response's head once it has been read whole (its length known). */
  #parsed: Parsed | undefined;
  #resolve: ((r: { status: number; body: Buffer }) => void) | undefined;
  #reject: ((e: Error) => void) | undefined;
  #failed: Error | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#data(chunk));
    socket.on('error', (e) => this.#fail(e));
    socket.on('close', () => this.#fail(new Error('connection closed by the server')));
  }

  static open(u: URL): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) });
      s.once('connect', () => {
        s.off('error', reject);
        resolve(new Conn(s));
      });
      s.once('error', reject);
    });
  }

  send(req: Buffer): Promise<{ status: number; body: Buffer }> {
    if (this.#failed) return Promise.reject(this.#failed);
    return new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
      this.#socket.write(req);
    });
  }

  close(): void {
    this.#socket.removeAllListeners('close');
    this.#socket.destroy();
  }

  #fail(e: Error): void {
    this.#failed ??= e;
    const reject = this.#reject;
    this.#resolve = this.#reject = undefined;
    reject?.(this.#failed);
  }

  #data(chunk: Buffer): void {
    const buf = this.#buf === undefined ? chunk : Buffer.concat([this.#buf, chunk]);
    try {
      const p = this.#parsed ?? parseResponseHead(buf);
      if (p.length >= 0) this.#parsed = p;
      if (p.length < 0 || buf.length < p.length) {
        this.#buf = buf;
        return;
      }
      if (buf.length > p.length || this.#resolve === undefined) throw new Error('response bytes beyond the one request in flight');
      this.#buf = this.#parsed = undefined;
      const resolve = this.#resolve;
      this.#resolve = this.#reject = undefined;
      resolve({ status: p.status, body: buf });
    } catch (e) {
      this.#fail(e as Error);
      this.#socket.destroy();
    }
  }
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const urls = (Array.isArray(o.url) ? o.url : [o.url]).map((s) => new URL(s));
  for (const u of urls) if (!['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) throw new Error('benchmarks target loopback only');
  const expect = o.expectStatus ?? 200;
  // Connection j serves node j % n, and request i goes to node i % n: each connection takes the
  // next request for its node.
  const conns = await Promise.all(Array.from({ length: o.connections }, (_, j) => Conn.open(urls[j % urls.length]!)));
  const lat: number[] = [];
  const nextFor = urls.map((_, k) => k);
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const until = o.seconds === undefined ? Infinity : performance.now() + o.seconds * 1000;
  try {
    await Promise.all(
      conns.map(async (c, j) => {
        const k = j % urls.length;
        const u = urls[k]!;
        for (let i = nextFor[k]!; i < o.requests && performance.now() < until; i = nextFor[k]!) {
          nextFor[k] = i + urls.length;
          const { headers, body } = o.make(i, u);
          const t0 = process.hrtime.bigint();
          const r = await c.send(encodeRequest(u.host, headers, body));
          lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
          if (r.status !== expect) {
            const text = r.body.toString('utf8');
            throw new Error(`HTTP ${r.status}: ${text.slice(text.indexOf('\r\n\r\n') + 4).slice(0, 300)}`);
          }
        }
      }),
    );
  } finally {
    for (const c of conns) c.close();
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const done = lat.length;
  lat.sort((a, b) => a - b);
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? 0;
  return { requests: done, seconds, rps: done / seconds, p50ms: pct(0.5), p99ms: pct(0.99), generatorUs: done ? (cpu.user + cpu.system) / done : 0 };
}

export function table(rows: Record<string, string | number>[]): string {
  const cols = Object.keys(rows[0] ?? {});
  const fmt = (v: string | number) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : v);
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => fmt(r[c] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(cols), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => fmt(r[c] ?? ''))))].join('\n');
}
