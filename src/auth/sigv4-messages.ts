/**
 * AWS's own texts for SigV4 failures, kept in one place so the verifier and its tests agree.
 *
 * Where each text comes from (observed AWS responses, not guesses, unless marked "Trent's own"):
 * - Coral JSON services (DynamoDB, as recorded by mhart/dynalite's index.js): the order of the
 *   checks, "Request … Authentication Token", the "Authorization header requires '…' parameter."
 *   fragments, "Date must be in ISO-8601 'basic format'…", "Unsupported AWS 'algorithm'…",
 *   "Credential must have exactly 5 slash-delimited elements…", the joined scope fragments and
 *   "Found both 'X-Amz-Algorithm'…".
 * - JSON 1.1 services today: `{"__type":"InvalidSignatureException","message":"Credential should
 *   be scoped to correct service: 'sagemaker'. "}` (smithy4s#1568, AWS.jl#334, aws-sdk-ruby#431)
 *   and "Credential should be scoped to a valid region. " (a 2024+ STS probe; a JSON 1.1 service
 *   answering InvalidSignatureException): each fragment ends in ". " — the space is AWS's.
 * - Secrets Manager (JSON 1.1, aws-sdk-cpp#2466): "Missing Authentication Token".
 * - AWS today hashes the Authorization header instead of echoing it (Bedrock 2026, API Gateway):
 *   "… parameter. (Hashed with SHA-256 and encoded with Base64) Authorization=<base64>".
 * - "Signature expired: … is now earlier than … (… - 5 min.)" and "Signature not yet current: …
 *   is still later than … (… + 5 min.)": CodeDeploy/Serverless reports; the troubleshooting page
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-troubleshooting.html names
 *   both, and the date-scope text "Date in Credential scope does not match YYYYMMDD from
 *   ISO-8601 version of date from HTTP" (the "'a' != 'b', from 'c'." tail: requests-aws4auth#7).
 */
import { createHash } from 'node:crypto';

/** AWS hides the header it could not parse behind its SHA-256, so a reply never reflects it. */
const hashed = (authorization: string) => createHash('sha256').update(authorization, 'utf8').digest('base64');

export const msg = {
  missingToken: 'Missing Authentication Token',
  bothAuthForms: "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
  requiresParameter: (name: 'Credential' | 'Signature' | 'SignedHeaders') => `Authorization header requires '${name}' parameter. `,
  requiresDate: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ",
  authorizationDigest: (authorization: string) => `(Hashed with SHA-256 and encoded with Base64) Authorization=${hashed(authorization)}`,
  missingEqualSign: (authorization: string) =>
    `Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '${hashed(authorization)}'.`,
  /** Trent's own: AWS's reply to a repeated parameter is not on record; we refuse the ambiguity. */
  duplicateParameter: (name: string, authorization: string) =>
    `Authorization header has more than one '${name}' parameter. (Hashed with SHA-256 and encoded with Base64) Authorization=${hashed(authorization)}`,
  /** Trent's own: Node drops a repeated Authorization header; a caller passing several gets this. */
  repeatedAuthorization: 'Authorization header must appear exactly once.',
  badDate: (value: string) => `Date must be in ISO-8601 'basic format'. Got '${value}'. See http://en.wikipedia.org/wiki/ISO_8601`,
  expired: (request: string, earliest: string, now: string, skew: string) =>
    `Signature expired: ${request} is now earlier than ${earliest} (${now} - ${skew}.)`,
  notYetCurrent: (request: string, latest: string, now: string, skew: string) =>
    `Signature not yet current: ${request} is still later than ${latest} (${now} + ${skew}.)`,
  hostNotSigned: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
  /** Same shape as AWS's Host text; AWS's exact wording for an unsigned date header is not on record. */
  dateNotSigned: (header: 'X-Amz-Date' | 'Date') => `'${header}' must be a 'SignedHeader' in the AWS Authorization.`,
  /**
   * S3's text for the same refusal ("There were headers present in the request which were not
   * signed", with a HeadersNotSigned element); here the names follow in the message itself.
   */
  headersNotSigned: (names: readonly string[]) => `There were headers present in the request which were not signed: ${names.join(', ')}. Content-Type and every x-amz-* header must be in SignedHeaders.`,
  unsupportedAlgorithm: (algorithm: string) => `Unsupported AWS 'algorithm': '${algorithm}' (only AWS4-HMAC-SHA256 for now). `,
  credentialShape: (credential: string) =>
    `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`,
  wrongRegion: 'Credential should be scoped to a valid region. ',
  wrongService: (service: string) => `Credential should be scoped to correct service: '${service}'. `,
  wrongTerminator: (term: string) => `Credential should be scoped with a valid terminator: 'aws4_request', not '${term}'. `,
  wrongScopeDate: (scopeDate: string, requestDay: string, requestTime: string) =>
    `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${requestDay}', from '${requestTime}'.`,
  invalidToken: 'The security token included in the request is invalid.',
  expiredToken: 'The security token included in the request is expired',
  mismatch:
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
} as const;
