/**
 * The KmsError family: one class per AWS KMS exception, `code` is AWS's `__type` verbatim.
 * Only `server/` turns these into bytes. Anything thrown that is not a KmsError becomes
 * KMSInternalException with a generic message.
 */
export type Fault = 'client' | 'server';

export abstract class KmsError extends Error {
  abstract readonly code: string;
  readonly fault: Fault = 'client';
  /** HTTP status; AWS answers 400 for every client error of KMS except a few. */
  get status(): number {
    return this.fault === 'server' ? 500 : 400;
  }
  constructor(message = '') {
    super(message);
  }
}

function clientError(code: string) {
  return class extends KmsError {
    readonly code = code;
  };
}

export class AccessDeniedException extends clientError('AccessDeniedException') {}
export class AlreadyExistsException extends clientError('AlreadyExistsException') {}
export class CustomKeyStoreNotFoundException extends clientError('CustomKeyStoreNotFoundException') {}
export class DependencyTimeoutException extends KmsError {
  readonly code = 'DependencyTimeoutException';
  override readonly fault: Fault = 'server';
  override get status() { return 503; }
}
export class DisabledException extends clientError('DisabledException') {}
export class DryRunOperationException extends clientError('DryRunOperationException') {}
export class IncorrectKeyException extends clientError('IncorrectKeyException') {}
export class IncorrectKeyMaterialException extends clientError('IncorrectKeyMaterialException') {}
export class ExpiredImportTokenException extends clientError('ExpiredImportTokenException') {}
export class IncompleteSignatureException extends clientError('IncompleteSignatureException') {}
export class InvalidAliasNameException extends clientError('InvalidAliasNameException') {}
export class InvalidCiphertextException extends clientError('InvalidCiphertextException') {}
export class InvalidGrantIdException extends clientError('InvalidGrantIdException') {}
export class InvalidGrantTokenException extends clientError('InvalidGrantTokenException') {}
export class InvalidImportTokenException extends clientError('InvalidImportTokenException') {}
export class InvalidKeyUsageException extends clientError('InvalidKeyUsageException') {}
export class InvalidMarkerException extends clientError('InvalidMarkerException') {}
export class InvalidSignatureException extends clientError('InvalidSignatureException') {}
export class KMSInvalidMacException extends clientError('KMSInvalidMacException') {}
export class KMSInvalidSignatureException extends clientError('KMSInvalidSignatureException') {}
export class KMSInvalidStateException extends clientError('KMSInvalidStateException') {}
export class LimitExceededException extends clientError('LimitExceededException') {}
export class MalformedPolicyDocumentException extends clientError('MalformedPolicyDocumentException') {}
export class MissingAuthenticationTokenException extends clientError('MissingAuthenticationTokenException') {}
export class NotFoundException extends clientError('NotFoundException') {}
export class SerializationException extends clientError('SerializationException') {}
export class TagException extends clientError('TagException') {}
export class UnknownOperationException extends clientError('UnknownOperationException') {}
export class UnrecognizedClientException extends clientError('UnrecognizedClientException') {}
export class UnsupportedOperationException extends clientError('UnsupportedOperationException') {}
export class ValidationException extends clientError('ValidationException') {}
export class ExpiredTokenException extends clientError('ExpiredTokenException') {}
export class ThrottlingException extends clientError('ThrottlingException') {}
export class RequestEntityTooLargeException extends clientError('RequestEntityTooLargeException') {
  override get status() { return 413; }
}
export class KMSInternalException extends KmsError {
  readonly code = 'KMSInternalException';
  override readonly fault: Fault = 'server';
  constructor(message = 'An internal error has occurred. Please try again.') {
    super(message);
  }
}
