/** Randomness goes through an Rng so vectors can be deterministic; the default is the CSPRNG. */
import { randomBytes, randomUUID } from 'node:crypto';

export interface Rng {
  bytes(n: number): Uint8Array;
  uuid(): string;
}

export const systemRng: Rng = {
  bytes: (n) => new Uint8Array(randomBytes(n)),
  uuid: () => randomUUID(),
};
