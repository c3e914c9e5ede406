/**
 * Sends fuzz cases and judges each answer: no 5xx ever; an invalid case answers a 4xx; every
 * error is AWS-shaped (`{"__type", "message"}` JSON and an x-amzn-RequestId); no request waits
 * past its deadline (a hang); the connection-level cases end in an answer or a close.
 */
import http from 'node:http';
import net from 'node:net';
import { MAX_BODY_BYTES } from '../../../src/server/http-server.ts';
import type { FuzzCase, HttpCase, RawCase } from './fuzz-cases.ts';
import { TransportError, type Reply, type WireClient } from './wire-client.ts';

export interface FuzzTally {
  requests: number;
  byFamily: Record<string, number>;
  byStatus: Record<string, number>;
  byType: Record<string, number>;
  /** Cases the server answered with a 2xx (mutations that happened to be valid). */
  accepted: number;
  /** Cases the server closed without an answer (raw bytes it could not read as a request). */
  closedWithoutAnswer: number;
  closedByFamily: Record<string, number>;
  failures: string[];
  bytesSent: number;
}

export const newTally = (): FuzzTally => ({ requests: 0, byFamily: {}, byStatus: {}, byType: {}, accepted: 0, closedWithoutAnswer: 0, closedByFamily: {}, failures: [], bytesSent: 0 });

const inc = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);

function describe(c: FuzzCase): string {
  const bytes = c.kind === 'raw' ? c.bytes : c.body;
  const head = bytes.subarray(0, 160).toString('latin1').replace(/[^\x20-\x7e]/g, '.');
  const what = c.kind === 'signed' ? `${c.op}` : c.kind === 'http' ? `${c.method} ${c.path.slice(0, 40)} ${JSON.stringify(Object.fromEntries(Object.entries(c.headers).map(([k, v]) => [k, v?.slice(0, 40) ?? null])))}` : 'raw';
  return `[${c.family}] ${what} (${bytes.length} bytes: ${head})`;
}

/** AWS's JSON 1.1 error shape: `__type` and `message`, plus the request id header. */
export function awsShapeProblem(status: number, headers: Record<string, string | string[] | undefined>, text: string, method = 'POST'): string | undefined {
  if (method === 'HEAD') return undefined;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `error body is not JSON: ${JSON.stringify(text.slice(0, 120))}`;
  }
  const b = body as { __type?: unknown; message?: unknown };
  if (typeof b.__type !== 'string' || b.__type === '') return `error body has no __type: ${text.slice(0, 120)}`;
  if (typeof b.message !== 'string') return `error body has no message: ${text.slice(0, 120)}`;
  if (!headers['x-amzn-requestid']) return `HTTP ${status} ${b.__type} without x-amzn-RequestId`;
  return undefined;
}

export function judge(t: FuzzTally, c: FuzzCase, status: number, headers: Record<string, string | string[] | undefined>, text: string, method = 'POST'): void {
  inc(t.byStatus, String(status));
  if (status >= 500) return void t.failures.push(`HTTP ${status} ${text.slice(0, 200)} for ${describe(c)}`);
  if (status >= 200 && status < 300) {
    t.accepted++;
    if (c.invalid) t.failures.push(`HTTP ${status} for an invalid request ${describe(c)}: ${text.slice(0, 200)}`);
    return;
  }
  if (status < 400) return void t.failures.push(`HTTP ${status} for ${describe(c)}`);
  const problem = awsShapeProblem(status, headers, text, method);
  if (problem) t.failures.push(`${problem} for ${describe(c)}`);
  else if (method !== 'HEAD') inc(t.byType, String((JSON.parse(text) as { __type: string }).__type));
}

async function sendHttp(client: WireClient, c: HttpCase, timeoutMs: number): Promise<Reply> {
  const headers: Record<string, string> = c.sign ? { ...client.sign(c.sign.target, c.signBody ?? c.body) } : {};
  for (const [k, v] of Object.entries(c.headers)) {
    if (v === null) delete headers[k];
    else headers[k] = v;
  }
  if (!c.chunked) return client.send({ method: c.method, path: c.path, headers, body: c.body });
  // Chunked: no Content-Length, so the server only learns the size while reading.
  return new Promise<Reply>((resolve, reject) => {
    const req = http.request({ host: client.url.hostname, port: client.url.port, method: c.method, path: c.path, headers: { ...headers, 'transfer-encoding': 'chunked' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), json: undefined });
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new TransportError(`no answer within ${timeoutMs} ms`, true));
    }, timeoutMs);
    req.on('error', (e) => {
      clearTimeout(timer);
      // The server may answer 413 and close while we are still writing: that is its answer.
      reject(new TransportError(e.message, false));
    });
    for (let o = 0; o < c.body.length; o += 64 * 1024) req.write(c.body.subarray(o, o + 64 * 1024));
    req.end();
  });
}

