/**
 * The JSON 1.1 wire format: blobs as base64 strings, timestamps as epoch seconds.
 * Only server/ knows it.
 */
import { DependencyTimeoutException, KmsError, KMSInternalException } from '../shared/errors.ts';

export function toWire(v: unknown): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.length).toString('base64');
  if (v instanceof Date) return v.getTime() / 1000;
  if (Array.isArray(v)) return v.map(toWire);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v)) if (val !== undefined) out[k] = toWire(val);
    return out;
  }
  return v;
}

/** Encodes a response body and zeroes the plaintext buffers it carried. */
export function encodeResponse(out: Record<string, unknown>): Buffer {
  const body = Buffer.from(JSON.stringify(toWire(out)), 'utf8');
  for (const v of Object.values(out)) if (v instanceof Uint8Array) v.fill(0);
  return body;
}

export function errorBody(e: KmsError): Buffer {
  return Buffer.from(JSON.stringify({ __type: e.code, message: e.message }), 'utf8');
}

export function asKmsError(e: unknown): { error: KmsError; internal: boolean } {
  if (e instanceof KmsError) return { error: e, internal: false };
  // The store could not be reached: the request is not acknowledged (a multi-row change is all
  // or nothing); the client may retry. A store that did not answer in time is AWS's
  // DependencyTimeoutException ("The system timed out while trying to fulfill the request. You
  // can retry the request.", KMS API reference; HTTP 503 in the SDK's model).
  const unavailable = e as { code?: unknown; timedOut?: unknown } | null;
  if (unavailable?.code === 'STORE_UNAVAILABLE') {
    if (unavailable.timedOut === true) return { error: new DependencyTimeoutException('The system timed out while trying to fulfill the request. You can retry the request.'), internal: true };
    return { error: new KMSInternalException('The key store is unavailable. Please try again.'), internal: true };
  }
  return { error: new KMSInternalException(), internal: true };
}
