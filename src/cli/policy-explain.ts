/**
 * `trent policy explain`: the authorization decision Trent would make for one principal, action
 * and key — which statements matched and why the others did not.
 */
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { IdentityRegistry } from '../auth/identities.ts';
import { principalFromArn } from '../auth/principals.ts';
import { constraintsAllow, granteeMatches } from '../domain/grants.ts';
import { requestPrincipal, roleArnOf } from '../domain/policy-authorizer.ts';
import type { KeyStore } from '../domain/ports.ts';
import { decide, explainDecision, parsePolicy } from '../policy/index.ts';
import { SqliteStore } from '../storage/sqlite/sqlite-store.ts';

export const EXPLAIN_USAGE = `Usage: trent policy explain --principal ARN --action kms:Decrypt --key KEY_ID
         [--identities FILE] [--context k=v ...] [--data-dir DIR | --store postgres://…]
`;

export async function policyExplain(args: string[], out: (s: string) => void): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      principal: { type: 'string' },
      action: { type: 'string' },
      key: { type: 'string' },
      identities: { type: 'string' },
      context: { type: 'string', multiple: true },
      'data-dir': { type: 'string' },
      store: { type: 'string' },
    },
    strict: true,
  });
  if (!values.principal || !values.action || !values.key) {
    out(EXPLAIN_USAGE);
    return 2;
  }
  const registry = values.identities ? IdentityRegistry.load(values.identities) : IdentityRegistry.empty();
  const principal = principalFromArn(values.principal);
  const context: Record<string, string> = {};
  for (const kv of values.context ?? []) {
    const i = kv.indexOf('=');
    if (i < 1) throw new Error(`--context takes k=v, got ${kv}`);
    context[kv.slice(0, i)] = kv.slice(i + 1);
  }
  const storeUrl = values.store ?? process.env.TRENT_STORE_URL;
  let store: KeyStore;
  if (storeUrl) {
    const { PostgresStore } = await import('../storage/postgres/postgres-store.ts');
    store = await PostgresStore.open(storeUrl);
  } else {
    store = new SqliteStore(join(resolve(values['data-dir'] ?? './.trent'), 'trent.db'));
  }
  try {
    const keyId = values.key.includes(':key/') ? values.key.slice(values.key.lastIndexOf('/') + 1) : values.key;
    // A key ARN names its Region; a bare key id is the key's row in any Region (a multi-Region
    // key's primary first).
    const arnRegion = values.key.includes(':key/') ? values.key.split(':')[3] : undefined;
    const rows = (await store.listKeyRegions(keyId)).filter((k) => arnRegion === undefined || k.region === arnRegion);
    const key = rows.find((k) => k.multiRegionKeyType !== 'REPLICA') ?? rows[0];
    if (!key) {
      out(`key ${values.key} not found`);
      return 1;
    }
    const operation = values.action.replace(/^kms:/i, '');
    const grants = await store.listGrants(key, { limit: 1000 });
    const grant = grants.find((g) => granteeMatches(g.granteePrincipal, principal) && g.operations.includes(operation) && constraintsAllow(g.constraints, context));
    const conditions: Record<string, string | string[]> = { 'kms:CallerAccount': principal.accountId };
    for (const [k, v] of Object.entries(context)) conditions[`kms:EncryptionContext:${k}`] = v;
    if (Object.keys(context).length) conditions['kms:EncryptionContextKeys'] = Object.keys(context);
    const decision = decide({
      action: values.action,
      resource: key.arn,
      keyAccount: key.account,
      principal: requestPrincipal(principal),
      context: conditions,
      keyPolicy: parsePolicy(key.policy),
      identityPolicies: registry.policiesFor(principal.arn, roleArnOf(principal)),
      grantAllows: grant !== undefined,
      now: new Date(),
    });
    out(`${decision.allowed ? 'ALLOWED' : 'DENIED'}: ${principal.arn} ${values.action} on ${key.arn}`);
    if (grant) out(`grant ${grant.grantId} allows ${operation}`);
    out(explainDecision(decision));
    return decision.allowed ? 0 : 3;
  } finally {
    await store.close();
  }
}
