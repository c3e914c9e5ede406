// The worker thread of sign-pool.ts: ML-DSA and Ed25519ph signing, which are pure JavaScript (10–35 ms
// per ML-DSA signature) and would otherwise hold the event loop. Plain JavaScript, not TypeScript, so
// it loads the same way under `node --import tsx`, bin/trent.js (tsx registered on the main thread
// only) and any build. One job at a time:
//   sign:   { id, op: 'sign', scheme, parameterSet?, key, message, externalMu? } → { id, signature }
//   verify: { id, op: 'verify', scheme: 'ml-dsa', parameterSet, key (public), message, externalMu, signature } → { id, valid }
// or { id, error: { name, message } }. A private key arrives in a transferred buffer that nothing
// else holds, and is zeroed here after use.
import { parentPort } from 'node:worker_threads';
import { ed25519ph } from '@noble/curves/ed25519.js';
import { loadMlDsa, mlDsaSignRaw, mlDsaVerifyRaw } from './ml-dsa-ops.mjs';

// Jobs posted meanwhile wait in the port, which starts with the listener below.
await loadMlDsa();

function sign(job) {
  if (job.scheme === 'ed25519ph') return ed25519ph.sign(job.message, job.key);
  return mlDsaSignRaw(job.parameterSet, job.key, job.message, job.externalMu);
}

const verify = (job) => mlDsaVerifyRaw(job.parameterSet, job.key, job.message, job.externalMu, job.signature);

parentPort.on('message', (job) => {
  try {
    if (job.op === 'verify') {
      parentPort.postMessage({ id: job.id, valid: verify(job) });
      return;
    }
    const signature = Uint8Array.from(sign(job)); // a buffer of its own, safe to transfer
    parentPort.postMessage({ id: job.id, signature }, [signature.buffer]);
  } catch (e) {
    parentPort.postMessage({ id: job.id, error: { name: e?.name ?? 'Error', message: e?.message ?? String(e) } });
  } finally {
    job.key.fill(0);
  }
});
