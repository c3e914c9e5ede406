/**
 * Encrypt throughput with a 20-statement key policy as a ratio to a
 * one-statement policy, same run, same Trent (a child process, plain HTTP on loopback).
 *   node --import tsx bench/policy.ts [--requests N] [--connections C]
 */
import { writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { kmsClient, spawnTrent, tempDir, TEST_ACCESS_KEY_ID, TEST_ACCOUNT, TEST_SECRET } from '../test/support/trent.ts';
import { LightSigner } from './lib/sign.ts';
import { runLoad, table } from './lib/load.ts';

const { values } = parseArgs({ options: { requests: { type: 'string' }, connections: { type: 'string' } } });
const REQUESTS = Number(values.requests ?? 20_000);
const CONNECTIONS = Number(values.connections ?? 16);

const root = `arn:aws:iam::${TEST_ACCOUNT}:root`;
const one = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: root }, Action: 'kms:*', Resource: '*' }] };
const twenty = {
  Version: '2012-10-17',
  Statement: [
    ...Array.from({ length: 19 }, (_, i) => ({
      Sid: `Other${i}`,
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${TEST_ACCOUNT}:root` },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*', `kms:Describe*`],
      Resource: '*',
      Condition: { StringEquals: { [`kms:EncryptionContext:tenant${i}`]: `t${i}` }, Bool: { 'aws:SecureTransport': 'true' } },
    })),
    { Sid: 'Root', Effect: 'Allow', Principal: { AWS: root }, Action: 'kms:*', Resource: '*' },
  ],
};

const dir = tempDir('trent-bench-');
const t = await spawnTrent(['--data-dir', dir, '--no-tls']);
try {
  const kms = kmsClient(t.url, undefined);
  const k1 = (await kms.send(new CreateKeyCommand({ Policy: JSON.stringify(one) }))).KeyMetadata!.KeyId!;
  const k20 = (await kms.send(new CreateKeyCommand({ Policy: JSON.stringify(twenty) }))).KeyMetadata!.KeyId!;
  kms.destroy();
  const signer = new LightSigner({ accessKeyId: TEST_ACCESS_KEY_ID, secretAccessKey: TEST_SECRET }, 'us-east-1');
  const host = new URL(t.url).host;
  const plaintext = Buffer.alloc(1024, 7).toString('base64');
  const run = (keyId: string) =>
    runLoad({
      url: t.url,
      connections: CONNECTIONS,
      requests: REQUESTS,
      make: () => {
        const body = JSON.stringify({ KeyId: keyId, Plaintext: plaintext });
        return { headers: signer.sign(host, 'TrentService.Encrypt', body), body };
      },
    });
  await run(k1); // warm-up
  // Alternate to spread the machine's noise over both cases.
  const r1a = await run(k1);
  const r20a = await run(k20);
  const r1b = await run(k1);
  const r20b = await run(k20);
  const base = (r1a.rps + r1b.rps) / 2;
  const with20 = (r20a.rps + r20b.rps) / 2;
  const rows = [
    { policy: '1 statement', 'req/s': base, 'p50 ms': (r1a.p50ms + r1b.p50ms) / 2, 'p99 ms': (r1a.p99ms + r1b.p99ms) / 2, ratio: 1 },
    { policy: '20 statements', 'req/s': with20, 'p50 ms': (r20a.p50ms + r20b.p50ms) / 2, 'p99 ms': (r20a.p99ms + r20b.p99ms) / 2, ratio: with20 / base },
  ];
  console.log(`Encrypt 1 KiB, ${CONNECTIONS} connections, ${REQUESTS} requests per run, SigV4 verified, plain HTTP on loopback`);
  console.log(table(rows));
  mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
  writeFileSync(join(import.meta.dirname, 'results', 'policy.json'), JSON.stringify({ when: new Date().toISOString(), requests: REQUESTS, connections: CONNECTIONS, rows }, null, 2));
} finally {
  t.proc.kill('SIGTERM');
  await t.exited;
  rmSync(dir, { recursive: true, force: true });
}
