/**
 * What an operation is, in one declaration: its input spec, what the audit trail and the meter
 * need to know of it, the key it acts on (the member naming it, whether an alias may, the IAM
 * action, the key-state class, the key usage it needs, the request's condition keys) and its
 * handler. `execute` (execute.ts) reads the declaration; nothing else repeats these facts.
 */
import type { KeyUsage } from '../crypto/key-specs.ts';
import type { EncryptionContext } from '../format/encryption-context.ts';
import type { Spec } from '../shared/validate.ts';
import type { CallContext, Core } from './core.ts';
import type { StateClass } from './key-state.ts';
import type { KeyRecord, Principal, ServiceContext } from './types.ts';

export type { ServiceContext } from './types.ts';

export type Billing =
  /** By the spec of the KMS key used: symmetric, HMAC, RSA 2048, other asymmetric. */
  | 'key'
  /** GenerateDataKeyPair*: by the KeyPairSpec asked for (RSA or ECC pair). */
  | 'data-key-pair'
  /** A management or listing call: the general request price. */
  | 'general';

/**
 * CloudTrail's `readOnly`; whether CloudTrail writes `responseElements` (null for cryptographic
 * and read operations); whether the keys the request touched are its `resources`; how AWS bills it.
 */
export interface OperationTraits {
  readonly readOnly: boolean;
  readonly responseElements: boolean;
  readonly resources: boolean;
  readonly billing: Billing;
}

export const TRAITS = {
  crypto: { readOnly: true, responseElements: false, resources: true, billing: 'key' },
  read: { readOnly: true, responseElements: false, resources: true, billing: 'general' },
  list: { readOnly: true, responseElements: false, resources: false, billing: 'general' },
  write: { readOnly: false, responseElements: true, resources: true, billing: 'general' },
} as const satisfies Record<string, OperationTraits>;

/** Who calls: the authenticated principal, where from, and through which service if any. */
export interface Caller {
  readonly principal: Principal;
  /** The Region of the request (its SigV4 scope). */
  readonly region: string;
  readonly requestId: string;
  readonly sourceIp?: string;
  /** Whether the request came over TLS (aws:SecureTransport). */
  readonly secureTransport?: boolean;
  readonly service?: ServiceContext;
}

export type Conditions = Record<string, string | string[]>;

/** The key an operation acts on: `execute` resolves, authorizes and checks it before the handler runs. */
export interface KeyUse<I> {
  /** The request member naming the key (its value: key id, key ARN, and with `alias`, alias name or alias ARN). */
  readonly member: keyof I & string;
  readonly alias: boolean;
  /** `kms:Encrypt`, … */
  readonly action: string;
  readonly state: StateClass;
  /** The key usage the operation needs, if one: InvalidKeyUsageException otherwise. */
  readonly usage?: KeyUsage;
  /** The request's condition keys for the decision (kms:EncryptionContext:…, kms:EncryptionAlgorithm, …). */
  readonly conditions?: (input: I) => Conditions;
  /** The request's encryption context, for grant constraints. */
  readonly encryptionContext?: (input: I) => EncryptionContext | undefined;
}

/** What a handler is given: the domain, the request, and (for an operation with `key`) the authorized key. */
export interface OpContext {
  readonly core: Core;
  readonly call: CallContext;
}

export interface Declaration<I = unknown, O = unknown> {
  /** AWS's operation name, `Encrypt`. */
  readonly name: string;
  /** The input spec: decoded and validated first; the audit trail keeps only members it declares, never blobs or sensitive ones. */
  readonly input: Readonly<Record<string, Spec>>;
  readonly traits: OperationTraits;
  /**
   * Whether the operation may change stored state: its write-ahead audit entry is made durable
   * before the handler runs (after the key is authorized), so nothing changes without a record.
   */
  readonly writes: boolean;
  readonly key?: KeyUse<I>;
  /** Decodes and validates the request body (validate.ts). */
  decode(body: unknown): I;
  /** Checks that come before the key is looked up (AWS answers them first). */
  readonly check?: (input: I) => void;
  /** `key` is the authorized key when the declaration has `key`, else undefined. */
  run(ctx: OpContext, input: I, key: KeyRecord | undefined): Promise<O>;
  /** Zeroes what the input holds that must not outlive the request (Plaintext). */
  readonly scrub?: (input: I) => void;
}
