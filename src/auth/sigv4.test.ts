/**
 * SigV4 verification: AWS's published known answers, a differential run against the signer the
 * AWS SDK for JavaScript uses (@smithy/signature-v4), and AWS's exact error texts.
 */
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import {
  ExpiredTokenException,
  IncompleteSignatureException,
  InvalidSignatureException,
  MissingAuthenticationTokenException,
  UnrecognizedClientException,
  type KmsError,
} from '../shared/errors.ts';
import { canonicalRequest, credentialScope, sha256Hex, stringToSign } from './sigv4-canonical.ts';
import { SigningKeyCache, deriveSigningKey, verifySigV4, type SecretRecord, type SignedRequest, type VerifyOptions } from './sigv4.ts';

const vectors = (name: string) => JSON.parse(readFileSync(new URL(`../../test/vectors/sigv4/${name}`, import.meta.url), 'utf8'));
const utf8 = (s: string) => new TextEncoder().encode(s);
const b64sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('base64');
const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const INVALID_TOKEN = 'The security token included in the request is invalid.';

type ErrorClass = abstract new (...args: never[]) => KmsError;
async function rejectsWith(p: Promise<unknown>, cls: ErrorClass, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
    assert.equal((e as Error).message, message);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// 1. Known answers
// ---------------------------------------------------------------------------------------------

test('AWS SigV4 test suite: every case verifies and canonicalizes to the published strings', async () => {
  const suite = vectors('aws-test-suite.json');
  assert.ok(suite.cases.length >= 28);
  for (const c of suite.cases) {
    const req: SignedRequest = { ...c.request, body: utf8(c.request.body) };
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(c.request.headers.authorization)![1]!.split(';');
    const canonical = canonicalRequest({ method: req.method, rawPath: req.rawPath, headers: req.headers, signedHeaders, payloadHash: sha256Hex(req.body) });
    assert.equal(canonical, c.canonicalRequest, c.name);
    assert.equal(stringToSign('20150830T123600Z', credentialScope('20150830', suite.region, suite.service), canonical!), c.stringToSign, c.name);
    const record: SecretRecord = { secretAccessKey: suite.credentials.secretAccessKey, ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}) };
    const v = await verifySigV4(req, { now: new Date(suite.now), region: suite.region, service: suite.service, lookup: () => record });
    assert.equal(v.accessKeyId, suite.credentials.accessKeyId, c.name);
  }
});

test('AWS docs: derived signing keys', () => {
  for (const k of vectors('aws-docs-examples.json').signingKeys) {
    assert.equal(deriveSigningKey(k.secretAccessKey, k.date, k.region, k.service).toString('hex'), k.kSigning, k.name);
  }
});

test('AWS docs: the IAM ListUsers request verifies at 20150830T123600Z and not with another secret', async () => {
  for (const r of vectors('aws-docs-examples.json').requests) {
    const req: SignedRequest = { ...r.request, body: utf8(r.request.body) };
    const opts: VerifyOptions = { now: new Date(r.now), region: r.region, service: r.service, lookup: () => r.credentials };
    const canonical = canonicalRequest({ method: req.method, rawPath: req.rawPath, headers: req.headers, signedHeaders: ['content-type', 'host', 'x-amz-date'], payloadHash: sha256Hex(req.body) })!;
    assert.equal(canonical, r.canonicalRequest);
    assert.equal(sha256Hex(canonical), r.canonicalRequestHash);
    const v = await verifySigV4(req, opts);
    assert.deepEqual(v, { accessKeyId: 'AKIDEXAMPLE', region: 'us-east-1', service: 'iam', signedHeaders: ['content-type', 'host', 'x-amz-date'], signedAt: new Date(r.now) });
    await rejectsWith(verifySigV4(req, { ...opts, lookup: () => ({ secretAccessKey: 'not-the-secret' }) }), InvalidSignatureException, MISMATCH);
  }
});

// ---------------------------------------------------------------------------------------------
// 2. Differential: whatever @smithy/signature-v4 signs, we accept; one mutation and we refuse.
// ---------------------------------------------------------------------------------------------

