/** The seed file (`trent serve --seed`): read and checked (seed-file.ts), then applied (apply-seed.ts). */
export { parseSeedFile, loadSeedFile, SeedFileError, type SeedPlan, type SeedKey, type SeedAlias, type SeedGrant, type SeedMaterial } from './seed-file.ts';
export { applySeed, type SeedResult } from './apply-seed.ts';
