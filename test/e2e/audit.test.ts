/**
 * The audit trail end to end: one CloudTrail-shaped record per request — every operation,
 * allowed and denied, authentication failures and STS included — with the right principal,
 * error code and key ARN, and no plaintext, data key, ciphertext, signature, MAC, shared secret
 * or grant token in any audit file; service events for the scheduler; tamper detection by
 * `trent audit verify`; `trent audit query`; `GET /metrics`; and fail-closed behaviour when the
 * audit disk fails.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { OPERATIONS } from '../../src/operations/index.ts';
import { wrapForImport } from '../support/byok.ts';
import type { AuditFileOps } from '../../src/audit/files.ts';
import { run } from '../support/run.ts';
import { rawRequest, signedKmsRequest, stsRequest, type RawResponse } from '../support/signed-request.ts';
import { ROOT, startTrent, tempDir, TEST_ACCESS_KEY_ID, TEST_ACCOUNT, TEST_SECRET, testStoreUrl, type Harness } from '../support/trent.ts';
import { dropTestDatabase } from '../support/postgres.ts';

const ROOT_ARN = `arn:aws:iam::${TEST_ACCOUNT}:root`;
const NOBODY_ARN = `arn:aws:iam::${TEST_ACCOUNT}:user/nobody`;
const NOBODY = { accessKeyId: 'AKIANOBODY0000000001', secret: 'nobody-secret-000000000000000000000000000' };
const ROOT_CREDS = { accessKeyId: TEST_ACCESS_KEY_ID, secret: TEST_SECRET };

const PLAIN = 'PLAINTEXT-canary-7f3a9c1e';
const MESSAGE = 'MESSAGE-canary-2b8d4e6f';
const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

interface Entry {
  kind: string;
  seq: number;
  requestID?: string;
  record?: {
    eventName: string;
    eventSource: string;
    eventType: string;
    awsRegion?: string;
    requestID?: string;
    errorCode?: string;
    userIdentity: { type?: string; arn?: string; accessKeyId?: string; invokedBy?: string };
    resources?: { ARN: string }[];
    requestParameters: Record<string, unknown> | null;
    readOnly: boolean;
  };
}

function auditText(dir: string): string {
  return readdirSync(join(dir, 'audit'))
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .map((f) => readFileSync(join(dir, 'audit', f), 'utf8'))
    .join('');
}

function entries(dir: string): Entry[] {
  return auditText(dir)
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Entry);
}

function recordsFor(dir: string, requestId: string) {
  return entries(dir).filter((e) => e.kind === 'event' && e.record?.requestID === requestId).map((e) => e.record!);
}

const trentCli = (args: string[]) => run(process.execPath, [join(ROOT, 'bin/trent.js'), ...args]);

async function call(h: Harness, op: string, body: Record<string, unknown>, creds = ROOT_CREDS, region?: string): Promise<RawResponse & { requestId: string }> {
  const r = await signedKmsRequest(h.trent.url, h.trent.caPath, op, JSON.stringify(body), { accessKeyId: creds.accessKeyId, secret: creds.secret, ...(region ? { region } : {}) });
  return Object.assign(r, { requestId: String(r.headers['x-amzn-requestid']) });
}

async function ok(h: Harness, op: string, body: Record<string, unknown>, region?: string): Promise<Record<string, unknown>> {
  const r = await call(h, op, body, ROOT_CREDS, region);
  assert.equal(r.status, 200, `${op}: ${r.body}`);
  return r.json();
}

let h: Harness;
let dir: string;
/** Every secret value that passed through Trent during the test. */
const secrets: Buffer[] = [Buffer.from(PLAIN), Buffer.from(MESSAGE)];
const keep = (v: unknown) => {
  if (typeof v === 'string' && v.length >= 8) secrets.push(Buffer.from(v, 'base64'));
};

