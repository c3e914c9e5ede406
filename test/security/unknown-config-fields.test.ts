/**
 * A typo in the identities file or the seed file never silently grants or restricts nothing:
 * an unknown field at any level stops the start with the file, the line and the field.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startTrent, tempDir } from '../support/trent.ts';

const ACCT = '111122223333';
const KEY_ID = '0d6c7c8e-1111-4222-8333-944445555666';

/** Starting must fail with `message`; a Trent that starts anyway (old code) is stopped first. */
async function startRejects(dir: string, config: { identitiesFile?: string; seedFile?: string }, message: RegExp) {
  await assert.rejects(
    startTrent({ dataDir: join(dir, 'data'), config: { accountId: ACCT, ...config } }).then(async (started) => {
      await started.stop();
      return started;
    }),
    message,
  );
}

const identityTypos: { name: string; lines: string[]; line: number; field: RegExp }[] = [
  { name: 'top level', lines: ['acounts:', `  "${ACCT}": {}`], line: 1, field: /acounts: unknown field/ },
  { name: 'account', lines: ['accounts:', `  "${ACCT}":`, '    principal:', `      - arn: arn:aws:iam::${ACCT}:user/u`], line: 3, field: /accounts\.111122223333\.principal: unknown field/ },
  {
    name: 'principal (policies misspelt: the Deny would be dropped)',
    lines: ['accounts:', `  "${ACCT}":`, '    principals:', `      - arn: arn:aws:iam::${ACCT}:user/u`, '        polices: [{ Version: "2012-10-17", Statement: [{ Effect: Deny, Action: "kms:*", Resource: "*" }] }]'],
    line: 5,
    field: /principals\.0\.polices: unknown field/,
  },
  {
    name: 'role (trust policy misspelt)',
    lines: ['accounts:', `  "${ACCT}":`, '    principals:', `      - arn: arn:aws:iam::${ACCT}:role/r`, '        assumeRolePolicies: { Statement: [] }'],
    line: 5,
    field: /principals\.0\.assumeRolePolicies: unknown field/,
  },
  {
    name: 'access key',
    lines: ['accounts:', `  "${ACCT}":`, '    principals:', `      - arn: arn:aws:iam::${ACCT}:user/u`, '        accessKeys:', '          - id: AKIAUNKNOWNFIELD0001', '            secret: "0123456789abcdef0123"', '            expires: 2020-01-01'],
    line: 8,
    field: /accessKeys\.0\.expires: unknown field/,
  },
];

for (const t of identityTypos) {
  test(`identities file: an unknown field at the ${t.name} is an error with its line`, async () => {
    const dir = tempDir();
    const file = join(dir, 'identities.yaml');
    writeFileSync(file, `${t.lines.join('\n')}\n`);
    try {
      await startRejects(dir, { identitiesFile: file }, new RegExp(`identities\\.yaml:${t.line}: .*${t.field.source}`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

const seedTypos: { name: string; lines: string[]; line: number; field: RegExp }[] = [
  { name: 'local-kms top level', lines: ['Keys: []', 'Alias:', '  - { AliasName: alias/a, TargetKeyId: x }'], line: 2, field: /Alias: unknown field/ },
  {
    name: 'local-kms key',
    lines: ['Keys:', '  Symmetric:', '    Aes:', '      - Metadata: { KeyId: ' + KEY_ID + ' }', '        BackingKeys: [5cdaead27fe7da2de47945d73cd6d79e36494e73802f3cd3869f1d2cb0b5d7a9]', '        NextKeyRotaton: 2030-01-01T00:00:00Z'],
    line: 6,
    field: /Aes\.0\.NextKeyRotaton: unknown field/,
  },
  {
    name: 'local-kms Metadata',
    lines: ['Keys:', '  Symmetric:', '    Aes:', '      - Metadata:', `          KeyId: ${KEY_ID}`, '          Enabeld: false', '        BackingKeys: [5cdaead27fe7da2de47945d73cd6d79e36494e73802f3cd3869f1d2cb0b5d7a9]'],
    line: 6,
    field: /Metadata\.Enabeld: unknown field/,
  },
  {
    name: 'alias',
    lines: ['Keys: []', 'Aliases:', '  - AliasName: alias/a', `    TargetKeyId: ${KEY_ID}`, '    Target: other'],
    line: 5,
    field: /Aliases\.0\.Target: unknown field/,
  },
];

for (const t of seedTypos) {
  test(`seed file: an unknown field at the ${t.name} is an error with its line`, async () => {
    const dir = tempDir();
    const file = join(dir, 'seed.yaml');
    writeFileSync(file, `${t.lines.join('\n')}\n`);
    try {
      await startRejects(dir, { seedFile: file }, new RegExp(`seed\\.yaml:${t.line}: .*${t.field.source}`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('seed file: an AES key declared with another KeySpec is refused, not silently made AES', async () => {
  const dir = tempDir();
  const file = join(dir, 'seed.yaml');
  writeFileSync(file, ['Keys:', '  Symmetric:', '    Aes:', '      - Metadata:', `          KeyId: ${KEY_ID}`, '          KeySpec: HMAC_256', '        BackingKeys: [5cdaead27fe7da2de47945d73cd6d79e36494e73802f3cd3869f1d2cb0b5d7a9]', ''].join('\n'));
  try {
    await startRejects(dir, { seedFile: file }, /seed\.yaml:6: .*KeySpec/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
