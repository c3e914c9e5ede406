/**
 * ML-DSA checked by pyca/cryptography (its own OpenSSL, 3.5 or later): a verifier that shares no
 * code with @noble/post-quantum. Debian's OpenSSL 3.0 CLI has no ML-DSA, so this is the outside
 * implementation for ML_DSA_* keys. Runs asynchronously (the Trent under test is in this process).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './run.ts';

const SCRIPT = join(import.meta.dirname, 'verifiers', 'pyca_mldsa.py');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Why the checks cannot run here, or undefined when python3's `cryptography` has ML-DSA. */
export async function pycaMlDsaUnavailable(): Promise<string | undefined> {
  try {
    const r = await run('python3', [SCRIPT, 'check'], { timeoutMs: 30_000 });
    return r.code === 0 ? undefined : `python3's cryptography has no ML-DSA (needs cryptography >= 47 with OpenSSL >= 3.5): ${r.stderr.trim().split('\n').pop() ?? ''}`;
  } catch (e) {
    return `python3 not found: ${(e as Error).message}`;
  }
}

export interface PycaRequest {
  verify?: { spki: Uint8Array; message: Uint8Array; signature: Uint8Array }[];
  keys?: { parameterSet: 44 | 65 | 87; seed: Uint8Array }[];
}

export interface PycaAnswer {
  /** keyType is pyca's class for the parsed SubjectPublicKeyInfo, e.g. MLDSA44PublicKey. */
  verify: { valid: boolean; keyType: string }[];
  /** pyca's own PKCS#8 (seed form) and SubjectPublicKeyInfo for each seed. */
  keys: { pkcs8: Buffer; spki: Buffer }[];
}

/** One python3 run for a batch of checks. */
export async function pycaMlDsa(request: PycaRequest): Promise<PycaAnswer> {
  const dir = mkdtempSync(join(tmpdir(), 'trent-pyca-'));
  try {
    const file = join(dir, 'request.json');
    writeFileSync(file, JSON.stringify({
      verify: (request.verify ?? []).map((c) => ({ spki: hex(c.spki), message: hex(c.message), signature: hex(c.signature) })),
      keys: (request.keys ?? []).map((c) => ({ parameterSet: c.parameterSet, seed: hex(c.seed) })),
    }));
    const r = await run('python3', [SCRIPT, file], { timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(`pyca_mldsa.py failed (${r.code}): ${r.stderr}`);
    const out = JSON.parse(r.stdout) as { verify: PycaAnswer['verify']; keys: { pkcs8: string; spki: string }[] };
    return { verify: out.verify, keys: out.keys.map((k) => ({ pkcs8: Buffer.from(k.pkcs8, 'hex'), spki: Buffer.from(k.spki, 'hex') })) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
