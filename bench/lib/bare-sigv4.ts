/**
 * The second baseline: the bare node:http server of bench/run.ts, plus Trent's own SigV4 verifier
 * (verifySigV4, a signing-key cache, one fixed credential) on every request before the same fixed
 * answer. What it adds to the bare row is what verifying a signature costs on this machine, with no
 * operation, key store, policy or audit: a ceiling for any server that checks signatures this way.
 *
 *   node --import tsx bench/lib/bare-sigv4.ts <ciphertext length>
 *   env: BENCH_SECRET (the generator's secret), SIGV4_MODULE (Trent's sigv4 module: dist/ or src/)
 */
import http from 'node:http';
import { pathToFileURL } from 'node:url';

const mod = (await import(pathToFileURL(process.env.SIGV4_MODULE!).href)) as typeof import('../../src/auth/sigv4.ts');
const credential = { secretAccessKey: process.env.BENCH_SECRET! };
const signingKeys = new mod.SigningKeyCache();
const body = Buffer.from(JSON.stringify({ KeyId: 'x'.repeat(75), CiphertextBlob: 'A'.repeat(Number(process.argv[2])), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' }));
const refused = Buffer.from(JSON.stringify({ __type: 'InvalidSignatureException', message: 'bench: signature refused' }));

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') {
    res.end('{"status":"ok"}');
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    mod
      .verifySigV4(
        { method: req.method ?? 'POST', rawPath: req.url ?? '/', headers: req.headersDistinct, body: Buffer.concat(chunks) },
        { now: new Date(), region: 'us-east-1', service: 'kms', signingKeys, lookup: () => credential },
      )
      .then(
        () => {
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': '00000000-0000-4000-8000-000000000000', 'content-length': body.length });
          res.end(body);
        },
        () => {
          res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'content-length': refused.length });
          res.end(refused);
        },
      );
  });
});
server.keepAliveTimeout = 65000;
server.listen(0, '127.0.0.1', () => {
  const a = server.address();
  console.log(`listening on http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`);
});
