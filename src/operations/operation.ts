/** What an operation is: an input spec (decoded and validated before it runs) and a handler. */
import type { CallContext, Core } from '../domain/core.ts';
import { decodeInput, S, type Infer, type Spec } from '../shared/validate.ts';

export interface OpContext {
  core: Core;
  call: CallContext;
}

/** Response values: blobs as Uint8Array, timestamps as Date; only server/ turns them into JSON. */
export type Output = Record<string, unknown>;

export interface Operation {
  run(ctx: OpContext, body: unknown): Promise<Output>;
  /** The input spec: the audit trail keeps only members it declares, never blobs or sensitive ones. */
  readonly input?: Readonly<Record<string, Spec>>;
}

export function defineOperation<F extends Record<string, Spec>>(input: F, handler: (ctx: OpContext, input: Infer<F>) => Promise<Output>): Operation {
  return {
    input,
    run: (ctx, body) => {
      const decoded = decodeInput(input, body);
      // GrantTokens ride along with the call: authorization honours the grants they name.
      const tokens = (decoded as { GrantTokens?: string[] }).GrantTokens;
      return handler(tokens?.length ? { ...ctx, call: { ...ctx.call, grantTokens: tokens } } : ctx, decoded);
    },
  };
}

export const KeyIdField = S.string({ required: true, min: 1, max: 2048 });
export const OptionalKeyIdField = S.string({ min: 1, max: 2048 });
export const GrantTokensField = S.list(S.string({ min: 1, max: 8192 }), { max: 10 });
export const EncryptionContextField = S.map();
export const LimitField = S.int({ min: 1, max: 1000 });
export const MarkerField = S.string({ min: 1, max: 1024, pattern: '^[\\u0020-\\u00FF]*$' });
export const EncryptionAlgorithmField = S.string({ enum: ['SYMMETRIC_DEFAULT', 'RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'SM2PKE'] as const });
export const TagsField = S.list(S.struct({ TagKey: S.string({ required: true, min: 1, max: 128 }), TagValue: S.string({ required: true, min: 0, max: 256 }) }));
export const DryRunField = S.bool();
