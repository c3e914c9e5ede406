/**
 * Table-driven suite over test/vectors/policy/*.json. Each file has a `type`:
 * - `decisions`: named policies + cases run through `decide` (and `accessDeniedMessage`);
 * - `conditions`: a Condition block wrapped in an identity policy Allow under a delegating key policy;
 * - `parse`: documents that must parse (optionally to a given normal form) or fail with a message;
 * - `lockout`: `lockoutSafetyCheck` cases.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { KmsError } from '../shared/errors.ts';
import {
  accessDeniedMessage,
  callerFromArn,
  decide,
  type DecideInput,
  explainDecision,
  lockoutSafetyCheck,
  parseIdentityPolicy,
  parsePolicy,
  type Policy,
  type RequestContext,
  type RequestPrincipal,
} from './index.ts';

const DIR = new URL('../../test/vectors/policy/', import.meta.url);

/** An ARN, or an ARN with extra facts (`userid`, `roleArn`, …). */
type PrincipalSpec = string | (Partial<RequestPrincipal> & { arn: string });

interface PolicySpec {
  kind: 'key' | 'identity';
  document: unknown;
}

interface DecisionCase {
  name: string;
  principal: PrincipalSpec;
  action?: string;
  resource?: string;
  keyAccount?: string;
  keyPolicy?: string | null;
  identityPolicies?: string[];
  context?: RequestContext;
  grantAllows?: boolean;
  now?: string;
  expect: {
    allowed: boolean;
    reason: string;
    deniedBy?: string;
    matched?: string[];
    message?: string;
  };
}

interface DecisionsFile {
  type: 'decisions';
  description: string;
  defaults?: { action?: string; resource?: string; keyAccount?: string; keyPolicy?: string | null; identityPolicies?: string[] };
  policies: Record<string, PolicySpec>;
  cases: DecisionCase[];
}

interface ConditionCase {
  name: string;
  condition: unknown;
  context?: RequestContext;
  principal?: PrincipalSpec;
  version?: string | null;
  now?: string;
  expect: boolean;
}

interface ConditionsFile {
  type: 'conditions';
  description: string;
  cases: ConditionCase[];
}

interface ParseCase {
  name: string;
  kind: 'key' | 'identity';
  document?: unknown;
  text?: string;
  error?: string;
  errorCode?: string;
  /** Expected `statements` (partial deep match on each listed field of each statement). */
  statements?: Record<string, unknown>[];
}

interface ParseFile {
  type: 'parse';
  description: string;
  cases: ParseCase[];
}

interface LockoutCase {
  name: string;
  policy: unknown;
  principal: PrincipalSpec;
  identityPolicies?: unknown[];
  keyArn?: string;
  keyAccount?: string;
  context?: RequestContext;
  expect: boolean;
}

interface LockoutFile {
  type: 'lockout';
  description: string;
  cases: LockoutCase[];
}

type VectorFile = DecisionsFile | ConditionsFile | ParseFile | LockoutFile;

function principalOf(p: PrincipalSpec): RequestPrincipal {
  if (typeof p === 'string') return callerFromArn(p);
  const { arn, ...rest } = p;
  return { ...callerFromArn(arn), ...rest };
}

function parseSpec(name: string, spec: PolicySpec): Policy {
  const text = typeof spec.document === 'string' ? spec.document : JSON.stringify(spec.document);
  return spec.kind === 'key' ? parsePolicy(text) : parseIdentityPolicy(text, { name });
}

function refName(m: { policy: string; sid?: string; index: number }): string {
  return `${m.policy}#${m.sid ?? m.index + 1}`;
}

const DEFAULT_KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const DELEGATING_KEY_POLICY = parsePolicy(
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' }],
  }),
);

