// ML-DSA.Sign and ML-DSA.Verify on @noble/post-quantum, shared by ml-dsa.ts (the main thread) and
// sign-worker.mjs (the signing thread, which production uses). Plain JavaScript so the worker can
// load it however Trent runs (tsx, dist/); its types are in ml-dsa-ops.d.mts.
//
// @noble/post-quantum is loaded on first need (loadMlDsa), not with Trent: its modules take ~40 ms
// to load, a sixth of start-up, for keys most users never create.

/** μ, the message representative EXTERNAL_MU signs (FIPS 204 §6.2). */
export const ML_DSA_MU_BYTES = 64;

let SCHEMES;
let loading;

/** Loads the ML-DSA implementation; every ML-DSA operation needs this to have resolved once. */
export function loadMlDsa() {
  loading ??= import('@noble/post-quantum/ml-dsa.js').then((m) => {
    SCHEMES = { 44: m.ml_dsa44, 65: m.ml_dsa65, 87: m.ml_dsa87 };
  });
  return loading;
}

/** The @noble scheme of a parameter set; RangeError for any other number. */
export function mlDsaScheme(parameterSet) {
  if (SCHEMES === undefined) throw new Error('ML-DSA used before loadMlDsa() resolved');
  const scheme = SCHEMES[parameterSet];
  if (!scheme) throw new RangeError(`unknown ML-DSA parameter set ${parameterSet}`);
  return scheme;
}

/**
 * RAW: ML-DSA.Sign(sk, M, ctx = "") — μ is computed here. EXTERNAL_MU: the 64-byte `message` is μ
 * ("KMS skips the concatenated hashing of the public key hash and the message", Sign reference).
 * Hedged: fresh randomness per signature, the FIPS 204 default.
 */
export function mlDsaSignRaw(parameterSet, secretKey, message, externalMu) {
  const scheme = mlDsaScheme(parameterSet);
  if (!externalMu) return scheme.sign(message, secretKey);
  if (message.length !== ML_DSA_MU_BYTES) throw new RangeError(`μ is ${ML_DSA_MU_BYTES} bytes, not ${message.length}`);
  return scheme.internal.sign(message, secretKey, { externalMu: true });
}

/** False for a signature that does not verify, including one of the wrong length or encoding. */
export function mlDsaVerifyRaw(parameterSet, publicKey, message, externalMu, signature) {
  const scheme = mlDsaScheme(parameterSet);
  if (signature.length !== scheme.lengths.signature) return false;
  try {
    if (!externalMu) return scheme.verify(signature, message, publicKey);
    return message.length === ML_DSA_MU_BYTES && scheme.internal.verify(signature, message, publicKey, { externalMu: true });
  } catch {
    return false;
  }
}
