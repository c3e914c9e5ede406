/**
 * The one door to keys: every front door (the KMS wire API, STS's callers, a service front end
 * such as S3) runs an operation through `execute`. It decodes the input, resolves the key the
 * declaration names, authorizes the caller (key policy, identity policies, grants), checks the
 * key's state and usage, makes the write-ahead audit entry durable before anything can change,
 * runs the handler with the authorized key, and returns the result with the keys it touched.
 *
 * `useKey` is the same resolve → authorize → check step for a key a handler names itself (the
 * destination of ReEncrypt, the target of UpdateAlias), and `admitKey` its authorize → check
 * part for a key a ciphertext names (Decrypt, ReEncrypt's source); there is no other.
 */
import { InvalidKeyUsageException } from '../shared/errors.ts';
import type { CallContext, Core, Touched } from './core.ts';
import type { AuthzRequest } from './authorizer.ts';
import { assertState, type StateClass } from './key-state.ts';
import type { Caller, Conditions, Declaration } from './operation.ts';
import type { KeyUsage } from '../crypto/key-specs.ts';
import type { EncryptionContext } from '../format/encryption-context.ts';
import type { KeyRecord } from './types.ts';

/**
 * The request's side of the audit trail, as `execute` sees it: where the keys it touches are noted
 * (kept by the caller, so a failed request's record names them too) and its write-ahead entry.
 *
 * Passed explicitly, not through AsyncLocalStorage: once any AsyncLocalStorage has run, Node 20
 * calls a promise hook for every promise the process creates, and a request creates dozens
 * (measured: 8% of the main thread's time per Encrypt at 64 connections).
 */
export interface RequestScope {
  readonly touched: Map<string, Touched>;
  /** Resolves once the request's write-ahead entry is durable. */
  beforeWrite(): Promise<void>;
}

export interface Executed<O> {
  output: O;
  /** The keys the request read or created, first one first (its CloudTrail resources). */
  touched: ReadonlyMap<string, Touched>;
}

export interface KeyCheck {
  /** Whether the value may be an alias name or alias ARN (kms:RequestAlias is then set). */
  alias: boolean;
  action: string;
  /** The operation's name in AWS's messages ("… which is not valid for Encrypt."). */
  op: string;
  state: StateClass;
  usage?: KeyUsage;
  conditions?: Conditions;
  encryptionContext?: EncryptionContext;
  /** kms:CreateGrant: the grant the request would create (a grant authorizes it only if it covers it). */
  newGrant?: AuthzRequest['newGrant'];
}

/** "<arn> key usage is SIGN_VERIFY which is not valid for Encrypt." (recorded against AWS). */
export function wrongUsage(key: KeyRecord, op: string): InvalidKeyUsageException {
  return new InvalidKeyUsageException(`${key.arn} key usage is ${key.keyUsage} which is not valid for ${op}.`);
}

/** Resolves the key `raw` names, authorizes `check.action` on it, checks its state and usage. */
export async function useKey(core: Core, ctx: CallContext, raw: string, check: KeyCheck): Promise<KeyRecord> {
  const { key, requestAlias } = check.alias ? await core.resolveNamed(ctx, raw) : { key: await core.resolve(ctx, raw), requestAlias: undefined };
  await admitKey(core, ctx, key, requestAlias, check);
  return key;
}

/**
 * `useKey` after resolution, for a key found otherwise (the key a ciphertext names): authorizes
 * `check.action` on it, checks its state and usage. `requestAlias`: the alias the request named it by.
 */
export async function admitKey(core: Core, ctx: CallContext, key: KeyRecord, requestAlias: string | undefined, check: Omit<KeyCheck, 'alias'>): Promise<void> {
  await core.authorize(ctx, check.action, key, {
    requestAlias,
    conditions: check.conditions ?? {},
    ...(check.encryptionContext ? { encryptionContext: { ...check.encryptionContext } } : {}),
    ...(check.newGrant ? { newGrant: check.newGrant } : {}),
  });
  assertState(key, check.state);
  if (check.usage !== undefined && key.keyUsage !== check.usage) throw wrongUsage(key, check.op);
}

/**
 * Runs `op` for `caller` on `body` (the request's JSON, parsed). `scope`: the request's audit
 * scope (absent without an audit trail).
 */
export async function execute<I, O>(core: Core, op: Declaration<I, O>, body: unknown, caller: Caller, scope?: RequestScope): Promise<Executed<O>> {
  const touched = scope?.touched ?? new Map<string, Touched>();
  const input = op.decode(body);
  try {
    const tokens = (input as { GrantTokens?: readonly string[] }).GrantTokens;
    const ctx: CallContext = {
      principal: caller.principal,
      region: caller.region,
      requestId: caller.requestId,
      touched,
    };
    if (caller.sourceIp !== undefined) ctx.sourceIp = caller.sourceIp;
    if (caller.secureTransport !== undefined) ctx.secureTransport = caller.secureTransport;
    if (caller.service !== undefined) ctx.service = caller.service;
    // GrantTokens ride along with the call: authorization honours the grants they name.
    if (tokens?.length) ctx.grantTokens = tokens;
    op.check?.(input);
    let key: KeyRecord | undefined;
    const use = op.key;
    if (use) {
      key = await useKey(core, ctx, (input as Record<string, unknown>)[use.member] as string, {
        alias: use.alias,
        action: use.action,
        op: op.name,
        state: use.state,
        ...(use.usage !== undefined ? { usage: use.usage } : {}),
        ...(use.conditions ? { conditions: use.conditions(input) } : {}),
        ...(use.encryptionContext ? { encryptionContext: use.encryptionContext(input) ?? {} } : {}),
      });
    }
    if (op.writes && scope) await scope.beforeWrite();
    const output = await op.run({ core, call: ctx }, input, key);
    return { output, touched };
  } finally {
    op.scrub?.(input);
  }
}

/** The domain as a front door sees it: `execute`, and nothing else. */
export interface Kms {
  execute<I, O>(op: Declaration<I, O>, body: unknown, caller: Caller, scope?: RequestScope): Promise<Executed<O>>;
}

export function kmsOf(core: Core): Kms {
  return { execute: (op, body, caller, scope) => execute(core, op, body, caller, scope) };
}