function runDecisions(f: DecisionsFile): void {
  const policies = new Map<string, Policy>();
  for (const [name, spec] of Object.entries(f.policies)) {
    const p = parseSpec(name, spec);
    // Key policies are all named "default" by KMS; keep the vector's name for `matched` checks.
    policies.set(name, spec.kind === 'key' ? { ...p, name } : p);
  }
  const get = (name: string): Policy => {
    const p = policies.get(name);
    assert.ok(p, `unknown policy ${name}`);
    return p;
  };
  for (const c of f.cases) {
    test(c.name, () => {
      const d = f.defaults ?? {};
      const keyPolicyName = c.keyPolicy !== undefined ? c.keyPolicy : d.keyPolicy;
      const input: DecideInput = {
        action: c.action ?? d.action ?? 'kms:Decrypt',
        resource: c.resource ?? d.resource ?? DEFAULT_KEY,
        keyAccount: c.keyAccount ?? d.keyAccount ?? '111122223333',
        principal: principalOf(c.principal),
        ...(c.context ? { context: c.context } : {}),
        keyPolicy: keyPolicyName == null ? null : get(keyPolicyName),
        identityPolicies: (c.identityPolicies ?? d.identityPolicies ?? []).map(get),
        grantAllows: c.grantAllows ?? false,
        ...(c.now ? { now: Date.parse(c.now) } : {}),
      };
      const decision = decide(input);
      const why = explainDecision(decision);
      assert.equal(decision.reason, c.expect.reason, why);
      assert.equal(decision.allowed, c.expect.allowed, why);
      if (c.expect.deniedBy !== undefined) assert.equal(decision.deniedBy, c.expect.deniedBy, why);
      if (c.expect.matched) assert.deepEqual(decision.matched.map(refName).sort(), [...c.expect.matched].sort(), why);
      if (c.expect.message !== undefined) assert.equal(accessDeniedMessage(decision, input), c.expect.message);
      // Every statement is accounted for, exactly once.
      const total = (input.keyPolicy?.statements.length ?? 0) + input.identityPolicies!.reduce((n, p) => n + p.statements.length, 0);
      assert.equal(decision.matched.length + decision.notMatched.length, total);
    });
  }
}

function runConditions(f: ConditionsFile): void {
  for (const c of f.cases) {
    test(c.name, () => {
      const version = c.version === undefined ? '2012-10-17' : c.version;
      const doc = {
        ...(version !== null ? { Version: version } : {}),
        Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*', Condition: c.condition }],
      };
      const identity = parseIdentityPolicy(JSON.stringify(doc), { name: 'condition-under-test' });
      const decision = decide({
        action: 'kms:Decrypt',
        resource: DEFAULT_KEY,
        keyAccount: '111122223333',
        principal: principalOf(c.principal ?? { arn: 'arn:aws:iam::111122223333:user/alice', userid: 'AIDAEXAMPLEALICE' }),
        ...(c.context ? { context: c.context } : {}),
        keyPolicy: DELEGATING_KEY_POLICY,
        identityPolicies: [identity],
        ...(c.now ? { now: Date.parse(c.now) } : {}),
      });
      assert.equal(decision.allowed, c.expect, explainDecision(decision));
    });
  }
}

function runParse(f: ParseFile): void {
  for (const c of f.cases) {
    test(c.name, () => {
      const text = c.text ?? JSON.stringify(c.document);
      const parse = () => (c.kind === 'key' ? parsePolicy(text) : parseIdentityPolicy(text));
      if (c.error !== undefined) {
        assert.throws(parse, (e: unknown) => {
          assert.ok(e instanceof KmsError, `expected a KmsError, got ${String(e)}`);
          assert.equal(e.code, c.errorCode ?? 'MalformedPolicyDocumentException');
          assert.ok(e.message.includes(c.error!), `message "${e.message}" does not contain "${c.error}"`);
          return true;
        });
        return;
      }
      const p = parse();
      if (c.statements) {
        assert.equal(p.statements.length, c.statements.length);
        c.statements.forEach((want, i) => {
          const got = p.statements[i] as unknown as Record<string, unknown>;
          for (const [k, v] of Object.entries(want)) assert.deepEqual(JSON.parse(JSON.stringify(got[k] ?? null)), v, `statement ${i + 1} ${k}`);
        });
      }
    });
  }
}

function runLockout(f: LockoutFile): void {
  for (const c of f.cases) {
    test(c.name, () => {
      const policy = parsePolicy(JSON.stringify(c.policy));
      const ok = lockoutSafetyCheck(policy, principalOf(c.principal), {
        ...(c.keyArn ? { keyArn: c.keyArn } : {}),
        ...(c.keyAccount ? { keyAccount: c.keyAccount } : {}),
        ...(c.context ? { context: c.context } : {}),
        ...(c.identityPolicies ? { identityPolicies: c.identityPolicies.map((d, i) => parseIdentityPolicy(JSON.stringify(d), { name: `identity-${i + 1}` })) } : {}),
      });
      assert.equal(ok, c.expect);
    });
  }
}

const files = readdirSync(DIR).filter((n) => n.endsWith('.json')).sort();

test('the policy vector directory is not empty', () => {
  assert.ok(files.length >= 4, `found ${files.join(', ')}`);
});

for (const name of files) {
  const f = JSON.parse(readFileSync(new URL(name, DIR), 'utf8')) as VectorFile;
  describe(`${name}: ${f.description}`, () => {
    switch (f.type) {
      case 'decisions':
        return runDecisions(f);
      case 'conditions':
        return runConditions(f);
      case 'parse':
        return runParse(f);
      case 'lockout':
        return runLockout(f);
      default:
        test('known vector type', () => assert.fail(`unknown vector type in ${name}`));
    }
  });
}
