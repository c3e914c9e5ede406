/**
 * `trent serve --no-sigv4` (benchmarks only): takes the caller's access key id and Region
 * from the SigV4 Authorization header and does NOT check the signature, so the benchmark can show
 * what verification costs. Anyone who knows an access key id is that principal: config.ts refuses
 * it with anything that looks like production (a non-loopback host, TLS, PostgreSQL) and
 * create-trent.ts logs a warning on start.
 */
import { IncompleteSignatureException, InvalidSignatureException, UnrecognizedClientException } from '../shared/errors.ts';
import type { CredentialStore } from '../auth/credential-store.ts';
import { msg } from '../auth/sigv4-messages.ts';
import { parseAuthorization } from '../auth/sigv4-parse.ts';
import type { Authenticated, Authenticator, RawRequest } from '../auth/authenticator.ts';

/** Access key id and Region of a Credential parameter: `AKID/yyyymmdd/region/service/aws4_request`. */
function credentialScope(credential: string | undefined): [string, string] | undefined {
  const parts = credential?.split('/');
  if (!parts || parts.length !== 5 || !/^\d{8}$/.test(parts[1]!) || parts[4] !== 'aws4_request' || !parts[0] || !parts[2] || !parts[3]) return undefined;
  return [parts[0], parts[2]];
}

export class UnverifiedAuthenticator implements Authenticator {
  readonly #creds: CredentialStore;

  constructor(creds: CredentialStore) {
    this.#creds = creds;
  }

  async authenticate(req: RawRequest, region: string | ((region: string) => boolean)): Promise<Authenticated> {
    const h = req.headers.authorization;
    const header = Array.isArray(h) ? h[0] : h;
    const scope = header === undefined ? undefined : credentialScope(parseAuthorization(header).credential);
    if (!scope) throw new IncompleteSignatureException('Authorization header requires a Credential parameter (trent serve --no-sigv4 reads only the Authorization header).');
    const [accessKeyId, scopeRegion] = scope;
    if (typeof region === 'string' ? scopeRegion !== region : !region(scopeRegion)) {
      throw new InvalidSignatureException('Credential should be scoped to a valid region.');
    }
    const c = await this.#creds.lookup(accessKeyId);
    if (!c) throw new UnrecognizedClientException(msg.invalidToken);
    return { principal: c.principal, region: scopeRegion };
  }
}
