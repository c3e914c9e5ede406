/**
 * Everything Trent keeps on disk is private: the data directory (root key, store and its WAL and
 * SHM, bootstrap credentials, TLS key and certificates, audit trail, node locks) is mode 0700 and
 * every file in it 0600 — with a permissive umask, in a data directory someone else created 0755,
 * and for files made later (an audit file after the day turns, a WAL made again after a restart).
 */
import assert from 'node:assert/strict';
import { chmodSync, lstatSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CreateKeyCommand, DecryptCommand, EncryptCommand } from '@aws-sdk/client-kms';
import { rawRequest } from '../support/signed-request.ts';
import { kmsClient, spawnTrent, tempDir, type ChildTrent } from '../support/trent.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Every path under `dir` (not following links) with its permission bits, as `0700`-style text. */
function modes(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      out.set(p + (st.isDirectory() ? '/' : ''), `0${(st.mode & 0o777).toString(8)}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

function assertPrivate(data: string, mustExist: RegExp[]): void {
  assert.equal(`0${(statSync(data).mode & 0o777).toString(8)}`, '0700', 'the data directory');
  const all = modes(data);
  const open = [...all].filter(([p, m]) => m !== (p.endsWith('/') ? '0700' : '0600'));
  assert.deepEqual(open, [], 'every directory 0700, every file 0600');
  for (const re of mustExist) assert.ok([...all.keys()].some((p) => re.test(p)), `expected a file matching ${re} in ${[...all.keys()].join(', ')}`);
}

async function withUmask<T>(mask: number, f: () => Promise<T>): Promise<T> {
  const before = process.umask(mask);
  try {
    return await f();
  } finally {
    process.umask(before);
  }
}

async function stop(t: ChildTrent): Promise<void> {
  t.proc.kill('SIGTERM');
  await t.exited;
}

for (const mask of [0o022, 0o000]) {
  test(`with umask 0${mask.toString(8).padStart(3, '0')} and a data directory created 0755 by someone else, every file Trent writes is private`, async () => {
    const root = tempDir('trent-file-modes-');
    dirs.push(root);
    const data = join(root, 'data');
    mkdirSync(data);
    chmodSync(data, 0o755);
    // An earlier Trent made its TLS directory world-readable.
    mkdirSync(join(data, 'tls'));
    chmodSync(join(data, 'tls'), 0o755);

    const t = await withUmask(mask, () => spawnTrent(['--data-dir', data, '--clock-control']));
    try {
      assert.match(t.stdout() + t.stderr(), /was mode 0755, open to other users; now 0700/, 'the narrowing is logged');
      const kms = kmsClient(t.url, t.caPath);
      try {
        const key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
        const blob = (await kms.send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from('x') }))).CiphertextBlob!;
        assertPrivate(data, [/trent\.db$/, /trent\.db-wal$/, /trent\.db-shm$/, /root\.key$/, /tls\/server\.key$/, /tls\/ca\.pem$/, /audit\/.*\.jsonl$/]);
        // A day later the audit trail goes on in a new file, created while serving.
        const audit = join(data, 'audit');
        const filesBefore = readdirSync(audit).filter((f) => f.endsWith('.jsonl')).length;
        const moved = await rawRequest(t.url, t.caPath, { method: 'POST', path: '/_trent/clock', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceSeconds: 86400 }) });
        assert.equal(moved.status, 200, moved.body);
        await kms.send(new DecryptCommand({ CiphertextBlob: blob }));
        assert.ok(readdirSync(audit).filter((f) => f.endsWith('.jsonl')).length > filesBefore, 'a new audit file');
        assertPrivate(data, []);
      } finally {
        kms.destroy();
      }
    } finally {
      await stop(t);
    }

    // The last connection's close removes the WAL; the next start makes it again.
    const again = await withUmask(mask, () => spawnTrent(['--data-dir', data]));
    try {
      const kms = kmsClient(again.url, again.caPath);
      try {
        await kms.send(new CreateKeyCommand({}));
      } finally {
        kms.destroy();
      }
      assertPrivate(data, [/trent\.db-wal$/, /trent\.db-shm$/]);
    } finally {
      await stop(again);
    }
    assertPrivate(data, []);
  });
}
