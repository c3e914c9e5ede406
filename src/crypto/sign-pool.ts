/**
 * A small pool of worker threads for the signatures Node.js cannot make natively: ML-DSA (pure
 * JavaScript, 10–35 ms each) and Ed25519ph (noble), and ML-DSA verification (3–5 ms). Made on the
 * event loop, each would stall every other request meanwhile; here they run on `sign-worker.mjs`
 * threads.
 *
 * - Lazy: no thread exists until the first such signature; a thread is ref'd only while it has
 *   jobs, so an idle pool never keeps a process alive.
 * - Sized from os.availableParallelism(): one core is left to the event loop (at least one thread,
 *   at most eight).
 * - Bounded: at most QUEUE_PER_THREAD waiting jobs per thread; beyond that a job is refused with
 *   ThrottlingException ("Rate exceeded", what AWS KMS answers when a request-rate quota is hit).
 * - The private key goes with each job in a buffer of its own, transferred (so it leaves this
 *   thread) and zeroed by the worker after use; no key stays in a worker between jobs.
 * - A worker error comes back as the same Error class name and message as signing here would
 *   throw (RangeError for a programming error), which the server maps as before. A worker that
 *   dies fails its own jobs and is replaced on the next one.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ThrottlingException } from '../shared/errors.ts';

/** A public key is not secret: it is copied, not zeroed. */
export interface MlDsaVerifyJob {
  scheme: 'ml-dsa';
  parameterSet: 44 | 65 | 87;
  publicKey: Uint8Array;
  message: Uint8Array;
  externalMu: boolean;
  signature: Uint8Array;
}

export type PoolJob =
  | { scheme: 'ml-dsa'; parameterSet: 44 | 65 | 87; key: Uint8Array; message: Uint8Array; externalMu: boolean }
  | { scheme: 'ed25519ph'; key: Uint8Array; message: Uint8Array };

const WORKER_URL = new URL('./sign-worker.mjs', import.meta.url);
const QUEUE_PER_THREAD = 64;

interface Pending {
  resolve: (answer: Uint8Array | boolean) => void;
  reject: (e: Error) => void;
}

interface Thread {
  worker: Worker;
  pending: Map<number, Pending>;
}

function errorFrom(e: { name?: string; message?: string }): Error {
  const err = e.name === 'RangeError' ? new RangeError(e.message) : e.name === 'TypeError' ? new TypeError(e.message) : new Error(e.message);
  return err;
}

export class SignPool {
  readonly size: number;
  readonly maxQueued: number;
  #threads: (Thread | undefined)[];
  #nextId = 1;

  constructor(size = Math.max(1, Math.min(8, availableParallelism() - 1))) {
    this.size = size;
    this.maxQueued = size * QUEUE_PER_THREAD;
    this.#threads = Array.from({ length: size }, () => undefined);
  }

  /** Jobs sent and not yet answered, over all threads. */
  get inFlight(): number {
    return this.#threads.reduce((n, t) => n + (t?.pending.size ?? 0), 0);
  }

  #start(slot: number): Thread {
    const worker = new Worker(WORKER_URL);
    worker.unref();
    const thread: Thread = { worker, pending: new Map() };
    const failAll = (e: Error) => {
      if (this.#threads[slot] === thread) this.#threads[slot] = undefined;
      for (const p of thread.pending.values()) p.reject(e);
      thread.pending.clear();
    };
    worker.on('message', (m: { id: number; signature?: Uint8Array; valid?: boolean; error?: { name?: string; message?: string } }) => {
      const p = thread.pending.get(m.id);
      if (!p) return;
      thread.pending.delete(m.id);
      if (thread.pending.size === 0) worker.unref();
      const answer = m.signature ?? m.valid;
      if (m.error || answer === undefined) p.reject(errorFrom(m.error ?? { message: 'the signing worker answered with nothing' }));
      else p.resolve(answer);
    });
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`the signing worker exited (code ${code})`)));
    this.#threads[slot] = thread;
    return thread;
  }

  /** The thread with the fewest jobs, started if its slot is empty (an empty slot counts as zero). */
  #pick(): Thread {
    let best = 0;
    let least = Infinity;
    for (let i = 0; i < this.size; i++) {
      const n = this.#threads[i]?.pending.size ?? 0;
      if (n < least) [best, least] = [i, n];
      if (n === 0) break;
    }
    return this.#threads[best] ?? this.#start(best);
  }

  /**
   * Signs on a worker. `job.key` must be a copy this pool may take: it is transferred (detached
   * here) and zeroed by the worker. Throws ThrottlingException when the queue is full.
   */
  sign(job: PoolJob): Promise<Uint8Array> {
    if (this.inFlight >= this.maxQueued) {
      job.key.fill(0);
      return Promise.reject(new ThrottlingException('Rate exceeded'));
    }
    // Both move: the key's own buffer, and an exact copy of the message (a view's whole
    // underlying buffer, perhaps Node's shared pool, would otherwise be cloned along).
    const message = Uint8Array.from(job.message);
    return this.#send({ ...job, op: 'sign', message }, [job.key.buffer as ArrayBuffer, message.buffer]) as Promise<Uint8Array>;
  }

  /** ML-DSA verification on a worker: false for a signature that does not verify, including a malformed one. */
  verify(job: MlDsaVerifyJob): Promise<boolean> {
    if (this.inFlight >= this.maxQueued) return Promise.reject(new ThrottlingException('Rate exceeded'));
    const [key, message, signature] = [job.publicKey, job.message, job.signature].map((b) => Uint8Array.from(b)) as [Uint8Array, Uint8Array, Uint8Array];
    const { publicKey: _publicKey, ...rest } = job;
    return this.#send({ ...rest, op: 'verify', key, message, signature }, [key.buffer as ArrayBuffer, message.buffer as ArrayBuffer, signature.buffer as ArrayBuffer]) as Promise<boolean>;
  }

  #send(job: Record<string, unknown>, transfer: ArrayBuffer[]): Promise<Uint8Array | boolean> {
    const thread = this.#pick();
    const id = this.#nextId++;
    return new Promise<Uint8Array | boolean>((resolve, reject) => {
      thread.pending.set(id, { resolve, reject });
      thread.worker.ref();
      thread.worker.postMessage({ ...job, id }, transfer);
    });
  }

  /** Ends the threads (tests; a process exits without it since they are unref'd). */
  async close(): Promise<void> {
    const threads = this.#threads.filter((t): t is Thread => t !== undefined);
    this.#threads = this.#threads.map(() => undefined);
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }
}

let shared: SignPool | undefined;

/** The process-wide pool, made on first use. */
export function signPool(): SignPool {
  return (shared ??= new SignPool());
}
