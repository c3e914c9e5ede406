import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from './logger.ts';

test('logger: JSON lines in pino\'s shape, levels below the threshold dropped, secrets and bodies redacted', () => {
  const lines: string[] = [];
  const log = createLogger('info', { node: 'n1' }, (l) => lines.push(l));
  log.debug({ requestId: 'r0' }, 'request');
  log.info('listening on http://127.0.0.1:1');
  log.warn({ operation: 'Encrypt', input: { Plaintext: 'c2VjcmV0' }, call: { Plaintext: 'c2VjcmV0', KeyId: 'k' }, CiphertextBlob: 'AQID' }, 'odd');
  assert.equal(lines.length, 2);
  assert.ok(lines.every((l) => l.endsWith('\n')));
  const [a, b] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(a!.level, 30);
  assert.equal(a!.msg, 'listening on http://127.0.0.1:1');
  assert.equal(a!.service, 'trent');
  assert.equal(a!.node, 'n1');
  assert.ok(typeof a!.time === 'number' && Math.abs((a!.time as number) - Date.now()) < 60_000);
  assert.equal(b!.level, 40);
  assert.equal(b!.operation, 'Encrypt');
  assert.equal(b!.input, '[redacted]');
  assert.deepEqual(b!.call, { Plaintext: '[redacted]', KeyId: 'k' });
  assert.equal(b!.CiphertextBlob, '[redacted]');
  assert.ok(!lines.join('').includes('c2VjcmV0'));
  assert.equal(log.isLevelEnabled('debug'), false);
  assert.equal(createLogger('debug', {}, () => undefined).isLevelEnabled('debug'), true);
});

test('logger: a field that cannot be serialized costs the fields, not the line or an exception', () => {
  const lines: string[] = [];
  const log = createLogger('info', {}, (l) => lines.push(l));
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  log.info({ n: 1n }, 'bigint');
  log.info({ c: circular }, 'circular');
  assert.deepEqual(lines.map((l) => (JSON.parse(l) as { msg: string; fieldsOmitted: string }).msg), ['bigint', 'circular']);
  assert.ok(lines.every((l) => (JSON.parse(l) as { fieldsOmitted?: string }).fieldsOmitted === 'not serializable'));
});
