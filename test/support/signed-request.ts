/** Raw signed HTTP requests to Trent, for wire-level tests (signed with the AWS SDK's own signer). */
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { readFileSync } from 'node:fs';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { TEST_ACCESS_KEY_ID, TEST_SECRET } from './trent.ts';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): { __type?: string; message?: string; [k: string]: unknown };
}

export async function rawRequest(url: string, caPath: string | undefined, o: { headers: Record<string, string>; body: Buffer | string; method?: string; path?: string }): Promise<RawResponse> {
  const u = new URL(url);
  const body = typeof o.body === 'string' ? Buffer.from(o.body) : o.body;
  const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)({
    hostname: u.hostname,
    port: u.port,
    path: o.path ?? '/',
    method: o.method ?? 'POST',
    headers: { ...o.headers, 'content-length': String(body.length) },
    ...(caPath ? { ca: readFileSync(caPath) } : {}),
  });
  return new Promise((resolve, reject) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json: () => JSON.parse(text) });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

export interface SignOptions {
  region?: string;
  accessKeyId?: string;
  secret?: string;
  extraHeaders?: Record<string, string>;
  signingDate?: Date;
  /** The SigV4 service (default `kms`). */
  service?: string;
  /** Default `application/x-amz-json-1.1`. */
  contentType?: string;
  /** Headers sent but left out of SignedHeaders (the SDK signer's `unsignableHeaders`). */
  unsigned?: readonly string[];
}

/**
 * The headers of a request to Trent's endpoint signed by the SDK's own signer: a KMS JSON 1.1
 * call when `target` names an operation (`TrentService.<target>`), no X-Amz-Target when it is ''.
 */
export async function signedHeaders(url: string, target: string, body: Buffer, o: SignOptions = {}): Promise<Record<string, string>> {
  const u = new URL(url);
  const signer = new SignatureV4({
    credentials: { accessKeyId: o.accessKeyId ?? TEST_ACCESS_KEY_ID, secretAccessKey: o.secret ?? TEST_SECRET },
    region: o.region ?? 'us-east-1',
    service: o.service ?? 'kms',
    sha256: Sha256,
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: u.protocol,
      hostname: u.hostname,
      port: Number(u.port),
      path: '/',
      headers: {
        host: u.host,
        'content-type': o.contentType ?? 'application/x-amz-json-1.1',
        ...(target ? { 'x-amz-target': `TrentService.${target}` } : {}),
        ...o.extraHeaders,
      },
      body,
    },
    { ...(o.signingDate ? { signingDate: o.signingDate } : {}), ...(o.unsigned ? { unsignableHeaders: new Set(o.unsigned) } : {}) },
  );
  return signed.headers as Record<string, string>;
}

/** Signs a KMS JSON 1.1 request the way the SDK does, then sends it raw. */
export async function signedKmsRequest(url: string, caPath: string | undefined, target: string, body: Buffer | string, o: SignOptions = {}): Promise<RawResponse> {
  const buf = typeof body === 'string' ? Buffer.from(body) : body;
  return rawRequest(url, caPath, { headers: await signedHeaders(url, target, buf, o), body: buf });
}

/** Calls STS (Query protocol) on Trent's endpoint, signed for service `sts`. */
export async function stsRequest(url: string, caPath: string | undefined, params: Record<string, string>, creds: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, region = 'us-east-1'): Promise<RawResponse> {
  const u = new URL(url);
  const body = Buffer.from(new URLSearchParams({ Version: '2011-06-15', ...params }).toString());
  const signer = new SignatureV4({ credentials: creds, region, service: 'sts', sha256: Sha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: u.protocol,
    hostname: u.hostname,
    port: Number(u.port),
    path: '/',
    headers: { host: u.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body,
  });
  return rawRequest(url, caPath, { headers: signed.headers as Record<string, string>, body });
}

/** AssumeRole through Trent's STS; returns SDK-ready temporary credentials. */
export async function assumeRole(url: string, caPath: string | undefined, creds: { accessKeyId: string; secretAccessKey: string }, roleArn: string, session: string) {
  const r = await stsRequest(url, caPath, { Action: 'AssumeRole', RoleArn: roleArn, RoleSessionName: session }, creds);
  if (r.status !== 200) throw new Error(`AssumeRole ${roleArn}: ${r.status} ${r.body}`);
  const tag = (t: string) => new RegExp(`<${t}>([^<]*)</${t}>`).exec(r.body)?.[1] ?? '';
  return { accessKeyId: tag('AccessKeyId'), secretAccessKey: tag('SecretAccessKey'), sessionToken: tag('SessionToken'), arn: tag('Arn') };
}
