/** `trent cost`: what the audited usage would cost on AWS KMS, per key and in total. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULTS } from '../config/config.ts';
import { mergedEvents } from '../audit/reader.ts';
import { type Bill, CostModel } from '../metrics/cost.ts';
import { AWS_KMS_PRICES } from '../metrics/price-table.ts';

export const COST_USAGE = `Usage: trent cost [--data-dir D | --audit-dir A ...] [--month YYYY-MM] [--no-free-tier]
                  [--cache-window SECONDS] [--json]

Estimates the AWS KMS bill for the month's audited usage (default: this month, UTC), per key and
per account, from the price table in src/metrics/price-table.ts ($1 per customer managed key-month
prorated hourly, +$1 for each of the first two rotations, $0.03 per 10,000 requests, $0.15 for
asymmetric keys other than RSA 2048, $0.10 / $12.00 for ECC / RSA GenerateDataKeyPair, 20,000
free requests a month). Also counts GenerateDataKey/Decrypt calls that repeat a caller, key and
encryption context within --cache-window seconds (default 300): what data-key caching or S3
Bucket Keys would have saved. Give --audit-dir once per node directory to bill several nodes.
`;

const usd = (n: number) => `$${n.toFixed(4)}`;

function classes(r: Partial<Record<string, number>>): string {
  const parts = Object.entries(r).map(([c, n]) => `${c} ${n}`);
  return parts.length ? parts.join(', ') : '-';
}

export function printBill(b: Bill, out: (line: string) => void): void {
  out(`AWS KMS estimate for ${b.month} (${b.hoursInMonth} hours; ${b.freeTier ? 'with' : 'without'} the free tier)`);
  out('');
  out('per key:');
  for (const k of b.keys) {
    out(`  ${k.key}`);
    out(`    ${k.keySpec ?? '?'} ${k.keyManager ?? ''}  ${k.billedHours} h${k.billedRotations ? `, ${k.billedRotations} billed rotation(s)` : ''}  key ${usd(k.keyCharge)}  rotations ${usd(k.rotationCharge)}  requests ${usd(k.requestCharge)} (${classes(k.requests)})  total ${usd(k.total)}${k.note ? `  [${k.note}]` : ''}`);
  }
  out('');
  out('per account:');
  for (const a of b.accounts) {
    out(`  ${a.account}: requests ${classes(a.requests)}`);
    out(`    requests ${usd(a.requestChargeBeforeFreeTier)} - free tier ${a.freeTierRequests} requests ${usd(a.freeTierCredit)} = ${usd(a.requestCharge)}; keys ${usd(a.keyCharge)}; total ${usd(a.total)}`);
  }
  out('');
  out(`total: ${usd(b.total)} for ${b.requests} billable requests`);
  const s = b.savings;
  if (s.repeatedCalls > 0) {
    out(
      `caching: ${s.repeatedCalls} call(s) repeated a caller, key and encryption context within ${s.windowSeconds} s (${classes(s.byEvent)}); ` +
        `data-key caching or S3 Bucket Keys would have saved them (${usd(s.charge)} before the free tier)${s.bucketKeyCalls ? `, ${s.bucketKeyCalls} of them S3 objects of one bucket` : ''}`,
    );
  } else {
    out(`caching: no GenerateDataKey/Decrypt call repeated a caller, key and context within ${s.windowSeconds} s`);
  }
}

export async function costCommand(args: string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      'data-dir': { type: 'string' },
      'audit-dir': { type: 'string', multiple: true },
      month: { type: 'string' },
      'no-free-tier': { type: 'boolean' },
      'cache-window': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    out(COST_USAGE);
    return 0;
  }
  const month = values.month ?? new Date().toISOString().slice(0, 7);
  const window = Number(values['cache-window'] ?? 300);
  if (!Number.isFinite(window) || window < 0) {
    err('trent: --cache-window must be a number of seconds');
    return 2;
  }
  let model: CostModel;
  try {
    model = new CostModel({ month, prices: AWS_KMS_PRICES, freeTier: !values['no-free-tier'], cacheWindowSeconds: window });
  } catch (e) {
    err(`trent: ${(e as Error).message}`);
    return 2;
  }
  const dirs = values['audit-dir']?.length ? values['audit-dir'].map((d) => resolve(d)) : [resolve(values['data-dir'] ?? DEFAULTS.dataDir, 'audit')];
  for await (const e of mergedEvents(dirs)) model.add(e);
  const bill = model.bill();
  if (values.json) out(JSON.stringify(bill, null, 2));
  else printBill(bill, out);
  return 0;
}
