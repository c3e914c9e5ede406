/**
 * Crash consistency: Trent as a child process under a mixed write load from several clients,
 * killed with SIGKILL at a random moment, restarted, and checked against everything it ever
 * acknowledged (see crash-model.ts for how "acknowledged" and "maybe" are tracked):
 *
 * - every acknowledged key, state, alias, key policy, rotation (and rotation setting) is there;
 * - every ciphertext and data key ever returned decrypts to its plaintext (or, for a key whose
 *   deletion was acknowledged, answers NotFoundException);
 * - nothing unacknowledged is half-applied: while Trent is down the store itself is opened and
 *   every key has its current material (unwrapping under the root key), every on-demand
 *   rotation counted on the key row has its material row, every alias names a live key, every
 *   deleted key left a tombstone and no material; a key that appears without an acknowledgement
 *   must be one whose CreateKey got no answer, and complete.
 *
 * The load: CreateKey, Encrypt, GenerateDataKey, CreateAlias, UpdateAlias, DeleteAlias,
 * PutKeyPolicy, EnableKeyRotation, RotateKeyOnDemand, DisableKey, EnableKey,
 * ScheduleKeyDeletion, CancelKeyDeletion, and clock moves of 31 days (test clock) that make the
 * scheduler delete keys and rotate them automatically — so the kill also lands inside jobs.
 */
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { FileKeyring, loadOrCreateRootKey } from '../../../src/keyring/file-keyring.ts';
import { systemRng } from '../../../src/crypto/rng.ts';
import { materialAad } from '../../../src/domain/core.ts';
import type { KeyStore } from '../../../src/domain/ports.ts';
import { SqliteStore } from '../../../src/storage/sqlite/sqlite-store.ts';
import { PostgresStore } from '../../../src/storage/postgres/postgres-store.ts';
import { run } from '../../support/run.ts';
import { ROOT, spawnTrent, TEST_ACCOUNT, tempDir, type ChildTrent } from '../../support/trent.ts';
import { CrashModel, one, Violations, type Ciphertext, type KeyModel, type KeyState } from './crash-model.ts';
import { Rand } from './rand.ts';
import { b64, TransportError, unb64, WireClient, type Reply } from './wire-client.ts';

const REGION = 'us-east-1';
const DAY_S = 86_400;
const CONTEXT_WORDS = ['purpose', 'tenant', 'ü', '日本語', '😀', 'a', 'ab', 'c', 'bc', ' ', 'x'.repeat(40), 'Ω≈ç√', '\u2028'];

export interface CrashOptions {
  cycles: number;
  /** PostgreSQL URL (a fresh database); absent: the embedded SQLite in the data directory. */
  storeUrl?: string;
  clients?: number;
  seed: number;
  /** How long the load runs before the kill, in ms (uniform). */
  loadMs?: [number, number];
  log?: (line: string) => void;
}

export interface CrashReport {
  seed: number;
  cycles: number;
  kills: number;
  acked: Record<string, number>;
  unknown: Record<string, number>;
  keys: number;
  deletedKeys: number;
  aliases: number;
  ciphertexts: number;
  decrypted: number;
  storeChecks: number;
  violations: string[];
  seconds: number;
}

interface Cycle {
  t: ChildTrent;
  client: WireClient;
  killedAt?: number;
  stopped: boolean;
}

class Driver {
  readonly model = new CrashModel();
  readonly v = new Violations();
  readonly rand: Rand;
  readonly dir = tempDir('trent-crash-');
  readonly args: string[];
  decrypted = 0;
  storeChecks = 0;
  kills = 0;
  movesEver = 0;

  constructor(readonly o: CrashOptions) {
    this.rand = new Rand(o.seed);
    this.args = ['--data-dir', this.dir, '--no-tls', '--clock-control', '--scheduler-interval', '1', ...(o.storeUrl !== undefined ? ['--store', o.storeUrl] : [])];
  }

  log(line: string): void {
    this.o.log?.(line);
  }

  /** The Trent of the current cycle (killed in `finally` should the driver itself fail). */
  live: ChildTrent | undefined;

  async start(): Promise<Cycle> {
    const t = await spawnTrent(this.args, { TRENT_NODE_ID: 'crash' });
    this.live = t;
    return { t, client: new WireClient(t.url, { timeoutMs: 30_000 }), stopped: false };
  }

