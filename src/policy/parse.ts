/**
 * Reading a policy document: JSON → validated, normalised `Policy`. The grammar is IAM's (IAM JSON
 * policy grammar; IAM JSON policy elements reference) with AWS KMS's rules for key policies:
 * - "The key policy document … can be up to 32 kilobytes (32768 bytes)" (PutKeyPolicy).
 * - every key policy statement names a Principal (or NotPrincipal): a key policy is a
 *   resource-based policy, and "You must use the Principal element in resource-based policies";
 *   an identity policy must not ("You cannot use the Principal element in an identity-based
 *   policy").
 * - principals must be valid ("Policy contains a statement with one or more invalid principals.",
 *   AWS KMS's message); `isKnownPrincipal` lets the caller add KMS's "principals that exist" rule.
 * - A key policy statement without Action or Resource is accepted but applies to nothing (AWS KMS
 *   behaviour noted in our facts page, b7); IAM refuses such identity policy statements.
 * Parsing also compiles the policy once, so an invalid condition operator or value is reported
 * here, not at request time.
 *
 * Messages quoted from AWS where known: "Policy contains a statement with one or more invalid
 * principals." (KMS), "Policy document should not specify a principal." (IAM),
 * "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc." (IAM). The others
 * are ours, written to say exactly what is wrong.
 */
import { LimitExceededException, MalformedPolicyDocumentException } from '../shared/errors.ts';
import { compiled } from './compile.ts';
import { type JsonObject, type JsonValue, JsonSyntaxError, parseJson } from './json.ts';
import { isFederatedPrincipal, isServicePrincipal, normalizeAwsPrincipal } from './principals.ts';
import type { ConditionElement, Effect, Policy, PolicyKind, PolicyVersion, PrincipalElement, Statement } from './types.ts';

export const MAX_KEY_POLICY_BYTES = 32_768;

export const INVALID_PRINCIPALS_MESSAGE = 'Policy contains a statement with one or more invalid principals.';

export interface ParseOptions {
  /** Name shown in explanations; key policies default to `default` (the only key policy name in KMS). */
  readonly name?: string;
  /** Partition used when a bare account id is expanded to a root ARN (default `aws`). */
  readonly partition?: string;
  /** KMS refuses principals that do not exist; return false for an ARN Trent does not know. */
  readonly isKnownPrincipal?: (arn: string) => boolean;
}

/** A key policy (resource-based: every statement names a Principal or NotPrincipal). */
export function parsePolicy(text: string, opts: ParseOptions = {}): Policy {
  if (Buffer.byteLength(text, 'utf8') > MAX_KEY_POLICY_BYTES) {
    throw new LimitExceededException(`The key policy exceeds the maximum size of ${MAX_KEY_POLICY_BYTES} bytes.`);
  }
  return parseDocument(text, 'key', opts);
}

/** An identity-based (IAM) policy: no Principal, every statement has an Action and a Resource. */
export function parseIdentityPolicy(text: string, opts: ParseOptions = {}): Policy {
  return parseDocument(text, 'identity', opts);
}

