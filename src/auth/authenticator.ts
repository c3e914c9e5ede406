/**
 * What the front doors ask of authentication: a raw request in, the caller and the Region it
 * signed for out. The server depends on this interface; auth/ implements it (SigV4), and so does
 * the benchmarks-only unverified authenticator in app/.
 */
import type { Principal } from '../domain/types.ts';

export interface RawRequest {
  method: string;
  rawPath: string;
  /** Repeated headers stay separate values (SigV4 joins them with ',', not Node's ', '). */
  headers: Record<string, string | string[] | undefined>;
  body: Uint8Array;
  sourceIp: string;
}

/** Who signed the request, and the Region of its credential scope (the Region the request is for). */
export interface Authenticated {
  principal: Principal;
  region: string;
}

export interface Authenticator {
  /**
   * Throws a KmsError (UnrecognizedClientException, InvalidSignatureException, …) when the caller
   * cannot be identified or signed for a Region not accepted (`region`: one, or a predicate).
   */
  authenticate(req: RawRequest, region: string | ((region: string) => boolean), service?: string): Promise<Authenticated>;
}
