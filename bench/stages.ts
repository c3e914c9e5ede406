/**
 * Where a request's CPU goes, stage by stage, from a V8 CPU profile of Trent's main thread:
 *
 *   node --import tsx bench/wrk.ts --rounds 1 --node-args="--cpu-prof --cpu-prof-dir=/tmp/prof"
 *   node --import tsx bench/stages.ts /tmp/prof/CPU.*.cpuprofile [--per-request-us 210]
 *
 * Each sample is charged to the innermost stage among its callers (the functions named below),
 * else to Node's HTTP machinery, GC or "other". With --per-request-us (the bench's srv µs), each
 * share is also shown in µs per request.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Frame {
  functionName: string;
  url: string;
}
interface ProfileNode {
  id: number;
  callFrame: Frame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const STAGES: [string, RegExp][] = [
  ['audit record: build, redact, serialize, hash chain', /^(succeed|fail|#settle|#build|sealLine|appendEvent|append|requestParameters|responseElements|additionalEventData|userIdentityOf)$/],
  ['encode the answer (JSON, base64)', /^(encodeResponse|encodeAudited|toWire)$/],
  ['execute: decode and validate the input', /^(decode|decodeFields|decodeInput)$/],
  ['execute: authorize (policies, grants)', /^authorize$/],
  ['execute: resolve the key', /^(resolveNamed|resolve|#resolveRef|#keyIn|keyOf)$/],
  ['execute: the handler (material, AES-GCM, blob)', /^(encrypt|decrypt|seal|open|generateDataKey|requireMaterial|material|run)$/],
  ['execute: the rest', /^(execute|useKey|admitKey)$/],
  ['authenticate: read the access-key record', /^(getAccessKey|lookup)$/],
  ['authenticate: verify SigV4', /^(verifySigV4|authenticate|parseAuthorization|canonicalRequest|unsignedSteeringHeaders|parseAmzDate|signingKey)$/],
  ['read the body, parse JSON', /^(readBody|readKmsBody|parseJson\d*)$/],
  ['key store reads (batched)', /^(#readKeys|#readKeyRow|keyFromDoc|getKey)$/],
];

const { values, positionals } = parseArgs({ allowPositionals: true, options: { 'per-request-us': { type: 'string' } } });
if (positionals.length !== 1) {
  console.error('usage: bench/stages.ts <file.cpuprofile> [--per-request-us N]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(positionals[0]!, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

function stageOf(id: number): string {
  for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) {
    const fn = byId.get(x)!.callFrame.functionName;
    for (const [name, rx] of STAGES) if (rx.test(fn)) return name;
  }
  const f = byId.get(id)!.callFrame;
  if (f.functionName === '(garbage collector)' || f.functionName === '(idle)' || f.functionName === '(program)') return f.functionName;
  if (f.url.startsWith('node:') || /^(writev|writeBuffer|writeUtf8String)$/.test(f.functionName)) return "Node's HTTP, sockets, streams, events";
  return 'other';
}

const time = new Map<string, number>();
profile.samples.forEach((id, i) => {
  const s = stageOf(id);
  time.set(s, (time.get(s) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
time.delete('(idle)');
const busy = [...time.values()].reduce((a, b) => a + b, 0);
const perRequest = values['per-request-us'] !== undefined ? Number(values['per-request-us']) : undefined;
console.log(`main thread busy ${(busy / 1e6).toFixed(2)} s`);
for (const [name, t] of [...time].sort((a, b) => b[1] - a[1])) {
  const share = t / busy;
  console.log(`${(share * 100).toFixed(1).padStart(5)}%${perRequest !== undefined ? `  ${(share * perRequest).toFixed(0).padStart(4)} µs` : ''}  ${name}`);
}
