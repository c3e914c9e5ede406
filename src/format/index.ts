export { canonicalContext, type EncryptionContext } from './encryption-context.ts';
export { encodeHeader, decodeBlob, assemble, concatBytes, HEADER_LENGTH, TAG_LENGTH, IV_LENGTH, BLOB_VERSION, type BlobHeader, type DecodedBlob } from './ciphertext-blob.ts';
export { wrapAad, WRAP_VERSION } from './wrapped.ts';
export { encodeImportTokenHeader, decodeImportToken, assembleImportToken, importTokenAad, IMPORT_TOKEN_VERSION, IMPORT_TOKEN_HEADER_LENGTH, type ImportTokenHeader } from './import-token.ts';
