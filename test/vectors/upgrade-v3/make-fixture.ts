/**
 * Made test/vectors/upgrade-v3 — a data directory (root.key, trent.db) of schema version 3, the
 * last before Regions, and what was encrypted in it — with the code of commit c4a9130:
 * `git archive c4a9130 | tar -x -C /tmp/old`, copy this file to the same path there, run
 * `node --import tsx test/vectors/upgrade-v3/make-fixture.ts <out>` in /tmp/old (with
 * node_modules), then `sqlite3 <out>/trent.db 'PRAGMA journal_mode=DELETE; VACUUM;'`.
 * test/e2e/upgrade.test.ts opens it with today's code. The root key is a test fixture's.
 */
import { writeFileSync, mkdirSync, copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CreateAliasCommand, CreateGrantCommand, CreateKeyCommand, EncryptCommand, RotateKeyOnDemandCommand, ScheduleKeyDeletionCommand, GenerateMacCommand } from '@aws-sdk/client-kms';
import { rawRequest } from '../../support/signed-request.ts';
import { startTrent, TEST_ACCOUNT } from '../../support/trent.ts';

const out = process.argv[2]!;
const h = await startTrent({ tls: false, config: { clockControl: true } });
const kms = h.kms;
const rotated = (await kms.send(new CreateKeyCommand({ Description: 'rotated once' }))).KeyMetadata!;
const beforeRotation = await kms.send(new EncryptCommand({ KeyId: rotated.KeyId, Plaintext: Buffer.from('before the rotation'), EncryptionContext: { fixture: 'v3' } }));
await kms.send(new RotateKeyOnDemandCommand({ KeyId: rotated.KeyId }));
const afterRotation = await kms.send(new EncryptCommand({ KeyId: rotated.KeyId, Plaintext: Buffer.from('after the rotation') }));
await kms.send(new CreateAliasCommand({ AliasName: 'alias/upgrade', TargetKeyId: rotated.KeyId }));
const grant = await kms.send(new CreateGrantCommand({ KeyId: rotated.KeyId, GranteePrincipal: `arn:aws:iam::${TEST_ACCOUNT}:role/app`, RetiringPrincipal: `arn:aws:iam::${TEST_ACCOUNT}:role/ops`, Operations: ['Decrypt'] }));
const hmac = (await kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }))).KeyMetadata!;
const mac = await kms.send(new GenerateMacCommand({ KeyId: hmac.KeyId, MacAlgorithm: 'HMAC_SHA_256', Message: Buffer.from('fixture') }));
const doomed = (await kms.send(new CreateKeyCommand({ Description: 'deleted' }))).KeyMetadata!;
const ofDeleted = await kms.send(new EncryptCommand({ KeyId: doomed.KeyId, Plaintext: Buffer.from('gone') }));
await kms.send(new ScheduleKeyDeletionCommand({ KeyId: doomed.KeyId, PendingWindowInDays: 7 }));
const r = await rawRequest(h.trent.url, undefined, { path: '/_trent/clock', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceSeconds: 8 * 86_400 }) });
if (!JSON.parse(r.body).deleted.includes(doomed.KeyId)) throw new Error('not deleted');
await h.trent.close();
mkdirSync(out, { recursive: true });
copyFileSync(join(h.dataDir, 'root.key'), join(out, 'root.key'));
copyFileSync(join(h.dataDir, 'trent.db'), join(out, 'trent.db'));
const b64 = (b: Uint8Array | undefined) => Buffer.from(b!).toString('base64');
writeFileSync(join(out, 'fixture.json'), JSON.stringify({
  rotated: { keyId: rotated.KeyId, firstMaterialId: rotated.CurrentKeyMaterialId },
  beforeRotation: { blob: b64(beforeRotation.CiphertextBlob), context: { fixture: 'v3' }, plaintext: 'before the rotation' },
  afterRotation: { blob: b64(afterRotation.CiphertextBlob), plaintext: 'after the rotation' },
  grantId: grant.GrantId,
  hmac: { keyId: hmac.KeyId, message: 'fixture', mac: b64(mac.Mac) },
  deleted: { keyId: doomed.KeyId, blob: b64(ofDeleted.CiphertextBlob) },
}, null, 2) + '\n');
rmSync(h.dataDir, { recursive: true, force: true });
