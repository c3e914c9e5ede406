/**
 * AWS Signature Version 4 verification, header form only (`Authorization: AWS4-HMAC-SHA256 …`).
 *
 * Pure: time is `opts.now`, the only I/O is `opts.lookup`. The checks run in the order AWS's JSON
 * services run them (see sigv4-messages.ts for where each text was observed), so a client sees
 * the error it would see from AWS: header shape → date format → clock skew → Host, date and
 * the steering headers signed → algorithm → credential shape → credential scope → access key → signature → session token.
 */
import { timingSafeEqual, createHmac } from 'node:crypto';
import {
  ExpiredTokenException,
  IncompleteSignatureException,
  InvalidSignatureException,
  MissingAuthenticationTokenException,
  UnrecognizedClientException,
} from '../shared/errors.ts';
import {
  ALGORITHM,
  TERMINATOR,
  canonicalRequest,
  credentialScope,
  queryNames,
  sha256Hex,
  splitTarget,
  stringToSign,
  type HeaderMap,
} from './sigv4-canonical.ts';
import { sameSecret } from '../crypto/same-secret.ts';
import { msg } from './sigv4-messages.ts';
import { formatAmzDate, parseAmzDate, parseAuthorization, parseHttpDate } from './sigv4-parse.ts';
import { SigningKeyCache, deriveSigningKey } from './sigv4-signing-key.ts';

export { SigningKeyCache, deriveSigningKey } from './sigv4-signing-key.ts';

export interface SignedRequest {
  method: string;
  /** Request target as received, e.g. '/' or '/?a=b' (path + optional query). */
  rawPath: string;
  /**
   * Lower-case names, as node's IncomingMessage.headers. A repeated header should be an array
   * (node's `headersDistinct`): its values are then joined with ',' as AWS does, whereas node's
   * own ', '-joined string is taken as a single value.
   */
  headers: HeaderMap;
  body: Uint8Array;
}

export interface SecretRecord {
  secretAccessKey: string;
  sessionToken?: string;
  expiresAt?: Date;
}

export type SecretLookup = (accessKeyId: string) => Promise<SecretRecord | undefined> | SecretRecord | undefined;

export interface VerifyOptions {
  now: Date;
  /** The Region accepted in the credential scope, or a predicate for several (Verified.region says which). */
  region: string | ((region: string) => boolean);
  /** 'kms' or 'sts'. */
  service: string;
  lookup: SecretLookup;
  /** Allowed clock skew either way; default 5 minutes. */
  maxSkewMs?: number;
  /** Reuse derived signing keys across requests; without it every call derives afresh. */
  signingKeys?: SigningKeyCache;
}

export interface Verified {
  accessKeyId: string;
  region: string;
  service: string;
  /** Lower-case, in the client's order. */
  signedHeaders: string[];
  sessionToken?: string;
  /** The instant the client signed (X-Amz-Date, or Date). */
  signedAt: Date;
}

const DEFAULT_SKEW_MS = 5 * 60_000;

