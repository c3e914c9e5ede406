/**
 * A signed JSON 1.1 client for the reliability suites: keep-alive, plain HTTP or HTTPS, a hard
 * per-request deadline (a hang is an error, never a stuck test), and the answer as it came —
 * status, headers and body — so a suite can judge every byte. Loopback only.
 */
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { LightSigner } from '../../../bench/lib/sign.ts';
import { TEST_ACCESS_KEY_ID, TEST_SECRET } from '../../support/trent.ts';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: Record<string, unknown> | undefined;
}

/** The request never got a complete answer: the connection failed, or the deadline passed. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly timedOut: boolean,
  ) {
    super(message);
  }
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export function assertLoopback(url: string): URL {
  const u = new URL(url);
  if (!LOOPBACK.has(u.hostname)) throw new Error(`reliability suites talk to loopback only, not ${u.hostname}`);
  return u;
}

export interface WireClientOptions {
  caPath?: string;
  /** Per-request deadline (default 15 s). */
  timeoutMs?: number;
  maxSockets?: number;
  creds?: { accessKeyId: string; secretAccessKey: string };
  region?: string;
}

export class WireClient {
  readonly url: URL;
  readonly #agent: http.Agent;
  readonly #signer: LightSigner;
  readonly #timeoutMs: number;
  readonly #https: boolean;

  constructor(url: string, o: WireClientOptions = {}) {
    this.url = assertLoopback(url);
    this.#https = this.url.protocol === 'https:';
    this.#timeoutMs = o.timeoutMs ?? 15_000;
    const agentOpts = { keepAlive: true, maxSockets: o.maxSockets ?? 16 };
    this.#agent = this.#https ? new https.Agent({ ...agentOpts, ...(o.caPath ? { ca: readFileSync(o.caPath) } : {}) }) : new http.Agent(agentOpts);
    this.#signer = new LightSigner(o.creds ?? { accessKeyId: TEST_ACCESS_KEY_ID, secretAccessKey: TEST_SECRET }, o.region ?? 'us-east-1');
  }

  /** Signed headers for `TrentService.<op>` with exactly this body. */
  sign(target: string, body: string | Buffer): Record<string, string> {
    return this.#signer.sign(this.url.host, target, body);
  }

  /** A signed KMS call. Rejects only with TransportError; any HTTP answer resolves. */
  call(op: string, input: unknown): Promise<Reply> {
    const body = JSON.stringify(input);
    return this.send({ headers: this.sign(`TrentService.${op}`, body), body });
  }

  /** Sends exactly these headers and body (content-length added unless given). */
  send(o: { headers: Record<string, string>; body: string | Buffer; method?: string; path?: string }): Promise<Reply> {
    const body = typeof o.body === 'string' ? Buffer.from(o.body, 'utf8') : o.body;
    const headers = { 'content-length': String(body.length), ...o.headers };
    const mod = this.#https ? https : http;
    return new Promise<Reply>((resolve, reject) => {
      let settled = false;
      const done = (f: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        f();
      };
      const req = mod.request({ host: this.url.hostname, port: this.url.port, path: o.path ?? '/', method: o.method ?? 'POST', agent: this.#agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Record<string, unknown> | undefined;
          try {
            const v: unknown = text ? JSON.parse(text) : undefined;
            json = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
          } catch {
            json = undefined;
          }
          done(() => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json }));
        });
        res.on('error', (e) => done(() => reject(new TransportError(e.message, false))));
        res.on('aborted', () => done(() => reject(new TransportError('response aborted', false))));
      });
      const timer = setTimeout(() => {
        done(() => reject(new TransportError(`no answer within ${this.#timeoutMs} ms`, true)));
        req.destroy();
      }, this.#timeoutMs);
      req.on('error', (e) => done(() => reject(new TransportError(e.message, false))));
      req.end(body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** Base64 of bytes, as the wire carries blobs. */
export const b64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64');
export const unb64 = (s: unknown): Buffer => Buffer.from(String(s), 'base64');