/** How the SDK puts a path segment or query component on the wire (smithy's escapeUri). */
const wire = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const token = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split('')), minLength: 1, maxLength: 10 });
const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 24 });
const anyText = fc.string({ unit: 'grapheme', maxLength: 12 });
const generated = fc.record({
  region: fc.oneof(fc.constantFrom('us-east-1', 'eu-west-1', 'ap-southeast-2'), fc.tuple(token, token).map(([a, b]) => `${a}-${b}-1`)),
  service: fc.constantFrom('kms', 'sts'),
  accessKeyId: fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'.split('')), minLength: 16, maxLength: 20 }).map((s) => `AKIA${s}`),
  secret: fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 40 }),
  sessionToken: fc.option(fc.base64String({ minLength: 4, maxLength: 64 }), { nil: undefined }),
  segments: fc.array(fc.oneof(anyText, fc.constantFrom('.', '..', '')), { maxLength: 4 }),
  trailingSlash: fc.boolean(),
  // Not `__proto__`: @smithy/signature-v4 collects the canonical query in a plain object, where
  // that name sets the prototype, so the SDK signs without the parameter it then sends.
  query: fc.dictionary(anyText.filter((k) => k !== '' && k !== '__proto__' && k.toLowerCase() !== 'x-amz-signature' && k !== 'X-Amz-Algorithm'), anyText, { maxKeys: 3 }),
  extraHeaders: fc.dictionary(token.map((t) => `x-t-${t}`), printable, { maxKeys: 3 }),
  body: fc.uint8Array({ maxLength: 64 }),
  nowIndex: fc.constantFrom(0, 1),
  offsetSec: fc.integer({ min: -240, max: 240 }),
});

