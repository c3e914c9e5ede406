/** The cost model's rules, on synthetic records (the end-to-end bill is test/e2e/cost.test.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventEntry } from '../audit/reader.ts';
import type { RequestClass } from '../audit/request-class.ts';
import { CostModel, monthRange } from './cost.ts';
import { AWS_KMS_PRICES } from './price-table.ts';

const ARN = 'arn:aws:kms:us-east-1:111122223333:key/k1';
let seq = 0;

function ev(eventName: string, time: string, o: { cls?: RequestClass; error?: string; keyManager?: string; eventType?: 'AwsApiCall' | 'AwsServiceEvent' } = {}): EventEntry {
  return {
    node: 'n',
    seq: ++seq,
    time,
    usage: { class: o.cls ?? 'general', account: '111122223333', key: ARN },
    record: {
      eventVersion: '1.11',
      userIdentity: { arn: 'arn:aws:iam::111122223333:root' },
      eventTime: time,
      eventSource: 'kms.amazonaws.com',
      eventName,
      awsRegion: 'us-east-1',
      sourceIPAddress: '127.0.0.1',
      userAgent: '',
      ...(o.error ? { errorCode: o.error, errorMessage: 'x' } : {}),
      requestParameters: null,
      responseElements: eventName === 'CreateKey' ? { keyMetadata: { keySpec: 'SYMMETRIC_DEFAULT', keyManager: o.keyManager ?? 'CUSTOMER' } } : null,
      eventID: String(seq),
      readOnly: false,
      resources: [{ accountId: '111122223333', type: 'AWS::KMS::Key', ARN }],
      eventType: o.eventType ?? 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: '111122223333',
      eventCategory: 'Management',
    },
  };
}

const model = (freeTier = false) => new CostModel({ month: '2030-02', prices: AWS_KMS_PRICES, freeTier, cacheWindowSeconds: 300 });

test('month ranges are UTC calendar months', () => {
  const { start, end } = monthRange('2030-02');
  assert.equal((end - start) / 3_600_000, 672);
  assert.throws(() => monthRange('2030-13'));
});

test('a key created last month and kept is billed the whole month; a cancelled deletion is billed as if never scheduled', () => {
  const m = model();
  m.add(ev('CreateKey', '2030-01-15T00:00:00Z'));
  m.add(ev('ScheduleKeyDeletion', '2030-02-10T00:00:00Z'));
  m.add(ev('CancelKeyDeletion', '2030-02-12T00:00:00Z'));
  const b = m.bill();
  assert.equal(b.keys[0]!.billedHours, 672);
  assert.equal(b.keys[0]!.keyCharge, 1);
  assert.equal(b.requests, 2, 'the two requests in February; CreateKey was in January');
});

test('rotations add $1/month each from the rotation on, for the first two only; AWS managed keys are free', () => {
  const m = model();
  m.add(ev('CreateKey', '2030-01-01T00:00:00Z'));
  m.add(ev('RotateKey', '2030-01-20T00:00:00Z', { cls: 'none', eventType: 'AwsServiceEvent' }));
  m.add(ev('RotateKeyOnDemand', '2030-02-15T00:00:00Z'));
  m.add(ev('RotateKeyOnDemand', '2030-02-16T00:00:00Z'));
  const k = m.bill().keys[0]!;
  assert.equal(k.billedRotations, 2);
  assert.ok(Math.abs(k.rotationCharge - (1 + (672 - 14 * 24) / 672)) < 1e-12, String(k.rotationCharge));

  const aws = model();
  aws.add(ev('CreateKey', '2030-02-01T00:00:00Z', { keyManager: 'AWS' }));
  assert.equal(aws.bill().keys[0]!.keyCharge, 0);
});

test('failed requests are not billed; the free tier covers only symmetric, HMAC and general requests', () => {
  const m = model(true);
  m.add(ev('Encrypt', '2030-02-02T00:00:00Z', { cls: 'symmetric' }));
  m.add(ev('Encrypt', '2030-02-02T00:00:01Z', { cls: 'symmetric', error: 'AccessDeniedException' }));
  m.add(ev('Sign', '2030-02-02T00:00:02Z', { cls: 'asymmetric' }));
  const a = m.bill().accounts[0]!;
  assert.deepEqual(a.requests, { symmetric: 1, asymmetric: 1 });
  assert.equal(a.freeTierRequests, 1);
  assert.ok(Math.abs(a.requestCharge - 0.15 / 10_000) < 1e-15);
});
