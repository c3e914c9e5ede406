export { verifySigV4, SigningKeyCache, deriveSigningKey, type SignedRequest, type SecretRecord, type SecretLookup, type VerifyOptions, type Verified } from './sigv4.ts';
export { SigV4Authenticator } from './sigv4-authenticator.ts';
export { CredentialStore, type ResolvedCredential } from './credential-store.ts';
export { IdentityRegistry, IdentitySource, IdentitiesError, type DeclaredPrincipal } from './identities.ts';
export { StsService, StsError, type AssumedRole } from './sts-service.ts';
export { principalFromArn, uniqueIdFor } from './principals.ts';
