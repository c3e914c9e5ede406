/**
 * Declared identities (`trent serve --identities <file>`, YAML or JSON, reloaded on SIGHUP):
 * accounts, their IAM users and roles, access keys, and identity-based policies.
 *
 *   accounts:
 *     "111122223333":
 *       principals:
 *         - arn: arn:aws:iam::111122223333:role/KMSAdmin
 *           accessKeys: [{ id: AKIAEXAMPLEADMIN0001, secret: "…" }]
 *           policies: [ { Version: "2012-10-17", Statement: [ … ] } ]
 *         - arn: arn:aws:iam::111122223333:role/Deployer
 *           assumeRolePolicy: { Version: "2012-10-17", Statement: [ { Effect: Allow, Principal: { AWS: … }, Action: sts:AssumeRole } ] }
 *
 * Every mapping takes only the fields shown: an unknown one (a typo such as `polices:`) is an
 * error naming the file and line, never a field that silently grants or restricts nothing.
 */
import { readFileSync } from 'node:fs';
import { yaml } from '../shared/yaml.ts';
import { parseIdentityPolicy } from '../policy/parse.ts';
import { parseTrustPolicy } from '../policy/trust.ts';
import type { Policy } from '../policy/types.ts';
import { KmsError } from '../shared/errors.ts';

export interface DeclaredPrincipal {
  arn: string;
  accountId: string;
  accessKeys: { id: string; secret: string }[];
  policies: Policy[];
  /**
   * Roles: the trust policy (`assumeRolePolicy:`). A role declared without one trusts its own
   * account, so its account's principals whose identity policies allow sts:AssumeRole may assume it.
   */
  trustPolicy?: Policy;
}

export class IdentitiesError extends Error {}

const ACCOUNT = /^\d{12}$/;
const PRINCIPAL = /^arn:(aws[a-z-]*):iam::(\d{12}):(root|user\/[\w+=,.@/-]+|role\/[\w+=,.@/-]+)$/;
const ACCESS_KEY_ID = /^[A-Z0-9]{16,128}$/;

export class IdentityRegistry {
  readonly #byArn = new Map<string, DeclaredPrincipal>();
  readonly #byAccessKey = new Map<string, { principal: DeclaredPrincipal; secret: string }>();
  /** Roles by "account/name": a session names its role without the path, and is checked on every request. */
  readonly #roleByName = new Map<string, DeclaredPrincipal>();
  readonly source: string | undefined;

  private constructor(source: string | undefined) {
    this.source = source;
  }

  static empty(): IdentityRegistry {
    return new IdentityRegistry(undefined);
  }

