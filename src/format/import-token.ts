/**
 * Trent's import token (GetParametersForImport → ImportKeyMaterial). It carries the wrapping
 * private key itself, sealed by the root keyring, so no node keeps state between the two calls
 * and any node of a shared store can take the import:
 *
 *   offset  size  field
 *   0       1     format version (0x01)
 *   1       1     wrapping algorithm (crypto/import-wrapping.ts code)
 *   2       1     wrapping key spec (code)
 *   3       8     ParametersValidTo, epoch milliseconds, big-endian
 *   11      n     the wrapping key pair's PKCS#8 private key, wrapped by the root keyring
 *
 * The wrap's AAD names the KMS key's ARN and the 11-byte header, so a token is bound to its key
 * and its wrapping key, and its algorithm and expiry cannot be edited: "The public key and its
 * import token are permanently linked and must be used together" (GetParametersForImport reference).
 * Well under the 6,144 bytes of the API's CiphertextType (an RSA_4096 token is about 2.4 KB).
 */
import { wrapAad } from './wrapped.ts';

export const IMPORT_TOKEN_VERSION = 0x01;
export const IMPORT_TOKEN_HEADER_LENGTH = 11;

export interface ImportTokenHeader {
  algorithmCode: number;
  keySpecCode: number;
  /** Epoch milliseconds. */
  validTo: number;
}

export function encodeImportTokenHeader(h: ImportTokenHeader): Uint8Array {
  const out = Buffer.alloc(IMPORT_TOKEN_HEADER_LENGTH);
  out[0] = IMPORT_TOKEN_VERSION;
  out[1] = h.algorithmCode;
  out[2] = h.keySpecCode;
  out.writeBigUInt64BE(BigInt(h.validTo), 3);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** The AAD the wrapped private key is sealed under: the key's ARN and the token's header. */
export function importTokenAad(keyArn: string, header: Uint8Array): Uint8Array {
  return wrapAad('trent:import-token', keyArn, Buffer.from(header).toString('hex'));
}

export function assembleImportToken(header: Uint8Array, wrappedPrivateKey: Uint8Array): Uint8Array {
  const out = new Uint8Array(header.length + wrappedPrivateKey.length);
  out.set(header, 0);
  out.set(wrappedPrivateKey, header.length);
  return out;
}

/** Undefined for anything that is not a well-formed Trent import token. Nothing here is authenticated until the unwrap succeeds. */
export function decodeImportToken(token: Uint8Array): (ImportTokenHeader & { header: Uint8Array; wrappedPrivateKey: Uint8Array }) | undefined {
  if (token.length <= IMPORT_TOKEN_HEADER_LENGTH || token[0] !== IMPORT_TOKEN_VERSION) return undefined;
  const header = token.subarray(0, IMPORT_TOKEN_HEADER_LENGTH);
  const validTo = Buffer.from(header.buffer, header.byteOffset, header.length).readBigUInt64BE(3);
  if (validTo > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return { algorithmCode: header[1]!, keySpecCode: header[2]!, validTo: Number(validTo), header, wrappedPrivateKey: token.subarray(IMPORT_TOKEN_HEADER_LENGTH) };
}