before(async () => {
  dir = tempDir('trent-audit-');
  const identities = join(dir, 'identities.json');
  writeFileSync(identities, JSON.stringify({ accounts: { [TEST_ACCOUNT]: { principals: [{ arn: NOBODY_ARN, accessKeys: [{ id: NOBODY.accessKeyId, secret: NOBODY.secret }] }] } } }));
  h = await startTrent({ dataDir: dir, config: { identitiesFile: identities, clockControl: true } });
});
after(async () => {
  await h.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('one record per request', () => {
  const allowed = new Map<string, { requestId: string; key?: string }>();
  const denied = new Map<string, { requestId: string; code: string }>();

  before(async () => {
    const id = async (body: Record<string, unknown>) => ((await ok(h, 'CreateKey', body)).KeyMetadata as { KeyId: string; Arn: string });
    const S = await id({});
    const S2 = await id({});
    const D = await id({});
    const X = await id({});
    const E = await id({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    const H = await id({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const A = await id({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'KEY_AGREEMENT' });
    await ok(h, 'CreateAlias', { AliasName: 'alias/audit-s', TargetKeyId: S.KeyId });
    const ctx = { purpose: 'audit-test' };
    const ct = (await ok(h, 'Encrypt', { KeyId: S.KeyId, Plaintext: b64(PLAIN), EncryptionContext: ctx })).CiphertextBlob as string;
    const sig = (await ok(h, 'Sign', { KeyId: E.KeyId, Message: b64(MESSAGE), MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' })).Signature as string;
    const mac = (await ok(h, 'GenerateMac', { KeyId: H.KeyId, Message: b64(MESSAGE), MacAlgorithm: 'HMAC_SHA_256' })).Mac as string;
    const grant = async () => {
      const g = await ok(h, 'CreateGrant', { KeyId: S.KeyId, GranteePrincipal: ROOT_ARN, RetiringPrincipal: ROOT_ARN, Operations: ['Decrypt'] });
      keep(g.GrantToken);
      return g.GrantId as string;
    };
    const [G1, G2] = [await grant(), await grant()];
    const policy = (await ok(h, 'GetKeyPolicy', { KeyId: S.KeyId, PolicyName: 'default' })).Policy as string;
    const peer = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'der' });
    for (const v of [ct, sig, mac]) keep(v);
    // Imported key material: the parameters fetched ahead, so the script's ImportKeyMaterial can use them.
    const I = await id({ Origin: 'EXTERNAL' });
    const importParams = await ok(h, 'GetParametersForImport', { KeyId: I.KeyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' });
    const importedMaterial = Buffer.from('IMPORTED-material-canary-32bytes');
    secrets.push(importedMaterial);
    const encryptedMaterial = wrapForImport(Buffer.from(importParams.PublicKey as string, 'base64'), 'RSAES_OAEP_SHA_256', importedMaterial);
    // Multi-Region keys: one to replicate, one with a replica to make primary.
    const M = await id({ MultiRegion: true });
    const M2 = await id({ MultiRegion: true });
    await ok(h, 'ReplicateKey', { KeyId: M2.KeyId, ReplicaRegion: 'eu-west-1' });

    // Each operation once, in an order that leaves the state the next one needs; [body, key it acts on].
    const script: [string, Record<string, unknown>, string | undefined][] = [
      ['CreateKey', { Description: 'audit test' }, undefined],
      ['DescribeKey', { KeyId: S.KeyId }, S.Arn],
      ['ListKeys', {}, undefined],
      ['UpdateKeyDescription', { KeyId: S.KeyId, Description: 'renamed' }, S.Arn],
      ['DisableKey', { KeyId: X.KeyId }, X.Arn],
      ['EnableKey', { KeyId: X.KeyId }, X.Arn],
      ['ScheduleKeyDeletion', { KeyId: D.KeyId, PendingWindowInDays: 7 }, D.Arn],
      ['CancelKeyDeletion', { KeyId: D.KeyId }, D.Arn],
      ['CreateAlias', { AliasName: 'alias/audit-new', TargetKeyId: S.KeyId }, S.Arn],
      ['UpdateAlias', { AliasName: 'alias/audit-new', TargetKeyId: S2.KeyId }, S2.Arn],
      ['ListAliases', {}, undefined],
      ['DeleteAlias', { AliasName: 'alias/audit-new' }, undefined],
      ['TagResource', { KeyId: S.KeyId, Tags: [{ TagKey: 'team', TagValue: 'audit' }] }, S.Arn],
      ['ListResourceTags', { KeyId: S.KeyId }, S.Arn],
      ['UntagResource', { KeyId: S.KeyId, TagKeys: ['team'] }, S.Arn],
      ['GetKeyPolicy', { KeyId: S.KeyId, PolicyName: 'default' }, S.Arn],
      ['ListKeyPolicies', { KeyId: S.KeyId }, S.Arn],
      ['PutKeyPolicy', { KeyId: S.KeyId, PolicyName: 'default', Policy: policy }, S.Arn],
      ['Encrypt', { KeyId: 'alias/audit-s', Plaintext: b64(PLAIN), EncryptionContext: ctx }, S.Arn],
      ['Decrypt', { CiphertextBlob: ct, EncryptionContext: ctx }, S.Arn],
      ['ReEncrypt', { CiphertextBlob: ct, SourceEncryptionContext: ctx, DestinationKeyId: S2.KeyId }, S2.Arn],
      ['GenerateDataKey', { KeyId: S.KeyId, KeySpec: 'AES_256', EncryptionContext: ctx }, S.Arn],
      ['GenerateDataKeyWithoutPlaintext', { KeyId: S.KeyId, KeySpec: 'AES_256' }, S.Arn],
      ['GenerateRandom', { NumberOfBytes: 32 }, undefined],
      ['EnableKeyRotation', { KeyId: S.KeyId }, S.Arn],
      ['GetKeyRotationStatus', { KeyId: S.KeyId }, S.Arn],
      ['DisableKeyRotation', { KeyId: S.KeyId }, S.Arn],
      ['RotateKeyOnDemand', { KeyId: S2.KeyId }, S2.Arn],
      ['ListKeyRotations', { KeyId: S2.KeyId }, S2.Arn],
      ['CreateGrant', { KeyId: S.KeyId, GranteePrincipal: ROOT_ARN, Operations: ['Encrypt'] }, S.Arn],
      ['ListGrants', { KeyId: S.KeyId }, S.Arn],
      ['ListRetirableGrants', { RetiringPrincipal: ROOT_ARN }, undefined],
      ['RetireGrant', { KeyId: S.Arn, GrantId: G1 }, S.Arn],
      ['RevokeGrant', { KeyId: S.KeyId, GrantId: G2 }, S.Arn],
      ['GenerateDataKeyPair', { KeyId: S.KeyId, KeyPairSpec: 'ECC_NIST_P256' }, S.Arn],
      ['GenerateDataKeyPairWithoutPlaintext', { KeyId: S.KeyId, KeyPairSpec: 'ECC_NIST_P256' }, S.Arn],
      ['GetPublicKey', { KeyId: E.KeyId }, E.Arn],
      ['Sign', { KeyId: E.KeyId, Message: b64(MESSAGE), MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' }, E.Arn],
      ['Verify', { KeyId: E.KeyId, Message: b64(MESSAGE), MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256', Signature: sig }, E.Arn],
      ['GenerateMac', { KeyId: H.KeyId, Message: b64(MESSAGE), MacAlgorithm: 'HMAC_SHA_256' }, H.Arn],
      ['VerifyMac', { KeyId: H.KeyId, Message: b64(MESSAGE), MacAlgorithm: 'HMAC_SHA_256', Mac: mac }, H.Arn],
      ['DeriveSharedSecret', { KeyId: A.KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: b64(peer) }, A.Arn],
      ['GetParametersForImport', { KeyId: I.KeyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' }, I.Arn],
      ['ImportKeyMaterial', { KeyId: I.KeyId, ImportToken: importParams.ImportToken, EncryptedKeyMaterial: b64(Buffer.from(encryptedMaterial)), ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' }, I.Arn],
      ['DeleteImportedKeyMaterial', { KeyId: I.KeyId }, I.Arn],
      ['ReplicateKey', { KeyId: M.KeyId, ReplicaRegion: 'eu-west-1' }, M.Arn],
      ['UpdatePrimaryRegion', { KeyId: M2.KeyId, PrimaryRegion: 'eu-west-1' }, M2.Arn],
    ];
    const missing = Object.keys(OPERATIONS).filter((op) => !script.some(([name]) => name === op));
    assert.deepEqual(missing, [], `add these operations to the audit test's script: ${missing.join(', ')}`);

    // Denied first: a principal with no permissions changes nothing, so the allowed run still finds its state.
    for (const [op, body] of script) {
      const r = await call(h, op, body, NOBODY);
      assert.equal(r.status, 400, `${op} as nobody: ${r.body}`);
      denied.set(op, { requestId: r.requestId, code: String(r.json().__type) });
    }
    for (const [op, body, key] of script) {
      const r = await call(h, op, body);
      assert.equal(r.status, 200, `${op}: ${r.body}`);
      const out = r.json();
      for (const f of ['Plaintext', 'CiphertextBlob', 'PrivateKeyPlaintext', 'PrivateKeyCiphertextBlob', 'SharedSecret', 'Signature', 'Mac', 'GrantToken']) keep(out[f]);
      allowed.set(op, { requestId: r.requestId, key: op === 'CreateKey' ? (out.KeyMetadata as { Arn: string }).Arn : key });
    }
  });

  test('every operation, allowed: exactly one record, with the caller, no error and the key ARN', () => {
    assert.equal(allowed.size, Object.keys(OPERATIONS).length);
    for (const [op, { requestId, key }] of allowed) {
      const recs = recordsFor(dir, requestId);
      assert.equal(recs.length, 1, `${op}: ${recs.length} records`);
      const r = recs[0]!;
      assert.equal(r.eventName, op);
      assert.equal(r.eventSource, 'kms.amazonaws.com');
      assert.equal(r.eventType, 'AwsApiCall');
      assert.equal(r.errorCode, undefined, `${op}: ${r.errorCode}`);
      assert.equal(r.userIdentity.arn, ROOT_ARN);
      assert.equal(r.userIdentity.type, 'Root');
      assert.equal(r.userIdentity.accessKeyId, TEST_ACCESS_KEY_ID);
      if (key) assert.ok(r.resources?.some((x) => x.ARN === key), `${op}: resources ${JSON.stringify(r.resources)} lack ${key}`);
    }
    const enc = recordsFor(dir, allowed.get('Encrypt')!.requestId)[0]!;
    assert.deepEqual(enc.requestParameters, { keyId: 'alias/audit-s', encryptionContext: { purpose: 'audit-test' } });
    assert.equal(enc.readOnly, true);
    assert.equal(recordsFor(dir, allowed.get('ScheduleKeyDeletion')!.requestId)[0]!.readOnly, false);
  });

  test('every operation, denied: exactly one record, with the caller and the error code it was answered', () => {
    const accessDenied = [...denied.values()].filter((d) => d.code === 'AccessDeniedException').length;
    assert.ok(accessDenied >= denied.size - 3, `mostly AccessDeniedException: ${JSON.stringify([...denied].filter(([, d]) => d.code !== 'AccessDeniedException'))}`);
    for (const [op, { requestId, code }] of denied) {
      const recs = recordsFor(dir, requestId);
      assert.equal(recs.length, 1, `${op}: ${recs.length} records`);
      assert.equal(recs[0]!.eventName, op);
      assert.equal(recs[0]!.errorCode, code, op);
      assert.equal(recs[0]!.userIdentity.arn, NOBODY_ARN);
      assert.equal(recs[0]!.userIdentity.type, 'IAMUser');
    }
  });

  test('authentication failures, malformed requests and STS calls are recorded too', async () => {
    const bad = await call(h, 'ListKeys', {}, { accessKeyId: TEST_ACCESS_KEY_ID, secret: 'wrong-secret-000000000000000000000000' });
    assert.equal(bad.status, 400);
    const [rec] = recordsFor(dir, bad.requestId);
    assert.equal(rec?.errorCode, 'InvalidSignatureException');
    assert.equal(rec?.userIdentity.type, 'Unknown');
    assert.equal(rec?.userIdentity.accessKeyId, TEST_ACCESS_KEY_ID);
    assert.equal(rec?.eventName, 'ListKeys');

    const unknown = await call(h, 'NoSuchOperation', {});
    assert.equal(recordsFor(dir, unknown.requestId)[0]?.errorCode, 'UnknownOperationException');

    const sts = await stsRequest(h.trent.url, h.trent.caPath, { Action: 'GetCallerIdentity' }, { accessKeyId: NOBODY.accessKeyId, secretAccessKey: NOBODY.secret });
    assert.equal(sts.status, 200);
    const [s] = recordsFor(dir, /<RequestId>([^<]+)</.exec(sts.body)![1]!);
    assert.equal(s?.eventSource, 'sts.amazonaws.com');
    assert.equal(s?.eventName, 'GetCallerIdentity');
    assert.equal(s?.userIdentity.arn, NOBODY_ARN);
  });

  test('no plaintext, data key, ciphertext, signature, MAC, shared secret or grant token is in the audit files', () => {
    const text = auditText(dir);
    assert.ok(secrets.length > 15, `collected ${secrets.length} secrets`);
    for (const s of secrets) {
      for (const form of [s.toString('base64'), s.toString('hex'), s.toString('base64url')]) assert.ok(!text.includes(form), `found ${form.slice(0, 16)}… in the audit files`);
    }
    assert.ok(!text.includes(PLAIN) && !text.includes(MESSAGE));
    assert.ok(!text.includes(TEST_SECRET) && !text.includes(NOBODY.secret));
    assert.ok(text.includes('"purpose":"audit-test"'), 'the encryption context is kept');
  });

  test('trent audit query finds records by alias, principal, event and errors', async () => {
    const q = async (...args: string[]) => {
      const r = await trentCli(['audit', 'query', '--data-dir', dir, ...args]);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as NonNullable<Entry['record']>);
    };
    const byAlias = await q('--key', 'alias/audit-s', '--event', 'Encrypt');
    assert.ok(byAlias.some((r) => r.requestID === allowed.get('Encrypt')!.requestId));
    const nobodyErrors = await q('--principal', NOBODY_ARN, '--errors');
    assert.ok(nobodyErrors.length >= denied.size && nobodyErrors.every((r) => r.errorCode !== undefined && r.userIdentity.arn === NOBODY_ARN));
    const table = await trentCli(['audit', 'query', '--data-dir', dir, '--event', 'Decrypt', '--format', 'table', '--since', '1h']);
    assert.match(table.stdout, /^eventTime\s+eventName/);
    assert.match(table.stdout, /Decrypt\s+AccessDeniedException\s+arn:aws:iam::111122223333:user\/nobody/);
  });

  test('GET /metrics: requests by operation and code, audit flushes, cache, keys by state, the meter', async () => {
    const r = await rawRequest(h.trent.url, h.trent.caPath, { method: 'GET', path: '/metrics', headers: {}, body: '' });
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /text\/plain/);
    assert.match(r.body, /trent_requests_total\{operation="Encrypt",code="OK"\} \d+/);
    assert.match(r.body, /trent_requests_total\{operation="Encrypt",code="AccessDeniedException"\} 1/);
    assert.match(r.body, /trent_audit_flush_duration_seconds_count \d+/);
    assert.match(r.body, /trent_material_cache_hit_ratio /);
    assert.match(r.body, /trent_keys\{state="Enabled"\} \d+/);
    assert.match(r.body, /trent_kms_billable_requests_total\{account="111122223333",class="asymmetric"\} \d+/);
    assert.ok(!r.body.includes(PLAIN));
  });

  test('GET /metrics: label values stay bounded — no per-key series, no label from what a client sends', async () => {
    for (let i = 0; i < 3; i++) {
      const k = ((await ok(h, 'CreateKey', {})).KeyMetadata as { KeyId: string });
      await ok(h, 'Encrypt', { KeyId: k.KeyId, Plaintext: b64(PLAIN) });
    }
    for (const action of ['NoSuchActionOne', 'NoSuchActionTwo']) {
      await stsRequest(h.trent.url, h.trent.caPath, { Action: action }, { accessKeyId: ROOT_CREDS.accessKeyId, secretAccessKey: ROOT_CREDS.secret });
    }
    const r = await rawRequest(h.trent.url, h.trent.caPath, { method: 'GET', path: '/metrics', headers: {}, body: '' });
    assert.equal(r.status, 200);
    assert.ok(!/key="/.test(r.body), 'a series labelled by key');
    assert.equal(r.body.split('\n').filter((l) => l.startsWith('trent_kms_billable_requests_total{account="111122223333",class="symmetric"}')).length, 1);
    assert.ok(!r.body.includes('NoSuchAction'), 'an operation label taken from the request');
    assert.match(r.body, /trent_requests_total\{operation="sts:Unknown",code="[A-Za-z]+"\} [2-9]/);
  });
});

describe('where /metrics is served', () => {
  /** The API port does not answer GET /metrics (they are elsewhere, or nowhere). */
  const assertNoMetricsOnApiPort = async (t: Harness) => {
    const api = await rawRequest(t.trent.url, t.trent.caPath, { method: 'GET', path: '/metrics', headers: {}, body: '' });
    assert.notEqual(api.status, 200);
    assert.ok(!api.body.includes('trent_requests_total'));
  };

  test('--metrics-port: on its own loopback listener, and not on the API port', async () => {
    const t = await startTrent({ config: { metricsPort: 0 } });
    try {
      assert.match(t.trent.metricsUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      await ok(t, 'CreateKey', {});
      const m = await fetch(t.trent.metricsUrl!);
      assert.equal(m.status, 200);
      assert.match(await m.text(), /trent_requests_total\{operation="CreateKey",code="OK"\} 1/);
      assert.equal((await fetch(t.trent.metricsUrl!.replace('/metrics', '/healthz'))).status, 404);
      await assertNoMetricsOnApiPort(t);
    } finally {
      await t.stop();
    }
  });

  test('--no-metrics: not served at all; requests work', async () => {
    const t = await startTrent({ config: { noMetrics: true } });
    try {
      assert.equal(t.trent.metricsUrl, undefined);
      await ok(t, 'CreateKey', {});
      await assertNoMetricsOnApiPort(t);
    } finally {
      await t.stop();
    }
  });

  test('trent serve refuses --metrics-host without --metrics-port, and --no-metrics with either', async () => {
    const a = await trentCli(['serve', '--no-metrics', '--metrics-port', '9464', '--data-dir', tempDir('trent-metrics-cfg-')]);
    assert.notEqual(a.code, 0);
    assert.match(a.stderr, /--no-metrics cannot be combined with --metrics-port/);
    const b = await trentCli(['serve', '--metrics-host', '0.0.0.0', '--data-dir', tempDir('trent-metrics-cfg-')]);
    assert.notEqual(b.code, 0);
    assert.match(b.stderr, /--metrics-host needs --metrics-port/);
  });
});

describe('service events', () => {
  test('scheduled deletion and automatic rotation are AwsServiceEvent records (DeleteKey, RotateKey)', async () => {
    const del = ((await ok(h, 'CreateKey', {})).KeyMetadata as { KeyId: string; Arn: string });
    const rot = ((await ok(h, 'CreateKey', {})).KeyMetadata as { KeyId: string; Arn: string });
    await ok(h, 'ScheduleKeyDeletion', { KeyId: del.KeyId, PendingWindowInDays: 7 });
    await ok(h, 'EnableKeyRotation', { KeyId: rot.KeyId, RotationPeriodInDays: 90 });
    const moved = await rawRequest(h.trent.url, h.trent.caPath, { method: 'POST', path: '/_trent/clock', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceSeconds: 91 * 86400 }) });
    assert.equal(moved.status, 200, moved.body);
    const service = entries(dir).filter((e) => e.kind === 'event' && e.record?.eventType === 'AwsServiceEvent').map((e) => e.record!);
    const d = service.find((r) => r.eventName === 'DeleteKey' && r.resources?.[0]?.ARN === del.Arn);
    const r = service.find((x) => x.eventName === 'RotateKey' && x.resources?.[0]?.ARN === rot.Arn);
    assert.ok(d, 'DeleteKey service event');
    assert.ok(r, 'RotateKey service event');
    assert.equal(d.userIdentity.invokedBy, 'AWS Internal');
    // Each change the scheduler made was preceded by a durable write-ahead entry.
    const intents = entries(dir).filter((e) => e.kind === 'intent' && (e as unknown as { service?: boolean }).service);
    assert.ok(intents.some((e) => (e as unknown as { method: string; keyId: string }).method === 'deleteKey' && (e as unknown as { keyId: string }).keyId === del.KeyId));
  });

  test("a service event carries the key's Region, not the node's --region", async () => {
    // The node serves us-east-1 (its --region) and any other Region a request is signed for.
    const region = 'eu-west-1';
    const del = ((await ok(h, 'CreateKey', {}, region)).KeyMetadata as { KeyId: string; Arn: string });
    const rot = ((await ok(h, 'CreateKey', {}, region)).KeyMetadata as { KeyId: string; Arn: string });
    assert.match(del.Arn, /^arn:aws:kms:eu-west-1:/);
    await ok(h, 'ScheduleKeyDeletion', { KeyId: del.KeyId, PendingWindowInDays: 7 }, region);
    await ok(h, 'EnableKeyRotation', { KeyId: rot.KeyId, RotationPeriodInDays: 90 }, region);
    const moved = await rawRequest(h.trent.url, h.trent.caPath, { method: 'POST', path: '/_trent/clock', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceSeconds: 91 * 86400 }) });
    assert.equal(moved.status, 200, moved.body);
    const service = entries(dir).filter((e) => e.kind === 'event' && e.record?.eventType === 'AwsServiceEvent').map((e) => e.record!);
    const d = service.find((r) => r.eventName === 'DeleteKey' && r.resources?.[0]?.ARN === del.Arn);
    const r = service.find((x) => x.eventName === 'RotateKey' && x.resources?.[0]?.ARN === rot.Arn);
    assert.ok(d, 'DeleteKey service event');
    assert.ok(r, 'RotateKey service event');
    assert.equal(d.awsRegion, region);
    assert.equal(r.awsRegion, region);
  });
});

describe('tamper evidence: trent audit verify', () => {
  const copyWith = (edit: (lines: string[]) => string[]) => {
    const copy = tempDir('trent-audit-tamper-');
    cpSync(join(dir, 'audit'), copy, { recursive: true });
    const file = readdirSync(copy).filter((f) => f.endsWith('.jsonl')).sort()[0]!;
    const lines = readFileSync(join(copy, file), 'utf8').split('\n');
    writeFileSync(join(copy, file), edit(lines).join('\n'));
    return { copy, file };
  };
  const verify = (auditDir: string) => trentCli(['audit', 'verify', '--audit-dir', auditDir]);

  test('an untouched log verifies', async () => {
    const r = await trentCli(['audit', 'verify', '--data-dir', dir]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /: OK, \d+ entries \(\d+ records\) in \d+ files?; head seq \d+ sha256 [0-9a-f]{64}/);
  });

  test('one changed byte is found, and named by file and line', async () => {
    const { copy, file } = copyWith((ls) => {
      ls[9] = ls[9]!.replace('"eventName":"', '"eventName":"X');
      return ls;
    });
    const r = await verify(copy);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, new RegExp(`BROKEN at ${file.replace(/\./g, '\\.')} line 10 \\(record seq 10\\): hash does not match`));
    rmSync(copy, { recursive: true, force: true });
  });

  test('a deleted line is found', async () => {
    const { copy, file } = copyWith((ls) => ls.filter((_, i) => i !== 11));
    const r = await verify(copy);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, new RegExp(`BROKEN at ${file.replace(/\./g, '\\.')} line 12 \\(record seq 12\\): sequence 13 where 12 was expected`));
    rmSync(copy, { recursive: true, force: true });
  });

  test('two swapped lines are found', async () => {
    const { copy } = copyWith((ls) => {
      [ls[14], ls[15]] = [ls[15]!, ls[14]!];
      return ls;
    });
    const r = await verify(copy);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /line 15 \(record seq 15\): sequence 16 where 15 was expected/);
    rmSync(copy, { recursive: true, force: true });
  });

  test('a line re-sealed after editing still breaks the chain after it', async () => {
    // An edit that recomputes the line's own hash changes that hash: the next line's prev no longer matches.
    const { sealLine } = await import('../../src/audit/chain.ts');
    const { copy } = copyWith((ls) => {
      const e = JSON.parse(ls[19]!) as { node: string; seq: number; prev: string; kind: 'event'; hash?: string; [k: string]: unknown };
      const { v: _v, node, seq, prev, kind, hash: _h, ...payload } = e;
      ls[19] = sealLine(node, seq, prev, kind, { ...payload, forged: true }).text;
      return ls;
    });
    const r = await verify(copy);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /line 21 \(record seq 21\): it does not follow the line before it/);
    rmSync(copy, { recursive: true, force: true });
  });
});

describe('tamper evidence at the end of the chain: the head anchored in the store', () => {
  // A stopped node: its final head is anchored on close. On PostgreSQL the anchor is in the database.
  let data: string;
  let storeUrl: string | undefined;
  let fileNames: string[];
  before(async () => {
    data = tempDir('trent-audit-anchor-');
    storeUrl = await testStoreUrl();
    const t = await startTrent({ dataDir: data, config: { clockControl: true, ...(storeUrl !== undefined ? { storeUrl } : {}) } });
    const key = ((await ok(t, 'CreateKey', {})).KeyMetadata as { KeyId: string });
    for (let i = 0; i < 5; i++) await ok(t, 'Encrypt', { KeyId: key.KeyId, Plaintext: b64(PLAIN) });
    // A day later: the chain goes on in a second file.
    const moved = await rawRequest(t.trent.url, t.trent.caPath, { method: 'POST', path: '/_trent/clock', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceSeconds: 86400 }) });
    assert.equal(moved.status, 200, moved.body);
    for (let i = 0; i < 5; i++) await ok(t, 'Encrypt', { KeyId: key.KeyId, Plaintext: b64(PLAIN) });
    await t.stop();
    fileNames = readdirSync(join(data, 'audit')).filter((f) => f.endsWith('.jsonl')).sort();
    assert.ok(fileNames.length >= 2, `expected two audit files, got ${fileNames.join(', ')}`);
  });
  after(async () => {
    if (storeUrl !== undefined) await dropTestDatabase(storeUrl);
    rmSync(data, { recursive: true, force: true });
  });
  /** A copy of the data directory (audit files and the SQLite store), edited. */
  const copyData = (edit: (auditDir: string) => void) => {
    const copy = tempDir('trent-audit-anchor-copy-');
    cpSync(data, copy, { recursive: true });
    edit(join(copy, 'audit'));
    return copy;
  };
  const verify = (dataDir: string) => trentCli(['audit', 'verify', '--data-dir', dataDir, ...(storeUrl !== undefined ? ['--store', storeUrl] : [])]);
  const cutLines = (file: string, n: number) => {
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    writeFileSync(file, lines.slice(0, -n).map((l) => `${l}\n`).join(''));
  };

  test('an untouched log verifies, its end matching the anchored head', async () => {
    const r = await verify(data);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /: OK, \d+ entries/);
    assert.match(r.stdout, /anchored head in the store: seq (\d+) \(written [^)]+\) is in the chain/);
    const head = /head seq (\d+)/.exec(r.stdout)![1];
    assert.equal(/anchored head in the store: seq (\d+)/.exec(r.stdout)![1], head, 'the final head is anchored on close');
  });

  test('lines cut from the end of the last file are found', async () => {
    const copy = copyData((a) => cutLines(join(a, fileNames.at(-1)!), 3));
    const r = await verify(copy);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /BROKEN at the end of .*: the chain ends at seq (\d+), but the store's anchor .* says seq \d+ in .* was written: lines \d+\.\.\d+ were removed from the end/);
    // Without the store the cut cannot show, and verify says so.
    const alone = await trentCli(['audit', 'verify', '--audit-dir', join(copy, 'audit')]);
    assert.equal(alone.code, 0, alone.stdout);
    assert.match(alone.stdout, /no store to compare the head with/);
    rmSync(copy, { recursive: true, force: true });
  });

  test('a removed last file is found', async () => {
    const copy = copyData((a) => rmSync(join(a, fileNames.at(-1)!)));
    const r = await verify(copy);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, new RegExp(`the store's anchor .* says seq \\d+ in ${fileNames.at(-1)!.replace(/\./g, '\\.')} was written`));
    rmSync(copy, { recursive: true, force: true });
  });

  test('a node whose files were all removed is found when named', async () => {
    const node = fileNames[0]!.split('.')[0]!;
    const copy = copyData((a) => {
      for (const f of fileNames) rmSync(join(a, f));
    });
    const r = await trentCli(['audit', 'verify', '--data-dir', copy, '--node', node, ...(storeUrl !== undefined ? ['--store', storeUrl] : [])]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`node ${node}: BROKEN at the end of .*: the chain ends at seq 0, but the store's anchor`));
    rmSync(copy, { recursive: true, force: true });
  });

  test('a chain re-hashed after an edit (every later line re-sealed) verifies on its own, but not against the anchor', async () => {
    const { sealLine } = await import('../../src/audit/chain.ts');
    const copy = copyData((a) => {
      let prev: string | undefined;
      for (const name of fileNames) {
        const lines = readFileSync(join(a, name), 'utf8').split('\n').filter(Boolean);
        const out = lines.map((l) => {
          const e = JSON.parse(l) as { node: string; seq: number; prev: string; kind: 'event'; hash?: string; v?: number; [k: string]: unknown };
          const { v: _v, node, seq, prev: p, kind, hash: _h, ...payload } = e;
          if (seq < 3) return l;
          const line = sealLine(node, seq, prev ?? p, kind, seq === 3 ? { ...payload, forged: true } : payload);
          prev = line.hash;
          return line.text;
        });
        writeFileSync(join(a, name), out.map((l) => `${l}\n`).join(''));
      }
    });
    const alone = await trentCli(['audit', 'verify', '--audit-dir', join(copy, 'audit')]);
    assert.equal(alone.code, 0, `a SHA-256 chain re-hashed in full verifies without the anchor: ${alone.stdout}`);
    const r = await verify(copy);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /BROKEN at .* line \d+ \(record seq \d+\): the store's anchor .* holds another hash for this line/);
    rmSync(copy, { recursive: true, force: true });
  });
});

describe('fail-closed', () => {
  let f: Harness;
  const fault = { fail: false, okSyncsLeft: Infinity };
  const failing = (ops: AuditFileOps): AuditFileOps => ({
    syncDir: (d) => ops.syncDir(d),
    async openAppend(p) {
      const file = await ops.openAppend(p);
      return {
        ...file,
        async datasync() {
          if (fault.okSyncsLeft <= 0) fault.fail = true;
          fault.okSyncsLeft--;
          if (fault.fail) throw Object.assign(new Error('EIO: injected audit disk failure'), { code: 'EIO' });
          return file.datasync();
        },
      };
    },
  });
  before(async () => {
    f = await startTrent({ options: { wrapAuditFiles: failing } });
  });
  after(async () => {
    await f.stop();
  });

  test('with the audit disk failing, requests fail with KMSInternalException and change nothing; they succeed once it heals', async () => {
    const key = ((await ok(f, 'CreateKey', {})).KeyMetadata as { KeyId: string });
    const keysBefore = ((await ok(f, 'ListKeys', {})).Keys as unknown[]).length;
    fault.fail = true;
    const refused: string[] = [];
    for (const [op, body] of [
      ['Encrypt', { KeyId: key.KeyId, Plaintext: b64(PLAIN) }],
      ['CreateKey', {}],
      ['DisableKey', { KeyId: key.KeyId }],
      ['CreateAlias', { AliasName: 'alias/never', TargetKeyId: key.KeyId }],
      ['ScheduleKeyDeletion', { KeyId: key.KeyId }],
      ['DescribeKey', { KeyId: 'no-such-key' }],
    ] as const) {
      const r = await call(f, op, body);
      assert.equal(r.status, 500, `${op}: ${r.body}`);
      assert.equal(r.json().__type, 'KMSInternalException', op);
      assert.ok(!r.body.includes('CiphertextBlob'));
      refused.push(r.requestId);
    }
    fault.fail = false;
    assert.equal(((await ok(f, 'ListKeys', {})).Keys as unknown[]).length, keysBefore, 'no key was created');
    assert.equal(((await ok(f, 'DescribeKey', { KeyId: key.KeyId })).KeyMetadata as { KeyState: string }).KeyState, 'Enabled', 'not disabled, not pending deletion');
    assert.equal(((await ok(f, 'ListAliases', {})).Aliases as { AliasName: string }[]).some((a) => a.AliasName === 'alias/never'), false);
    const text = auditText(f.dataDir);
    for (const id of refused) assert.ok(!text.includes(id), `a refused request (${id}) left an entry`);
    await ok(f, 'Encrypt', { KeyId: key.KeyId, Plaintext: b64(PLAIN) });
    await ok(f, 'DisableKey', { KeyId: key.KeyId });
    const v = await trentCli(['audit', 'verify', '--data-dir', f.dataDir]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
  });

  test('a write that committed before its record failed is kept, answered KMSInternalException, and listed as outcome unknown', async () => {
    const key = ((await ok(f, 'CreateKey', {})).KeyMetadata as { KeyId: string });
    fault.okSyncsLeft = 1; // the write-ahead entry is durable; the record after the change is not
    const r = await call(f, 'DisableKey', { KeyId: key.KeyId });
    fault.fail = false;
    fault.okSyncsLeft = Infinity;
    assert.equal(r.status, 500);
    assert.equal(((await ok(f, 'DescribeKey', { KeyId: key.KeyId })).KeyMetadata as { KeyState: string }).KeyState, 'Disabled');
    const v = await trentCli(['audit', 'verify', '--data-dir', f.dataDir]);
    assert.equal(v.code, 0, v.stdout);
    assert.ok(v.stdout.includes('1 change with a write-ahead entry but no record'), v.stdout);
    assert.ok(v.stdout.includes(`${r.requestId} DisableKey by ${ROOT_ARN}`), v.stdout);
  });
});
