/**
 * A light SigV4 signer for load generation (node:crypto HMACs, signing key derived once per
 * day): the SDK's signer saturates a core near 2,000 req/s, this one does not. Checked against
 * Trent's verifier by every request it sends (a wrong signature would fail the benchmark).
 */
import { createHash, createHmac } from 'node:crypto';

export interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

export class LightSigner {
  #day = '';
  #key: Buffer = Buffer.alloc(0);
  constructor(
    private readonly creds: Creds,
    private readonly region: string,
    private readonly service = 'kms',
  ) {}

  /** Headers for a POST / with this body (a string is signed as UTF-8) and target. */
  sign(host: string, target: string, body: string | Uint8Array, now = new Date()): Record<string, string> {
    const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const day = amzDate.slice(0, 8);
    if (day !== this.#day) {
      this.#day = day;
      this.#key = hmac(hmac(hmac(hmac(`AWS4${this.creds.secretAccessKey}`, day), this.region), this.service), 'aws4_request');
    }
    const payloadHash = createHash('sha256').update(body).digest('hex');
    const canonical = `POST\n/\n\ncontent-type:application/x-amz-json-1.1\nhost:${host}\nx-amz-date:${amzDate}\nx-amz-target:${target}\n\ncontent-type;host;x-amz-date;x-amz-target\n${payloadHash}`;
    const scope = `${day}/${this.region}/${this.service}/aws4_request`;
    const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(canonical).digest('hex')}`;
    const signature = createHmac('sha256', this.#key).update(toSign).digest('hex');
    return {
      'content-type': 'application/x-amz-json-1.1',
      host,
      'x-amz-date': amzDate,
      'x-amz-target': target,
      authorization: `AWS4-HMAC-SHA256 Credential=${this.creds.accessKeyId}/${scope}, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=${signature}`,
    };
  }
}
