/**
 * Unsigned steering headers: X-Amz-Target picks the operation and Content-Type how the body is
 * read, so a request whose signature leaves either out could be replayed as another operation
 * (a captured DescribeKey sent again as DisableKey). Trent refuses such a request before it runs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateKeyCommand, DescribeKeyCommand } from '@aws-sdk/client-kms';
import { rawRequest, signedHeaders, type RawResponse } from '../support/signed-request.ts';
import { startTrent, type Harness } from '../support/trent.ts';

let h: Harness;
let keyId: string;
before(async () => {
  h = await startTrent();
  keyId = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
});
after(async () => {
  await h.stop();
});

/** A request signed by the SDK's own signer, leaving `unsigned` out of SignedHeaders. */
const signWithout = (target: string, body: string, unsigned: string[], service = 'kms', contentType = 'application/x-amz-json-1.1') =>
  signedHeaders(h.trent.url, target, Buffer.from(body), { unsigned, service, contentType });

const send = (headers: Record<string, string>, body: string) => rawRequest(h.trent.url, h.trent.caPath, { headers, body });

function refused(r: RawResponse, names: string) {
  assert.equal(r.status, 400, r.body);
  assert.equal(r.json().__type, 'InvalidSignatureException', r.body);
  assert.equal(r.json().message, `There were headers present in the request which were not signed: ${names}. Content-Type and every x-amz-* header must be in SignedHeaders.`);
}

async function keyState(): Promise<string | undefined> {
  return (await h.kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!.KeyState;
}

describe('steering headers must be signed', () => {
  test('X-Amz-Target left out of SignedHeaders: refused, and the key is unchanged', async () => {
    const body = JSON.stringify({ KeyId: keyId });
    const headers = await signWithout('DisableKey', body, ['x-amz-target']);
    assert.doesNotMatch(headers.authorization!, /x-amz-target/);
    refused(await send(headers, body), 'x-amz-target');
    assert.equal(await keyState(), 'Enabled');
  });

  test('Content-Type left out of SignedHeaders: refused', async () => {
    const body = JSON.stringify({ KeyId: keyId });
    refused(await send(await signWithout('DescribeKey', body, ['content-type']), body), 'content-type');
  });

  test('a DescribeKey signed over host;x-amz-date only, replayed as DisableKey: refused, the key stays enabled', async () => {
    const body = JSON.stringify({ KeyId: keyId });
    const captured = await signWithout('DescribeKey', body, ['x-amz-target', 'content-type']);
    assert.match(captured.authorization!, /SignedHeaders=host;(x-amz-content-sha256;)?x-amz-date,/);
    refused(await send(captured, body), 'content-type, x-amz-target');
    refused(await send({ ...captured, 'x-amz-target': 'TrentService.DisableKey' }, body), 'content-type, x-amz-target');
    assert.equal(await keyState(), 'Enabled');
  });

  test('a fully signed request cannot take on an x-amz-* header added after signing', async () => {
    const body = JSON.stringify({ KeyId: keyId });
    const headers = await signWithout('DescribeKey', body, []);
    assert.equal((await send(headers, body)).status, 200);
    refused(await send({ ...headers, 'x-amz-user-agent': 'injected' }, body), 'x-amz-user-agent');
    // What the SDKs deliberately leave unsigned is still accepted.
    assert.equal((await send({ ...headers, 'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272793', 'user-agent': 'test' }, body)).status, 200);
  });

  test('STS: a form request whose Content-Type is unsigned is refused (SignatureDoesNotMatch)', async () => {
    const body = 'Action=GetCallerIdentity&Version=2011-06-15';
    const headers = await signWithout('', body, ['content-type'], 'sts', 'application/x-www-form-urlencoded; charset=utf-8');
    const r = await send(headers, body);
    assert.equal(r.status, 403, r.body);
    assert.match(r.body, /<Code>SignatureDoesNotMatch<\/Code><Message>There were headers present in the request which were not signed: content-type\./);
    const ok = await send(await signWithout('', body, [], 'sts', 'application/x-www-form-urlencoded; charset=utf-8'), body);
    assert.equal(ok.status, 200, ok.body);
  });
});
