/**
 * One signed KMS call outside the load loop (setting up keys, probing a node), with the same
 * light signer as the load; plain HTTP on loopback. A non-200 answer rejects with a KmsCallError
 * carrying AWS's error type.
 */
import http from 'node:http';
import { TEST_ACCESS_KEY_ID, TEST_SECRET } from '../../test/support/trent.ts';
import { LightSigner } from './sign.ts';

export const signer = new LightSigner({ accessKeyId: TEST_ACCESS_KEY_ID, secretAccessKey: TEST_SECRET }, 'us-east-1');

export class KmsCallError extends Error {
  constructor(
    readonly type: string,
    readonly status: number,
    message: string,
  ) {
    super(`${type} (HTTP ${status}): ${message}`);
  }
}

/** Signed request parts for `TrentService.<op>` to one node, for runLoad's `make`. */
export function signedRequest(node: URL, op: string, input: Record<string, unknown>): { headers: Record<string, string>; body: string } {
  const body = JSON.stringify(input);
  return { headers: signer.sign(node.host, `TrentService.${op}`, body), body };
}

export function kmsCall<T = Record<string, unknown>>(url: string, op: string, input: Record<string, unknown>): Promise<T> {
  const u = new URL(url);
  const { headers, body } = signedRequest(u, op, input);
  return new Promise<T>((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: '/', method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const json = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
        if (res.statusCode === 200) resolve(json as T);
        else reject(new KmsCallError(String(json.__type ?? 'Unknown'), res.statusCode ?? 0, String(json.message ?? '')));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
