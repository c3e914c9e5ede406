/** The identities file is re-read on SIGHUP; a broken file keeps the previous identities. */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { stsRequest } from '../support/signed-request.ts';
import { spawnTrent, tempDir } from '../support/trent.ts';
import { DAVE, identities } from '../support/dave-identities.ts';

async function whoIs(url: string, ca: string | undefined) {
  return stsRequest(url, ca, { Action: 'GetCallerIdentity' }, DAVE);
}

test('SIGHUP reloads identities; a broken file is refused and the old identities stay', async () => {
  const dir = tempDir();
  const file = join(dir, 'identities.yaml');
  writeFileSync(file, identities(false));
  const t = await spawnTrent(['--data-dir', join(dir, 'data'), '--identities', file]);
  try {
    assert.equal((await whoIs(t.url, t.caPath)).status, 403, 'dave is unknown at first');
    writeFileSync(file, identities(true));
    t.proc.kill('SIGHUP');
    let ok = false;
    for (let i = 0; i < 100 && !ok; i++) {
      ok = (await whoIs(t.url, t.caPath)).status === 200;
      if (!ok) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(ok, 'dave is known after SIGHUP');
    writeFileSync(file, 'accounts:\n  "123":\n    principals: []\n');
    t.proc.kill('SIGHUP');
    for (let i = 0; i < 100 && !t.stderr().includes('not reloaded'); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(t.stderr(), /identities not reloaded.*identities\.yaml:2/);
    assert.equal((await whoIs(t.url, t.caPath)).status, 200, 'the previous identities stay');
  } finally {
    t.proc.kill('SIGTERM');
    await t.exited;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a broken identities file stops the start with its line', async () => {
  const dir = tempDir();
  const file = join(dir, 'identities.yaml');
  writeFileSync(file, 'accounts:\n  "111122223333":\n    principals:\n      - arn: not-an-arn\n');
  try {
    await assert.rejects(spawnTrent(['--data-dir', join(dir, 'data'), '--identities', file]), /identities\.yaml:4: accounts\.111122223333\.principals\.0\.arn/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