const VERSIONS: readonly string[] = ['2012-10-17', '2008-10-17'];
const TOP_FIELDS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_FIELDS = new Set(['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);
const IAM_SID = /^[0-9A-Za-z]*$/;
const ACTION = /^[A-Za-z0-9-]+:[A-Za-z0-9*?_-]+$/;

function malformed(msg: string): never {
  throw new MalformedPolicyDocumentException(msg);
}

function parseDocument(text: string, kind: PolicyKind, opts: ParseOptions): Policy {
  let doc: JsonValue;
  try {
    doc = parseJson(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) malformed(`The policy document is not valid JSON: ${e.message}.`);
    throw e;
  }
  if (!(doc instanceof Map)) malformed('The policy document must be a JSON object.');
  for (const k of doc.keys()) if (!TOP_FIELDS.has(k)) malformed(`The policy document contains an unknown element "${k}"; allowed are Version, Id and Statement.`);

  const version = doc.get('Version');
  if (version !== undefined && (typeof version !== 'string' || !VERSIONS.includes(version))) {
    malformed(`The policy document has an unsupported Version ${JSON.stringify(version)}; use "2012-10-17".`);
  }
  const id = doc.get('Id');
  if (id !== undefined && typeof id !== 'string') malformed('The policy Id must be a string.');

  const raw = doc.get('Statement');
  if (raw === undefined) malformed('The policy document must contain a Statement element.');
  const list = Array.isArray(raw) ? raw : [raw];
  const sids = new Set<string>();
  const statements = list.map((s, i) => parseStatement(s, i, kind, opts, sids));

  const policy: Policy = {
    kind,
    name: opts.name ?? (kind === 'key' ? 'default' : 'identity-policy'),
    ...(version !== undefined ? { version: version as PolicyVersion } : {}),
    ...(id !== undefined ? { id } : {}),
    statements,
  };
  compiled(policy); // validates conditions and caches the compiled form
  // Frozen: the compiled form is cached per Policy object and must not drift from it.
  return deepFreeze(policy);
}

function parseStatement(raw: JsonValue, i: number, kind: PolicyKind, opts: ParseOptions, sids: Set<string>): Statement {
  const where = `Statement ${i + 1}`;
  if (!(raw instanceof Map)) malformed(`${where} must be a JSON object.`);
  for (const k of raw.keys()) if (!STATEMENT_FIELDS.has(k)) malformed(`${where} contains an unknown element "${k}".`);

  const sid = raw.get('Sid');
  if (sid !== undefined) {
    if (typeof sid !== 'string') malformed(`${where}: Sid must be a string.`);
    if (kind === 'identity') {
      // "For IAM policies, basic alphanumeric characters (A-Z,a-z,0-9) are the only allowed characters in the Sid value."
      if (!IAM_SID.test(sid)) malformed(`${where}: Statement IDs (SID) must be alpha-numeric.`);
      if (sid && sids.has(sid)) malformed(`${where}: Statement IDs (SID) in a single policy must be unique.`);
      sids.add(sid);
    }
  }

  const effect = raw.get('Effect');
  if (effect === undefined) malformed(`${where} must contain an Effect element.`);
  if (effect !== 'Allow' && effect !== 'Deny') malformed(`${where}: Effect must be "Allow" or "Deny", not ${JSON.stringify(effect)}.`);

  const out: { -readonly [K in keyof Statement]: Statement[K] } = { effect: effect as Effect };
  if (sid !== undefined) out.sid = sid as string;

  const principal = raw.get('Principal');
  const notPrincipal = raw.get('NotPrincipal');
  if (kind === 'identity') {
    if (principal !== undefined || notPrincipal !== undefined) malformed('Policy document should not specify a principal.');
  } else {
    if (principal !== undefined && notPrincipal !== undefined) malformed(`${where} must not contain both Principal and NotPrincipal.`);
    if (principal === undefined && notPrincipal === undefined) malformed('Policy contains a statement with no principal.');
    if (principal !== undefined) out.principal = parsePrincipal(principal, opts);
    if (notPrincipal !== undefined) out.notPrincipal = parsePrincipal(notPrincipal, opts);
  }

  const action = stringList(raw, 'Action', where);
  const notAction = stringList(raw, 'NotAction', where);
  if (action && notAction) malformed(`${where} must not contain both Action and NotAction.`);
  for (const a of action ?? notAction ?? []) checkAction(a);
  if (action) out.action = action;
  if (notAction) out.notAction = notAction;

  const resource = stringList(raw, 'Resource', where);
  const notResource = stringList(raw, 'NotResource', where);
  if (resource && notResource) malformed(`${where} must not contain both Resource and NotResource.`);
  for (const r of resource ?? notResource ?? []) {
    if (r !== '*' && !r.startsWith('arn:')) malformed(`${where}: Resource ${r} must be in ARN format or "*".`);
  }
  if (resource) out.resource = resource;
  if (notResource) out.notResource = notResource;

  if (kind === 'identity') {
    if (!action && !notAction) malformed(`${where}: Policy statement must contain actions.`);
    if (!resource && !notResource) malformed(`${where}: Policy statement must contain resources.`);
  }

  const condition = raw.get('Condition');
  if (condition !== undefined) out.condition = parseCondition(condition, where);
  return out;
}

/** A string or a list of strings; an empty list counts as the element being absent. */
function stringList(raw: JsonObject, field: string, where: string): string[] | undefined {
  const v = raw.get(field);
  if (v === undefined) return undefined;
  const list = Array.isArray(v) ? v : [v];
  for (const x of list) if (typeof x !== 'string') malformed(`${where}: ${field} must be a string or a list of strings.`);
  return list.length ? (list as string[]) : undefined;
}

function checkAction(a: string): void {
  if (a === '*') return;
  const colons = a.split(':').length - 1;
  if (colons === 0) malformed(`Action ${a} is invalid: Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.`);
  if (colons > 1) malformed(`Action ${a} is invalid: Actions/Condition can contain only one colon.`);
  if (!ACTION.test(a)) malformed(`Action ${a} is invalid: a vendor prefix, a colon, then letters, digits and the wildcards * and ?.`);
}

function parsePrincipal(v: JsonValue, opts: ParseOptions): PrincipalElement {
  if (v === '*') return '*';
  if (!(v instanceof Map) || v.size === 0) malformed(INVALID_PRINCIPALS_MESSAGE);
  const out: { AWS?: string[]; Service?: string[]; Federated?: string[] } = {};
  for (const [type, val] of v) {
    const list = Array.isArray(val) ? val : [val];
    if (list.length === 0 || list.some((x) => typeof x !== 'string')) malformed(INVALID_PRINCIPALS_MESSAGE);
    const values = list as string[];
    switch (type) {
      case 'AWS': {
        const norm = values.map((x) => normalizeAwsPrincipal(x, opts.partition) ?? malformed(INVALID_PRINCIPALS_MESSAGE));
        if (norm.includes('*')) {
          // {"AWS": "*"} is everyone, the same as "Principal": "*".
          return '*';
        }
        if (opts.isKnownPrincipal && norm.some((a) => !opts.isKnownPrincipal!(a))) malformed(INVALID_PRINCIPALS_MESSAGE);
        out.AWS = norm;
        break;
      }
      case 'Service':
        if (!values.every(isServicePrincipal)) malformed(INVALID_PRINCIPALS_MESSAGE);
        out.Service = values;
        break;
      case 'Federated':
        if (!values.every(isFederatedPrincipal)) malformed(INVALID_PRINCIPALS_MESSAGE);
        out.Federated = values;
        break;
      default:
        // CanonicalUser is S3's; AWS KMS knows only AWS, Service and Federated principals.
        malformed(INVALID_PRINCIPALS_MESSAGE);
    }
  }
  return out;
}

function parseCondition(v: JsonValue, where: string): ConditionElement {
  if (!(v instanceof Map)) malformed(`${where}: Condition must be an object of condition operators.`);
  // Null-prototype records: an operator or key spelled "__proto__" must stay an ordinary entry
  // (and be refused as unknown) instead of silently vanishing into the prototype chain.
  const out: Record<string, Record<string, string[]>> = Object.create(null);
  for (const [op, block] of v) {
    if (!(block instanceof Map) || block.size === 0) malformed(`${where}: Condition ${op} must map condition keys to values.`);
    const keys: Record<string, string[]> = Object.create(null);
    for (const [key, val] of block) {
      const list = Array.isArray(val) ? val : [val];
      if (list.length === 0) malformed(`${where}: Condition ${op} ${key} has no values.`);
      keys[key] = list.map((x) => {
        if (typeof x === 'string') return x;
        if (typeof x === 'number' || typeof x === 'boolean') return String(x);
        return malformed(`${where}: Condition ${op} ${key} values must be strings, numbers or booleans.`);
      });
    }
    out[op] = keys;
  }
  return out;
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
    Object.freeze(v);
  }
  return v;
}
