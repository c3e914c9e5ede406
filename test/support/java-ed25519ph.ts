/**
 * Ed25519ph checked by the JDK's EdDSA (SunEC): a verifier that shares no code with @noble/curves.
 * Neither Debian's OpenSSL 3.0 CLI nor pyca/cryptography exposes Ed25519ph; Java 15+ does
 * (EdDSAParameterSpec with prehash). Runs asynchronously (the Trent under test is in this process).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './run.ts';

const SOURCE = join(import.meta.dirname, 'verifiers', 'Ed25519phVerify.java');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Why the checks cannot run here, or undefined when a JDK 17+ `java` (single-file source launch, HexFormat) is on PATH. */
export async function javaEd25519phUnavailable(): Promise<string | undefined> {
  try {
    const r = await run('java', ['-version'], { timeoutMs: 30_000 });
    const major = Number(/version "(\d+)/.exec(r.stderr)?.[1] ?? 0);
    return r.code === 0 && major >= 17 ? undefined : `java 17 or later needed, found: ${r.stderr.split('\n')[0] ?? ''}`;
  } catch (e) {
    return `java not found: ${(e as Error).message}`;
  }
}

/**
 * Verifies each (SubjectPublicKeyInfo, M, signature) as Ed25519ph over PH(M) = SHA-512(M), empty
 * context — one JVM start for the batch.
 */
export async function javaEd25519phVerify(cases: { spki: Uint8Array; message: Uint8Array; signature: Uint8Array }[]): Promise<boolean[]> {
  const dir = mkdtempSync(join(tmpdir(), 'trent-java-'));
  try {
    const file = join(dir, 'cases.txt');
    writeFileSync(file, cases.map((c) => `${hex(c.spki)} ${hex(c.message)} ${hex(c.signature)}\n`).join(''));
    const r = await run('java', [SOURCE, file], { timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(`Ed25519phVerify.java failed (${r.code}): ${r.stderr}`);
    const lines = r.stdout.trim().split('\n');
    if (lines.length !== cases.length) throw new Error(`Ed25519phVerify.java answered ${lines.length} lines for ${cases.length} cases: ${r.stdout}`);
    return lines.map((l) => l.trim() === 'true');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