/**
 * Writes the bytes and reads until the server closes (or the deadline: a hang). A complete
 * request is answered meanwhile; if nothing came back after `patienceMs`, the client half-closes
 * (Node then drops a request it was still reading) so an incomplete one ends without waiting for
 * the server's header timeout.
 */
export function sendRaw(port: number, bytes: Buffer, timeoutMs: number, patienceMs = 1500): Promise<{ data: Buffer; timedOut: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (timedOut: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      resolve({ data: Buffer.concat(chunks), timedOut });
    };
    const timer = setTimeout(() => finish(true), timeoutMs);
    s.on('data', (d: Buffer) => {
      chunks.push(d);
      // One whole answer is enough: a keep-alive connection would stay open after it.
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      const len = /\r\ncontent-length: *(\d+)/i.exec(all.subarray(0, Math.max(0, end)).toString('latin1'))?.[1];
      if (end >= 0 && len !== undefined && all.length >= end + 4 + Number(len)) finish(false);
    });
    s.on('close', () => finish(false));
    s.on('error', () => finish(false));
    s.on('connect', () => {
      s.write(bytes);
      setTimeout(() => {
        if (!done && chunks.length === 0) s.end();
      }, patienceMs).unref();
    });
  });
}

/** The first response in raw bytes: status, headers, body (by Content-Length). */
export function parseRawResponse(data: Buffer): { status: number; headers: Record<string, string>; text: string } | undefined {
  const text = data.toString('latin1');
  const m = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n/.exec(text);
  if (!m) return undefined;
  const end = text.indexOf('\r\n\r\n');
  const headers: Record<string, string> = {};
  for (const line of text.slice(m[0].length, end < 0 ? undefined : end).split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const len = Number(headers['content-length'] ?? 0);
  const body = end < 0 ? '' : data.subarray(Buffer.byteLength(text.slice(0, end + 4), 'latin1')).subarray(0, len).toString('utf8');
  return { status: Number(m[1]), headers, text: body };
}

async function runRaw(t: FuzzTally, port: number, c: RawCase, timeoutMs: number): Promise<void> {
  const { data, timedOut } = await sendRaw(port, c.bytes, timeoutMs);
  if (timedOut) return void t.failures.push(`hang: the connection stayed open ${timeoutMs} ms after ${describe(c)}`);
  if (data.length === 0) {
    t.closedWithoutAnswer++;
    inc(t.closedByFamily, c.family);
    return;
  }
  const r = parseRawResponse(data);
  if (!r) return void t.failures.push(`not an HTTP answer (${data.subarray(0, 80).toString('latin1')}) to ${describe(c)}`);
  judge(t, c, r.status, r.headers, r.text);
}

/** Runs every case, `concurrency` at a time, into the tally. */
export async function runCases(client: WireClient, cases: Iterable<FuzzCase>, t: FuzzTally, o: { concurrency: number; timeoutMs: number }): Promise<void> {
  const it = cases[Symbol.iterator]();
  const port = Number(client.url.port);
  const worker = async () => {
    for (let n = it.next(); !n.done; n = it.next()) {
      const c = n.value;
      t.requests++;
      inc(t.byFamily, c.family);
      t.bytesSent += c.kind === 'raw' ? c.bytes.length : c.body.length;
      try {
        if (c.kind === 'raw') await runRaw(t, port, c, o.timeoutMs);
        else if (c.kind === 'http') {
          const r = await sendHttp(client, c, o.timeoutMs);
          judge(t, c, r.status, r.headers, r.text, c.method);
        } else {
          const r = await client.send({ headers: client.sign(c.target ?? `TrentService.${c.op}`, c.body), body: c.body });
          judge(t, c, r.status, r.headers, r.text);
        }
      } catch (e) {
        if (!(e instanceof TransportError)) throw e;
        // A body past the limit is refused (413) and the connection closed while the client may
        // still be writing it: the client then sees EPIPE/ECONNRESET, not the answer.
        if (!e.timedOut && (c.kind === 'raw' ? c.bytes : c.body).length > MAX_BODY_BYTES) {
          t.closedWithoutAnswer++;
          inc(t.closedByFamily, c.family);
          continue;
        }
        t.failures.push(`${e.timedOut ? 'hang' : 'connection failed'}: ${e.message} for ${describe(c)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
}
