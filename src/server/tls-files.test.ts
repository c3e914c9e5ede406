import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo, LookupFunction } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { LEAF_VALIDITY_DAYS, ensureTlsFiles, generateTlsMaterial, normalizeHosts, type TlsFiles } from './tls-files.ts';

const run = promisify(execFile);
const DAY = 24 * 60 * 60 * 1000;

function haveCommand(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}
const HAVE_OPENSSL = haveCommand('/usr/bin/openssl', ['version']);
const HAVE_PYTHON = haveCommand('python3', ['-c', 'import ssl']);
const HAVE_PY_CRYPTOGRAPHY = HAVE_PYTHON && haveCommand('python3', ['-c', 'from cryptography.x509.verification import PolicyBuilder']);
const HAVE_AWS_CLI = haveCommand('aws', ['--version']);

const openssl = (...args: string[]): string => execFileSync('/usr/bin/openssl', args, { encoding: 'utf8' });

function pemBlocks(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
}

/** An HTTPS server with the generated cert/key answering every request with a small KMS-ish JSON body. */
async function startServer(files: TlsFiles, host = '127.0.0.1'): Promise<{ port: number; close: () => Promise<void> }> {
  const server = https.createServer({ cert: readFileSync(files.certPath), key: readFileSync(files.keyPath) }, (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ Keys: [], Truncated: false }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function get(opts: https.RequestOptions): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get({ agent: false, ...opts }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

describe('ensureTlsFiles', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'trent-tls-'));
  });
  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates ca.pem, server.crt (leaf + CA) and a 0600 PKCS#8 server.key, and nothing else', async () => {
    const files = await ensureTlsFiles(dataDir, { hosts: [], now: new Date() });
    assert.equal(files.created, true);
    assert.equal(files.caPath, join(dataDir, 'tls', 'ca.pem'));
    assert.equal(files.certPath, join(dataDir, 'tls', 'server.crt'));
    assert.equal(files.keyPath, join(dataDir, 'tls', 'server.key'));
    assert.deepEqual(readdirSync(join(dataDir, 'tls')).sort(), ['ca.pem', 'server.crt', 'server.key']);

    if (process.platform !== 'win32') {
      assert.equal(statSync(files.keyPath).mode & 0o777, 0o600);
      assert.equal(statSync(files.certPath).mode & 0o077 & 0o022, 0); // not group/world-writable
    }

    const keyPem = readFileSync(files.keyPath, 'utf8');
    assert.match(keyPem, /^-----BEGIN PRIVATE KEY-----\n/); // PKCS#8
    assert.equal((keyPem.match(/PRIVATE KEY-----/g) ?? []).length, 2, 'exactly one key in server.key');

    const caPem = readFileSync(files.caPath, 'utf8');
    const chain = pemBlocks(readFileSync(files.certPath, 'utf8'));
    assert.equal(chain.length, 2);
    assert.equal(chain[1], caPem, 'server.crt = leaf then CA');
    assert.equal(pemBlocks(caPem).length, 1);

    const leaf = new X509Certificate(chain[0]!);
    const ca = new X509Certificate(caPem);
    assert.ok(leaf.checkPrivateKey(createPrivateKey(keyPem)));
    assert.ok(leaf.verify(ca.publicKey));
    assert.equal(ca.ca, true);
    assert.equal(leaf.ca, false);
    // The CA's private key is not kept anywhere in the data dir: the only key there is the leaf's.
    assert.notEqual(
      createPublicKey(keyPem).export({ type: 'spki', format: 'der' }).toString('hex'),
      ca.publicKey.export({ type: 'spki', format: 'der' }).toString('hex'),
    );
  });

  it('sets validity from `now`: notBefore = now − 1h, leaf ≤ 825 days, CA 10 years', async () => {
    const now = new Date('2031-05-06T07:08:09.500Z');
    const files = await ensureTlsFiles(dataDir, { hosts: [], now });
    const leaf = new X509Certificate(readFileSync(files.certPath));
    const ca = new X509Certificate(readFileSync(files.caPath));
    const nb = Date.parse(leaf.validFrom);
    assert.equal(nb, Date.parse('2031-05-06T06:08:09Z'));
    assert.equal(Date.parse(ca.validFrom), nb);
    assert.ok(Date.parse(leaf.validTo) - nb <= LEAF_VALIDITY_DAYS * DAY);
    assert.ok(Date.parse(leaf.validTo) - nb >= 800 * DAY);
    const caYears = (Date.parse(ca.validTo) - nb) / (365.25 * DAY);
    assert.ok(caYears > 9.99 && caYears < 10.01, `CA validity ${caYears} years`);
    // Serial numbers: positive, random, distinct.
    assert.notEqual(leaf.serialNumber, ca.serialNumber);
    assert.ok(!/^[89A-F]/i.test(leaf.serialNumber));
  });

  it('encodes dates from 2050 on as GeneralizedTime', async () => {
    const files = await ensureTlsFiles(dataDir, { hosts: [], now: new Date('2049-12-01T00:00:00Z') });
    const ca = new X509Certificate(readFileSync(files.caPath));
    assert.equal(Date.parse(ca.validFrom), Date.parse('2049-11-30T23:00:00Z'));
    assert.ok(Date.parse(ca.validTo) > Date.parse('2059-01-01T00:00:00Z'));
    if (HAVE_OPENSSL) {
      const dump = openssl('asn1parse', '-in', files.caPath);
      assert.match(dump, /UTCTIME\s+:491130230000Z/);
      assert.match(dump, /GENERALIZEDTIME\s+:20591130230000Z/);
    }
  });

  it('is accepted by `openssl verify -x509_strict -purpose sslserver -CAfile ca.pem` for every name', { skip: !HAVE_OPENSSL }, async () => {
    const files = await ensureTlsFiles(dataDir, { hosts: ['kms.example.test', '10.1.2.3', 'fd00::7'], now: new Date() });
    const base = ['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', files.caPath];
    assert.match(openssl(...base, files.certPath), /server\.crt: OK/);
    for (const h of ['localhost', 'kms.example.test']) assert.match(openssl(...base, '-verify_hostname', h, files.certPath), /OK/);
    for (const ip of ['127.0.0.1', '::1', '10.1.2.3', 'fd00::7']) assert.match(openssl(...base, '-verify_ip', ip, files.certPath), /OK/);
    // A name not in the certificate is rejected (so the checks above mean something).
    assert.throws(() => execFileSync('/usr/bin/openssl', [...base, '-verify_hostname', 'other.test', files.certPath], { stdio: 'pipe' }));
    // And the chain does not verify against some other trust anchor.
    const otherDir = mkdtempSync(join(tmpdir(), 'trent-tls-other-'));
    try {
      const other = await ensureTlsFiles(otherDir, { hosts: [], now: new Date() });
      assert.throws(() => execFileSync('/usr/bin/openssl', ['verify', '-CAfile', other.caPath, files.certPath], { stdio: 'pipe' }));
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
  });

  it('`openssl x509 -text` shows the SANs, CA:FALSE, key usages and key identifiers', { skip: !HAVE_OPENSSL }, async () => {
    const files = await ensureTlsFiles(dataDir, { hosts: ['kms.example.test', '10.1.2.3', '[2001:db8::1]', 'LOCALHOST'], now: new Date() });
    const leafText = openssl('x509', '-in', files.certPath, '-noout', '-text');
    const san = /X509v3 Subject Alternative Name: *\n\s*(.*)\n/.exec(leafText)?.[1] ?? '';
    assert.equal(
      san,
      'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:kms.example.test, IP Address:10.1.2.3, IP Address:2001:DB8:0:0:0:0:0:1',
    );
    assert.match(leafText, /X509v3 Basic Constraints: critical\n\s*CA:FALSE/);
    assert.match(leafText, /X509v3 Key Usage: critical\n\s*Digital Signature\n/);
    assert.match(leafText, /X509v3 Extended Key Usage: *\n\s*TLS Web Server Authentication\n/);
    assert.match(leafText, /Version: 3 \(0x2\)/);
    assert.match(leafText, /Signature Algorithm: ecdsa-with-SHA256/);
    assert.match(leafText, /NIST CURVE: P-256/);

    const caText = openssl('x509', '-in', files.caPath, '-noout', '-text');
    assert.match(caText, /X509v3 Basic Constraints: critical\n\s*CA:TRUE/);
    assert.match(caText, /X509v3 Key Usage: critical\n\s*Certificate Sign, CRL Sign\n/);

    const caSki = /Subject Key Identifier: *\n\s*([0-9A-F:]+)/.exec(caText)?.[1];
    const leafAki = /Authority Key Identifier: *\n\s*(?:keyid:)?([0-9A-F:]+)/.exec(leafText)?.[1];
    const leafSki = /Subject Key Identifier: *\n\s*([0-9A-F:]+)/.exec(leafText)?.[1];
    assert.ok(caSki && leafSki);
    assert.equal(leafAki, caSki, 'leaf AKI = CA SKI');
    assert.notEqual(leafSki, caSki);
    // SKI is the SHA-1 of the public key bits (RFC 5280 method 1), like OpenSSL's "hash".
    const pubDer = execFileSync('/usr/bin/openssl', ['pkey', '-pubin', '-outform', 'DER'], {
      input: openssl('x509', '-in', files.caPath, '-noout', '-pubkey'),
    });
    const { createHash } = await import('node:crypto');
    const expect = createHash('sha1').update(pubDer.subarray(pubDer.length - 65)).digest('hex').toUpperCase().match(/../g)!.join(':');
    assert.equal(caSki, expect);
  });

  it('serves HTTPS that Node clients trust with `ca: ca.pem` (by name and by IP), and not without it', async () => {
    const files = await ensureTlsFiles(dataDir, { hosts: ['trent.test'], now: new Date() });
    const ca = readFileSync(files.caPath);
    const srv = await startServer(files);
    try {
      const ok = await get({ host: 'localhost', port: srv.port, path: '/', ca, lookup: fixedLookup('127.0.0.1') });
      assert.equal(ok.status, 200);
      assert.equal(JSON.parse(ok.body).Truncated, false);
      assert.equal((await get({ host: '127.0.0.1', port: srv.port, path: '/', ca })).status, 200);
      assert.equal((await get({ host: 'trent.test', port: srv.port, path: '/', ca, lookup: fixedLookup('127.0.0.1') })).status, 200);

      await assert.rejects(get({ host: '127.0.0.1', port: srv.port, path: '/' }), (err: NodeJS.ErrnoException) => {
        assert.match(String(err.code), /SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/);
        return true;
      });
      await assert.rejects(
        get({ host: 'not-covered.test', port: srv.port, path: '/', ca, lookup: fixedLookup('127.0.0.1') }),
        (err: NodeJS.ErrnoException) => err.code === 'ERR_TLS_CERT_ALTNAME_INVALID',
      );
    } finally {
      await srv.close();
    }

    // ::1 over IPv6, where the machine has it.
    let v6: Awaited<ReturnType<typeof startServer>> | undefined;
    try {
      v6 = await startServer(files, '::1');
    } catch {
      v6 = undefined;
    }
    if (v6) {
      try {
        assert.equal((await get({ host: '::1', port: v6.port, path: '/', ca })).status, 200);
      } finally {
        await v6.close();
      }
    }
  });

  it('is trusted by Python ssl with VERIFY_X509_STRICT (what Python 3.13+ / botocore use)', { skip: !HAVE_PYTHON }, async () => {
    const files = await ensureTlsFiles(dataDir, { hosts: [], now: new Date() });
    const srv = await startServer(files);
    const script = `
import http.client, json, ssl, sys
cafile, port, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=cafile)
ctx.verify_flags |= ssl.VERIFY_X509_STRICT
assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
conn = http.client.HTTPSConnection(name, port, context=ctx, timeout=10)
if name == 'localhost':
    # connect to 127.0.0.1 but verify the name "localhost"
    import socket
    conn.sock = ctx.wrap_socket(socket.create_connection(('127.0.0.1', port), timeout=10), server_hostname='localhost')
conn.request('POST', '/', body=b'{}', headers={'content-type': 'application/x-amz-json-1.1'})
r = conn.getresponse()
print(r.status, json.loads(r.read())['Truncated'], conn.sock.version())
`;
    const negative = `
import socket, ssl, sys
ctx = ssl.create_default_context()  # system trust store only
try:
    ctx.wrap_socket(socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=10), server_hostname='localhost')
except ssl.SSLCertVerificationError as e:
    print('rejected', e.verify_code)
else:
    print('accepted')
`;
    try {
      for (const name of ['localhost', '127.0.0.1']) {
        const { stdout } = await run('python3', ['-c', script, files.caPath, String(srv.port), name], { timeout: 30_000 });
        assert.match(stdout, /^200 False TLSv1\.[23]\n$/, `python via ${name}`);
      }
      const { stdout } = await run('python3', ['-c', negative, String(srv.port)], { timeout: 30_000 });
      assert.match(stdout, /^rejected /);
    } finally {
      await srv.close();
    }
  });

  it('passes the `cryptography` package\'s RFC 5280 / CA-B Forum path validator', { skip: !HAVE_PY_CRYPTOGRAPHY }, async () => {
    const files = await ensureTlsFiles(dataDir, { hosts: ['kms.example.test', '10.9.8.7'], now: new Date() });
    const script = `
import datetime, ipaddress, sys
from cryptography import x509
from cryptography.x509.verification import PolicyBuilder, Store, DNSName, IPAddress
ca = x509.load_pem_x509_certificate(open(sys.argv[1], 'rb').read())
chain = x509.load_pem_x509_certificates(open(sys.argv[2], 'rb').read())
now = datetime.datetime.now(datetime.timezone.utc)
for s in [DNSName('localhost'), DNSName('kms.example.test'), IPAddress(ipaddress.ip_address('127.0.0.1')), IPAddress(ipaddress.ip_address('::1')), IPAddress(ipaddress.ip_address('10.9.8.7'))]:
    v = PolicyBuilder().store(Store([ca])).time(now).build_server_verifier(s)
    assert len(v.verify(chain[0], chain[1:])) == 2
print('ok')
`;
    const { stdout } = await run('python3', ['-c', script, files.caPath, files.certPath], { timeout: 30_000 });
    assert.equal(stdout, 'ok\n');
  });

  it('works with the AWS CLI `--ca-bundle ca.pem`', { skip: !HAVE_AWS_CLI }, async () => {
    const files = await ensureTlsFiles(dataDir, { hosts: [], now: new Date() });
    const srv = await startServer(files);
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: dataDir,
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: join(dataDir, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dataDir, 'no-aws-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_MAX_ATTEMPTS: '1',
      AWS_RETRY_MODE: 'standard',
    };
    const args = ['kms', 'list-keys', '--endpoint-url', `https://localhost:${srv.port}`, '--output', 'json'];
    try {
      const { stdout } = await run('aws', [...args, '--ca-bundle', files.caPath], { env, timeout: 60_000 });
      assert.deepEqual(JSON.parse(stdout), { Keys: [] }); // the CLI paginates and drops Truncated
      await assert.rejects(run('aws', args, { env, timeout: 60_000 }), (err: { stderr?: string }) => /SSL|certificate/i.test(err.stderr ?? ''));
    } finally {
      await srv.close();
    }
  });

  it('reuses the files on a later call (same bytes, created: false)', async () => {
    const now = new Date();
    const first = await ensureTlsFiles(dataDir, { hosts: ['kms.example.test', '10.0.0.1'], now });
    const before = [first.caPath, first.certPath, first.keyPath].map((p) => readFileSync(p));
    const second = await ensureTlsFiles(dataDir, { hosts: ['KMS.example.test.', '10.0.0.1'], now: new Date(now.getTime() + 100 * DAY) });
    assert.deepEqual(second, { ...first, created: false });
    const after = [second.caPath, second.certPath, second.keyPath].map((p) => readFileSync(p));
    assert.deepEqual(after, before);
    // A subset of the hosts is covered too.
    assert.equal((await ensureTlsFiles(dataDir, { hosts: [], now })).created, false);
  });

  it('regenerates CA and leaf when a new host is requested', async () => {
    const now = new Date();
    const first = await ensureTlsFiles(dataDir, { hosts: ['a.test'], now });
    const oldCa = readFileSync(first.caPath, 'utf8');
    const oldKey = readFileSync(first.keyPath, 'utf8');
    const second = await ensureTlsFiles(dataDir, { hosts: ['a.test', 'b.test', '192.168.1.9'], now });
    assert.equal(second.created, true);
    assert.notEqual(readFileSync(second.caPath, 'utf8'), oldCa);
    assert.notEqual(readFileSync(second.keyPath, 'utf8'), oldKey);
    const leaf = new X509Certificate(readFileSync(second.certPath));
    assert.ok(leaf.checkHost('a.test') && leaf.checkHost('b.test') && leaf.checkIP('192.168.1.9'));
    assert.ok(leaf.verify(new X509Certificate(readFileSync(second.caPath)).publicKey));
    assert.deepEqual(readdirSync(join(dataDir, 'tls')).sort(), ['ca.pem', 'server.crt', 'server.key']);
    assert.equal((await ensureTlsFiles(dataDir, { hosts: ['b.test'], now })).created, false);
  });

  it('regenerates when the leaf expires within 30 days or is not yet valid', async () => {
    const now = new Date('2030-01-01T00:00:00Z');
    await ensureTlsFiles(dataDir, { hosts: [], now });
    const leafTo = Date.parse(new X509Certificate(readFileSync(join(dataDir, 'tls', 'server.crt'))).validTo);
    assert.equal((await ensureTlsFiles(dataDir, { hosts: [], now: new Date(leafTo - 31 * DAY) })).created, false);
    const renewed = await ensureTlsFiles(dataDir, { hosts: [], now: new Date(leafTo - 29 * DAY) });
    assert.equal(renewed.created, true);
    const newLeaf = new X509Certificate(readFileSync(renewed.certPath));
    assert.ok(Date.parse(newLeaf.validTo) > leafTo + 700 * DAY);
    // Clock moved back before notBefore: the cert would be rejected as not yet valid.
    assert.equal((await ensureTlsFiles(dataDir, { hosts: [], now })).created, true);
  });

  it('regenerates when files are missing, damaged or do not belong together', async () => {
    const now = new Date();
    const files = await ensureTlsFiles(dataDir, { hosts: [], now });

    rmSync(files.caPath);
    assert.equal((await ensureTlsFiles(dataDir, { hosts: [], now })).created, true);

    writeFileSync(files.keyPath, readFileSync(files.keyPath, 'utf8').slice(0, 60));
    assert.equal((await ensureTlsFiles(dataDir, { hosts: [], now })).created, true);

    // ca.pem from a different CA (e.g. a crash between renames of two generations).
    const otherDir = mkdtempSync(join(tmpdir(), 'trent-tls-other-'));
    try {
      const other = await ensureTlsFiles(otherDir, { hosts: [], now });
      writeFileSync(files.caPath, readFileSync(other.caPath));
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
    assert.equal((await ensureTlsFiles(dataDir, { hosts: [], now })).created, true);

    // Key from another generation.
    const keep = readFileSync(files.keyPath);
    await ensureTlsFiles(dataDir, { hosts: ['x.test'], now });
    writeFileSync(files.keyPath, keep);
    assert.equal((await ensureTlsFiles(dataDir, { hosts: [], now })).created, true);

    const leaf = new X509Certificate(readFileSync(files.certPath));
    assert.ok(leaf.checkPrivateKey(createPrivateKey(readFileSync(files.keyPath))));
    assert.ok(leaf.verify(new X509Certificate(readFileSync(files.caPath)).publicKey));
    assert.equal(statSync(files.keyPath).mode & 0o777, 0o600);
  });

  it('generates quickly (well under 200 ms)', async () => {
    const hosts = normalizeHosts(['localhost', '127.0.0.1', '::1', 'kms.example.test']);
    generateTlsMaterial(hosts, new Date()); // warm-up
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) generateTlsMaterial(hosts, new Date());
    const perCall = (performance.now() - t0) / 10;
    assert.ok(perCall < 50, `generation took ${perCall.toFixed(1)} ms`);
    const t1 = performance.now();
    await ensureTlsFiles(dataDir, { hosts: ['kms.example.test'], now: new Date() });
    assert.ok(performance.now() - t1 < 200, 'ensureTlsFiles incl. writes');
  });
});

