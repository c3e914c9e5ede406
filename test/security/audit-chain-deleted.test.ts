/**
 * Deleting a whole audit chain. Each node (each worker of `--workers n`) writes its own hash chain
 * and anchors its head in the store; someone who can write the audit directory could remove every
 * file of one node, leaving nothing for the chain check to walk. `trent audit verify` knows every
 * chain the store anchors, so a node with an anchored head and no files is reported by name and
 * the command fails — without being told which node to look for.
 */
import assert from 'node:assert/strict';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CreateKeyCommand, DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { dropTestDatabase } from '../support/postgres.ts';
import { run } from '../support/run.ts';
import { kmsClientConfig, ROOT, spawnTrent, tempDir, testStoreUrl } from '../support/trent.ts';

let dir: string;
let storeUrl: string | undefined;
const data = () => join(dir, 'data');
const chainFiles = (d: string) => readdirSync(join(d, 'audit')).filter((f) => f.endsWith('.jsonl'));
const verify = (dataDir: string, ...more: string[]) => run(process.execPath, [join(ROOT, 'bin/trent.js'), 'audit', 'verify', '--data-dir', dataDir, ...(storeUrl ? ['--store', storeUrl] : []), ...more]);

before(async () => {
  dir = tempDir('trent-chain-deleted-');
  storeUrl = await testStoreUrl();
  const t = await spawnTrent(['--no-tls', '--workers', '2', '--node-id', 'wk', '--data-dir', data(), ...(storeUrl ? ['--store', storeUrl] : [])]);
  // A new connection per request: node:cluster hands them to the workers in turn.
  const kms = new KMSClient({ ...kmsClientConfig(t.url, undefined), requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: false }) }) });
  try {
    const id = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    for (let i = 0; i < 8; i++) await kms.send(new DescribeKeyCommand({ KeyId: id }));
  } finally {
    kms.destroy();
    t.proc.kill('SIGTERM');
  }
  assert.deepEqual(await t.exited, { code: 0, signal: null });
  const files = chainFiles(data());
  assert.ok(files.some((f) => f.startsWith('wk-w0.')) && files.some((f) => f.startsWith('wk-w1.')), `both workers wrote a chain: ${files.join(' ')}`);
});
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (storeUrl) await dropTestDatabase(storeUrl);
});

/** A copy of the data directory with some chain files removed (the store's anchors stay: on PostgreSQL they are in the database). */
function copyWithout(remove: (file: string) => boolean): string {
  const copy = join(dir, `copy-${Math.random().toString(36).slice(2)}`);
  cpSync(data(), copy, { recursive: true });
  for (const f of chainFiles(copy)) if (remove(f)) rmSync(join(copy, 'audit', f));
  return copy;
}

test('untouched, every chain verifies', async () => {
  const v = await verify(data());
  assert.equal(v.code, 0, v.stdout + v.stderr);
  assert.match(v.stdout, /node wk-w0: OK/);
  assert.match(v.stdout, /node wk-w1: OK/);
});

test("one worker's files all deleted: verify fails and names it, without --node", async () => {
  const copy = copyWithout((f) => f.startsWith('wk-w1.'));
  assert.ok(chainFiles(copy).length > 0 && chainFiles(copy).every((f) => f.startsWith('wk-w0.')));
  const v = await verify(copy);
  assert.equal(v.code, 1, v.stdout + v.stderr);
  assert.match(v.stdout, /node wk-w0: OK/);
  assert.match(v.stdout, /node wk-w1: BROKEN at the end of .*: the chain ends at seq 0, but the store's anchor .* says seq \d+ in wk-w1\.[^ ]+ was written/);
  assert.match(v.stdout, /no audit file of node wk-w1 is in .*: its files were deleted/);

  const json = await verify(copy, '--json');
  assert.equal(json.code, 1);
  const report = JSON.parse(json.stdout) as { ok: boolean; chains: { node: string; files: number; broken?: unknown }[] };
  assert.equal(report.ok, false);
  assert.deepEqual(report.chains.map((c) => [c.node, c.files, c.broken !== undefined]), [['wk-w0', chainFiles(copy).length, false], ['wk-w1', 0, true]]);
});

test('every chain deleted: both nodes are named', async () => {
  const copy = copyWithout(() => true);
  const v = await verify(copy);
  assert.equal(v.code, 1, v.stdout + v.stderr);
  assert.match(v.stdout, /node wk-w0: BROKEN/);
  assert.match(v.stdout, /node wk-w1: BROKEN/);
});