  /** Parses and validates the whole file; any error names the file, line and field, and nothing is used. */
  static load(path: string): IdentityRegistry {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new IdentitiesError(`${path}: cannot read: ${(e as Error).message}`);
    }
    return IdentityRegistry.parse(text, path);
  }

  static parse(text: string, path = '<identities>'): IdentityRegistry {
    const { LineCounter, parseDocument } = yaml();
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      const pos = lines.linePos(e.pos[0]);
      throw new IdentitiesError(`${path}:${pos.line}: ${e.message.split('\n')[0]}`);
    }
    const at = (fieldPath: (string | number)[]): string => {
      const node = doc.getIn(fieldPath, true) as { range?: [number, number, number] } | undefined;
      const line = node?.range ? lines.linePos(node.range[0]).line : undefined;
      return `${path}${line ? `:${line}` : ''}: ${fieldPath.join('.')}`;
    };
    /** For a problem with a mapping key itself (an account id), the line of the key. */
    const atKey = (parent: (string | number)[], key: string): string => {
      const map = doc.getIn(parent, true) as { items?: { key?: { value?: unknown; range?: [number, number, number] } }[] } | undefined;
      const k = map?.items?.find((i) => String(i.key?.value) === key)?.key;
      const line = k?.range ? lines.linePos(k.range[0]).line : undefined;
      return `${path}${line ? `:${line}` : ''}: ${[...parent, key].join('.')}`;
    };
    /** Refuses any field of the mapping at `fieldPath` that is not in `known`, at the field's own line. */
    const onlyKnown = (fieldPath: (string | number)[], value: unknown, known: readonly string[]): void => {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
      for (const k of Object.keys(value)) {
        if (!known.includes(k)) throw new IdentitiesError(`${atKey(fieldPath, k)}: unknown field (expected ${known.join(', ')})`);
      }
    };
    const data = doc.toJS() as unknown;
    const reg = new IdentityRegistry(path);
    if (data === null || data === undefined) return reg;
    if (typeof data !== 'object' || Array.isArray(data)) throw new IdentitiesError(`${path}: the file must be a mapping with an "accounts" key`);
    onlyKnown([], data, ['accounts']);
    const accounts = (data as { accounts?: unknown }).accounts;
    if (accounts === undefined) return reg;
    if (typeof accounts !== 'object' || accounts === null || Array.isArray(accounts)) throw new IdentitiesError(`${at(['accounts'])}: must be a mapping of 12-digit account ids`);
    for (const [account, body] of Object.entries(accounts as Record<string, unknown>)) {
      if (!ACCOUNT.test(account)) throw new IdentitiesError(`${atKey(['accounts'], account)}: account ids are 12 digits (quote them in YAML)`);
      if (body !== null && (typeof body !== 'object' || Array.isArray(body))) throw new IdentitiesError(`${atKey(['accounts'], account)}: must be a mapping with a "principals" list`);
      onlyKnown(['accounts', account], body, ['principals']);
      const principals = (body as { principals?: unknown } | null)?.principals ?? [];
      if (!Array.isArray(principals)) throw new IdentitiesError(`${at(['accounts', account, 'principals'])}: must be a list`);
      principals.forEach((p: unknown, i: number) => {
        const base = ['accounts', account, 'principals', i];
        const rec = p as { arn?: unknown; accessKeys?: unknown; policies?: unknown; assumeRolePolicy?: unknown };
        if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) throw new IdentitiesError(`${at(base)}: must be a mapping with an "arn"`);
        onlyKnown(base, rec, ['arn', 'accessKeys', 'policies', 'assumeRolePolicy']);
        if (typeof rec?.arn !== 'string' || !PRINCIPAL.test(rec.arn)) throw new IdentitiesError(`${at([...base, 'arn'])}: must be arn:aws:iam::<account>:root, …:user/<name> or …:role/<name>`);
        const m = PRINCIPAL.exec(rec.arn)!;
        if (m[2] !== account) throw new IdentitiesError(`${at([...base, 'arn'])}: belongs to account ${m[2]}, not ${account}`);
        if (reg.#byArn.has(rec.arn)) throw new IdentitiesError(`${at([...base, 'arn'])}: ${rec.arn} is declared twice`);
        const keys = rec.accessKeys ?? [];
        if (!Array.isArray(keys)) throw new IdentitiesError(`${at([...base, 'accessKeys'])}: must be a list of { id, secret }`);
        if (m[3]!.startsWith('role/') && keys.length > 0) throw new IdentitiesError(`${at([...base, 'accessKeys'])}: roles have no long-term access keys; use sts:AssumeRole`);
        const accessKeys = keys.map((k: unknown, j: number) => {
          const key = k as { id?: unknown; secret?: unknown };
          onlyKnown([...base, 'accessKeys', j], key, ['id', 'secret']);
          if (typeof key?.id !== 'string' || !ACCESS_KEY_ID.test(key.id)) throw new IdentitiesError(`${at([...base, 'accessKeys', j, 'id'])}: must be 16-128 characters A-Z0-9`);
          if (typeof key.secret !== 'string' || key.secret.length < 16) throw new IdentitiesError(`${at([...base, 'accessKeys', j, 'secret'])}: must be a string of at least 16 characters`);
          if (reg.#byAccessKey.has(key.id)) throw new IdentitiesError(`${at([...base, 'accessKeys', j, 'id'])}: access key ${key.id} is declared twice`);
          return { id: key.id, secret: key.secret };
        });
        const pols = rec.policies ?? [];
        if (!Array.isArray(pols)) throw new IdentitiesError(`${at([...base, 'policies'])}: must be a list of policy documents`);
        const policies = pols.map((doc: unknown, j: number) => {
          try {
            return parseIdentityPolicy(JSON.stringify(doc), { name: `${rec.arn}#${j}` });
          } catch (e) {
            throw new IdentitiesError(`${at([...base, 'policies', j])}: ${e instanceof KmsError ? e.message : String(e)}`);
          }
        });
        let trustPolicy: Policy | undefined;
        if (rec.assumeRolePolicy !== undefined) {
          if (!m[3]!.startsWith('role/')) throw new IdentitiesError(`${at([...base, 'assumeRolePolicy'])}: only roles have a trust policy`);
          try {
            trustPolicy = parseTrustPolicy(typeof rec.assumeRolePolicy === 'string' ? rec.assumeRolePolicy : JSON.stringify(rec.assumeRolePolicy), { name: `${rec.arn} trust policy`, partition: m[1]! });
          } catch (e) {
            throw new IdentitiesError(`${at([...base, 'assumeRolePolicy'])}: ${e instanceof KmsError ? e.message : String(e)}`);
          }
        } else if (m[3]!.startsWith('role/')) {
          trustPolicy = ownAccountTrust(m[1]!, account);
        }
        const declared: DeclaredPrincipal = { arn: rec.arn as string, accountId: account, accessKeys, policies, ...(trustPolicy ? { trustPolicy } : {}) };
        reg.#byArn.set(declared.arn, declared);
        if (m[3]!.startsWith('role/')) {
          const name = `${account}/${declared.arn.slice(declared.arn.lastIndexOf('/') + 1)}`;
          if (!reg.#roleByName.has(name)) reg.#roleByName.set(name, declared);
        }
        for (const k of accessKeys) reg.#byAccessKey.set(k.id, { principal: declared, secret: k.secret });
      });
    }
    return reg;
  }

  accessKey(id: string): { principal: DeclaredPrincipal; secret: string } | undefined {
    return this.#byAccessKey.get(id);
  }

  principal(arn: string): DeclaredPrincipal | undefined {
    return this.#byArn.get(arn);
  }

  /** KMS refuses key policies naming principals that do not exist: declared ones, and any account root, exist here. */
  knows(arn: string): boolean {
    if (/^arn:aws[a-z-]*:iam::\d{12}:root$/.test(arn)) return true;
    if (this.#byArn.has(arn)) return true;
    const session = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(arn);
    if (session) return [...this.#byArn.keys()].some((a) => a.startsWith(`arn:${session[1]}:iam::${session[2]}:role/`) && a.endsWith(`/${session[3]}`));
    return false;
  }

  /** The identity-based policies that apply to a caller: its own, or its role's for an assumed-role session. */
  policiesFor(principalArn: string, roleArn?: string): Policy[] {
    const own = this.#byArn.get(principalArn);
    if (own) return own.policies;
    if (roleArn) return this.#byArn.get(roleArn)?.policies ?? [];
    return [];
  }

  /** Every declared user and role. */
  all(): DeclaredPrincipal[] {
    return [...this.#byArn.values()];
  }

  /** A role by name in an account (for assumed-role sessions, whose ARN drops the role's path). */
  roleByName(account: string, roleName: string): DeclaredPrincipal | undefined {
    return this.#roleByName.get(`${account}/${roleName}`);
  }
}

/** The trust policy of a role declared without one: its own account, delegated to IAM policies. */
function ownAccountTrust(partition: string, account: string): Policy {
  const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:${partition}:iam::${account}:root` }, Action: 'sts:AssumeRole' }] };
  return parseTrustPolicy(JSON.stringify(doc), { name: 'trust-policy (own account)', partition });
}

/** A registry that can be swapped atomically (SIGHUP reload); a failed reload keeps the old one. */
export class IdentitySource {
  #current: IdentityRegistry;
  constructor(initial: IdentityRegistry) {
    this.#current = initial;
  }
  get current(): IdentityRegistry {
    return this.#current;
  }
  reload(): IdentityRegistry {
    if (!this.#current.source) return this.#current;
    this.#current = IdentityRegistry.load(this.#current.source);
    return this.#current;
  }
}
