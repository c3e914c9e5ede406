/**
 * JWTs signed by Trent verify with a standard JWT library (`jose`), the way a service issuing
 * tokens with KMS does it: build `base64url(header).base64url(payload)`, Sign it with
 * MessageType RAW, append the signature (for ES256 converted from DER to JOSE's r||s), and let
 * the relying party verify with the public key from GetPublicKey. A changed payload or signature
 * does not verify.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateKeyCommand, GetPublicKeyCommand, SignCommand, type KeySpec, type SigningAlgorithmSpec } from '@aws-sdk/client-kms';
import { errors, importSPKI, jwtVerify } from 'jose';
import { startTrent, type Harness } from '../support/trent.ts';

let h: Harness;
before(async () => {
  h = await startTrent();
});
after(async () => {
  await h.stop();
});

const b64url = (b: Uint8Array | string) => Buffer.from(b).toString('base64url');

/** Reads one DER INTEGER at `at`; returns its unsigned big-endian value and the offset after it. */
function derInteger(der: Uint8Array, at: number): { value: Uint8Array; next: number } {
  assert.equal(der[at], 0x02, 'DER INTEGER expected');
  const len = der[at + 1]!;
  assert.ok(len < 0x80, 'short-form length expected for a P-256 integer');
  let value = der.subarray(at + 2, at + 2 + len);
  while (value.length > 1 && value[0] === 0) value = value.subarray(1);
  return { value, next: at + 2 + len };
}

/** ECDSA signature: DER `SEQUENCE { INTEGER r, INTEGER s }` (what KMS returns) → JOSE `r || s`, each left-padded to `size` bytes (RFC 7518 §3.4). */
function derToJose(der: Uint8Array, size: number): Uint8Array {
  assert.equal(der[0], 0x30, 'DER SEQUENCE expected');
  assert.ok(der[1]! < 0x80 && der[1] === der.length - 2, 'short-form SEQUENCE length covering the signature');
  const r = derInteger(der, 2);
  const s = derInteger(der, r.next);
  assert.equal(s.next, der.length);
  const out = new Uint8Array(2 * size);
  out.set(r.value, size - r.value.length);
  out.set(s.value, 2 * size - s.value.length);
  return out;
}

const pem = (der: Uint8Array) => `-----BEGIN PUBLIC KEY-----\n${Buffer.from(der).toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END PUBLIC KEY-----\n`;

const CASES: { alg: 'RS256' | 'ES256'; keySpec: KeySpec; signingAlgorithm: SigningAlgorithmSpec }[] = [
  { alg: 'RS256', keySpec: 'RSA_2048', signingAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256' },
  { alg: 'ES256', keySpec: 'ECC_NIST_P256', signingAlgorithm: 'ECDSA_SHA_256' },
];

describe('JWTs signed with Trent verify with jose', () => {
  for (const c of CASES) {
    test(`${c.alg} with a ${c.keySpec} key`, async () => {
      const keyId = (await h.kms.send(new CreateKeyCommand({ KeySpec: c.keySpec, KeyUsage: 'SIGN_VERIFY', Description: `PetTracker ${c.alg} token signer` }))).KeyMetadata!.KeyId!;
      const now = Math.floor(Date.now() / 1000);
      const header = { alg: c.alg, typ: 'JWT', kid: keyId };
      const claims = { iss: 'https://auth.pettracker.example', sub: 'owner-42', aud: 'pettracker-api', scope: 'records:read', iat: now, exp: now + 3600 };
      const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;

      const signed = await h.kms.send(new SignCommand({ KeyId: keyId, Message: Buffer.from(signingInput), MessageType: 'RAW', SigningAlgorithm: c.signingAlgorithm }));
      const signature = c.alg === 'ES256' ? derToJose(signed.Signature!, 32) : signed.Signature!;
      if (c.alg === 'RS256') assert.equal(signature.length, 256);
      const jwt = `${signingInput}.${b64url(signature)}`;

      const { PublicKey } = await h.kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
      const publicKey = await importSPKI(pem(PublicKey!), c.alg);
      const verified = await jwtVerify(jwt, publicKey, { issuer: claims.iss, audience: claims.aud, algorithms: [c.alg] });
      assert.deepEqual(verified.protectedHeader, header);
      assert.deepEqual(verified.payload, claims);

      // A changed payload under the original signature does not verify.
      const forgedPayload = b64url(JSON.stringify({ ...claims, sub: 'owner-1', scope: 'records:write' }));
      await assert.rejects(jwtVerify(`${b64url(JSON.stringify(header))}.${forgedPayload}.${b64url(signature)}`, publicKey), errors.JWSSignatureVerificationFailed);
      // Nor does the original token with one bit of its signature flipped.
      const flipped = Uint8Array.from(signature);
      const mid = flipped.length >> 1;
      flipped[mid] = flipped[mid]! ^ 0x01;
      await assert.rejects(jwtVerify(`${signingInput}.${b64url(flipped)}`, publicKey), errors.JWSSignatureVerificationFailed);
    });
  }
});
