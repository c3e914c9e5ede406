/** A small seeded PRNG (mulberry32), so a failing run names the seed that reproduces its choices. */
export class Rand {
  #s: number;
  constructor(readonly seed: number) {
    this.#s = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error('pick from an empty list');
    return xs[Math.floor(this.next() * xs.length)]!;
  }

  /** One of the keys, weighted by the values. */
  weighted<K extends string>(w: Partial<Record<K, number>>): K | undefined {
    const entries = Object.entries(w).filter(([, v]) => typeof v === 'number' && v > 0) as [K, number][];
    const total = entries.reduce((a, [, v]) => a + v, 0);
    if (total === 0) return undefined;
    let r = this.next() * total;
    for (const [k, v] of entries) {
      r -= v;
      if (r < 0) return k;
    }
    return entries[entries.length - 1]![0];
  }

  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(this.next() * 256);
    return b;
  }
}

export const newSeed = (): number => Number(process.env.TRENT_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));
