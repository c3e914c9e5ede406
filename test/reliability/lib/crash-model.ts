/**
 * What the crash driver knows about Trent's state: for each key and alias, the set of values it
 * may have. An acknowledged change makes its value the only one; a change whose answer never
 * came (the server was killed) adds its value to the possible ones; an observation after the
 * restart must be one of them, and then becomes the only one. Each client owns its keys and
 * aliases and sends one request at a time, so no two changes to one thing are ever in flight.
 */

export type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion' | 'Deleted';

export interface Ciphertext {
  keyId: string;
  blob: string;
  plaintext: Buffer;
  context?: Record<string, string>;
  /** Checked after a restart at least once. */
  verified: boolean;
}

export interface KeyModel {
  keyId: string;
  arn: string;
  owner: number;
  states: Set<KeyState>;
  /** The policy's token (`default` for the default policy). */
  policies: Set<string>;
  rotationEnabled: Set<boolean>;
  /** Rotations (ListKeyRotations entries with a RotationType): at least, at most. */
  rotationsMin: number;
  rotationsMax: number;
  onDemandSent: number;
  /** Every material id observed; a later observation must still list each. */
  materials: Set<string>;
  /** Sequence number of the last ScheduleKeyDeletion sent (deletion episodes). */
  scheduleSentSeq?: number;
  scheduleAckSeq?: number;
  /** A clock move was sent after this key's deletion was scheduled: the scheduler may delete it at any time. */
  deletable: boolean;
  /** A change is in flight for this key. */
  busy: boolean;
  /** Changed (or asked to change) since the last check after a restart. */
  dirty: boolean;
  /** The operation in flight, if any. */
  pendingOp?: string;
  ciphertexts: Ciphertext[];
}

export interface AliasModel {
  name: string;
  owner: number;
  /** Possible targets; null = no such alias. */
  targets: Set<string | null>;
  busy: boolean;
}

export interface PendingCreate {
  token: string;
  owner: number;
}

export class Violations {
  readonly list: string[] = [];
  add(msg: string): void {
    if (this.list.length < 200) this.list.push(msg);
  }
}

export const one = <T>(s: Set<T>): T | undefined => (s.size === 1 ? [...s][0] : undefined);

export class CrashModel {
  seq = 0;
  readonly keys = new Map<string, KeyModel>();
  readonly aliases = new Map<string, AliasModel>();
  /** CreateKey calls whose answer never came, by description token. */
  readonly pendingCreates = new Map<string, PendingCreate>();
  /** Counts of acknowledged requests by operation. */
  readonly acked = new Map<string, number>();
  readonly unknown = new Map<string, number>();
  /** Clock moves sent and not yet answered. */
  movesInFlight = 0;

  tick(): number {
    return ++this.seq;
  }

  countAck(op: string): void {
    this.acked.set(op, (this.acked.get(op) ?? 0) + 1);
  }

  countUnknown(op: string): void {
    this.unknown.set(op, (this.unknown.get(op) ?? 0) + 1);
  }

  /** Keys a client may act on: state known, not frozen by a possible deletion, nothing in flight. */
  usable(owner: number, state?: KeyState): KeyModel[] {
    const out: KeyModel[] = [];
    for (const k of this.keys.values()) {
      if (k.owner !== owner || k.busy || k.deletable) continue;
      const s = one(k.states);
      if (s === undefined || s === 'Deleted') continue;
      if (state !== undefined && s !== state) continue;
      out.push(k);
    }
    return out;
  }

  ownedAliases(owner: number): AliasModel[] {
    return [...this.aliases.values()].filter((a) => a.owner === owner && !a.busy && a.targets.size === 1);
  }

  addKey(keyId: string, arn: string, owner: number, state: KeyState = 'Enabled'): KeyModel {
    const k: KeyModel = {
      keyId,
      arn,
      owner,
      states: new Set([state]),
      policies: new Set(['default']),
      rotationEnabled: new Set([false]),
      rotationsMin: 0,
      rotationsMax: 0,
      onDemandSent: 0,
      materials: new Set(),
      deletable: false,
      busy: false,
      dirty: true,
      ciphertexts: [],
    };
    this.keys.set(keyId, k);
    return k;
  }

  /** A clock move past every deletion window was sent: keys scheduled before it may go at any moment. */
  clockMoveSent(): void {
    for (const k of this.keys.values()) {
      if (k.states.has('PendingDeletion') || k.pendingOp === 'ScheduleKeyDeletion') k.deletable = true;
      // Automatic rotation may happen from now on for a key with rotation (possibly) enabled.
      if (k.rotationEnabled.has(true)) k.rotationsMax = Number.POSITIVE_INFINITY;
    }
  }

  /**
   * The move was acknowledged: its jobs ran before the answer, so every key whose deletion was
   * acknowledged before the move was sent, and never possibly cancelled, is gone.
   */
  clockMoveAcked(sentSeq: number, deletedIds: string[]): void {
    for (const id of deletedIds) {
      const k = this.keys.get(id);
      if (k) k.states = new Set(['Deleted']);
    }
    for (const k of this.keys.values()) {
      if (one(k.states) === 'PendingDeletion' && k.scheduleAckSeq !== undefined && k.scheduleAckSeq < sentSeq && !k.busy) {
        k.states = new Set(['Deleted']);
      }
    }
  }
}
