/** The audit chain on disk: group commit, rotation, recovery, and failing disks. */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { AuditChainError, AuditLog, AuditWriteError } from './audit-log.ts';
import { type AuditFileOps, nodeFileOps } from './files.ts';
import { claimNode, NodeLockError } from './node-lock.ts';
import { verifyAuditDir } from './verify.ts';

const dirs: string[] = [];
const newDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'trent-audit-unit-'));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

let clockMs = Date.UTC(2030, 0, 1, 12);
const now = () => new Date(clockMs);

/** File operations that count fdatasyncs and fail on demand. */
function faultyOps() {
  const state = { syncs: 0, failSync: false, failWrite: false, failOpen: false };
  const ops: AuditFileOps = {
    async openAppend(path) {
      if (state.failOpen) throw Object.assign(new Error('EIO: injected'), { code: 'EIO' });
      const f = await nodeFileOps.openAppend(path);
      return {
        ...f,
        async write(data) {
          if (state.failWrite) {
            await f.write(data.subarray(0, Math.floor(data.length / 2))); // a partial write lands
            throw Object.assign(new Error('ENOSPC: injected'), { code: 'ENOSPC' });
          }
          await f.write(data);
        },
        async datasync() {
          state.syncs++;
          if (state.failSync) throw Object.assign(new Error('EIO: injected'), { code: 'EIO' });
          await f.datasync();
        },
      };
    },
    syncDir: (d) => nodeFileOps.syncDir(d),
  };
  return { ops, state };
}

const lines = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean));

describe('group commit', () => {
  test('concurrent appends share fdatasyncs, each resolves once durable, and the chain verifies', async () => {
    const dir = newDir();
    const { ops, state } = faultyOps();
    const log = await AuditLog.open({ dir, nodeId: 'n1', now, fileOps: ops });
    const before = state.syncs;
    await Promise.all(Array.from({ length: 200 }, (_, i) => log.append('event', { i })));
    const syncs = state.syncs - before;
    assert.ok(syncs >= 1 && syncs <= 3, `200 concurrent appends took ${syncs} fdatasyncs`);
    await log.close();
    const [r] = await verifyAuditDir(dir);
    assert.equal(r!.broken, undefined);
    assert.equal(r!.entries, 201); // start + 200
    assert.equal(r!.events, 200);
  });

  test('sequential appends each get their own flush', async () => {
    const dir = newDir();
    const { ops, state } = faultyOps();
    const log = await AuditLog.open({ dir, nodeId: 'n1', now, fileOps: ops });
    const before = state.syncs;
    for (let i = 0; i < 5; i++) await log.append('event', { i });
    assert.equal(state.syncs - before, 5);
    await log.close();
  });
});

