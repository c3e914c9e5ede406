/**
 * The OpenSSL command line, run asynchronously (the Trent under test runs in this process, so a
 * synchronous child would stall it). Files go in a scratch directory per call.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface OpensslResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Runs `openssl …args` in a scratch directory holding `files`; returns the exit code, output and the named output files. */
export async function openssl(args: string[], files: Record<string, Uint8Array> = {}, outputs: string[] = []): Promise<OpensslResult & { out: Record<string, Buffer> }> {
  const dir = mkdtempSync(join(tmpdir(), 'trent-openssl-'));
  try {
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
    const r = await new Promise<OpensslResult>((resolve) => {
      execFile('openssl', args, { cwd: dir, encoding: 'buffer', timeout: 30_000 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        resolve({ code, stdout, stderr: stderr.toString() });
      });
    });
    const out: Record<string, Buffer> = {};
    if (r.code === 0) for (const name of outputs) out[name] = readFileSync(join(dir, name));
    return { ...r, out };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const HASH_FLAG: Record<string, string> = { sha256: '-sha256', sha384: '-sha384', sha512: '-sha512' };

/** PSS with MGF1(hash) and salt length = hash length; PKCS#1 v1.5 otherwise. */
function rsaOptions(flag: '-sigopt' | '-pkeyopt', pss: boolean): string[] {
  return pss ? [flag, 'rsa_padding_mode:pss', flag, 'rsa_pss_saltlen:digest'] : [flag, 'rsa_padding_mode:pkcs1'];
}

export type SignatureKind = 'rsa-pss' | 'rsa-pkcs1' | 'ecdsa' | 'ed25519';

/**
 * Verifies `signature` with OpenSSL and the DER SubjectPublicKeyInfo from GetPublicKey.
 * RAW: `openssl dgst -<hash> -verify` (hashes the message); DIGEST: `openssl pkeyutl -verify`
 * over the digest; Ed25519: `pkeyutl -verify -rawin`.
 */
export async function opensslVerify(p: { kind: SignatureKind; hash: string; publicKeyDer: Uint8Array; message: Uint8Array; messageType: 'RAW' | 'DIGEST'; signature: Uint8Array }): Promise<boolean> {
  const files = { 'pub.der': p.publicKeyDer, 'msg.bin': p.message, 'sig.bin': p.signature };
  const rsa = p.kind === 'rsa-pss' || p.kind === 'rsa-pkcs1';
  let args: string[];
  if (p.kind === 'ed25519') {
    args = ['pkeyutl', '-verify', '-pubin', '-keyform', 'DER', '-inkey', 'pub.der', '-rawin', '-in', 'msg.bin', '-sigfile', 'sig.bin'];
  } else if (p.messageType === 'RAW') {
    args = ['dgst', HASH_FLAG[p.hash]!, '-keyform', 'DER', '-verify', 'pub.der', '-signature', 'sig.bin', ...(rsa ? rsaOptions('-sigopt', p.kind === 'rsa-pss') : []), 'msg.bin'];
  } else {
    args = ['pkeyutl', '-verify', '-pubin', '-keyform', 'DER', '-inkey', 'pub.der', '-in', 'msg.bin', '-sigfile', 'sig.bin', '-pkeyopt', `digest:${p.hash}`, ...(rsa ? rsaOptions('-pkeyopt', p.kind === 'rsa-pss') : [])];
  }
  const r = await openssl(args, files);
  return r.code === 0 && /Verified OK|Verified Successfully/.test(r.stdout.toString());
}

/** `openssl pkeyutl -encrypt` with RSAES-OAEP (MGF1 over the same hash) under a DER public key. */
export async function opensslOaepEncrypt(publicKeyDer: Uint8Array, hash: 'sha1' | 'sha256', plaintext: Uint8Array): Promise<Buffer> {
  const r = await openssl(
    ['pkeyutl', '-encrypt', '-pubin', '-keyform', 'DER', '-inkey', 'pub.der', '-in', 'pt.bin', '-out', 'ct.bin', '-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', `rsa_oaep_md:${hash}`, '-pkeyopt', `rsa_mgf1_md:${hash}`],
    { 'pub.der': publicKeyDer, 'pt.bin': plaintext },
    ['ct.bin'],
  );
  if (r.code !== 0) throw new Error(`openssl encrypt failed: ${r.stderr}`);
  return r.out['ct.bin']!;
}

/** `openssl pkeyutl -decrypt` with RSAES-OAEP under a DER PKCS#8 private key. */
export async function opensslOaepDecrypt(privateKeyDer: Uint8Array, hash: 'sha1' | 'sha256', ciphertext: Uint8Array): Promise<Buffer> {
  const r = await openssl(
    ['pkeyutl', '-decrypt', '-keyform', 'DER', '-inkey', 'key.der', '-in', 'ct.bin', '-out', 'pt.bin', '-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', `rsa_oaep_md:${hash}`, '-pkeyopt', `rsa_mgf1_md:${hash}`],
    { 'key.der': privateKeyDer, 'ct.bin': ciphertext },
    ['pt.bin'],
  );
  if (r.code !== 0) throw new Error(`openssl decrypt failed: ${r.stderr}`);
  return r.out['pt.bin']!;
}

/** `openssl pkeyutl -derive`: the ECDH shared secret of a DER PKCS#8 private key and a DER public key. */
export async function opensslDerive(privateKeyDer: Uint8Array, peerPublicKeyDer: Uint8Array): Promise<Buffer> {
  const r = await openssl(
    ['pkeyutl', '-derive', '-keyform', 'DER', '-inkey', 'key.der', '-peerform', 'DER', '-peerkey', 'peer.der', '-out', 'secret.bin'],
    { 'key.der': privateKeyDer, 'peer.der': peerPublicKeyDer },
    ['secret.bin'],
  );
  if (r.code !== 0) throw new Error(`openssl derive failed: ${r.stderr}`);
  return r.out['secret.bin']!;
}

/** Generates an EC key with OpenSSL (`genpkey`) and returns its DER private (PKCS#8) and public (SPKI) keys. */
export async function opensslEcKey(curve: string): Promise<{ privateKeyDer: Buffer; publicKeyDer: Buffer }> {
  const gen = await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${curve}`, '-outform', 'DER', '-out', 'key.der'], {}, ['key.der']);
  if (gen.code !== 0) throw new Error(`openssl genpkey failed: ${gen.stderr}`);
  const privateKeyDer = gen.out['key.der']!;
  const pub = await openssl(['pkey', '-inform', 'DER', '-in', 'key.der', '-pubout', '-outform', 'DER', '-out', 'pub.der'], { 'key.der': privateKeyDer }, ['pub.der']);
  if (pub.code !== 0) throw new Error(`openssl pkey failed: ${pub.stderr}`);
  return { privateKeyDer, publicKeyDer: pub.out['pub.der']! };
}