  // ---------------------------------------------------------------- the load

  /** A request during the load. Undefined: no answer (the kill, or a failure the caller reports). */
  async send(cy: Cycle, op: string, input: unknown): Promise<Reply | undefined> {
    try {
      return await cy.client.call(op, input);
    } catch (e) {
      if (!(e instanceof TransportError)) throw e;
      if (cy.killedAt === undefined) this.v.add(`${op}: no answer while Trent was running: ${e.message}`);
      this.model.countUnknown(op);
      return undefined;
    }
  }

  /** A non-200 answer to a request the model says must succeed. */
  refused(op: string, r: Reply, what: string): void {
    this.v.add(`${op} on ${what}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
  }

  context(): Record<string, string> | undefined {
    const n = this.rand.int(0, 3);
    if (n === 0) return undefined;
    const ctx: Record<string, string> = {};
    for (let i = 0; i < n; i++) ctx[`${this.rand.pick(CONTEXT_WORDS)}${i}`] = this.rand.pick(CONTEXT_WORDS);
    return ctx;
  }

  async clientLoop(cy: Cycle, c: number): Promise<void> {
    while (!cy.stopped) await this.step(cy, c);
  }

  async step(cy: Cycle, c: number): Promise<void> {
    const m = this.model;
    const enabled = m.usable(c, 'Enabled');
    const disabled = m.usable(c, 'Disabled');
    const pending = m.usable(c, 'PendingDeletion');
    const live = [...enabled, ...disabled];
    const aliases = m.ownedAliases(c).filter((a) => {
      const t = one(a.targets);
      if (t === null || t === undefined) return false;
      const k = m.keys.get(t);
      return k !== undefined && !k.busy && !k.deletable && (one(k.states) === 'Enabled' || one(k.states) === 'Disabled');
    });
    const op = this.rand.weighted({
      CreateKey: enabled.length < 3 ? 6 : 0.5,
      Encrypt: enabled.length ? 4 : 0,
      GenerateDataKey: enabled.length ? 1.5 : 0,
      CreateAlias: enabled.some((k) => this.aliasCount(k.keyId) < 40) ? 0.7 : 0,
      UpdateAlias: aliases.length && enabled.length >= 2 ? 0.6 : 0,
      DeleteAlias: aliases.length ? 0.3 : 0,
      PutKeyPolicy: live.length ? 0.8 : 0,
      EnableKeyRotation: enabled.length ? 0.3 : 0,
      RotateKeyOnDemand: enabled.some((k) => k.onDemandSent < 20) ? 0.8 : 0,
      DisableKey: enabled.length > 2 ? 0.3 : 0,
      EnableKey: disabled.length ? 0.8 : 0,
      ScheduleKeyDeletion: live.length > 3 ? 0.4 : 0,
      CancelKeyDeletion: pending.length ? 0.4 : 0,
    });
    switch (op) {
      case 'CreateKey': {
        const token = `c${c}-${m.tick()}-${this.o.seed}`;
        m.pendingCreates.set(token, { token, owner: c });
        const r = await this.send(cy, op, { Description: `crash ${token}`, Tags: [{ TagKey: 'crash', TagValue: token }] });
        if (!r) return;
        m.pendingCreates.delete(token);
        if (r.status !== 200) return this.refused(op, r, token);
        const md = r.json!.KeyMetadata as { KeyId: string; Arn: string };
        m.addKey(md.KeyId, md.Arn, c);
        m.countAck(op);
        return;
      }
      case 'Encrypt':
      case 'GenerateDataKey': {
        const k = this.rand.pick(enabled);
        const context = this.context();
        const plaintext = op === 'Encrypt' ? this.rand.bytes(this.rand.chance(0.05) ? 4096 : this.rand.int(1, 300)) : undefined;
        const input = {
          KeyId: this.rand.chance(0.2) ? k.arn : k.keyId,
          ...(plaintext ? { Plaintext: b64(plaintext) } : { KeySpec: 'AES_256' }),
          ...(context ? { EncryptionContext: context } : {}),
        };
        const r = await this.send(cy, op, input);
        if (!r) return;
        if (r.status !== 200) return this.refused(op, r, k.keyId);
        const ct: Ciphertext = { keyId: k.keyId, blob: String(r.json!.CiphertextBlob), plaintext: plaintext ?? unb64(r.json!.Plaintext), ...(context ? { context } : {}), verified: false };
        k.ciphertexts.push(ct);
        m.countAck(op);
        return;
      }
      case 'CreateAlias': {
        // "Aliases per KMS key: 50": stay below it.
        const k = this.rand.pick(enabled.filter((x) => this.aliasCount(x.keyId) < 40));
        const name = `alias/crash-c${c}-${m.tick()}`;
        const a = { name, owner: c, targets: new Set<string | null>([null, k.keyId]), busy: true };
        m.aliases.set(name, a);
        const r = await this.send(cy, op, { AliasName: name, TargetKeyId: k.keyId });
        a.busy = false;
        if (!r) return;
        if (r.status !== 200) {
          a.targets = new Set([null]);
          return this.refused(op, r, name);
        }
        a.targets = new Set([k.keyId]);
        m.countAck(op);
        return;
      }
      case 'UpdateAlias':
      case 'DeleteAlias': {
        const a = this.rand.pick(aliases);
        const from = one(a.targets)!;
        const to = op === 'UpdateAlias' ? this.rand.pick(enabled.filter((k) => k.keyId !== from)) : undefined;
        if (op === 'UpdateAlias' && !to) return;
        a.busy = true;
        const r = await this.send(cy, op, to ? { AliasName: a.name, TargetKeyId: to.keyId } : { AliasName: a.name });
        a.busy = false;
        const after = to ? to.keyId : null;
        if (!r) {
          a.targets = new Set([from, after]);
          return;
        }
        if (r.status !== 200) return this.refused(op, r, a.name);
        a.targets = new Set([after]);
        m.countAck(op);
        return;
      }
      case 'PutKeyPolicy': {
        const k = this.rand.pick(live);
        const token = `policy-${m.tick()}`;
        const policy = JSON.stringify({
          Version: '2012-10-17',
          Id: token,
          Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${TEST_ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }],
        });
        await this.change(cy, k, op, { KeyId: k.keyId, PolicyName: 'default', Policy: policy }, () => k.policies.add(token), () => (k.policies = new Set([token])));
        return;
      }
      case 'EnableKeyRotation': {
        const k = this.rand.pick(enabled);
        await this.change(cy, k, op, { KeyId: k.keyId, RotationPeriodInDays: 90 }, () => k.rotationEnabled.add(true), () => (k.rotationEnabled = new Set([true])));
        return;
      }
      case 'RotateKeyOnDemand': {
        const k = this.rand.pick(enabled.filter((x) => x.onDemandSent < 20));
        k.onDemandSent++;
        await this.change(cy, k, op, { KeyId: k.keyId }, () => k.rotationsMax++, () => {
          k.rotationsMin++;
          k.rotationsMax++;
        });
        return;
      }
      case 'DisableKey':
      case 'EnableKey':
      case 'CancelKeyDeletion': {
        const k = this.rand.pick(op === 'DisableKey' ? enabled : op === 'EnableKey' ? disabled : pending);
        const to: KeyState = op === 'EnableKey' ? 'Enabled' : 'Disabled';
        await this.change(cy, k, op, { KeyId: k.keyId }, () => k.states.add(to), () => (k.states = new Set([to])));
        return;
      }
      case 'ScheduleKeyDeletion': {
        const k = this.rand.pick(live);
        k.scheduleSentSeq = m.seq + 1;
        if (m.movesInFlight > 0) k.deletable = true;
        await this.change(cy, k, op, { KeyId: k.keyId, PendingWindowInDays: this.rand.int(7, 30) }, () => k.states.add('PendingDeletion'), () => {
          k.states = new Set(['PendingDeletion']);
          k.scheduleAckSeq = m.seq;
          if (m.movesInFlight > 0) k.deletable = true;
        });
        return;
      }
      default:
        await new Promise((r) => setTimeout(r, 5));
    }
  }

  aliasCount(keyId: string): number {
    let n = 0;
    for (const a of this.model.aliases.values()) if (a.targets.has(keyId)) n++;
    return n;
  }

  /** A change to one key: busy while in flight; `maybe` when no answer came, `acked` on 200. */
  async change(cy: Cycle, k: KeyModel, op: string, input: unknown, maybe: () => void, acked: () => void): Promise<void> {
    k.busy = true;
    k.dirty = true;
    k.pendingOp = op;
    this.model.tick();
    const r = await this.send(cy, op, input);
    this.model.tick();
    k.busy = false;
    delete k.pendingOp;
    if (!r) return maybe();
    if (r.status !== 200) {
      // A clock move sent meanwhile may have let the scheduler delete the key first.
      if (k.deletable && r.json?.__type === 'NotFoundException') return void (k.states = new Set(['Deleted']));
      return this.refused(op, r, k.keyId);
    }
    acked();
    this.model.countAck(op);
  }

  /** Moves Trent's clock 31 days (past every deletion window) once, at a random moment. */
  async mover(cy: Cycle, atMs: number): Promise<void> {
    await new Promise((r) => setTimeout(r, atMs));
    if (cy.stopped || cy.killedAt !== undefined) return;
    const m = this.model;
    const sentSeq = m.tick();
    m.movesInFlight++;
    m.clockMoveSent();
    this.movesEver++;
    let r: Reply | undefined;
    try {
      r = await cy.client.send({ path: '/_trent/clock', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceSeconds: 31 * DAY_S }) });
    } catch (e) {
      if (!(e instanceof TransportError)) throw e;
      if (cy.killedAt === undefined) this.v.add(`clock move: no answer while Trent was running: ${e.message}`);
      m.countUnknown('ClockMove');
    } finally {
      m.movesInFlight--;
    }
    m.tick();
    if (!r) return;
    if (r.status !== 200) return void this.v.add(`clock move: HTTP ${r.status} ${r.text.slice(0, 300)}`);
    m.clockMoveAcked(sentSeq, (r.json?.deleted as string[] | undefined) ?? []);
    m.countAck('ClockMove');
  }

  async loadAndKill(cy: Cycle): Promise<void> {
    const [lo, hi] = this.o.loadMs ?? [200, 1500];
    const killAfter = this.rand.int(lo, hi);
    const loops = Array.from({ length: this.o.clients ?? 4 }, (_, c) => this.clientLoop(cy, c));
    const mover = this.rand.chance(0.6) ? this.mover(cy, this.rand.int(0, killAfter)) : Promise.resolve();
    await new Promise((r) => setTimeout(r, killAfter));
    cy.killedAt = Date.now();
    // Requests in flight now get no answer; the clients send nothing new.
    cy.stopped = true;
    cy.t.proc.kill('SIGKILL');
    this.kills++;
    await cy.t.exited;
    await Promise.all([...loops, mover]);
    cy.client.close();
    this.internalErrors(cy);
  }

  /** A 500 is a violation by itself; its cause is in the server's log. */
  internalErrors(cy: Cycle): void {
    for (const line of cy.t.stderr().split('\n')) if (/internal error|unhandled/i.test(line)) this.v.add(`server log: ${line.slice(0, 1500)}`);
  }

  // ---------------------------------------------------------------- the store, while Trent is down

  async openStore(): Promise<KeyStore> {
    return this.o.storeUrl !== undefined ? PostgresStore.open(this.o.storeUrl) : new SqliteStore(join(this.dir, 'trent.db'));
  }

  /** Nothing half-applied, read straight from the store with Trent down. */
  async inspectStore(cycle: number): Promise<void> {
    const store = await this.openStore();
    const keyring = new FileKeyring(loadOrCreateRootKey(this.dir, systemRng).key, systemRng);
    const where = `store after kill ${cycle}`;
    try {
      const live = new Set<string>();
      for (let after: string | undefined; ; ) {
        const page = await store.listKeys(TEST_ACCOUNT, REGION, after, 500);
        for (const k of page) {
          live.add(k.keyId);
          this.storeChecks++;
          const mats = await store.listMaterials(k.keyId);
          if (k.origin === 'AWS_KMS' && !mats.some((x) => x.materialId === k.currentMaterialId)) this.v.add(`${where}: key ${k.keyId} has no row for its current material ${k.currentMaterialId}`);
          for (const mat of mats) {
            try {
              keyring.unwrap(mat.wrapped, materialAad(k.keyId, mat.materialId)).fill(0);
            } catch (e) {
              this.v.add(`${where}: material ${mat.materialId} of ${k.keyId} does not unwrap: ${(e as Error).message}`);
            }
          }
          const onDemand = mats.filter((x) => x.rotationType === 'ON_DEMAND').length;
          if (onDemand !== k.rotation.onDemandCount) this.v.add(`${where}: key ${k.keyId} counts ${k.rotation.onDemandCount} on-demand rotations but has ${onDemand} such materials`);
          if (k.state === 'PendingDeletion' && k.deletionDate === undefined) this.v.add(`${where}: key ${k.keyId} is PendingDeletion without a deletion date`);
          if (k.rotation.enabled && k.rotation.nextRotationAt === undefined) this.v.add(`${where}: key ${k.keyId} has rotation enabled without a next date`);
        }
        if (page.length < 500) break;
        after = page[page.length - 1]!.keyId;
      }
      for (const a of await store.listAliases(TEST_ACCOUNT, REGION, { limit: 100_000 })) {
        this.storeChecks++;
        if (!live.has(a.targetKeyId)) this.v.add(`${where}: alias ${a.aliasName} names missing key ${a.targetKeyId}`);
      }
      for (const k of this.model.keys.values()) {
        if (live.has(k.keyId)) continue;
        this.storeChecks++;
        if (!(await store.getDeletedKey({ keyId: k.keyId, region: 'us-east-1' }))) this.v.add(`${where}: key ${k.keyId} is gone without a tombstone`);
        if ((await store.listMaterials(k.keyId)).length > 0) this.v.add(`${where}: deleted key ${k.keyId} kept material rows`);
      }
    } finally {
      await store.close();
    }
  }

  // ---------------------------------------------------------------- after the restart

  async call(cy: Cycle, op: string, input: unknown): Promise<Reply> {
    try {
      return await cy.client.call(op, input);
    } catch (e) {
      throw new Error(`${op} during verification: ${(e as Error).message}`);
    }
  }

  async listAll(cy: Cycle, op: 'ListKeys' | 'ListAliases', field: 'Keys' | 'Aliases'): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for (let marker: string | undefined; ; ) {
      const r = await this.call(cy, op, { Limit: 1000, ...(marker ? { Marker: marker } : {}) });
      if (r.status !== 200) throw new Error(`${op}: HTTP ${r.status} ${r.text}`);
      out.push(...(r.json![field] as Record<string, unknown>[]));
      if (!r.json!.Truncated) return out;
      marker = String(r.json!.NextMarker);
    }
  }

  async decryptCheck(cy: Cycle, k: KeyModel, ct: Ciphertext, state: KeyState, where: string): Promise<void> {
    const r = await this.call(cy, 'Decrypt', { CiphertextBlob: ct.blob, ...(ct.context ? { EncryptionContext: ct.context } : {}) });
    const expected = { Enabled: undefined, Disabled: 'DisabledException', PendingDeletion: 'KMSInvalidStateException', Deleted: 'NotFoundException' }[state];
    if (expected === undefined) {
      if (r.status !== 200) return this.v.add(`${where}: a ciphertext of ${k.keyId} (Enabled) does not decrypt: HTTP ${r.status} ${r.text.slice(0, 200)}`);
      if (!unb64(r.json!.Plaintext).equals(ct.plaintext)) return this.v.add(`${where}: a ciphertext of ${k.keyId} decrypts to the wrong plaintext`);
      if (r.json!.KeyId !== k.arn) return this.v.add(`${where}: Decrypt names ${String(r.json!.KeyId)}, not ${k.arn}`);
      ct.verified = true;
      this.decrypted++;
    } else if (r.json?.__type !== expected) {
      this.v.add(`${where}: a ciphertext of ${k.keyId} (${state}) answered HTTP ${r.status} ${r.text.slice(0, 200)}, expected ${expected}`);
    }
  }

  /** Every acknowledged thing is there; every maybe resolved by looking; unknown keys complete. */
  async verify(cy: Cycle, cycle: number, full: boolean): Promise<void> {
    const m = this.model;
    const where = full ? 'final check' : `restart ${cycle}`;
    const listed = new Map((await this.listAll(cy, 'ListKeys', 'Keys')).map((k) => [String(k.KeyId), String(k.KeyArn)]));
    const observed = new Map<string, KeyState>();

    // Every key something happened to, and a sample of the others (all of them in the final check).
    const due = [...m.keys.values()].filter(
      (k) => full || k.dirty || k.deletable || k.ciphertexts.some((c) => !c.verified) || k.states.size > 1 || k.policies.size > 1 || k.rotationEnabled.size > 1 || k.rotationsMin !== k.rotationsMax || this.rand.chance(0.1),
    );
    await pool(due, 6, (k) => this.verifyKey(cy, k, listed, observed, where, full));
    for (const k of due) k.dirty = false;
    // A key not checked this time must still be listed unless it may have been deleted.
    for (const k of m.keys.values()) {
      if (observed.has(k.keyId)) continue;
      const s = one(k.states);
      if (s !== 'Deleted' && !listed.has(k.keyId)) this.v.add(`${where}: key ${k.keyId} (${s}) is missing from ListKeys`);
      if (s === 'Deleted' && listed.has(k.keyId)) this.v.add(`${where}: deleted key ${k.keyId} is back in ListKeys`);
      if (s !== undefined) observed.set(k.keyId, listed.has(k.keyId) ? s : 'Deleted');
    }

    // Keys nobody was told about: only from a CreateKey that got no answer, and complete.
    for (const [keyId, arn] of listed) {
      if (m.keys.has(keyId)) continue;
      const d = await this.call(cy, 'DescribeKey', { KeyId: keyId });
      const md = d.json?.KeyMetadata as { Description?: string; KeyState?: string } | undefined;
      const token = /^crash (\S+)$/.exec(md?.Description ?? '')?.[1];
      const pc = token !== undefined ? m.pendingCreates.get(token) : undefined;
      if (!pc) {
        this.v.add(`${where}: key ${keyId} exists but no CreateKey for it is outstanding (${d.text.slice(0, 200)})`);
        continue;
      }
      if (md?.KeyState !== 'Enabled') this.v.add(`${where}: unacknowledged key ${keyId} is ${md?.KeyState}, not Enabled`);
      const plaintext = this.rand.bytes(32);
      const e = await this.call(cy, 'Encrypt', { KeyId: keyId, Plaintext: b64(plaintext) });
      if (e.status !== 200) this.v.add(`${where}: unacknowledged key ${keyId} cannot encrypt: ${e.text.slice(0, 200)}`);
      const k = m.addKey(keyId, arn, pc.owner);
      if (e.status === 200) {
        const ct: Ciphertext = { keyId, blob: String(e.json!.CiphertextBlob), plaintext, verified: false };
        k.ciphertexts.push(ct);
        await this.decryptCheck(cy, k, ct, 'Enabled', where);
      }
      observed.set(keyId, 'Enabled');
    }
    m.pendingCreates.clear();

    // Aliases: each is one of its possible targets (none, once its key is deleted); no strays.
    const aliasList = (await this.listAll(cy, 'ListAliases', 'Aliases')).filter((a) => String(a.AliasName).startsWith('alias/crash-'));
    const actual = new Map(aliasList.map((a) => [String(a.AliasName), a.TargetKeyId === undefined ? null : String(a.TargetKeyId)]));
    for (const a of m.aliases.values()) {
      // A key past its deletion date may be deleted (with its aliases) while this check runs.
      const allowed = new Set<string | null>();
      for (const t of a.targets) {
        const k = t === null ? undefined : m.keys.get(t);
        if (t === null || observed.get(t) === 'Deleted' || one(k?.states ?? new Set()) === 'Deleted') allowed.add(null);
        else {
          allowed.add(t);
          if (k?.deletable) allowed.add(null);
        }
      }
      const got = actual.get(a.name) ?? null;
      if (!allowed.has(got)) {
        const detail = [...a.targets].map((t) => (t === null ? 'none' : `${t} (${[...(m.keys.get(t)?.states ?? [])].join('/')}${m.keys.get(t)?.deletable ? ', deletable' : ''}, observed ${observed.get(t)})`));
        this.v.add(`${where}: alias ${a.name} → ${got}, expected one of ${detail.join(' | ')}`);
      }
      a.targets = new Set([got]);
      actual.delete(a.name);
    }
    for (const [name, target] of actual) this.v.add(`${where}: alias ${name} → ${target} was never asked for`);
    for (const a of aliasList) {
      const t = a.TargetKeyId === undefined ? undefined : String(a.TargetKeyId);
      if (t === undefined || !listed.has(t)) this.v.add(`${where}: alias ${String(a.AliasName)} names a key that does not exist (${t})`);
    }
  }

  async verifyKey(cy: Cycle, k: KeyModel, listed: Map<string, string>, observed: Map<string, KeyState>, where: string, full: boolean): Promise<void> {
    const allowed = new Set(k.states);
    if (k.deletable) allowed.add('Deleted');
    let state: KeyState = 'Deleted';
    if (listed.has(k.keyId)) {
      const d = await this.call(cy, 'DescribeKey', { KeyId: k.keyId });
      if (d.status === 200) state = (d.json!.KeyMetadata as { KeyState: KeyState }).KeyState;
      else if (d.json?.__type !== 'NotFoundException') this.v.add(`${where}: DescribeKey ${k.keyId}: HTTP ${d.status} ${d.text.slice(0, 200)}`);
    }
    if (!allowed.has(state)) this.v.add(`${where}: key ${k.keyId} is ${state}, expected one of ${[...allowed].join('/')}`);
    observed.set(k.keyId, state);
    k.states = new Set([state]);
    if (state !== 'PendingDeletion') k.deletable = false;
    if (state === 'Deleted') {
      const ct = k.ciphertexts[0];
      if (ct && (full || !ct.verified)) await this.decryptCheck(cy, k, ct, state, where);
      return;
    }
    // Past its deletion date the scheduler may delete the key between any two reads (and a read
    // of its materials may already see them gone): only its state is checked until it settles.
    if (state === 'PendingDeletion' && k.deletable) return;
    // A key whose deletion date has passed may go between two of these calls: that is no violation.
    const gone = (r: Reply) => k.deletable && r.json?.__type === 'NotFoundException' && (k.states = new Set(['Deleted'])) !== undefined;

    const p = await this.call(cy, 'GetKeyPolicy', { KeyId: k.keyId, PolicyName: 'default' });
    if (gone(p)) return;
    if (p.status !== 200) this.v.add(`${where}: GetKeyPolicy ${k.keyId}: HTTP ${p.status} ${p.text.slice(0, 200)}`);
    else {
      const id = String((JSON.parse(String(p.json!.Policy)) as { Id?: string }).Id);
      const token = id === 'key-default-1' ? 'default' : id;
      if (!k.policies.has(token)) this.v.add(`${where}: key ${k.keyId} has policy ${token}, expected one of ${[...k.policies].join('/')}`);
      k.policies = new Set([token]);
    }

    if (state !== 'PendingDeletion') {
      const s = await this.call(cy, 'GetKeyRotationStatus', { KeyId: k.keyId });
      if (gone(s)) return;
      if (s.status !== 200) this.v.add(`${where}: GetKeyRotationStatus ${k.keyId}: HTTP ${s.status} ${s.text.slice(0, 200)}`);
      else {
        const on = s.json!.KeyRotationEnabled === true;
        if (!k.rotationEnabled.has(on)) this.v.add(`${where}: key ${k.keyId} rotation enabled=${on}, expected ${[...k.rotationEnabled].join('/')}`);
        k.rotationEnabled = new Set([on]);
      }
    }

    const rot = await this.call(cy, 'ListKeyRotations', { KeyId: k.keyId, IncludeKeyMaterial: 'ALL_KEY_MATERIAL', Limit: 1000 });
    if (gone(rot)) return;
    if (rot.status !== 200) this.v.add(`${where}: ListKeyRotations ${k.keyId}: HTTP ${rot.status} ${rot.text.slice(0, 200)}`);
    else {
      const entries = rot.json!.Rotations as { KeyMaterialId: string; RotationType?: string }[];
      const n = entries.filter((e) => e.RotationType !== undefined).length;
      if (n < k.rotationsMin || n > k.rotationsMax) this.v.add(`${where}: key ${k.keyId} has ${n} rotations, expected ${k.rotationsMin}..${k.rotationsMax}`);
      const ids = new Set(entries.map((e) => e.KeyMaterialId));
      for (const id of k.materials) if (!ids.has(id)) this.v.add(`${where}: key ${k.keyId} lost material ${id}`);
      k.materials = ids;
      k.rotationsMin = n;
      k.rotationsMax = k.rotationsMax === Number.POSITIVE_INFINITY && k.rotationEnabled.has(true) ? Number.POSITIVE_INFINITY : n;
    }

    // Every new ciphertext and a sample of the older ones (the final check decrypts them all).
    const old = k.ciphertexts.filter((c) => c.verified);
    const toCheck = state === 'Enabled' ? [...k.ciphertexts.filter((c) => !c.verified), ...(full ? [] : old.slice(-3))] : k.ciphertexts.slice(0, 1);
    for (const ct of toCheck) await this.decryptCheck(cy, k, ct, state, where);
  }

  /** Brings every key back to Enabled where it can, then decrypts every ciphertext ever returned. */
  async finalDecryptAll(cy: Cycle): Promise<void> {
    await pool([...this.model.keys.values()], 6, async (k) => {
      let state = one(k.states)!;
      if (state === 'PendingDeletion') {
        const r = await this.call(cy, 'CancelKeyDeletion', { KeyId: k.keyId });
        // The scheduler may delete a key whose date has passed just before the cancel.
        state = r.status === 200 ? 'Disabled' : r.json?.__type === 'NotFoundException' ? 'Deleted' : state;
        if (r.status !== 200 && state !== 'Deleted') this.v.add(`final: CancelKeyDeletion ${k.keyId}: ${r.text.slice(0, 200)}`);
      }
      if (state === 'Disabled') {
        const r = await this.call(cy, 'EnableKey', { KeyId: k.keyId });
        if (r.status === 200) state = 'Enabled';
        else this.v.add(`final: EnableKey ${k.keyId}: ${r.text.slice(0, 200)}`);
      }
      k.states = new Set([state]);
      for (const ct of k.ciphertexts) await this.decryptCheck(cy, k, ct, state, 'final decrypt');
    });
  }

  async runAll(): Promise<CrashReport> {
    const started = Date.now();
    let reported = 0;
    try {
      for (let cycle = 1; cycle <= this.o.cycles; cycle++) {
        const t0 = Date.now();
        const cy = await this.start();
        const t1 = Date.now();
        if (cycle > 1) await this.verify(cy, cycle, false);
        const t2 = Date.now();
        await this.loadAndKill(cy);
        const t3 = Date.now();
        await this.inspectStore(cycle);
        const ms = `start ${t1 - t0} ms, verify ${t2 - t1} ms, load ${t3 - t2} ms, store ${Date.now() - t3} ms`;
        this.log(`cycle ${cycle}: ${this.model.keys.size} keys, ${[...this.model.acked.values()].reduce((a, b) => a + b, 0)} acknowledged, ${this.v.list.length} violations (${ms})`);
        for (const line of this.v.list.slice(reported)) this.log(`  violation: ${line}`);
        reported = this.v.list.length;
      }
      const cy = await this.start();
      await this.verify(cy, this.o.cycles + 1, true);
      await this.finalDecryptAll(cy);
      cy.client.close();
      cy.t.proc.kill('SIGTERM');
      const exit = await cy.t.exited;
      this.internalErrors(cy);
      if (exit.code !== 0) this.v.add(`final stop: exit ${exit.code} ${exit.signal}: ${cy.t.stderr().slice(-500)}`);
      // The audit chain survived every kill: a torn last line is repaired, never a broken chain.
      const audit = await run(process.execPath, [join(ROOT, 'bin/trent.js'), 'audit', 'verify', '--data-dir', this.dir], { timeoutMs: 120_000 });
      if (audit.code !== 0) this.v.add(`trent audit verify: exit ${audit.code}: ${(audit.stdout + audit.stderr).slice(-800)}`);
    } finally {
      if (this.live && this.live.proc.exitCode === null && this.live.proc.signalCode === null) {
        this.live.proc.kill('SIGKILL');
        await this.live.exited;
      }
      rmSync(this.dir, { recursive: true, force: true });
    }
    const m = this.model;
    const keys = [...m.keys.values()];
    return {
      seed: this.o.seed,
      cycles: this.o.cycles,
      kills: this.kills,
      acked: Object.fromEntries(m.acked),
      unknown: Object.fromEntries(m.unknown),
      keys: keys.length,
      deletedKeys: keys.filter((k) => one(k.states) === 'Deleted').length,
      aliases: m.aliases.size,
      ciphertexts: keys.reduce((a, k) => a + k.ciphertexts.length, 0),
      decrypted: this.decrypted,
      storeChecks: this.storeChecks,
      violations: this.v.list,
      seconds: Math.round((Date.now() - started) / 1000),
    };
  }
}

/** Runs `fn` over `items`, `n` at a time. */
export async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

export function runCrashCycles(o: CrashOptions): Promise<CrashReport> {
  return new Driver(o).runAll();
}
