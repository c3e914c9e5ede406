/**
 * The `yaml` library, loaded on first use (identities and seed files), not on every start: from
 * node_modules its ~60 files take ~40 ms to load. The build also bundles it into one file beside
 * the server bundle (dist/bundle/yaml.cjs, ~12 ms); running from the bundle, that one is used.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

let loaded: typeof import('yaml') | undefined;

export function yaml(): typeof import('yaml') {
  if (loaded === undefined) {
    const bundled = fileURLToPath(new URL('./yaml.cjs', import.meta.url));
    loaded = createRequire(import.meta.url)(existsSync(bundled) ? bundled : 'yaml') as typeof import('yaml');
  }
  return loaded;
}
