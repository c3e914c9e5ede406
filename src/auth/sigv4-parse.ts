/** Reading the SigV4 Authorization header and the request timestamp, as AWS reads them. */
import { IncompleteSignatureException } from '../shared/errors.ts';
import { msg } from './sigv4-messages.ts';

export interface AuthorizationParts {
  algorithm: string;
  credential?: string;
  signedHeaders?: string;
  signature?: string;
}

const PARAMS = ['Credential', 'SignedHeaders', 'Signature'] as const;

/**
 * `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`. Parameters are separated by
 * commas and/or spaces (no value can contain either); unknown parameters are ignored, as AWS does.
 */
export function parseAuthorization(authorization: string): AuthorizationParts {
  const text = authorization.trim();
  const space = text.search(/\s/);
  const algorithm = space < 0 ? text : text.slice(0, space);
  const found: Partial<Record<(typeof PARAMS)[number], string>> = {};
  for (const piece of (space < 0 ? '' : text.slice(space)).split(/[\s,]+/)) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    if (eq <= 0) throw new IncompleteSignatureException(msg.missingEqualSign(authorization));
    const name = piece.slice(0, eq);
    if (!(PARAMS as readonly string[]).includes(name)) continue;
    const key = name as (typeof PARAMS)[number];
    if (found[key] !== undefined) throw new IncompleteSignatureException(msg.duplicateParameter(name, authorization));
    found[key] = piece.slice(eq + 1);
  }
  return {
    algorithm,
    ...(found.Credential ? { credential: found.Credential } : {}),
    // An empty SignedHeaders is "present" here and fails the Host check later, as on AWS.
    ...(found.SignedHeaders !== undefined ? { signedHeaders: found.SignedHeaders } : {}),
    ...(found.Signature ? { signature: found.Signature } : {}),
  };
}

/** ISO 8601 basic format, the only form X-Amz-Date may take: 20150830T123600Z. */
export function parseAmzDate(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  return m ? utc(m.slice(1).map(Number)) : undefined;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * The Date header: RFC 7231's IMF-fixdate, or the RFC 2822 form botocore sends
 * ("Sun, 30 Aug 2015 12:36:00 -0000"), or ISO 8601 basic. Seconds precision, like the signers.
 */
export function parseHttpDate(value: string): number | undefined {
  const basic = parseAmzDate(value);
  if (basic !== undefined) return basic;
  const m = /^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) (GMT|UTC|UT|Z|[+-]\d{4})$/.exec(value);
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[2]!) + 1;
  if (month === 0) return undefined;
  const at = utc([Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])]);
  if (at === undefined) return undefined;
  const zone = m[7]!;
  if (!/^[+-]/.test(zone)) return at;
  const offsetMin = (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5))) * (zone.startsWith('-') ? -1 : 1);
  return at - offsetMin * 60_000;
}

/** Milliseconds since the epoch, or undefined for an impossible date such as 20150230. */
function utc([y, mo, d, h, mi, s]: number[]): number | undefined {
  const t = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
  const back = new Date(t);
  const same =
    back.getUTCFullYear() === y && back.getUTCMonth() === mo! - 1 && back.getUTCDate() === d && back.getUTCHours() === h && back.getUTCMinutes() === mi && back.getUTCSeconds() === s;
  return same ? t : undefined;
}

/** 20150830T123600Z, truncated to the second. */
export const formatAmzDate = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