export async function verifySigV4(req: SignedRequest, opts: VerifyOptions): Promise<Verified> {
  const authorization = single(req.headers, 'authorization', true);
  const { query } = splitTarget(req.rawPath);
  const queryAuth = queryNames(query).includes('X-Amz-Algorithm');
  if (authorization !== undefined && queryAuth) throw new InvalidSignatureException(msg.bothAuthForms);
  // Query-string (presigned) auth is not offered: a request carrying only that has no token we take.
  // A header that is not AWS4-anything is likewise no token at all (AWS's Coral services agree).
  if (authorization === undefined || !authorization.trim().startsWith('AWS4-')) throw new MissingAuthenticationTokenException(msg.missingToken);

  const parts = parseAuthorization(authorization);
  const amzDate = single(req.headers, 'x-amz-date');
  const httpDate = amzDate === undefined ? single(req.headers, 'date') : undefined;
  let missing = '';
  if (parts.credential === undefined) missing += msg.requiresParameter('Credential');
  if (parts.signature === undefined) missing += msg.requiresParameter('Signature');
  if (parts.signedHeaders === undefined) missing += msg.requiresParameter('SignedHeaders');
  if (amzDate === undefined && httpDate === undefined) missing += msg.requiresDate;
  if (missing) throw new IncompleteSignatureException(missing + msg.authorizationDigest(authorization));
  const credential = parts.credential!;
  const signature = parts.signature!;

  const signedAtMs = amzDate !== undefined ? parseAmzDate(amzDate) : parseHttpDate(httpDate!);
  if (signedAtMs === undefined) throw new IncompleteSignatureException(msg.badDate((amzDate ?? httpDate)!));
  // parseAmzDate takes only the canonical form, so a parsed X-Amz-Date is already what formatting gives.
  const signedAt = amzDate ?? formatAmzDate(signedAtMs);
  checkSkew(signedAtMs, opts.now.getTime(), opts.maxSkewMs ?? DEFAULT_SKEW_MS);

  // SignedHeaders are matched case-insensitively; the canonical form is lower case.
  const signedHeaders = parts.signedHeaders!.split(';').map((h) => h.toLowerCase());
  if (!signedHeaders.includes('host') && !signedHeaders.includes(':authority')) throw new InvalidSignatureException(msg.hostNotSigned);
  if (amzDate !== undefined && !signedHeaders.includes('x-amz-date')) throw new InvalidSignatureException(msg.dateNotSigned('X-Amz-Date'));
  if (amzDate === undefined && !signedHeaders.includes('date')) throw new InvalidSignatureException(msg.dateNotSigned('Date'));
  const unsigned = unsignedSteeringHeaders(req.headers, signedHeaders);
  if (unsigned.length > 0) throw new InvalidSignatureException(msg.headersNotSigned(unsigned));

  if (parts.algorithm !== ALGORITHM) throw new IncompleteSignatureException(msg.unsupportedAlgorithm(parts.algorithm));

  // Java's split drops trailing empty elements, hence AWS ignores trailing slashes here.
  const elements = credential.split('/');
  while (elements.length > 0 && elements[elements.length - 1] === '') elements.pop();
  if (elements.length !== 5) throw new IncompleteSignatureException(msg.credentialShape(credential));
  const [accessKeyId, scopeDate, scopeRegion, scopeService, terminator] = elements as [string, string, string, string, string];
  let scopeErrors = '';
  if (typeof opts.region === 'string' ? scopeRegion !== opts.region : !opts.region(scopeRegion)) scopeErrors += msg.wrongRegion;
  if (scopeService !== opts.service) scopeErrors += msg.wrongService(opts.service);
  if (terminator !== TERMINATOR) scopeErrors += msg.wrongTerminator(terminator);
  if (scopeDate !== signedAt.slice(0, 8)) scopeErrors += msg.wrongScopeDate(scopeDate, signedAt.slice(0, 8), signedAt);
  if (scopeErrors) throw new InvalidSignatureException(scopeErrors);

  const record = await opts.lookup(accessKeyId);
  if (!record) throw new UnrecognizedClientException(msg.invalidToken);

  const payloadHash = sha256Hex(req.body);
  // Non-S3 services hash the body themselves; a differing x-amz-content-sha256 means the client
  // signed some other payload, which is the same failure as any other mismatch.
  const declared = single(req.headers, 'x-amz-content-sha256');
  if (declared !== undefined && declared.toLowerCase() !== payloadHash) throw new InvalidSignatureException(msg.mismatch);
  const canonical = canonicalRequest({ method: req.method, rawPath: req.rawPath, headers: req.headers, signedHeaders, payloadHash });
  if (canonical === undefined) throw new InvalidSignatureException(msg.mismatch);
  const key = opts.signingKeys?.getFor(record, scopeDate, scopeRegion, scopeService) ?? deriveSigningKey(record.secretAccessKey, scopeDate, scopeRegion, scopeService);
  const expected = createHmac('sha256', key).update(stringToSign(signedAt, credentialScope(scopeDate, scopeRegion, scopeService), canonical), 'utf8').digest('hex');
  if (!sameSignature(signature, expected)) throw new InvalidSignatureException(msg.mismatch);

  // Checked after the signature, as AWS does: only a caller who holds the secret learns more.
  const token = single(req.headers, 'x-amz-security-token');
  if (record.sessionToken !== undefined ? token === undefined || !sameSecret(token, record.sessionToken) : token !== undefined) {
    throw new UnrecognizedClientException(msg.invalidToken);
  }
  if (record.expiresAt !== undefined && record.expiresAt.getTime() <= opts.now.getTime()) throw new ExpiredTokenException(msg.expiredToken);

  return {
    accessKeyId,
    region: scopeRegion,
    service: scopeService,
    signedHeaders,
    ...(record.sessionToken !== undefined ? { sessionToken: record.sessionToken } : {}),
    signedAt: new Date(signedAtMs),
  };
}

