/**
 * Several Trent processes on one data directory: each writes its own chain (files named by its
 * node id); a node killed with SIGKILL resumes its own chain when it starts again; `trent audit
 * verify` checks every chain and `trent audit query` merges them in time order.
 */
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CreateKeyCommand, EncryptCommand } from '@aws-sdk/client-kms';
import { run } from '../support/run.ts';
import { kmsClient, ROOT, spawnTrent, tempDir, type ChildTrent } from '../support/trent.ts';

const nodeOf = (t: ChildTrent) => /audit trail: .* \(node (\S+)\)/.exec(t.stdout())![1]!;

test('two processes on one data directory keep one chain each; a killed node resumes its own', async () => {
  const dir = tempDir();
  const procs: ChildTrent[] = [];
  try {
    const a = await spawnTrent(['--data-dir', dir]);
    procs.push(a);
    const b = await spawnTrent(['--data-dir', dir]);
    procs.push(b);
    assert.notEqual(nodeOf(a), nodeOf(b));
    const ka = kmsClient(a.url, a.caPath);
    const kb = kmsClient(b.url, b.caPath);
    const id = (await ka.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    await kb.send(new EncryptCommand({ KeyId: id, Plaintext: Buffer.from('b') }));
    ka.destroy();
    a.proc.kill('SIGKILL');
    await a.exited;

    const again = await spawnTrent(['--data-dir', dir]);
    procs.push(again);
    assert.equal(nodeOf(again), nodeOf(a), 'the restarted node takes over its own (stale) id');
    const k2 = kmsClient(again.url, again.caPath);
    await k2.send(new EncryptCommand({ KeyId: id, Plaintext: Buffer.from('a') }));
    k2.destroy();
    kb.destroy();

    const names = readdirSync(join(dir, 'audit')).filter((f) => f.endsWith('.jsonl'));
    assert.ok(names.some((n) => n.startsWith(`${nodeOf(a)}.`)) && names.some((n) => n.startsWith(`${nodeOf(b)}.`)), names.join(' '));
    const v = await run(process.execPath, [join(ROOT, 'bin/trent.js'), 'audit', 'verify', '--data-dir', dir]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout, new RegExp(`node ${nodeOf(a)}: OK`));
    assert.match(v.stdout, new RegExp(`node ${nodeOf(b)}: OK`));
    const q = await run(process.execPath, [join(ROOT, 'bin/trent.js'), 'audit', 'query', '--data-dir', dir, '--key', id]);
    const events = q.stdout.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { eventName: string }).eventName);
    assert.deepEqual(events, ['CreateKey', 'Encrypt', 'Encrypt']);
  } finally {
    for (const t of procs) {
      if (t.proc.exitCode === null && t.proc.signalCode === null) {
        t.proc.kill('SIGTERM');
        await t.exited;
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
});
