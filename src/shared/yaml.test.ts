import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { yaml } from './yaml.ts';

const SAMPLE = 'accounts:\n  "111122223333":\n    principals:\n      - arn: arn:aws:iam::111122223333:role/KMSAdmin\n';

test('yaml(): parses with positions, one module per process', () => {
  const { LineCounter, parseDocument } = yaml();
  const lines = new LineCounter();
  const doc = parseDocument(SAMPLE, { lineCounter: lines });
  assert.deepEqual(doc.toJS(), { accounts: { '111122223333': { principals: [{ arn: 'arn:aws:iam::111122223333:role/KMSAdmin' }] } } });
  const arn = doc.getIn(['accounts', '111122223333', 'principals', 0, 'arn'], true) as { range: [number, number, number] };
  assert.equal(lines.linePos(arn.range[0]).line, 4);
  assert.equal(yaml(), yaml());
});

test('the build bundles yaml beside the server bundle, and it parses as the package does', (t) => {
  const bundled = join(import.meta.dirname, '..', '..', 'dist', 'bundle', 'yaml.cjs');
  if (!existsSync(join(import.meta.dirname, '..', '..', 'dist', 'bundle', 'trent.mjs'))) {
    if (process.env.CI === 'true') assert.fail('dist/bundle is missing: npm ci builds it (prepare)');
    t.skip('no dist/bundle (run npm run build)');
    return;
  }
  assert.ok(existsSync(bundled), 'dist/bundle/yaml.cjs');
  const require = createRequire(import.meta.url);
  const fromBundle = require(bundled) as typeof import('yaml');
  const fromPackage = require('yaml') as typeof import('yaml');
  assert.deepEqual(fromBundle.parse(SAMPLE), fromPackage.parse(SAMPLE));
  assert.equal(fromBundle.parseDocument('a: [1').errors.length > 0, true);
});