test('differential: requests signed by @smithy/signature-v4 verify, and each single mutation is refused', async () => {
  const nows = [Date.parse('2024-06-01T12:00:00Z'), Date.parse('2024-06-01T00:01:00Z')]; // the second straddles midnight
  await fc.assert(
    fc.asyncProperty(generated, async (g) => {
      const now = new Date(nows[g.nowIndex]!);
      const signingDate = new Date(now.getTime() + g.offsetSec * 1000);
      const host = `${g.service}.${g.region}.amazonaws.com`;
      const path = `/${g.segments.map(wire).join('/')}${g.trailingSlash && g.segments.length > 0 ? '/' : ''}`;
      const signer = new SignatureV4({
        credentials: { accessKeyId: g.accessKeyId, secretAccessKey: g.secret, ...(g.sessionToken ? { sessionToken: g.sessionToken } : {}) },
        region: g.region,
        service: g.service,
        sha256: Sha256,
      });
      const signed = await signer.sign(
        {
          method: 'POST',
          protocol: 'https:',
          hostname: host,
          path,
          query: g.query,
          headers: { host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.Encrypt', ...g.extraHeaders },
          body: g.body,
        },
        { signingDate },
      );
      const headers = Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
      const qs = Object.entries(g.query).map(([k, v]) => `${wire(k)}=${wire(v)}`).join('&');
      const req: SignedRequest = { method: 'POST', rawPath: qs ? `${path}?${qs}` : path, headers, body: g.body };
      const record: SecretRecord = { secretAccessKey: g.secret, ...(g.sessionToken ? { sessionToken: g.sessionToken, expiresAt: new Date(now.getTime() + 3_600_000) } : {}) };
      const opts: VerifyOptions = { now, region: g.region, service: g.service, lookup: (id) => (id === g.accessKeyId ? record : undefined) };

      const v = await verifySigV4(req, opts);
      assert.equal(v.accessKeyId, g.accessKeyId);
      assert.equal(v.sessionToken, g.sessionToken);

      const flipped = g.body.length > 0 ? Uint8Array.from(g.body, (b, i) => (i === 0 ? b ^ 1 : b)) : Uint8Array.of(0);
      await rejectsWith(verifySigV4({ ...req, body: flipped }, opts), InvalidSignatureException, MISMATCH);
      await rejectsWith(verifySigV4({ ...req, headers: { ...headers, 'x-amz-target': 'TrentService.Decrypt' } }, opts), InvalidSignatureException, MISMATCH);
      const { 'x-amz-target': _dropped, ...withoutTarget } = headers;
      await rejectsWith(verifySigV4({ ...req, headers: withoutTarget }, opts), InvalidSignatureException, MISMATCH);
      await rejectsWith(verifySigV4(req, { ...opts, lookup: () => ({ ...record, secretAccessKey: `${g.secret}x` }) }), InvalidSignatureException, MISMATCH);
      await rejectsWith(verifySigV4(req, { ...opts, region: `${g.region}x` }), InvalidSignatureException, 'Credential should be scoped to a valid region. ');
      const other = g.service === 'kms' ? 'sts' : 'kms';
      await rejectsWith(verifySigV4(req, { ...opts, service: other }), InvalidSignatureException, `Credential should be scoped to correct service: '${other}'. `);

      const at = headers['x-amz-date']!;
      const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
      const late = signingDate.getTime() + 6 * 60_000;
      await rejectsWith(
        verifySigV4(req, { ...opts, now: new Date(late) }),
        InvalidSignatureException,
        `Signature expired: ${at} is now earlier than ${stamp(late - 300_000)} (${stamp(late)} - 5 min.)`,
      );
      const early = signingDate.getTime() - 6 * 60_000;
      await rejectsWith(
        verifySigV4(req, { ...opts, now: new Date(early) }),
        InvalidSignatureException,
        `Signature not yet current: ${at} is still later than ${stamp(early + 300_000)} (${stamp(early)} + 5 min.)`,
      );
      if (g.sessionToken) {
        const { 'x-amz-security-token': _token, ...withoutToken } = headers;
        // The token is signed, so dropping it breaks the signature before the token check is reached.
        await rejectsWith(verifySigV4({ ...req, headers: withoutToken }, opts), InvalidSignatureException, MISMATCH);
        await rejectsWith(verifySigV4(req, { ...opts, lookup: () => ({ ...record, expiresAt: now }) }), ExpiredTokenException, 'The security token included in the request is expired');
      }
    }),
    { numRuns: 150 },
  );
});

// ---------------------------------------------------------------------------------------------
// 3. Exact error classes and messages
// ---------------------------------------------------------------------------------------------

const NOW = new Date('2015-08-30T12:36:00Z');
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const HOST = 'kms.us-east-1.amazonaws.com';

interface Shape {
  headers?: Record<string, string | string[] | undefined>;
  signedHeaders?: string[];
  rawPath?: string;
  body?: string;
  algorithm?: string;
  credential?: string;
  secret?: string;
  /** The timestamp as the string to sign carries it. */
  signedAt?: string;
}

/** A request signed by our own canonicalization (itself pinned by the vectors above). */
function signed(shape: Shape = {}): SignedRequest {
  const headers: Record<string, string | string[] | undefined> = {
    host: HOST,
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': 'TrentService.ListKeys',
    'x-amz-date': '20150830T123600Z',
    ...shape.headers,
  };
  const signedHeaders = shape.signedHeaders ?? ['content-type', 'host', 'x-amz-date', 'x-amz-target'];
  const body = utf8(shape.body ?? '{}');
  const rawPath = shape.rawPath ?? '/';
  const canonical = canonicalRequest({ method: 'POST', rawPath, headers, signedHeaders: signedHeaders.filter((h) => headers[h] !== undefined), payloadHash: sha256Hex(body) })!;
  const scope = credentialScope('20150830', 'us-east-1', 'kms');
  const sig = hmacHex(deriveSigningKey(shape.secret ?? SECRET, '20150830', 'us-east-1', 'kms'), stringToSign(shape.signedAt ?? '20150830T123600Z', scope, canonical));
  const authorization = `${shape.algorithm ?? 'AWS4-HMAC-SHA256'} Credential=${shape.credential ?? `AKIDEXAMPLE/${scope}`}, SignedHeaders=${signedHeaders.join(';')}, Signature=${sig}`;
  return { method: 'POST', rawPath, headers: { ...headers, authorization }, body };
}

const hmacHex = (key: Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest('hex');

const records: Record<string, SecretRecord> = {
  AKIDEXAMPLE: { secretAccessKey: SECRET },
  ASIATEMP: { secretAccessKey: SECRET, sessionToken: 'session-token-1', expiresAt: new Date('2015-08-30T13:00:00Z') },
};
const OPTS: VerifyOptions = { now: NOW, region: 'us-east-1', service: 'kms', lookup: (id) => records[id] };
const verify = (req: SignedRequest, opts: Partial<VerifyOptions> = {}) => verifySigV4(req, { ...OPTS, ...opts });
const withAuth = (authorization: string | string[] | undefined, extra: Record<string, string | undefined> = {}): SignedRequest => {
  const base = signed();
  return { ...base, headers: { ...base.headers, authorization, ...extra } };
};

test('the baseline request verifies', async () => {
  const v = await verify(signed());
  assert.deepEqual(v, { accessKeyId: 'AKIDEXAMPLE', region: 'us-east-1', service: 'kms', signedHeaders: ['content-type', 'host', 'x-amz-date', 'x-amz-target'], signedAt: NOW });
});

test('no usable token: MissingAuthenticationTokenException "Missing Authentication Token"', async () => {
  for (const auth of [undefined, '', 'Bearer abc.def', 'Basic dXNlcjpwYXNz', 'AWS3-HTTPS AWSAccessKeyId=AKIDEXAMPLE,Algorithm=HmacSHA256,Signature=x']) {
    await rejectsWith(verify(withAuth(auth)), MissingAuthenticationTokenException, 'Missing Authentication Token');
  }
  // Query-string (presigned) auth is not offered.
  const query = '/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fkms%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Signature=00';
  await rejectsWith(verify({ ...withAuth(undefined), rawPath: query }), MissingAuthenticationTokenException, 'Missing Authentication Token');
  await rejectsWith(
    verify({ ...signed(), rawPath: '/?X-Amz-Algorithm=AWS4-HMAC-SHA256' }),
    InvalidSignatureException,
    "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
  );
});

test('incomplete Authorization header: IncompleteSignatureException naming every missing part, header hashed', async () => {
  const bare = 'AWS4-HMAC-SHA256';
  await rejectsWith(
    verify(withAuth(bare, { 'x-amz-date': undefined })),
    IncompleteSignatureException,
    "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
      "Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
      `(Hashed with SHA-256 and encoded with Base64) Authorization=${b64sha256(bare)}`,
  );
  const noSignature = 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date';
  await rejectsWith(
    verify(withAuth(noSignature)),
    IncompleteSignatureException,
    `Authorization header requires 'Signature' parameter. (Hashed with SHA-256 and encoded with Base64) Authorization=${b64sha256(noSignature)}`,
  );
  const noEquals = 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kms/aws4_request, SignedHeaders, Signature=00';
  await rejectsWith(
    verify(withAuth(noEquals)),
    IncompleteSignatureException,
    `Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '${b64sha256(noEquals)}'.`,
  );
  const twice = `${signed().headers.authorization as string}, Signature=00`;
  await rejectsWith(
    verify(withAuth(twice)),
    IncompleteSignatureException,
    `Authorization header has more than one 'Signature' parameter. (Hashed with SHA-256 and encoded with Base64) Authorization=${b64sha256(twice)}`,
  );
  await rejectsWith(verify(withAuth([bare, bare])), IncompleteSignatureException, 'Authorization header must appear exactly once.');
});

test("a timestamp not in ISO 8601 basic format: IncompleteSignatureException \"Date must be in ISO-8601 'basic format'…\"", async () => {
  for (const d of ['2015-08-30T12:36:00Z', '20150830T123600', '20150230T123600Z', '201']) {
    await rejectsWith(verify(signed({ headers: { 'x-amz-date': d } })), IncompleteSignatureException, `Date must be in ISO-8601 'basic format'. Got '${d}'. See http://en.wikipedia.org/wiki/ISO_8601`);
  }
});

test('clock skew: 5 minutes either way, AWS\'s "Signature expired" / "Signature not yet current" texts', async () => {
  await rejectsWith(
    verify(signed(), { now: new Date('2015-08-30T12:46:00Z') }),
    InvalidSignatureException,
    'Signature expired: 20150830T123600Z is now earlier than 20150830T124100Z (20150830T124600Z - 5 min.)',
  );
  await rejectsWith(
    verify(signed(), { now: new Date('2015-08-30T12:26:00Z') }),
    InvalidSignatureException,
    'Signature not yet current: 20150830T123600Z is still later than 20150830T123100Z (20150830T122600Z + 5 min.)',
  );
  await verify(signed(), { now: new Date('2015-08-30T12:41:00Z') });
  await verify(signed(), { now: new Date('2015-08-30T12:31:00Z') });
  await rejectsWith(verify(signed(), { now: new Date('2015-08-30T12:41:01Z') }), InvalidSignatureException, 'Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T124101Z - 5 min.)');
  await rejectsWith(
    verify(signed(), { now: new Date('2015-08-30T13:00:00Z'), maxSkewMs: 15 * 60_000 }),
    InvalidSignatureException,
    'Signature expired: 20150830T123600Z is now earlier than 20150830T124500Z (20150830T130000Z - 15 min.)',
  );
});

test('Host and the timestamp header must be signed', async () => {
  await rejectsWith(verify(signed({ signedHeaders: ['content-type', 'x-amz-date'] })), InvalidSignatureException, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  await rejectsWith(verify(signed({ signedHeaders: ['content-type', 'host'] })), InvalidSignatureException, "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.");
  const dated = { 'x-amz-date': undefined, date: 'Sun, 30 Aug 2015 12:36:00 GMT' };
  await rejectsWith(verify(signed({ headers: dated, signedHeaders: ['host'] })), InvalidSignatureException, "'Date' must be a 'SignedHeader' in the AWS Authorization.");
});

test('the Date header stands in for X-Amz-Date (IMF-fixdate, botocore\'s RFC 2822 form)', async () => {
  for (const date of ['Sun, 30 Aug 2015 12:36:00 GMT', 'Sun, 30 Aug 2015 12:36:00 -0000', '30 Aug 2015 14:36:00 +0200']) {
    const v = await verify(signed({ headers: { 'x-amz-date': undefined, date }, signedHeaders: ['content-type', 'date', 'host', 'x-amz-target'] }));
    assert.deepEqual(v.signedAt, NOW, date);
  }
  await rejectsWith(
    verify(signed({ headers: { 'x-amz-date': undefined, date: 'yesterday' }, signedHeaders: ['content-type', 'date', 'host', 'x-amz-target'] })),
    IncompleteSignatureException,
    "Date must be in ISO-8601 'basic format'. Got 'yesterday'. See http://en.wikipedia.org/wiki/ISO_8601",
  );
});

test("an algorithm other than AWS4-HMAC-SHA256: IncompleteSignatureException \"Unsupported AWS 'algorithm'…\"", async () => {
  for (const algorithm of ['AWS4-HMAC-SHA512', 'AWS4-ECDSA-P256-SHA256']) {
    await rejectsWith(verify(signed({ algorithm })), IncompleteSignatureException, `Unsupported AWS 'algorithm': '${algorithm}' (only AWS4-HMAC-SHA256 for now). `);
  }
});

test('credential scope: shape, then every wrong part named in one InvalidSignatureException', async () => {
  await rejectsWith(
    verify(signed({ credential: 'AKIDEXAMPLE/20150830/us-east-1/kms' })),
    IncompleteSignatureException,
    "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDEXAMPLE/20150830/us-east-1/kms'",
  );
  await rejectsWith(verify(signed({ credential: 'AKIDEXAMPLE/20150830/eu-west-1/kms/aws4_request' })), InvalidSignatureException, 'Credential should be scoped to a valid region. ');
  await rejectsWith(verify(signed({ credential: 'AKIDEXAMPLE/20150830/us-east-1/sts/aws4_request' })), InvalidSignatureException, "Credential should be scoped to correct service: 'kms'. ");
  await rejectsWith(
    verify(signed({ credential: 'AKIDEXAMPLE/20150829/us-east-1/kms/aws4_request' })),
    InvalidSignatureException,
    "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150829' != '20150830', from '20150830T123600Z'.",
  );
  await rejectsWith(
    verify(signed({ credential: 'AKIDEXAMPLE/20150829/eu-west-1/sts/aws5_request' })),
    InvalidSignatureException,
    "Credential should be scoped to a valid region. Credential should be scoped to correct service: 'kms'. " +
      "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. " +
      "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150829' != '20150830', from '20150830T123600Z'.",
  );
});

test('unknown access key: UnrecognizedClientException "The security token included in the request is invalid."', async () => {
  await rejectsWith(verify(signed({ credential: 'AKIDUNKNOWN/20150830/us-east-1/kms/aws4_request' })), UnrecognizedClientException, INVALID_TOKEN);
});

test('signature mismatches: wrong secret, altered signature, altered or missing signed header, foreign payload hash', async () => {
  await rejectsWith(verify(signed({ secret: `${SECRET}x` })), InvalidSignatureException, MISMATCH);
  const good = signed();
  const auth = good.headers.authorization as string;
  await rejectsWith(verify(withAuth(auth.replace(/.$/, (c) => (c === '0' ? '1' : '0')))), InvalidSignatureException, MISMATCH);
  await rejectsWith(verify(withAuth(auth.replace(/Signature=([0-9a-f]+)/, (_, s: string) => `Signature=${s.toUpperCase()}`))), InvalidSignatureException, MISMATCH);
  await rejectsWith(verify(withAuth(auth.replace(/Signature=([0-9a-f]+)/, (_, s: string) => `Signature=${s.slice(0, 63)}`))), InvalidSignatureException, MISMATCH);
  await rejectsWith(verify({ ...good, headers: { ...good.headers, 'x-amz-target': 'TrentService.Decrypt' } }), InvalidSignatureException, MISMATCH);
  await rejectsWith(verify({ ...good, headers: { ...good.headers, 'x-amz-target': undefined } }), InvalidSignatureException, MISMATCH);
  await rejectsWith(verify({ ...good, body: utf8('{ }') }), InvalidSignatureException, MISMATCH);
  await rejectsWith(verify({ ...good, rawPath: '/?a=b' }), InvalidSignatureException, MISMATCH);
  await rejectsWith(verify(signed({ headers: { 'x-amz-content-sha256': sha256Hex('other') } })), InvalidSignatureException, MISMATCH);
  await verify(signed({ headers: { 'x-amz-content-sha256': sha256Hex('{}') }, signedHeaders: ['content-type', 'host', 'x-amz-content-sha256', 'x-amz-date', 'x-amz-target'] }));
  // Unsigned, it is still held to the body's hash: it can only repeat what the signature covers.
  await verify(signed({ headers: { 'x-amz-content-sha256': sha256Hex('{}') } }));
  await rejectsWith(verify(signed({ headers: { 'x-amz-content-sha256': sha256Hex('other') } })), InvalidSignatureException, MISMATCH);
});

test('temporary credentials: the session token must come along, match, and not have expired', async () => {
  const temp = (token: string | undefined) =>
    signed({ credential: 'ASIATEMP/20150830/us-east-1/kms/aws4_request', headers: { 'x-amz-security-token': token }, signedHeaders: ['content-type', 'host', 'x-amz-date', 'x-amz-target', ...(token ? ['x-amz-security-token'] : [])] });
  const v = await verify(temp('session-token-1'));
  assert.equal(v.sessionToken, 'session-token-1');
  await rejectsWith(verify(temp(undefined)), UnrecognizedClientException, INVALID_TOKEN);
  await rejectsWith(verify(temp('session-token-2')), UnrecognizedClientException, INVALID_TOKEN);
  const expiringAt = (at: Date): Partial<VerifyOptions> => ({ lookup: () => ({ ...records.ASIATEMP!, expiresAt: at }) });
  await verify(temp('session-token-1'), expiringAt(new Date(NOW.getTime() + 1000)));
  await rejectsWith(verify(temp('session-token-1'), expiringAt(NOW)), ExpiredTokenException, 'The security token included in the request is expired');
  // A token sent with long-term credentials is one AWS cannot decode either.
  await rejectsWith(verify(signed({ headers: { 'x-amz-security-token': 'session-token-1' } })), UnrecognizedClientException, INVALID_TOKEN);
});

test('unsigned Content-Type or x-amz-* header: InvalidSignatureException naming them, before any secret is looked up', async () => {
  const lookedUp: string[] = [];
  const opts: Partial<VerifyOptions> = { lookup: (id) => (lookedUp.push(id), records[id]) };
  const text = (names: string) => `There were headers present in the request which were not signed: ${names}. Content-Type and every x-amz-* header must be in SignedHeaders.`;
  await rejectsWith(verify(signed({ signedHeaders: ['content-type', 'host', 'x-amz-date'] }), opts), InvalidSignatureException, text('x-amz-target'));
  await rejectsWith(verify(signed({ signedHeaders: ['host', 'x-amz-date', 'x-amz-target'] }), opts), InvalidSignatureException, text('content-type'));
  await rejectsWith(verify(signed({ signedHeaders: ['host', 'x-amz-date'] }), opts), InvalidSignatureException, text('content-type, x-amz-target'));
  await rejectsWith(verify(signed({ headers: { 'x-amz-user-agent': 'x' } }), opts), InvalidSignatureException, text('x-amz-user-agent'));
  // Sent after signing: a steering header cannot be added to a captured request either.
  const good = signed();
  await rejectsWith(verify({ ...good, headers: { ...good.headers, 'X-Amz-Meta': 'a' } }, opts), InvalidSignatureException, text('x-amz-meta'));
  assert.deepEqual(lookedUp, []);
  // What the SDKs leave unsigned on purpose stays free: User-Agent, X-Amzn-Trace-Id, hop-by-hop headers.
  await verify(signed({ headers: { 'user-agent': 'aws-cli/2', 'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272793', connection: 'keep-alive', expect: '100-continue' } }));
});

test('temporary credentials: the token may be added after signing (AWS test suite post-sts-header-after), and must still match', async () => {
  const base = signed({ credential: 'ASIATEMP/20150830/us-east-1/kms/aws4_request' });
  assert.equal((await verify({ ...base, headers: { ...base.headers, 'x-amz-security-token': 'session-token-1' } })).sessionToken, 'session-token-1');
  await rejectsWith(verify({ ...base, headers: { ...base.headers, 'x-amz-security-token': 'session-token-2' } }), UnrecognizedClientException, INVALID_TOKEN);
});

test('pure: no clock read, and the signing-key cache is used when given', async (t) => {
  t.mock.method(Date, 'now', () => {
    throw new Error('verifySigV4 read the clock');
  });
  const cache = new SigningKeyCache(4);
  await verify(signed(), { signingKeys: cache });
  await verify(signed(), { signingKeys: cache });
  assert.equal(cache.size, 1);
});

test('SigningKeyCache: same keys as derivation, one per (secret, day, region, service), least recently used evicted', () => {
  const cache = new SigningKeyCache(2);
  const a = cache.get(SECRET, '20150830', 'us-east-1', 'kms');
  assert.deepEqual(a, deriveSigningKey(SECRET, '20150830', 'us-east-1', 'kms'));
  assert.equal(cache.get(SECRET, '20150830', 'us-east-1', 'kms'), a);
  assert.notDeepEqual(cache.get('other', '20150830', 'us-east-1', 'kms'), a);
  assert.equal(cache.get(SECRET, '20150830', 'us-east-1', 'kms'), a); // refreshes a
  cache.get(SECRET, '20150831', 'us-east-1', 'kms'); // evicts 'other'
  assert.equal(cache.size, 2);
  assert.equal(cache.get(SECRET, '20150830', 'us-east-1', 'kms'), a);
  assert.throws(() => new SigningKeyCache(0), RangeError);
});

test('SigningKeyCache.getFor: a kept credential gets its key back by identity, per scope; a changed secret is a new credential', () => {
  const cache = new SigningKeyCache(4);
  const cred = { secretAccessKey: SECRET };
  const a = cache.getFor(cred, '20150830', 'us-east-1', 'kms');
  assert.deepEqual(a, deriveSigningKey(SECRET, '20150830', 'us-east-1', 'kms'));
  assert.equal(cache.getFor(cred, '20150830', 'us-east-1', 'kms'), a);
  // Another day, Region or service is another key, for the same credential object.
  assert.deepEqual(cache.getFor(cred, '20150831', 'us-east-1', 'kms'), deriveSigningKey(SECRET, '20150831', 'us-east-1', 'kms'));
  assert.deepEqual(cache.getFor(cred, '20150830', 'eu-west-1', 'kms'), deriveSigningKey(SECRET, '20150830', 'eu-west-1', 'kms'));
  assert.deepEqual(cache.getFor(cred, '20150830', 'us-east-1', 'kms'), a);
  // The credential store replaces its object when a secret changes: the new object derives from the new secret.
  const rotated = { secretAccessKey: 'another secret' };
  assert.deepEqual(cache.getFor(rotated, '20150830', 'us-east-1', 'kms'), deriveSigningKey('another secret', '20150830', 'us-east-1', 'kms'));
  cache.clear();
  assert.equal(cache.size, 0);
  assert.deepEqual(cache.getFor(cred, '20150830', 'us-east-1', 'kms'), a);
});
