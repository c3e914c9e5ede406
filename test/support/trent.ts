/**
 * Test harness: a real Trent (in this process, or as a child process running the CLI) on an
 * ephemeral port with its own temporary data directory, and SDK clients pointed at it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KMSClient } from '@aws-sdk/client-kms';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { createTrent, type Trent, type TrentOptions } from '../../src/app/create-trent.ts';
import { buildConfig, type ConfigInput } from '../../src/config/config.ts';
import { dropTestDatabase, POSTGRES_UNAVAILABLE, postgresUrlForTests } from './postgres.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export const TEST_ACCESS_KEY_ID = 'AKIATRENTTESTROOT001';
export const TEST_SECRET = 'trent-test-secret-access-key-0000000000';
export const TEST_ACCOUNT = '111122223333';

export function tempDir(prefix = 'trent-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * The store the end-to-end suite runs on: the embedded SQLite, or PostgreSQL when
 * TRENT_TEST_STORE=postgres (the test runner's second pass, `test/run-all.ts`).
 */
export const TEST_STORE = ((): 'sqlite' | 'postgres' => {
  const v = process.env.TRENT_TEST_STORE ?? '';
  if (v === '' || v === 'sqlite') return 'sqlite';
  if (v === 'postgres') return 'postgres';
  throw new Error(`TRENT_TEST_STORE must be sqlite or postgres, got ${v}`);
})();

/**
 * A fresh database for one Trent under TRENT_TEST_STORE=postgres (drop it with
 * `dropTestDatabase` when done); undefined on SQLite. Throws when PostgreSQL was asked for but
 * cannot be had: the runner only starts the PostgreSQL pass when it can (and, with CI=true,
 * fails when it cannot), so this is reached only by running a file by hand.
 */
export async function testStoreUrl(): Promise<string | undefined> {
  if (TEST_STORE !== 'postgres') return undefined;
  const url = await postgresUrlForTests();
  if (url === undefined) throw new Error(`TRENT_TEST_STORE=postgres, but ${POSTGRES_UNAVAILABLE}`);
  return url;
}

export interface Harness {
  trent: Trent;
  dataDir: string;
  /** The PostgreSQL database this Trent uses; undefined on the embedded SQLite store. */
  storeUrl?: string;
  kms: KMSClient;
  client(creds?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, region?: string): KMSClient;
  stop(): Promise<void>;
}

export function kmsClientConfig(endpoint: string, caPath: string | undefined, creds: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = { accessKeyId: TEST_ACCESS_KEY_ID, secretAccessKey: TEST_SECRET }, region = 'us-east-1') {
  return {
    endpoint,
    region,
    credentials: creds,
    maxAttempts: 1,
    ...(caPath ? { requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: readFileSync(caPath), keepAlive: true }) }) } : {}),
  };
}

export function kmsClient(endpoint: string, caPath: string | undefined, creds?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, region?: string): KMSClient {
  return new KMSClient(kmsClientConfig(endpoint, caPath, creds, region));
}

/**
 * Starts Trent in this process. `tls` defaults to true, as users get it. The store is SQLite in
 * the data directory, or a fresh PostgreSQL database under TRENT_TEST_STORE=postgres (dropped
 * by `stop()`), unless `config.storeUrl` names one.
 */
export async function startTrent(o: { tls?: boolean; dataDir?: string; config?: ConfigInput; options?: TrentOptions; /** SQLite even under TRENT_TEST_STORE=postgres. */ sqlite?: boolean } = {}): Promise<Harness> {
  const dataDir = o.dataDir ?? tempDir();
  const ownDb = o.config?.storeUrl === undefined && o.sqlite !== true ? await testStoreUrl() : undefined;
  const storeUrl = o.config?.storeUrl ?? ownDb;
  const config = buildConfig(
    { dataDir, port: 0, tls: o.tls ?? true, ...o.config, ...(storeUrl !== undefined ? { storeUrl } : {}) },
    { TRENT_ROOT_ACCESS_KEY_ID: TEST_ACCESS_KEY_ID, TRENT_ROOT_SECRET_ACCESS_KEY: TEST_SECRET },
  );
  const logs: string[] = [];
  let trent: Trent;
  try {
    trent = await createTrent(config, { log: (l) => logs.push(l), ...o.options });
  } catch (e) {
    if (ownDb !== undefined) await dropTestDatabase(ownDb);
    throw e;
  }
  const client = (creds?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, region?: string) =>
    kmsClient(trent.url, trent.caPath, creds, region);
  const kms = client();
  return {
    trent,
    dataDir,
    ...(storeUrl !== undefined ? { storeUrl } : {}),
    kms,
    client,
    async stop() {
      kms.destroy();
      await trent.close();
      if (ownDb !== undefined) await dropTestDatabase(ownDb);
      if (!o.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ChildTrent {
  proc: ChildProcess;
  url: string;
  caPath?: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `bin/trent.js serve` as a child process and waits for it to print its URL and `ready`. */
export async function spawnTrent(args: string[], env: Record<string, string> = {}): Promise<ChildTrent> {
  const proc = spawn(process.execPath, [join(ROOT, 'bin/trent.js'), 'serve', '--port', '0', ...args], {
    env: { ...process.env, TRENT_ROOT_ACCESS_KEY_ID: TEST_ACCESS_KEY_ID, TRENT_ROOT_SECRET_ACCESS_KEY: TEST_SECRET, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => proc.on('exit', (code, signal) => res({ code, signal })));
  const deadline = Date.now() + 20_000;
  while (!/^ready$/m.test(out)) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`trent exited early: ${out}\n${err}`);
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`trent did not become ready: ${out}\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const url = /listening on (\S+)/.exec(out)![1]!;
  const ca = /CA certificate[^:]*: (\S+)/.exec(out)?.[1];
  return { proc, url, ...(ca ? { caPath: ca } : {}), stdout: () => out, stderr: () => err, exited };
}