describe('normalizeHosts', () => {
  const show = (hosts: string[]): string[] =>
    normalizeHosts(hosts).map((h) => (h.kind === 'dns' ? `dns:${h.name}` : `ip:${h.bytes.toString('hex')}`));

  it('classifies IP literals (v4, v6, bracketed, zone id, v4-mapped) and DNS names', () => {
    assert.deepEqual(show(['10.0.0.1', '::1', '[fe80::1%eth0]', '::ffff:1.2.3.4', '2001:db8::', '1:2:3:4:5:6:7:8', 'kms.example.test']), [
      'ip:0a000001',
      'ip:00000000000000000000000000000001',
      'ip:fe800000000000000000000000000001',
      'ip:00000000000000000000ffff01020304',
      'ip:20010db8000000000000000000000000',
      'ip:00010002000300040005000600070008',
      'dns:kms.example.test',
    ]);
  });

  it('lower-cases, drops a trailing dot, punycodes IDNs, de-duplicates and skips blanks', () => {
    assert.deepEqual(show(['Example.TEST.', 'example.test', ' ', '', '0:0::1', '::1', 'Bücher.example', '*.Wild.test']), [
      'dns:example.test',
      'ip:00000000000000000000000000000001',
      'dns:xn--bcher-kva.example',
      'dns:*.wild.test',
    ]);
  });

  it('rejects names that cannot go in a certificate', () => {
    assert.throws(() => normalizeHosts(['has space.test']), TypeError);
  });
});

function fixedLookup(address: string): LookupFunction {
  // Node 20 calls lookup with { all: true } when autoSelectFamily is on.
  return (_host, opts, cb) => {
    if (opts.all) cb(null, [{ address, family: 4 }]);
    else cb(null, address, 4);
  };
}
