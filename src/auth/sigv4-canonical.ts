/**
 * The SigV4 canonical request and string to sign, computed from the request as it arrived.
 * Mirrors "Create a signed AWS API request"
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html)
 * and, where that page is silent, what the signers in the field do (@smithy/signature-v4,
 * botocore): both take the path as sent on the wire and encode it once more.
 */
import { hash } from 'node:crypto';

export type HeaderMap = Record<string, string | string[] | undefined>;

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const TERMINATOR = 'aws4_request';

/** One-shot `crypto.hash` (Node ≥ 20.12): no Hash object per call, about half the time of createHash for a request body. */
export const sha256Hex = (data: Uint8Array | string): string => hash('sha256', data, 'hex');

const utf8 = new TextEncoder();

/** "UriEncode()": every byte except the unreserved A-Z a-z 0-9 - . _ ~ becomes %XX, hex upper case. */
export function uriEncode(bytes: Uint8Array, keepSlash: boolean): string {
  let out = '';
  for (const b of bytes) {
    const unreserved =
      (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b === 0x2d || b === 0x2e || b === 0x5f || b === 0x7e;
    out += unreserved || (keepSlash && b === 0x2f) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const hexValue = (c: number) => (c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 0x37 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1);

/** %XX → byte; a '%' not followed by two hex digits stays a literal '%' (and is re-encoded as %25). */
function percentDecode(s: string): Uint8Array {
  const src = utf8.encode(s);
  const out = new Uint8Array(src.length);
  let n = 0;
  for (let i = 0; i < src.length; i++) {
    const b = src[i]!;
    if (b === 0x25 && i + 2 < src.length && hexValue(src[i + 1]!) >= 0 && hexValue(src[i + 2]!) >= 0) {
      out[n++] = hexValue(src[i + 1]!) * 16 + hexValue(src[i + 2]!);
      i += 2;
    } else {
      out[n++] = b;
    }
  }
  return out.subarray(0, n);
}

export function splitTarget(rawPath: string): { path: string; query: string } {
  const q = rawPath.indexOf('?');
  return q < 0 ? { path: rawPath, query: '' } : { path: rawPath.slice(0, q), query: rawPath.slice(q + 1) };
}

/**
 * "Normalize URI paths according to RFC 3986. Remove redundant and relative path components.
 * Each path segment must be URI-encoded twice (except for Amazon S3 which only gets URI-encoded
 * once)." The wire path is already encoded once, so it is normalized as sent and encoded once
 * more: '/a%20b' → '/a%2520b', exactly what the client-side signers compute.
 */
export function canonicalUri(path: string): string {
  // Every JSON-protocol call (KMS, STS's POST form) is a POST to '/'.
  if (path === '/') return '/';
  const segments: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') segments.pop();
    else segments.push(seg);
  }
  const normalized = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  return normalized === '' ? '/' : uriEncode(utf8.encode(normalized), true);
}

/**
 * "Sort the parameter names by character code point in ascending order. Parameters with
 * duplicate names should be sorted by value. … URI-encode each parameter name and value …
 * a parameter without a value gets an empty one." Names and values are decoded from the wire
 * first so that each is encoded exactly once, the AWS way ('+' stays a literal plus).
 */
export function canonicalQuery(query: string): string {
  if (query === '') return '';
  const pairs: [string, string][] = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    pairs.push([uriEncode(percentDecode(name), false), uriEncode(percentDecode(value), false)]);
  }
  // Encoded strings are ASCII, so code-unit order is byte order.
  pairs.sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([n, v]) => `${n}=${v}`).join('&');
}

/** Query parameter names as decoded text, to see whether query-string auth was attempted. */
export function queryNames(query: string): string[] {
  if (query === '') return [];
  return query
    .split('&')
    .filter((p) => p !== '')
    .map((p) => Buffer.from(percentDecode(p.includes('=') ? p.slice(0, p.indexOf('=')) : p)).toString('utf8'));
}

/** "Trim(): remove any leading or trailing whitespace" and convert sequential spaces to one. */
const trimAll = (v: string) => v.replace(/[ \t\r\n]+/g, ' ').replace(/^ | $/g, '');

/** The header the client signed as `name`, or undefined when the request lacks it. */
export function signedHeaderValue(headers: HeaderMap, name: string): string | undefined {
  // HTTP/2 carries the host as ':authority'; AWS accepts either as the signed 'host'.
  const raw = headers[name] ?? (name === 'host' ? headers[':authority'] : undefined);
  if (raw === undefined) return undefined;
  // "If there are duplicate headers, the values are comma-separated": pass each value as an
  // array element (Node's `headersDistinct`) to get AWS's ','; a string is one value.
  return Array.isArray(raw) ? raw.map(trimAll).join(',') : trimAll(raw);
}

export interface CanonicalInput {
  method: string;
  rawPath: string;
  headers: HeaderMap;
  /** Lower-case names in the order the client listed them in SignedHeaders. */
  signedHeaders: readonly string[];
  payloadHash: string;
}

/** Undefined when a signed header is missing from the request: nothing the client signed can match. */
export function canonicalRequest(input: CanonicalInput): string | undefined {
  const { path, query } = splitTarget(input.rawPath);
  let lines = '';
  for (const name of input.signedHeaders) {
    const value = signedHeaderValue(input.headers, name);
    if (value === undefined) return undefined;
    lines += `${name}:${value}\n`;
  }
  return [input.method, canonicalUri(path), canonicalQuery(query), lines, input.signedHeaders.join(';'), input.payloadHash].join('\n');
}

export const credentialScope = (date: string, region: string, service: string) => `${date}/${region}/${service}/${TERMINATOR}`;

export const stringToSign = (amzDate: string, scope: string, canonical: string) => `${ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
