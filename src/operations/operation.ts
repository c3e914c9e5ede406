/**
 * An operation's declaration (domain/operation.ts): AWS's name, its audit traits, the key it acts
 * on, its input spec and its handler, whose answer is typed by AWS's model (outputs.ts).
 */
import type { Declaration, KeyUse, OpContext, OperationTraits } from '../domain/operation.ts';
import type { KeyRecord } from '../domain/types.ts';
import { CustomKeyStoreNotFoundException, UnsupportedOperationException, ValidationException } from '../shared/errors.ts';
import { decodeInput, S, type Infer, type Spec } from '../shared/validate.ts';
import type { KmsOutputs, OperationName } from './outputs.ts';

export type { OpContext } from '../domain/operation.ts';

export interface Meta<N extends OperationName, I> {
  readonly name: N;
  readonly traits: OperationTraits;
  /** Default: every operation that is not read-only in CloudTrail's sense may write. */
  readonly writes?: boolean;
  readonly key?: KeyUse<I>;
  readonly check?: (input: I) => void;
  readonly scrub?: (input: I) => void;
}

/**
 * Any operation's declaration, as the dispatch table and the server hold it: the input type is
 * each declaration's own (its decode and run agree on it), so it is erased here.
 */
export type Operation = Declaration<any, unknown>;

export function defineOperation<N extends OperationName, F extends Record<string, Spec>>(
  meta: Meta<N, Infer<F>> & { key: KeyUse<Infer<F>> },
  input: F,
  run: (ctx: OpContext, input: Infer<F>, key: KeyRecord) => Promise<KmsOutputs[N]>,
): Declaration<Infer<F>, KmsOutputs[N]>;
export function defineOperation<N extends OperationName, F extends Record<string, Spec>>(
  meta: Meta<N, Infer<F>> & { key?: undefined },
  input: F,
  run: (ctx: OpContext, input: Infer<F>) => Promise<KmsOutputs[N]>,
): Declaration<Infer<F>, KmsOutputs[N]>;
export function defineOperation<N extends OperationName, F extends Record<string, Spec>>(
  meta: Meta<N, Infer<F>>,
  input: F,
  run: (ctx: OpContext, input: Infer<F>, key: KeyRecord) => Promise<KmsOutputs[N]>,
): Declaration<Infer<F>, KmsOutputs[N]> {
  return Object.freeze({
    name: meta.name,
    input,
    traits: meta.traits,
    writes: meta.writes ?? !meta.traits.readOnly,
    ...(meta.key ? { key: meta.key } : {}),
    ...(meta.check ? { check: meta.check } : {}),
    ...(meta.scrub ? { scrub: meta.scrub } : {}),
    decode: (body: unknown) => decodeInput(input, body),
    run: (ctx: OpContext, i: Infer<F>, key: KeyRecord | undefined) => run(ctx, i, key!),
  });
}

export const KeyIdField = S.string({ required: true, min: 1, max: 2048 });
export const OptionalKeyIdField = S.string({ min: 1, max: 2048 });
export const GrantTokensField = S.list(S.string({ min: 1, max: 8192 }), { max: 10 });
/**
 * AWS documents no size for an encryption context, and its model bounds neither keys nor values;
 * Trent binds the context into each ciphertext in a form with 2-byte lengths, so it takes at most
 * 65,535 bytes in that form: the bound the AWS Encryption SDK puts on the same context (its
 * message header serializes it the same way), so no context a client of that SDK sends is
 * refused. Past it: ValidationException before any work, where a 500 came before.
 */
export const MAX_ENCRYPTION_CONTEXT_BYTES = 0xffff;
export const EncryptionContextField = S.map({ maxBytes: MAX_ENCRYPTION_CONTEXT_BYTES });
export const LimitField = S.int({ min: 1, max: 1000 });
export const MarkerField = S.string({ min: 1, max: 1024, pattern: '[\\u0020-\\u00FF]*' });
export const EncryptionAlgorithmField = S.string({ enum: ['SYMMETRIC_DEFAULT', 'RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'SM2PKE'] as const });
export const TagsField = S.list(S.struct({ TagKey: S.string({ required: true, min: 1, max: 128 }), TagValue: S.string({ required: true, min: 0, max: 256 }) }));
export const DryRunField = S.bool();
/** The model's shape, so a malformed Recipient is a ValidationException like any other member. */
export const RecipientField = S.struct({ KeyEncryptionAlgorithm: S.string({ enum: ['RSAES_OAEP_SHA_256'] as const }), AttestationDocument: S.blob({ min: 1, max: 262144 }) });
export const CustomKeyStoreIdField = S.string({ min: 1, max: 64 });

/**
 * With Recipient, AWS checks the Nitro Enclave (or NitroTPM) attestation document and returns the
 * secret encrypted to the enclave's public key instead of in the clear. Trent verifies no
 * attestation document, so honouring the request is impossible and ignoring the member would
 * hand the plaintext to a caller who asked that it never leave the enclave. The model's
 * UnsupportedOperationException: "a specified parameter is not supported".
 */
export function refuseRecipient(recipient: unknown): void {
  if (recipient === undefined) return;
  throw new UnsupportedOperationException(
    'Recipient is not supported: Trent does not verify Nitro Enclave or NitroTPM attestation documents, so it cannot encrypt the result for an attested recipient. Omit Recipient to receive the result in the response.',
  );
}

export const DryRunModifiersField = S.list(S.string({ enum: ['IGNORE_CIPHERTEXT'] as const }));

/** "DryRunModifiers … only applies when DryRun is set to true." */
export const ignoresCiphertext = (i: { DryRun?: boolean; DryRunModifiers?: readonly string[] }) => i.DryRun === true && (i.DryRunModifiers ?? []).includes('IGNORE_CIPHERTEXT');

/** CiphertextBlob is optional in the model only for a dry run that ignores it; otherwise AWS's null-member text. */
export function requireCiphertext(blob: Uint8Array | undefined): Uint8Array {
  if (blob === undefined) throw new ValidationException("1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null");
  return blob;
}

/** Trent has no custom key stores (CloudHSM or external), so no CustomKeyStoreId names one. */
export function refuseCustomKeyStore(id: string | undefined): void {
  if (id === undefined) return;
  throw new CustomKeyStoreNotFoundException(`Custom key store '${id}' does not exist: Trent has no custom key stores (CloudHSM or external).`);
}