/** "Signature expired: … is now earlier than …" / "Signature not yet current: … is still later than …". */
function checkSkew(signedAtMs: number, nowMs: number, skewMs: number): void {
  // The texts are built only for a refusal (three date formats per request showed in the profile).
  const skew = () => (skewMs % 60_000 === 0 ? `${skewMs / 60_000} min` : `${Math.round(skewMs / 1000)} sec`);
  if (signedAtMs < nowMs - skewMs) throw new InvalidSignatureException(msg.expired(formatAmzDate(signedAtMs), formatAmzDate(nowMs - skewMs), formatAmzDate(nowMs), skew()));
  if (signedAtMs > nowMs + skewMs) throw new InvalidSignatureException(msg.notYetCurrent(formatAmzDate(signedAtMs), formatAmzDate(nowMs + skewMs), formatAmzDate(nowMs), skew()));
}

/**
 * The headers present but left out of SignedHeaders that must not be: Content-Type (it says how
 * the body is read) and every `x-amz-*` header (X-Amz-Target picks the operation, and
 * X-Amz-Security-Token the session). AWS's signing guide: "If the Content-Type header is present
 * in the request, you must add it to the CanonicalHeaders list. Any x-amz-* headers that you plan
 * to include in your request must also be added." Unsigned, a captured request could be replayed
 * as another operation. `x-amzn-*` (X-Amzn-Trace-Id, left unsigned by botocore and the SDK v3 on
 * purpose) is another prefix and stays free, as do the headers the SDKs never sign (User-Agent,
 * Connection, …). Two carry nothing an attacker could choose and are exempt: X-Amz-Content-SHA256
 * (S3 takes it unsigned too; it must equal the body's hash anyway) and X-Amz-Security-Token (AWS:
 * "for other services, you add the X-Amz-Security-Token parameter at the end, after you calculate
 * the signature", its test suite's post-sts-header-after case; the token must still be exactly
 * the session's own, checked below).
 */
const UNSIGNED_ALLOWED = new Set(['x-amz-content-sha256', 'x-amz-security-token']);

function unsignedSteeringHeaders(headers: HeaderMap, signedHeaders: readonly string[]): string[] {
  const out: string[] = [];
  for (const name of Object.keys(headers)) {
    if (headers[name] === undefined) continue;
    const lower = name.toLowerCase();
    if (lower !== 'content-type' && !(lower.startsWith('x-amz-') && !UNSIGNED_ALLOWED.has(lower))) continue;
    if (!signedHeaders.includes(lower)) out.push(lower);
  }
  return out.sort();
}

/** One header value; a repeated one is joined (and then fails whatever format check follows). */
function single(headers: HeaderMap, name: string, mustBeOne = false): string | undefined {
  const v = headers[name];
  if (v === undefined || v === '') return undefined;
  if (!Array.isArray(v)) return v;
  if (v.length === 0) return undefined;
  if (v.length > 1 && mustBeOne) throw new IncompleteSignatureException(msg.repeatedAuthorization);
  return v.join(',');
}

/** Constant time over the 64 hex digits; a length difference is public and fails at once. */
function sameSignature(provided: string, expected: string): boolean {
  const a = Buffer.from(provided, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
