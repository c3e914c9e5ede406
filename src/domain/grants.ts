/**
 * Grants ("Grants in AWS KMS", developer guide): a grant lets a grantee principal use a key for
 * the listed operations, optionally only with a given encryption context. Grant tokens carry the
 * grant id and a secret, so a token works as soon as CreateGrant answers.
 */
import { timingSafeEqual } from 'node:crypto';
import {
  AccessDeniedException,
  DryRunOperationException,
  InvalidGrantIdException,
  InvalidGrantTokenException,
  InvalidMarkerException,
  LimitExceededException,
  NotFoundException,
  ValidationException,
} from '../shared/errors.ts';
import { isKeyId } from '../shared/ids.ts';
import type { CallContext, Core } from './core.ts';
import { admitKey } from './execute.ts';
import { StoreLimitError, type KeyStore, type RetirableGrantCursor } from './ports.ts';
import type { GrantConstraints, GrantRecord, KeyRecord, Principal } from './types.ts';

export const GRANT_OPERATIONS = [
  'Decrypt', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'ReEncryptFrom', 'ReEncryptTo', 'Sign', 'Verify',
  'GetPublicKey', 'CreateGrant', 'RetireGrant', 'DescribeKey', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext',
  'GenerateMac', 'VerifyMac', 'DeriveSharedSecret',
] as const;
export type GrantOperation = (typeof GRANT_OPERATIONS)[number];

