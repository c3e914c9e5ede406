/** The seed file's layouts and its errors (file, line, field), without a running Trent. */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { parseSeedFile, SeedFileError } from './seed-file.ts';

const A = '11111111-2222-4333-8444-555555555555';
const B = '66666666-7777-4888-9999-aaaaaaaaaaaa';
const hex = (n = 32) => randomBytes(n).toString('hex');

describe('seed file', () => {
  test('local-kms v1: AES (the last backing key current), HMAC, EC in SEC1 PEM; aliases; unknown Metadata fields ignored', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey.export({ format: 'pem', type: 'sec1' }) as string;
    const text = [
      'Keys:',
      '  Symmetric:',
      '    Aes:',
      `      - Metadata: { KeyId: ${A.toUpperCase()}, Arn: ignored, Enabled: false }`,
      `        BackingKeys: [${hex()}, ${hex()}, ${hex()}]`,
      `        NextKeyRotation: "2030-01-01T00:00:00Z"`,
      '    Hmac:',
      `      - Metadata: { KeyId: ${B}, KeySpec: HMAC_512 }`,
      `        BackingKeys: [${hex(64)}]`,
      '  Asymmetric:',
      '    Ecc:',
      '      - Metadata:',
      '          KeyId: 0a0a0a0a-0b0b-4c0c-8d0d-0e0e0e0e0e0e',
      '        PrivateKeyPem: |',
      ...ec.trim().split('\n').map((l) => `          ${l}`),
      'Aliases:',
      `  - { AliasName: alias/a, TargetKeyId: ${A} }`,
    ].join('\n');
    const plan = parseSeedFile(text, 'seed.yaml');
    assert.equal(plan.format, 'local-kms');
    const [aes, hmacKey, ecc] = plan.keys;
    assert.equal(aes!.keyId, A, 'ids are lower-cased');
    assert.equal(aes!.enabled, false);
    assert.deepEqual(aes!.materials.map((m) => m.rotationType), [undefined, 'AUTOMATIC', 'AUTOMATIC']);
    assert.deepEqual(aes!.rotation, { periodDays: 365, nextRotationAt: Date.parse('2030-01-01T00:00:00Z') });
    assert.deepEqual([hmacKey!.keySpec, hmacKey!.keyUsage], ['HMAC_512', 'GENERATE_VERIFY_MAC']);
    assert.deepEqual([ecc!.keySpec, ecc!.keyUsage, ecc!.where], ['ECC_NIST_P384', 'SIGN_VERIFY', 'seed.yaml:12']);
    assert.deepEqual(plan.aliases.map((a) => [a.aliasName, a.targetKeyId]), [['alias/a', A]]);
  });

  test('local-kms legacy (Keys: a list of AES keys) and version 2 layouts', () => {
    assert.equal(parseSeedFile(`Keys:\n  - Metadata: { KeyId: ${A} }\n    BackingKeys: [${hex()}]\n`, 's').keys[0]!.keySpec, 'SYMMETRIC_DEFAULT');
    const v2 = parseSeedFile(`Version: 2\nKeys:\n  - KeyId: ${A}\n    Metadata: { KeySpec: HMAC_256, KeyUsage: GENERATE_VERIFY_MAC }\n    Material: { BackingKeys: [${hex()}] }\n`, 's');
    assert.deepEqual([v2.keys[0]!.keySpec, v2.keys[0]!.materials.length], ['HMAC_256', 1]);
  });

  test('Trent format: tags as a list or a mapping, the policy as JSON text, materials in three encodings', () => {
    const m = randomBytes(32);
    const plan = parseSeedFile(
      [
        'Trent: 1',
        'Keys:',
        `  - KeyId: ${A}`,
        '    Tags: [{ TagKey: a, TagValue: b }]',
        `    Policy: '{"Version":"2012-10-17","Statement":[]}'`,
        `    Materials: [{ Hex: ${hex()} }, { Base64: ${m.toString('base64')}, RotationType: ON_DEMAND }]`,
        `  - KeyId: ${B}`,
        '    Tags: { team: x }',
      ].join('\n'),
      's',
    );
    assert.deepEqual(plan.keys[0]!.tags, [{ TagKey: 'a', TagValue: 'b' }]);
    assert.equal(plan.keys[0]!.policy, '{"Version":"2012-10-17","Statement":[]}');
    assert.deepEqual(Buffer.from(plan.keys[0]!.materials[1]!.plain), m);
    assert.equal(plan.keys[0]!.materials[1]!.rotationType, 'ON_DEMAND');
    assert.deepEqual(plan.keys[1]!.tags, [{ TagKey: 'team', TagValue: 'x' }]);
  });

  test('errors name the file, the line and the field', () => {
    const cases: [string, string][] = [
      [`Keys:\n  Symmetric:\n    Aes:\n      - Metadata: { KeyId: nope }\n        BackingKeys: [${hex()}]\n`, 's.yaml:4: Keys.Symmetric.Aes.0.Metadata.KeyId: "nope" is not a key id'],
      [`Keys:\n  Symmetric:\n    Aes:\n      - Metadata: { KeyId: ${A} }\n`, 's.yaml:4: Keys.Symmetric.Aes.0.BackingKeys: at least one backing key must be supplied'],
      [`Keys:\n  Symmetric:\n    Des: []\n`, 's.yaml:3: Keys.Symmetric.Des: unknown field'],
      [`Trent: 2\n`, "s.yaml:1: Trent: version 2 of Trent's seed format is not known (1)"],
      [`Trent: 1\nKeys:\n  - KeyId: ${A}\n    KeySpec: RSA_2048\n`, 's.yaml:3: Keys.0.KeyUsage: is required for RSA_2048 keys (one of ENCRYPT_DECRYPT, SIGN_VERIFY)'],
      [`Trent: 1\nKeys:\n  - KeyId: ${A}\n    Rotation: { PeriodInDays: 10 }\n`, 's.yaml:4: Keys.0.Rotation.PeriodInDays: must be an integer from 90 to 2560'],
      [`Trent: 1\nKeys:\n  - KeyId: ${A}\n    Grants: [{ GranteePrincipal: bob, Operations: [Decrypt] }]\n`, 's.yaml:4: Keys.0.Grants.0.GranteePrincipal: "bob" is not an IAM principal ARN'],
      [`Trent: 1\nAliases:\n  - { AliasName: alias/aws/x, TargetKeyId: ${A} }\n`, 's.yaml:3: Aliases.0.AliasName: alias/aws/ names are reserved'],
      [`Keys: [\n`, 's.yaml:'],
    ];
    for (const [text, prefix] of cases) {
      assert.throws(() => parseSeedFile(text, 's.yaml'), (e: Error) => {
        assert.ok(e instanceof SeedFileError, String(e));
        assert.ok(e.message.startsWith(prefix), `${JSON.stringify(e.message)} should start with ${JSON.stringify(prefix)}`);
        return true;
      });
    }
  });
});
