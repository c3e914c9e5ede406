import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventTime, userIdentityOf } from './record.ts';

test("eventTime: CloudTrail's seconds precision, the same text for every instant of one second, extended years kept", () => {
  assert.equal(eventTime(new Date('2025-05-20T20:46:16.001Z')), '2025-05-20T20:46:16Z');
  assert.equal(eventTime(new Date('2025-05-20T20:46:16.999Z')), '2025-05-20T20:46:16Z');
  assert.equal(eventTime(new Date('2025-05-20T20:46:17.000Z')), '2025-05-20T20:46:17Z');
  assert.equal(eventTime(new Date(-1)), '1969-12-31T23:59:59Z');
  assert.equal(eventTime(new Date(253402300800000)), '+010000-01-01T00:00:00Z');
  assert.throws(() => eventTime(new Date(Number.NaN)), RangeError);
  assert.equal(eventTime(new Date('2025-05-20T20:46:16.500Z')), '2025-05-20T20:46:16Z');
});

test('a call a service made on behalf of a user names the service in userIdentity.invokedBy', () => {
  const alice = { arn: 'arn:aws:iam::111122223333:user/alice', accountId: '111122223333', type: 'IAMUser' as const, userId: 'AIDAALICE' };
  assert.deepEqual(userIdentityOf(alice, 's3.amazonaws.com'), { type: 'IAMUser', principalId: 'AIDAALICE', arn: alice.arn, accountId: '111122223333', invokedBy: 's3.amazonaws.com', userName: 'alice' });
  assert.equal(userIdentityOf(alice).invokedBy, undefined);
});