/** Operations that take an encryption context; "grant constraints … are supported only on … these operations". */
const CONTEXT_OPERATIONS = new Set<string>(['Decrypt', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'ReEncryptFrom', 'ReEncryptTo', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext', 'CreateGrant', 'RetireGrant']);

const TOKEN_VERSION = 1;
const GRANT_ID = /^[0-9a-f]{64}$/;

export function grantToken(g: GrantRecord): string {
  return Buffer.concat([Buffer.from([TOKEN_VERSION]), Buffer.from(g.keyId, 'utf8'), Buffer.from([0]), Buffer.from(g.grantId, 'hex'), Buffer.from(g.tokenSecret, 'base64url')]).toString('base64url');
}

function decodeToken(token: string): { keyId: string; grantId: string; secret: Buffer } {
  const raw = Buffer.from(token, 'base64url');
  const nul = raw.indexOf(0, 1);
  if (raw[0] !== TOKEN_VERSION || nul < 0 || raw.length !== nul + 1 + 32 + 32) throw new InvalidGrantTokenException('The grant token is not valid.');
  const keyId = raw.subarray(1, nul).toString('utf8');
  if (!isKeyId(keyId)) throw new InvalidGrantTokenException('The grant token is not valid.');
  return { keyId, grantId: raw.subarray(nul + 1, nul + 33).toString('hex'), secret: raw.subarray(nul + 33) };
}

/** Resolves a token to its grant; a token whose grant is gone (retired, revoked) is refused. */
/** What deciding by grants reads: a grant by its id, a key's grants. */
export type GrantReader = Pick<KeyStore, 'getGrant' | 'listGrants'>;

async function grantFromToken(store: GrantReader, token: string, region: string): Promise<GrantRecord> {
  const t = decodeToken(token);
  // A grant is on one Region's key row; the token names the key id, the request the Region.
  const g = await store.getGrant({ keyId: t.keyId, region }, t.grantId);
  const secret = g ? Buffer.from(g.tokenSecret, 'base64url') : Buffer.alloc(32);
  if (!g || secret.length !== t.secret.length || !timingSafeEqual(secret, t.secret)) throw new InvalidGrantTokenException('The grant token is not valid.');
  return g;
}

/** Does a grantee string name this caller? A role names its sessions, as in key policies. */
export function granteeMatches(grantee: string, p: Principal): boolean {
  if (grantee === p.arn) return true;
  const s = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(p.arn);
  return !!s && grantee.startsWith(`arn:${s[1]}:iam::${s[2]}:role/`) && grantee.endsWith(`/${s[3]}`);
}

/** "EncryptionContextEquals … exact match"; "EncryptionContextSubset … the grant's pairs must all be in the request". */
export function constraintsAllow(c: GrantConstraints | undefined, ctx: Record<string, string> | undefined): boolean {
  if (!c) return true;
  const req = ctx ?? {};
  if (c.EncryptionContextEquals) {
    const a = Object.entries(c.EncryptionContextEquals);
    if (a.length !== Object.keys(req).length || a.some(([k, v]) => req[k] !== v)) return false;
  }
  if (c.EncryptionContextSubset) {
    const subset = c.EncryptionContextSubset;
    if (Object.entries(subset).some(([k, v]) => req[k] !== v)) return false;
    // Keys are compared exactly, but AWS documents grant-constraint keys as not case-sensitive
    // ("in a grant constraint, the key in each key-value pair is not case sensitive", API
    // GrantConstraints): a request that also carries another spelling of a constrained key with
    // another value ({"tenant":"bob","TENANT":"alice"} for {"tenant":"bob"}) is ambiguous about
    // the value the grant was limited to, and is refused, as key policies refuse it.
    const constrained = new Map(Object.entries(subset).map(([k, v]) => [k.toLowerCase(), v]));
    for (const [k, v] of Object.entries(req)) {
      if (Object.hasOwn(subset, k)) continue;
      const want = constrained.get(k.toLowerCase());
      if (want !== undefined && want !== v) return false;
    }
  }
  return true;
}

/**
 * Whether every encryption context `child` allows is one `parent` allows too: "the grant
 * constraints in child grants must be as restrictive or more restrictive than those in the parent
 * grant … the child grant can add pairs to an EncryptionContextSubset constraint in the parent
 * grant, but it cannot remove them. The child grant can change an EncryptionContextSubset
 * constraint to an EncryptionContextEquals constraint, but not the reverse" (Creating grants,
 * developer guide). Decided with `constraintsAllow`, so it compares pairs exactly as a request
 * would be matched.
 */
export function constraintsNoLooser(child: GrantConstraints | undefined, parent: GrantConstraints | undefined): boolean {
  if (!parent) return true;
  // With EncryptionContextEquals the child allows that one context at most: the parent must allow it.
  if (child?.EncryptionContextEquals) return constraintsAllow(parent, child.EncryptionContextEquals);
  // Otherwise the child allows every context that holds its Subset pairs (any context, without
  // them): no single context can satisfy a parent's Equals, and a parent's Subset pairs must all
  // be among the child's.
  if (parent.EncryptionContextEquals) return false;
  return constraintsAllow(parent, child?.EncryptionContextSubset ?? {});
}

/** What a CreateGrant request asks for, when a grant is to authorize it. */
export interface NewGrant {
  operations: readonly string[];
  constraints?: GrantConstraints;
}

/**
 * Whether `parent` may authorize creating `child`: "when a grantee principal gets permission to
 * call CreateGrant from a grant, rather than from a policy, that permission is limited. The
 * grantee principal can only create grants that allow some or all of the operations in the parent
 * grant. The grant constraints in the grants they create must be at least as strict as those in
 * the parent grant" (Creating grants, developer guide). Whoever the child names as grantee or
 * retiring principal, in whichever account.
 */
export function grantCovers(parent: GrantRecord, child: NewGrant): boolean {
  return child.operations.every((o) => parent.operations.includes(o)) && constraintsNoLooser(child.constraints, parent.constraints);
}

/**
 * Whether some grant (listed, or presented as a token) lets `p` perform `operation` on `key`. For
 * CreateGrant, `newGrant` is the grant asked for: a grant's constraints then bound the child's
 * ("If a grant with a grant constraint includes the CreateGrant operation, the constraint requires
 * that any grants created with the CreateGrant permission have an equally strict or stricter
 * encryption context constraint", CreateGrant API reference), and without it no grant allows.
 */
export async function grantsAllow(store: GrantReader, key: KeyRecord, p: Principal, operation: string, ctx: Record<string, string> | undefined, tokens: readonly string[] = [], newGrant?: NewGrant): Promise<boolean> {
  const permits = operation === 'CreateGrant'
    ? (g: GrantRecord) => newGrant !== undefined && grantCovers(g, newGrant)
    : (g: GrantRecord) => constraintsAllow(g.constraints, ctx);
  const fits = (g: GrantRecord) => g.keyId === key.keyId && granteeMatches(g.granteePrincipal, p) && g.operations.includes(operation) && permits(g);
  for (const t of tokens) {
    const g = await grantFromToken(store, t, key.region);
    if (fits(g)) return true;
  }
  // Only an assumed-role session matches grantees other than its own ARN (its role, under any
  // path): for everyone else the store returns just the grants that name them.
  const exact = !/^arn:aws[a-z-]*:sts::\d{12}:assumed-role\//.test(p.arn);
  let after: string | undefined;
  for (;;) {
    const page = await store.listGrants(key, { limit: 200, ...(after ? { after } : {}), ...(exact ? { granteePrincipal: p.arn } : {}) });
    if (page.some(fits)) return true;
    if (page.length < 200) return false;
    after = page[page.length - 1]!.grantId;
  }
}

function sameGrant(a: GrantRecord, b: Omit<GrantRecord, 'grantId' | 'createdAt' | 'tokenSecret'>): boolean {
  return a.granteePrincipal === b.granteePrincipal && a.retiringPrincipal === b.retiringPrincipal && JSON.stringify([...a.operations].sort()) === JSON.stringify([...b.operations].sort()) && JSON.stringify(a.constraints ?? null) === JSON.stringify(b.constraints ?? null);
}

export interface CreateGrantInput {
  keyId: string;
  granteePrincipal: string;
  retiringPrincipal?: string;
  operations: GrantOperation[];
  constraints?: GrantConstraints;
  name?: string;
  dryRun?: boolean;
}

/*
 * Error texts in this file: "The request would have succeeded, but the DryRun option is set." is
 * AWS's (recorded); the others (invalid principal, empty Operations, constraints, grant token,
 * marker, grant id, not found, grant quotas) are our wording — AWS's are not recorded. The
 * RetireGrant AccessDeniedException follows AWS's `User: … is not authorized to perform: …` form.
 */
export const MAX_GRANTS_PER_KEY = 50_000;
export const MAX_GRANTS_PER_PRINCIPAL = 500;

const PRINCIPAL = /^(arn:aws[a-z-]*:(iam::\d{12}:(root|user\/.+|role\/.+)|sts::\d{12}:assumed-role\/.+\/.+)|[a-z0-9.-]+\.amazonaws\.com)$/;

export async function createGrant(core: Core, ctx: CallContext, p: CreateGrantInput): Promise<GrantRecord> {
  // A key that does not exist is answered before a malformed grant, and a malformed grant before
  // authorization: the key is looked up first, then authorized and checked (admitKey).
  const key = await core.resolve(ctx, p.keyId);
  for (const arn of [p.granteePrincipal, p.retiringPrincipal]) {
    if (arn !== undefined && !PRINCIPAL.test(arn)) throw new ValidationException(`Invalid principal: ${arn}`);
  }
  if (p.operations.length === 0) throw new ValidationException('Operations must contain at least one operation.');
  if (p.constraints && p.operations.some((o) => !CONTEXT_OPERATIONS.has(o))) {
    throw new ValidationException('Grant constraints are supported only for operations that take an encryption context.');
  }
  const constraintType = [p.constraints?.EncryptionContextEquals ? 'EncryptionContextEquals' : undefined, p.constraints?.EncryptionContextSubset ? 'EncryptionContextSubset' : undefined].filter((x): x is string => !!x);
  await admitKey(core, ctx, key, undefined, {
    action: 'kms:CreateGrant',
    op: 'CreateGrant',
    state: 'crypto',
    conditions: {
      'kms:GrantOperations': p.operations,
      'kms:GranteePrincipal': p.granteePrincipal,
      ...(p.retiringPrincipal ? { 'kms:RetiringPrincipal': p.retiringPrincipal } : {}),
      ...(constraintType.length ? { 'kms:GrantConstraintType': constraintType } : {}),
      // True only when one of Trent's service front ends asks for the grant its resource uses.
      'kms:GrantIsForAWSResource': String(ctx.service?.grantIsForAWSResource === true),
    },
    newGrant: { operations: p.operations, ...(p.constraints ? { constraints: p.constraints } : {}) },
  });
  if (p.dryRun) throw new DryRunOperationException('The request would have succeeded, but the DryRun option is set.');
  const shape = {
    keyId: key.keyId,
    region: key.region,
    issuingAccount: `arn:${core.partition}:iam::${ctx.principal.accountId}:root`,
    granteePrincipal: p.granteePrincipal,
    ...(p.retiringPrincipal !== undefined ? { retiringPrincipal: p.retiringPrincipal } : {}),
    operations: [...new Set(p.operations)],
    ...(p.constraints ? { constraints: p.constraints } : {}),
    ...(p.name !== undefined ? { name: p.name } : {}),
  };
  // "When you retry CreateGrant with the same name and identical parameters, it returns the original grant."
  if (p.name !== undefined) {
    let after: string | undefined;
    for (;;) {
      const page = await core.store.listGrants(key, { limit: 200, granteePrincipal: p.granteePrincipal, ...(after ? { after } : {}) });
      const same = page.find((g) => g.name === p.name && sameGrant(g, shape));
      if (same) return same;
      if (page.length < 200) break;
      after = page[page.length - 1]!.grantId;
    }
  }
  // Resource quotas ("Resource quotas", developer guide): 50,000 grants per KMS key; 500 grants for
  // a given grantee principal per KMS key (listed in the CMK-era versions of that page, no longer
  // in the current one). Checked after the idempotent retry above, which creates nothing, and by
  // the store atomically with the insert, so concurrent CreateGrants cannot overshoot.
  const grant: GrantRecord = { ...shape, grantId: Buffer.from(core.rng.bytes(32)).toString('hex'), createdAt: core.now(), tokenSecret: Buffer.from(core.rng.bytes(32)).toString('base64url') };
  try {
    await core.store.createGrant(grant, { perKey: MAX_GRANTS_PER_KEY, perGrantee: MAX_GRANTS_PER_PRINCIPAL });
  } catch (e) {
    if (!(e instanceof StoreLimitError)) throw e;
    // Our wording: AWS's LimitExceededException texts for grant quotas are not recorded.
    if (e.limit === 'per-grantee') {
      throw new LimitExceededException(`The number of grants for principal ${p.granteePrincipal} on key ${key.arn} exceeds the limit of ${MAX_GRANTS_PER_PRINCIPAL}.`);
    }
    throw new LimitExceededException(`The number of grants on key ${key.arn} exceeds the limit of ${MAX_GRANTS_PER_KEY}.`);
  }
  return grant;
}

/** ListGrants of `key`, authorized for kms:ListGrants (with kms:GranteePrincipal when asked for). */
export async function listGrants(core: Core, key: KeyRecord, p: { limit: number; marker?: string; grantId?: string; granteePrincipal?: string }): Promise<{ grants: GrantRecord[]; next?: string }> {
  const after = p.marker !== undefined ? decodeGrantMarker(p.marker) : undefined;
  const rows = await core.store.listGrants(key, {
    limit: p.limit + 1,
    ...(after ? { after } : {}),
    ...(p.grantId ? { grantId: p.grantId } : {}),
    ...(p.granteePrincipal ? { granteePrincipal: p.granteePrincipal } : {}),
  });
  const grants = rows.slice(0, p.limit);
  return { grants, ...(rows.length > p.limit ? { next: Buffer.from(`g:${grants[grants.length - 1]!.grantId}`).toString('base64url') } : {}) };
}

function decodeGrantMarker(m: string): string {
  const t = Buffer.from(m, 'base64url').toString('utf8');
  if (!t.startsWith('g:') || !/^[0-9a-f]{64}$/.test(t.slice(2))) throw new InvalidMarkerException('Invalid marker');
  return t.slice(2);
}

/** ListRetirableGrants' marker: the last grant listed, as "r:<region>/<key id>/<grant id>" (opaque to callers). */
function encodeRetirableMarker(c: RetirableGrantCursor): string {
  return Buffer.from(`r:${c.region}/${c.keyId}/${c.grantId}`, 'utf8').toString('base64url');
}

function decodeRetirableMarker(m: string): RetirableGrantCursor {
  const found = /^r:([a-z0-9-]{1,32})\/([0-9a-z-]{1,64})\/([0-9a-f]{64})$/.exec(Buffer.from(m, 'base64url').toString('utf8'));
  if (!found) throw new InvalidMarkerException('Invalid marker');
  const c = { region: found[1]!, keyId: found[2]!, grantId: found[3]! };
  if (encodeRetirableMarker(c) !== m) throw new InvalidMarkerException('Invalid marker');
  return c;
}

/** The account of a principal ARN (`arn:aws:iam::<account>:…`, `arn:aws:sts::<account>:assumed-role/…`); none for a service name. */
function principalAccount(arn: string): string | undefined {
  return /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(arn)?.[1];
}

/**
 * ListRetirableGrants. "Cross-account use: You must specify a principal in your AWS account. This
 * operation returns a list of grants where the retiring principal specified in the
 * ListRetirableGrants request is the same retiring principal on the grant. This can include grants
 * on KMS keys owned by other AWS accounts"; "The authorized resource in ListRetirableGrants calls
 * is the retiring principal specified in the request" (ListRetirableGrants API reference). Only an
 * identity policy can allow it, and a principal of another account is a resource no policy of the
 * caller's account reaches: AccessDeniedException, as for any resource of another account without
 * a resource-based policy. Like every KMS operation it answers for the request's Region only.
 */
export async function listRetirableGrants(core: Core, ctx: CallContext, p: { retiringPrincipal: string; limit: number; marker?: string }): Promise<{ grants: { grant: GrantRecord; keyArn: string }[]; next?: string }> {
  const action = 'kms:ListRetirableGrants';
  if (principalAccount(p.retiringPrincipal) !== ctx.principal.accountId) {
    throw new AccessDeniedException(`User: ${ctx.principal.arn} is not authorized to perform: ${action} on resource: ${p.retiringPrincipal} because no resource-based policy allows the ${action} action`);
  }
  await core.authorize(ctx, action, undefined, { resource: p.retiringPrincipal });
  const after = p.marker !== undefined ? decodeRetirableMarker(p.marker) : undefined;
  // A marker is opaque to callers, but not unforgeable: one naming another Region is not ours.
  if (after && after.region !== ctx.region) throw new InvalidMarkerException('Invalid marker');
  // The store orders a principal's grants by (Region, key id, grant id): start at this Region's
  // first grant and stop at the next Region's.
  const rows = (await core.store.listRetirableGrants(p.retiringPrincipal, { limit: p.limit + 1, after: after ?? { region: ctx.region, keyId: '', grantId: '' } }))
    .filter((g) => g.region === ctx.region);
  const grants = rows.slice(0, p.limit);
  const last = grants[grants.length - 1];
  // Each grant is listed with its key's ARN (its key id when the key is gone): one key lookup per
  // key, not per grant, as a page may hold 1,000 grants of one key.
  const arns = new Map<string, Promise<string>>();
  const arnOf = (g: GrantRecord) => {
    const id = `${g.region}/${g.keyId}`;
    return arns.get(id) ?? arns.set(id, core.store.getKey(g).then((k) => k?.arn ?? g.keyId)).get(id)!;
  };
  const listed = await Promise.all(grants.map(async (grant) => ({ grant, keyArn: await arnOf(grant) })));
  return { grants: listed, ...(rows.length > p.limit && last ? { next: encodeRetirableMarker(last) } : {}) };
}

function checkGrantId(id: string): void {
  if (!GRANT_ID.test(id)) throw new InvalidGrantIdException(`Invalid grant ID: ${id}`);
}

/**
 * RetireGrant: "the retiring principal, the grantee principal (if the grant allows RetireGrant),
 * or the AWS account in which the grant was created" may retire it.
 */
export async function retireGrant(core: Core, ctx: CallContext, p: { grantToken?: string; keyId?: string; grantId?: string; dryRun?: boolean }): Promise<void> {
  let grant: GrantRecord | undefined;
  if (p.grantToken !== undefined) {
    grant = await grantFromToken(core.store, p.grantToken, ctx.region);
  } else {
    if (p.keyId === undefined || p.grantId === undefined) throw new ValidationException('Either GrantToken, or both KeyId and GrantId, must be specified.');
    checkGrantId(p.grantId);
    const key = await core.resolve(ctx, p.keyId);
    grant = await core.store.getGrant(key, p.grantId);
    if (!grant) throw new NotFoundException(`Grant ID ${p.grantId} not found`);
  }
  const who = ctx.principal;
  const allowed = (grant.retiringPrincipal !== undefined && granteeMatches(grant.retiringPrincipal, who)) ||
    (granteeMatches(grant.granteePrincipal, who) && grant.operations.includes('RetireGrant')) ||
    grant.issuingAccount === `arn:${core.partition}:iam::${who.accountId}:root` && who.type === 'Root';
  if (!allowed) {
    const key = await core.keyOf(ctx, grant);
    throw new AccessDeniedException(`User: ${who.arn} is not authorized to perform: kms:RetireGrant on resource: ${key?.arn ?? grant.keyId}`);
  }
  if (p.dryRun) throw new DryRunOperationException('The request would have succeeded, but the DryRun option is set.');
  await core.store.deleteGrant(grant, grant.grantId);
}

/** RevokeGrant of a grant on `key`, authorized for kms:RevokeGrant. */
export async function revokeGrant(core: Core, key: KeyRecord, p: { grantId: string; dryRun?: boolean }): Promise<void> {
  checkGrantId(p.grantId);
  const g = await core.store.getGrant(key, p.grantId);
  if (!g) throw new NotFoundException(`Grant ID ${p.grantId} not found`);
  if (p.dryRun) throw new DryRunOperationException('The request would have succeeded, but the DryRun option is set.');
  await core.store.deleteGrant(key, p.grantId);
}
