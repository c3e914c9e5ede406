/**
 * Regenerates fixtures.json: ciphertexts, a MAC and signatures made by a live Trent started from
 * the seed files here (`node --import tsx test/vectors/seed/make-fixtures.ts`). Ciphertexts under
 * a rotated key's older material come from a Trent seeded with that material alone. The seed test
 * (test/e2e/seed.test.ts) checks that a fresh start from the seeds decrypts and verifies all of it.
 * Run it only when the seeds change: the committed fixtures are the point.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EncryptCommand, GenerateMacCommand, SignCommand } from '@aws-sdk/client-kms';
import { startTrent, tempDir } from '../../support/trent.ts';

const DIR = import.meta.dirname;
const LOCAL = readFileSync(join(DIR, 'local-kms-seed.yaml'), 'utf8');
const TRENT = readFileSync(join(DIR, 'trent-seed.yaml'), 'utf8');

async function withSeed<T>(text: string, body: (h: Awaited<ReturnType<typeof startTrent>>) => Promise<T>): Promise<T> {
  const dir = tempDir('trent-seed-fixtures-');
  const seed = join(dir, 'seed.yaml');
  writeFileSync(seed, text);
  const h = await startTrent({ dataDir: dir, config: { seedFile: seed } });
  try {
    return await body(h);
  } finally {
    await h.stop();
  }
}

async function sealed(h: Awaited<ReturnType<typeof startTrent>>, keyId: string, plaintext: string, context?: Record<string, string>) {
  const r = await h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from(plaintext), ...(context ? { EncryptionContext: context } : {}) }));
  return { keyId, plaintext, ...(context ? { context } : {}), blob: Buffer.from(r.CiphertextBlob!).toString('base64') };
}

const ROTATED = '736caa75-68b7-4fc4-bd8e-2f59748189db';
const PAYMENTS = '6a3c0e5e-1b7a-4c2e-9d41-0f5b8e2a7c11';
const lines = (text: string, drop: (l: string, i: number, all: string[]) => boolean) => text.split('\n').filter((l, i, all) => !drop(l, i, all)).join('\n');

// The rotated keys with their first material only.
const localFirst = lines(LOCAL, (l) => l.trim() === `- ${LOCAL.split('BackingKeys:\n')[1]!.split('\n')[1]!.trim().slice(2)}`);
const trentFirst = lines(TRENT, (l, i, all) => l.includes('- Base64:') || (all[i - 1]?.includes('- Base64:') ?? false));

const fixtures = {
  'local-kms': {
    rotatedOld: await withSeed(localFirst, (h) => sealed(h, ROTATED, 'sealed under the first backing key', { fixture: 'old' })),
    ...(await withSeed(LOCAL, async (h) => ({
      rotatedCurrent: await sealed(h, ROTATED, 'sealed under the current backing key', { fixture: 'current' }),
      byAlias: await sealed(h, 'alias/seed-rotated', 'sealed by alias'),
      single: await sealed(h, 'aaea8914-dbef-4b5e-be55-86904d0d550b', 'single backing key'),
      external: await sealed(h, '82f9c5da-69d9-4052-8fe1-896c188fe583', 'EXTERNAL key with imported material'),
      hmac: {
        keyId: '8d6cf956-0c8a-46b6-82ad-18109939212c',
        message: 'mac me',
        mac: Buffer.from((await h.kms.send(new GenerateMacCommand({ KeyId: '8d6cf956-0c8a-46b6-82ad-18109939212c', MacAlgorithm: 'HMAC_SHA_384', Message: Buffer.from('mac me') }))).Mac!).toString('base64'),
      },
      rsa: {
        keyId: '1f628630-99bb-45c4-9553-435d229191af',
        message: 'sign me',
        algorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
        signature: Buffer.from((await h.kms.send(new SignCommand({ KeyId: '1f628630-99bb-45c4-9553-435d229191af', SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256', Message: Buffer.from('sign me') }))).Signature!).toString('base64'),
      },
      ecc: {
        keyId: '43f3fe15-a105-402f-97d3-a6b286048bab',
        message: 'sign me',
        algorithm: 'ECDSA_SHA_256',
        signature: Buffer.from((await h.kms.send(new SignCommand({ KeyId: 'alias/seed-signer', SigningAlgorithm: 'ECDSA_SHA_256', Message: Buffer.from('sign me') }))).Signature!).toString('base64'),
      },
    }))),
  },
  trent: {
    rotatedOld: await withSeed(trentFirst, (h) => sealed(h, PAYMENTS, 'payments, first material', { app: 'payments' })),
    rotatedCurrent: await withSeed(TRENT, (h) => sealed(h, 'alias/payments', 'payments, current material', { app: 'payments' })),
  },
};
writeFileSync(join(DIR, 'fixtures.json'), `${JSON.stringify(fixtures, null, 2)}\n`);
process.stdout.write(`wrote ${join(DIR, 'fixtures.json')}\n`);
process.exit(0);