describe('files', () => {
  test('rotate by size and by UTC day; the chain runs on across files and across restarts', async () => {
    const dir = newDir();
    let log = await AuditLog.open({ dir, nodeId: 'n1', now, maxFileBytes: 600 });
    for (let i = 0; i < 10; i++) await log.append('event', { i, pad: 'x'.repeat(100) });
    clockMs += 86_400_000;
    await log.append('event', { nextDay: true });
    await log.close();
    log = await AuditLog.open({ dir, nodeId: 'n1', now, maxFileBytes: 600 });
    assert.equal(log.seq, 13); // start, 10, nextDay, start again
    await log.close();
    const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
    assert.ok(files.length >= 4, files.join(' '));
    assert.ok(files.some((f) => f.includes('2030-01-02')), files.join(' '));
    const [r] = await verifyAuditDir(dir);
    assert.equal(r!.broken, undefined, JSON.stringify(r!.broken));
    assert.equal(r!.entries, 13);
  });

  test('a torn tail (a flush that never completed) is cut at start and noted', async () => {
    const dir = newDir();
    let log = await AuditLog.open({ dir, nodeId: 'n1', now });
    await log.append('event', { i: 1 });
    await log.close();
    const file = join(dir, readdirSync(dir).find((f) => f.endsWith('.jsonl'))!);
    appendFileSync(file, '{"v":1,"node":"n1","seq":3,"prev":"ab');
    log = await AuditLog.open({ dir, nodeId: 'n1', now });
    await log.close();
    const all = lines(dir);
    assert.match(all[2]!, /"kind":"recovery".*"tornBytes":\d+/);
    const [r] = await verifyAuditDir(dir);
    assert.equal(r!.broken, undefined);
  });

  test('a damaged last line stops the node from starting', async () => {
    const dir = newDir();
    const log = await AuditLog.open({ dir, nodeId: 'n1', now });
    await log.close();
    const file = join(dir, readdirSync(dir).find((f) => f.endsWith('.jsonl'))!);
    writeFileSync(file, readFileSync(file, 'utf8').replace('"kind":"start"', '"kind":"START"'));
    await assert.rejects(AuditLog.open({ dir, nodeId: 'n1', now }), AuditChainError);
  });

  test('each node writes its own chain; a running node holds its id', async () => {
    const dir = newDir();
    const a = claimNode(dir, undefined);
    const b = claimNode(dir, undefined);
    assert.notEqual(a.nodeId, b.nodeId);
    assert.throws(() => claimNode(dir, a.nodeId), NodeLockError);
    const la = await AuditLog.open({ dir, nodeId: a.nodeId, now });
    const lb = await AuditLog.open({ dir, nodeId: b.nodeId, now });
    await Promise.all([la.append('event', { from: 'a' }), lb.append('event', { from: 'b' })]);
    await la.close();
    await lb.close();
    a.release();
    b.release();
    const reports = await verifyAuditDir(dir);
    assert.deepEqual(reports.map((r) => [r.node, r.entries, r.broken]).sort(), [[a.nodeId, 2, undefined], [b.nodeId, 2, undefined]].sort());
    // Released: the id is free again (a restarted node resumes its chain).
    claimNode(dir, a.nodeId).release();
    // A lock left by a process that is gone is taken over.
    writeFileSync(join(dir, 'ghost.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname() }));
    claimNode(dir, 'ghost').release();
  });
});

describe('a failing disk', () => {
  for (const mode of ['failSync', 'failWrite'] as const) {
    test(`${mode}: the batch is refused, nothing of it stays, and writing resumes when the disk heals`, async () => {
      const dir = newDir();
      const { ops, state } = faultyOps();
      const log = await AuditLog.open({ dir, nodeId: 'n1', now, fileOps: ops });
      await log.append('event', { ok: 1 });
      state[mode] = true;
      const refused = await Promise.allSettled([log.append('event', { lost: 1 }), log.append('event', { lost: 2 })]);
      assert.ok(refused.every((r) => r.status === 'rejected' && r.reason instanceof AuditWriteError));
      assert.ok(!lines(dir).some((l) => l.includes('"lost"')), 'a refused entry left a line');
      state.failOpen = true;
      await assert.rejects(log.append('event', { lost: 3 }), AuditWriteError);
      state[mode] = false;
      state.failOpen = false;
      await log.append('event', { ok: 2 });
      await log.close();
      assert.ok(!lines(dir).some((l) => l.includes('"lost"')));
      const [r] = await verifyAuditDir(dir);
      assert.equal(r!.broken, undefined, JSON.stringify(r!.broken));
      assert.equal(r!.events, 2);
    });
  }

  test('overlapping flushes: when the first fails, the batch written after it is refused too, and neither stays', async () => {
    const dir = newDir();
    let hold: { resolve: () => void } | undefined;
    const held: Promise<void>[] = [];
    const ops: AuditFileOps = {
      async openAppend(path) {
        const f = await nodeFileOps.openAppend(path);
        return {
          ...f,
          async datasync() {
            if (hold === undefined) return f.datasync();
            // The first fdatasync after arming hangs until released, then fails; later ones succeed.
            const h = hold;
            hold = undefined;
            const p = new Promise<void>((resolve) => (h.resolve = resolve));
            held.push(p);
            await p;
            throw Object.assign(new Error('EIO: injected'), { code: 'EIO' });
          },
        };
      },
      syncDir: (d) => nodeFileOps.syncDir(d),
    };
    const log = await AuditLog.open({ dir, nodeId: 'n1', now, fileOps: ops, maxInFlight: 2 });
    await log.append('event', { ok: 1 });
    const gate = { resolve: () => {} };
    hold = gate;
    const first = log.append('event', { lost: 1 });
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    assert.equal(held.length, 1, 'the first batch is in its fdatasync');
    const second = log.append('event', { lost: 2 }); // starts while the first is in flight
    for (let i = 0; i < 400 && !lines(dir).some((l) => l.includes('"lost":2')); i++) await new Promise((r) => setTimeout(r, 5));
    assert.ok(lines(dir).some((l) => l.includes('"lost":2')), 'the second batch was written without waiting for the first');
    gate.resolve();
    const settled = await Promise.allSettled([first, second]);
    assert.deepEqual(settled.map((r) => r.status), ['rejected', 'rejected']);
    assert.ok(!lines(dir).some((l) => l.includes('"lost"')), 'a refused entry left a line');
    await log.append('event', { ok: 2 });
    await log.close();
    const [r] = await verifyAuditDir(dir);
    assert.equal(r!.broken, undefined, JSON.stringify(r!.broken));
    assert.equal(r!.events, 2);
  });
});
