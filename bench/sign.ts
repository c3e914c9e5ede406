/**
 * Sign throughput per key spec: Trent over the wire next to the same signature made
 * directly in this process — node:crypto for RSA, ECDSA and Ed25519, @noble for Ed25519ph and
 * ML-DSA, the libraries Trent itself uses — in the same run, so every figure is a ratio on this
 * (shared, noisy) machine.
 *
 *   npm run bench:sign                    # a few minutes
 *   npm run bench:sign -- --smoke         # a few seconds: every spec, tiny runs
 *   node --import tsx bench/sign.ts [--seconds 3] [--connections 1,16] [--specs RSA_2048,ML_DSA_65]
 *
 * "direct/s" is one thread signing in a loop (a 256-byte message, or its digest for DIGEST
 * algorithms); Trent runs as `bin/trent.js serve --no-tls` in a child process (its defaults
 * otherwise: SQLite store, SigV4 checked) and is driven by the closed-loop generator with
 * the light SigV4 signer (bench/lib). "x direct" = Trent req/s ÷ direct signatures/s: below 1 is
 * Trent's cost per request (HTTP, SigV4, policy, audit, unwrap cache); above 1 with several
 * connections means Trent used more than one core (ML-DSA and Ed25519ph sign on worker threads).
 *
 * Writes bench/results/sign.json (sign-smoke.json with --smoke).
 */
import { createHash, generateKeyPairSync, sign as nodeSign, constants, type KeyObject } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ed25519ph } from '@noble/curves/ed25519.js';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { spawnTrent, tempDir } from '../test/support/trent.ts';
import { kmsCall, signedRequest } from './lib/call.ts';
import { runLoad, table } from './lib/load.ts';

const { values } = parseArgs({
  options: { smoke: { type: 'boolean' }, seconds: { type: 'string' }, connections: { type: 'string' }, specs: { type: 'string' } },
});
const SMOKE = values.smoke === true;
const SECONDS = Number(values.seconds ?? (SMOKE ? 0.15 : 3));
const CONNECTIONS = (values.connections ?? (SMOKE ? '4' : '1,16')).split(',').map(Number);

interface Case {
  spec: string;
  algorithm: string;
  messageType: 'RAW' | 'DIGEST';
  /** The same signature made directly; returns a function that signs `message` once. */
  direct: () => (message: Uint8Array) => unknown;
}

const PSS = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST };
const rsa = (bits: number, hash: string, pss: boolean) => () => {
  const key: KeyObject = generateKeyPairSync('rsa', { modulusLength: bits }).privateKey;
  return (m: Uint8Array) => nodeSign(hash, m, pss ? { key, ...PSS } : key);
};
const ec = (namedCurve: string, hash: string) => () => {
  const key = generateKeyPairSync('ec', { namedCurve }).privateKey;
  return (m: Uint8Array) => nodeSign(hash, m, { key, dsaEncoding: 'der' });
};
const mlDsa = (scheme: typeof ml_dsa44) => () => {
  const { secretKey } = scheme.keygen();
  return (m: Uint8Array) => scheme.sign(m, secretKey);
};

const CASES: Case[] = [
  { spec: 'RSA_2048', algorithm: 'RSASSA_PSS_SHA_256', messageType: 'RAW', direct: rsa(2048, 'sha256', true) },
  { spec: 'RSA_3072', algorithm: 'RSASSA_PSS_SHA_384', messageType: 'RAW', direct: rsa(3072, 'sha384', true) },
  { spec: 'RSA_4096', algorithm: 'RSASSA_PKCS1_V1_5_SHA_512', messageType: 'RAW', direct: rsa(4096, 'sha512', false) },
  { spec: 'ECC_NIST_P256', algorithm: 'ECDSA_SHA_256', messageType: 'RAW', direct: ec('prime256v1', 'sha256') },
  { spec: 'ECC_NIST_P384', algorithm: 'ECDSA_SHA_384', messageType: 'RAW', direct: ec('secp384r1', 'sha384') },
  { spec: 'ECC_NIST_P521', algorithm: 'ECDSA_SHA_512', messageType: 'RAW', direct: ec('secp521r1', 'sha512') },
  { spec: 'ECC_SECG_P256K1', algorithm: 'ECDSA_SHA_256', messageType: 'RAW', direct: ec('secp256k1', 'sha256') },
  {
    spec: 'ECC_NIST_EDWARDS25519', algorithm: 'ED25519_SHA_512', messageType: 'RAW',
    direct: () => {
      const key = generateKeyPairSync('ed25519').privateKey;
      return (m) => nodeSign(null, m, key);
    },
  },
  {
    spec: 'ECC_NIST_EDWARDS25519', algorithm: 'ED25519_PH_SHA_512', messageType: 'DIGEST',
    direct: () => {
      const seed = ed25519ph.utils.randomSecretKey();
      return (m) => ed25519ph.sign(m, seed);
    },
  },
  { spec: 'ML_DSA_44', algorithm: 'ML_DSA_SHAKE_256', messageType: 'RAW', direct: mlDsa(ml_dsa44) },
  { spec: 'ML_DSA_65', algorithm: 'ML_DSA_SHAKE_256', messageType: 'RAW', direct: mlDsa(ml_dsa65) },
  { spec: 'ML_DSA_87', algorithm: 'ML_DSA_SHAKE_256', messageType: 'RAW', direct: mlDsa(ml_dsa87) },
];
const wanted = values.specs?.split(',');
const cases = wanted ? CASES.filter((c) => wanted.includes(c.spec)) : CASES;
if (cases.length === 0) throw new Error(`no key spec matches --specs ${values.specs}`);

