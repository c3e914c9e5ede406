/**
 * Load generation for the benchmarks: a lean KMS JSON 1.1 client (SigV4 through the SDK's own
 * signer, SHA-256 from node:crypto, keep-alive connections) so the generator spends as little of
 * the machine as it can, and a closed-loop runner with a bounded request count.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { SignatureV4 } from '@smithy/signature-v4';
import { TEST_ACCESS_KEY_ID, TEST_SECRET } from '../test/support/trent.ts';

type SourceData = string | ArrayBuffer | ArrayBufferView;

const bytes = (d: SourceData): Buffer =>
  typeof d === 'string' ? Buffer.from(d) : ArrayBuffer.isView(d) ? Buffer.from(d.buffer, d.byteOffset, d.byteLength) : Buffer.from(d);

/** The signer's hash interface on node:crypto (the pure-JS default would cost the generator more CPU). */
class NodeSha256 {
  readonly #h: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.#h = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(d: SourceData): void {
    this.#h.update(bytes(d));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#h.digest());
  }
}

export class KmsError extends Error {
  constructor(readonly type: string, readonly status: number, message: string) {
    super(`${type} (${status}): ${message}`);
  }
}

export interface Endpoint {
  url: string;
  caPath?: string;
}

/** One node's client: signs and sends `TrentService.<op>` requests over kept-alive connections. */
export class KmsJsonClient {
  readonly #url: URL;
  readonly #agent: HttpAgent | HttpsAgent;
  readonly #signer: SignatureV4;

  constructor(endpoint: Endpoint, maxSockets = 64) {
    this.#url = new URL(endpoint.url);
    this.#agent = this.#url.protocol === 'https:'
      ? new HttpsAgent({ keepAlive: true, maxSockets, ...(endpoint.caPath ? { ca: readFileSync(endpoint.caPath) } : {}) })
      : new HttpAgent({ keepAlive: true, maxSockets });
    this.#signer = new SignatureV4({
      credentials: { accessKeyId: TEST_ACCESS_KEY_ID, secretAccessKey: TEST_SECRET },
      region: 'us-east-1',
      service: 'kms',
      sha256: NodeSha256,
    });
  }

  async send<T = Record<string, unknown>>(op: string, input: Record<string, unknown>): Promise<T> {
    const body = Buffer.from(JSON.stringify(input));
    const u = this.#url;
    const signed = await this.#signer.sign({
      method: 'POST',
      protocol: u.protocol,
      hostname: u.hostname,
      port: Number(u.port),
      path: '/',
      headers: { host: u.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `TrentService.${op}` },
      body,
    });
    const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<T>((resolve, reject) => {
      const req = send({ hostname: u.hostname, port: u.port, path: '/', method: 'POST', agent: this.#agent, headers: { ...(signed.headers as Record<string, string>), 'content-length': String(body.length) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
          if (res.statusCode === 200) resolve(json as T);
          else reject(new KmsError(String(json.__type ?? 'Unknown'), res.statusCode ?? 0, String(json.message ?? '')));
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

export interface LoadResult {
  requests: number;
  seconds: number;
  perSecond: number;
}

/** Runs `op(i)` for i in [0, total) on `concurrency` workers (a closed loop); any failure fails the run. */
export async function runLoad(total: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<LoadResult> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      for (let i = next++; i < total; i = next++) await op(i);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { requests: total, seconds, perSecond: total / seconds };
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** `--name value` flags as positive integers, with defaults. */
export function intFlags<T extends Record<string, number>>(defaults: T, argv = process.argv.slice(2)): T {
  const out: Record<string, number> = { ...defaults };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i]!.replace(/^--/, '');
    const v = Number(argv[i + 1]);
    if (!(name in defaults) || !Number.isInteger(v) || v <= 0) throw new Error(`unknown flag or bad value: ${argv[i]} ${argv[i + 1]} (flags: ${Object.keys(defaults).map((k) => `--${k}`).join(' ')})`);
    out[name] = v;
  }
  return out as T;
}
