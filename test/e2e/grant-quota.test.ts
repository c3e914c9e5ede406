/**
 * The grants-per-key quota through the wire ("Resource quotas", AWS KMS developer guide: "Grants
 * per KMS key: 50,000"): a key seeded with 49,999 grants straight into the store takes one more
 * CreateGrant, and the next is LimitExceededException; an idempotent retry at the limit still
 * returns its grant; and when one place is free, of several concurrent CreateGrants exactly one
 * gets it (the count and the insert are one atomic step in the store). On SQLite, and on
 * PostgreSQL in the runner's second pass. The per-grantee quota (500) is in authorization.test.ts.
 */
import assert from 'node:assert/strict';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CreateGrantCommand, RevokeGrantCommand } from '@aws-sdk/client-kms';
import { seedPostgres, seedRows, seedSqlite, type Seeded } from '../reliability/lib/bulk-seed.ts';
import { rejectsWith } from '../support/assert-aws.ts';
import { dropTestDatabase } from '../support/postgres.ts';
import { startTrent, TEST_ACCOUNT, tempDir, testStoreUrl, type Harness } from '../support/trent.ts';

const QUOTA = 50_000;
const GRANTEE = `arn:aws:iam::${TEST_ACCOUNT}:user/quota-grantee`;

let h: Harness;
let seeded: Seeded;
let keyArn: string;
let url: string | undefined;
let dataDir: string;

before(async () => {
  url = await testStoreUrl();
  dataDir = tempDir('trent-grant-quota-');
  const rows = seedRows({ account: TEST_ACCOUNT, region: 'us-east-1', keys: 1, aliases: 0, grants: QUOTA - 1, now: Date.now() });
  if (url !== undefined) await seedPostgres(url, rows);
  else await seedSqlite(dataDir, rows);
  seeded = rows.seeded;
  keyArn = rows.keys[0]!.arn;
  h = await startTrent({ tls: false, dataDir, ...(url !== undefined ? { config: { storeUrl: url } } : {}) });
});

after(async () => {
  await h?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  if (url !== undefined) await dropTestDatabase(url);
});

const create = (name?: string, node: Harness = h) =>
  node.kms.send(new CreateGrantCommand({ KeyId: seeded.grantKeyId, GranteePrincipal: GRANTEE, Operations: ['Decrypt'], ...(name !== undefined ? { Name: name } : {}) }));

// Our wording: AWS's text for this LimitExceededException is not recorded.
const limitMessage = () => `The number of grants on key ${keyArn} exceeds the limit of ${QUOTA}.`;

test('at 49,999 grants one more CreateGrant succeeds, the next is LimitExceededException, and a retry of the last one by Name still answers', async () => {
  const last = await create('the-50000th');
  assert.match(last.GrantId!, /^[0-9a-f]{64}$/);
  await rejectsWith(create(), 'LimitExceededException', limitMessage());
  await rejectsWith(create('another-name'), 'LimitExceededException', limitMessage());
  const retry = await create('the-50000th');
  assert.equal(retry.GrantId, last.GrantId, 'an idempotent retry creates nothing, so the quota does not refuse it');
});

test('with one place free, of 20 concurrent CreateGrants exactly one succeeds and the rest are LimitExceededException', async () => {
  // On PostgreSQL the racers are split over two nodes sharing the store: within one node other
  // layers may already order the writes, across nodes only the store can.
  let second: Harness | undefined;
  let secondDir: string | undefined;
  if (url !== undefined) {
    secondDir = tempDir('trent-grant-quota-b-');
    copyFileSync(join(dataDir, 'root.key'), join(secondDir, 'root.key'));
    second = await startTrent({ tls: false, dataDir: secondDir, config: { storeUrl: url } });
  }
  try {
    await h.kms.send(new RevokeGrantCommand({ KeyId: seeded.grantKeyId, GrantId: seeded.grantIds[0] }));
    const nodes = second ? [h, second] : [h];
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => create(undefined, nodes[i % nodes.length]!)));
    const won = results.filter((r) => r.status === 'fulfilled');
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    assert.equal(won.length, 1, `exactly one CreateGrant takes the last place (got ${won.length})`);
    for (const e of refused) {
      assert.equal(e.name, 'LimitExceededException');
      assert.equal(e.message, limitMessage());
    }
    await rejectsWith(create(), 'LimitExceededException', limitMessage());
  } finally {
    await second?.stop();
    if (secondDir) rmSync(secondDir, { recursive: true, force: true });
  }
});