const raw = new Uint8Array(256).fill(0x5a);
const messageFor = (c: Case) => (c.messageType === 'DIGEST' ? createHash('sha512').update(raw).digest() : raw);

/** Signatures per second of one thread signing in a loop for `seconds` (after a short warm-up). */
function directRate(c: Case): number {
  const signOnce = c.direct();
  const m = messageFor(c);
  for (const until = performance.now() + Math.min(200, SECONDS * 300); performance.now() < until; ) signOnce(m);
  let n = 0;
  const t0 = performance.now();
  const until = t0 + SECONDS * 1000;
  while (performance.now() < until) {
    signOnce(m);
    n++;
  }
  return n / ((performance.now() - t0) / 1000);
}

interface Row {
  spec: string;
  algorithm: string;
  'direct/s': number;
  conns: number;
  'trent req/s': number;
  'p50 ms': number;
  'p99 ms': number;
  'x direct': number;
}

const started = performance.now();
const dataDir = tempDir('trent-bench-sign-');
const trent = await spawnTrent(['--no-tls', '--data-dir', dataDir]);
const rows: Row[] = [];
try {
  const keyIds = new Map<string, string>();
  for (const spec of new Set(cases.map((c) => c.spec))) {
    const k = await kmsCall<{ KeyMetadata: { KeyId: string } }>(trent.url, 'CreateKey', { KeySpec: spec, KeyUsage: 'SIGN_VERIFY', Description: 'bench:sign' });
    keyIds.set(spec, k.KeyMetadata.KeyId);
  }
  for (const c of cases) {
    const direct = directRate(c);
    const input = { KeyId: keyIds.get(c.spec)!, Message: Buffer.from(messageFor(c)).toString('base64'), MessageType: c.messageType, SigningAlgorithm: c.algorithm };
    const make = (_i: number, u: URL) => signedRequest(u, 'Sign', input);
    await runLoad({ url: trent.url, connections: Math.max(...CONNECTIONS), requests: 10_000_000, seconds: Math.min(0.5, SECONDS / 4), make }); // warm-up
    for (const conns of CONNECTIONS) {
      const r = await runLoad({ url: trent.url, connections: conns, requests: 10_000_000, seconds: SECONDS, make });
      rows.push({ spec: c.spec, algorithm: c.algorithm, 'direct/s': Math.round(direct), conns, 'trent req/s': Math.round(r.rps), 'p50 ms': r.p50ms, 'p99 ms': r.p99ms, 'x direct': r.rps / direct });
      process.stderr.write(`  ${c.spec} ${c.algorithm} @${conns}: ${Math.round(r.rps)} req/s (direct ${Math.round(direct)}/s)\n`);
    }
  }
} finally {
  trent.proc.kill('SIGTERM');
  await trent.exited;
  rmSync(dataDir, { recursive: true, force: true });
}

const machine = { cpus: availableParallelism(), model: cpus()[0]?.model ?? 'unknown', node: process.version };
process.stdout.write(`Trent Sign benchmark${SMOKE ? ' (smoke)' : ''}: ${SECONDS} s per cell; ${machine.cpus} cores (${machine.model}), node ${machine.node}\n`);
process.stdout.write('direct/s: one thread signing in this process (node:crypto; @noble for Ed25519ph and ML-DSA). x direct = Trent req/s / direct/s.\n\n');
process.stdout.write(`${table(rows as unknown as Record<string, string | number>[])}\n\n`);
process.stdout.write(`took ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(
  join(import.meta.dirname, 'results', SMOKE ? 'sign-smoke.json' : 'sign.json'),
  `${JSON.stringify({ bench: 'sign', date: new Date().toISOString(), smoke: SMOKE, seconds: SECONDS, machine, rows }, null, 2)}\n`,
);
