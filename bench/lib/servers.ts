/**
 * The servers a benchmark starts: a bare `node:http` server answering a fixed body (the same-run
 * baseline) and Trent with everything on (SigV4, the seed-like key policy's identities, the durable
 * audit trail, SQLite WAL + synchronous=FULL), each as a child process on a free loopback port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { ROOT, TEST_ACCESS_KEY_ID, TEST_ACCOUNT, TEST_SECRET } from '../../test/support/trent.ts';

export interface Node {
  proc: ChildProcess;
  url: string;
  stop: () => Promise<void>;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A seed-like key policy: the account root, an admin role, an application role. */
export const keyPolicy = {
  Version: '2012-10-17',
  Id: 'bench-policy',
  Statement: [
    { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${TEST_ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
    {
      Sid: 'Allow key administrators',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${TEST_ACCOUNT}:role/KMSAdmin` },
      Action: ['kms:Create*', 'kms:Describe*', 'kms:Enable*', 'kms:List*', 'kms:Put*', 'kms:Update*', 'kms:Revoke*', 'kms:Disable*', 'kms:Get*', 'kms:Delete*', 'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion'],
      Resource: '*',
    },
    {
      Sid: 'Allow use of the key',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${TEST_ACCOUNT}:role/PetTracker-Lambda` },
      Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
      Resource: '*',
    },
  ],
};

export function healthz(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(`${url}/healthz`, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('error', () => resolve(false));
    req.setTimeout(1000, () => req.destroy());
  });
}

/** Spawns a server; resolves when it prints its URL and answers /healthz, with the time that took. */
export async function start(args: string[], env: Record<string, string> = {}): Promise<Node & { readyMs: number }> {
  const t0 = performance.now();
  const proc = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((r) => proc.on('exit', () => r()));
  let url: string | undefined;
  for (const deadline = Date.now() + 30_000; ; await sleep(2)) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`server did not start: ${out}\n${err}`);
    }
    url ??= /listening on (\S+)/.exec(out)?.[1];
    if (url !== undefined && (await healthz(url))) break;
  }
  const readyMs = performance.now() - t0;
  return {
    proc,
    url,
    readyMs,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

/** The bare server's source, for `node -e BARE <ciphertext length>`: a fixed Encrypt-sized answer. */
export const BARE = `
const http = require('node:http');
const body = Buffer.from(JSON.stringify({ KeyId: 'x'.repeat(75), CiphertextBlob: 'A'.repeat(Number(process.argv[1])), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' }));
const server = http.createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': '00000000-0000-4000-8000-000000000000', 'content-length': body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 65000;
server.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + server.address().port));
`;

/** The bare server answering as large a body as an Encrypt of 1 KiB does. */
export const startBare = (nodeArgs: string[] = []) => start([...nodeArgs, '-e', BARE, '1472']);

/** The roles the key policy names must exist (Trent refuses policies naming unknown principals). */
export function identitiesFile(dataDir: string): string {
  const path = join(dataDir, 'identities.json');
  const principals = ['KMSAdmin', 'PetTracker-Lambda'].map((r) => ({ arn: `arn:aws:iam::${TEST_ACCOUNT}:role/${r}` }));
  writeFileSync(path, JSON.stringify({ accounts: { [TEST_ACCOUNT]: { principals } } }));
  return path;
}

export interface TrentOptions {
  /** Flags passed to `trent serve` after the bench's own (`--no-audit`, `--workers 2`, …). */
  flags?: string[];
  /** Node options before bin/trent.js (`--cpu-prof`, `--trace-gc`, …). */
  nodeArgs?: string[];
  /** Run the compiled JavaScript (TRENT_USE_DIST=1); otherwise bin/trent.js picks. */
  built?: boolean;
  env?: Record<string, string>;
  /** Another checkout's bin/trent.js (built), to compare two builds in one run. */
  root?: string;
}

/** Trent on a data directory, plain HTTP on loopback, the test root credentials, the policy's identities. */
export function startTrent(dataDir: string, o: TrentOptions = {}): Promise<Node & { readyMs: number }> {
  const ids = identitiesFile(dataDir);
  return start([...(o.nodeArgs ?? []), join(o.root ?? ROOT, 'bin/trent.js'), 'serve', '--port', '0', '--data-dir', dataDir, '--no-tls', '--node-id', 'bench', '--identities', ids, ...(o.flags ?? [])], {
    TRENT_ROOT_ACCESS_KEY_ID: TEST_ACCESS_KEY_ID,
    TRENT_ROOT_SECRET_ACCESS_KEY: TEST_SECRET,
    ...(o.built ? { TRENT_USE_DIST: '1' } : {}),
    ...o.env,
  });
}
