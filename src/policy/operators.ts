/**
 * The condition operators (IAM JSON policy elements: Condition operators). Each base operator
 * compiles its policy values once into a `test(requestValue)` that says whether one request value
 * matches ANY of the policy values (values of one key are OR'd). Negated operators (StringNotEquals,
 * NotIpAddress, …) are the positive test negated by the caller: "If a single negated matching
 * condition operator includes multiple values for a context key, those values are evaluated using
 * a logical NOR."
 *
 * Policy variables: "You can use a policy variable for Condition values in any condition that
 * involves the string operators or the ARN operators … You can't use a policy variable with …
 * Numeric, Date, Boolean, Binary, IP Address, or Null operators" (IAM policy variables). The
 * operators page says Bool does take variables; we follow it there (a variable in a Bool value
 * can only narrow what matches).
 */
import { MalformedPolicyDocumentException } from '../shared/errors.ts';
import { type Glob, matchArnParts, matchGlob, splitArn } from './glob.ts';
import { cidrContains, parseCidr, parseIp, type Cidr } from './ip.ts';
import { type Lookup, parseTemplate, resolveGlob, resolveString, splitTemplateArn, staticGlob, type Template } from './variables.ts';

type Kind = 'string' | 'stringIgnoreCase' | 'stringLike' | 'arn' | 'numeric' | 'date' | 'bool' | 'binary' | 'ip' | 'null';
type Cmp = 'eq' | 'lt' | 'le' | 'gt' | 'ge';

interface BaseOperator {
  readonly name: string;
  readonly kind: Kind;
  readonly negated: boolean;
  readonly cmp: Cmp;
}

const BASES: readonly BaseOperator[] = [
  op('StringEquals', 'string'),
  op('StringNotEquals', 'string', true),
  op('StringEqualsIgnoreCase', 'stringIgnoreCase'),
  op('StringNotEqualsIgnoreCase', 'stringIgnoreCase', true),
  op('StringLike', 'stringLike'),
  op('StringNotLike', 'stringLike', true),
  op('NumericEquals', 'numeric'),
  op('NumericNotEquals', 'numeric', true),
  op('NumericLessThan', 'numeric', false, 'lt'),
  op('NumericLessThanEquals', 'numeric', false, 'le'),
  op('NumericGreaterThan', 'numeric', false, 'gt'),
  op('NumericGreaterThanEquals', 'numeric', false, 'ge'),
  op('DateEquals', 'date'),
  op('DateNotEquals', 'date', true),
  op('DateLessThan', 'date', false, 'lt'),
  op('DateLessThanEquals', 'date', false, 'le'),
  op('DateGreaterThan', 'date', false, 'gt'),
  op('DateGreaterThanEquals', 'date', false, 'ge'),
  op('Bool', 'bool'),
  op('BinaryEquals', 'binary'),
  op('IpAddress', 'ip'),
  op('NotIpAddress', 'ip', true),
  // "The ArnEquals and ArnLike condition operators behave identically"; so do ArnNotEquals and ArnNotLike.
  op('ArnEquals', 'arn'),
  op('ArnLike', 'arn'),
  op('ArnNotEquals', 'arn', true),
  op('ArnNotLike', 'arn', true),
  op('Null', 'null'),
];

function op(name: string, kind: Kind, negated = false, cmp: Cmp = 'eq'): BaseOperator {
  return { name, kind, negated, cmp };
}

const BY_NAME = new Map(BASES.map((b) => [b.name.toLowerCase(), b]));

/** No qualifier, `ForAnyValue:`, `ForAllValues:`. */
export const SetOp = { None: 0, ForAnyValue: 1, ForAllValues: 2 } as const;
export type SetOp = (typeof SetOp)[keyof typeof SetOp];

export interface ParsedOperator {
  readonly base: BaseOperator;
  readonly set: SetOp;
  readonly ifExists: boolean;
  /** As written in the policy. */
  readonly text: string;
}

/** Every MalformedPolicyDocumentException text in this file is our wording: AWS's are not recorded. */
function malformed(msg: string): never {
  throw new MalformedPolicyDocumentException(msg);
}

/**
 * `[ForAnyValue:|ForAllValues:]<Operator>[IfExists]`. "You can add IfExists to the end of any
 * condition operator name except the Null condition". Names are matched without regard to case.
 */
export function parseOperator(text: string): ParsedOperator {
  let rest = text;
  let set: SetOp = SetOp.None;
  const lower = text.toLowerCase();
  if (lower.startsWith('foranyvalue:')) {
    set = SetOp.ForAnyValue;
    rest = text.slice('ForAnyValue:'.length);
  } else if (lower.startsWith('forallvalues:')) {
    set = SetOp.ForAllValues;
    rest = text.slice('ForAllValues:'.length);
  }
  let ifExists = false;
  let base = BY_NAME.get(rest.toLowerCase());
  if (!base && rest.toLowerCase().endsWith('ifexists')) {
    base = BY_NAME.get(rest.slice(0, -'IfExists'.length).toLowerCase());
    ifExists = true;
  }
  if (!base) malformed(`Policy contains an unknown condition operator: ${text}`);
  if (base.kind === 'null' && ifExists) malformed(`Condition operator ${text} is invalid: IfExists cannot be added to Null.`);
  if (base.kind === 'null' && set !== SetOp.None) malformed(`Condition operator ${text} is invalid: Null takes no ForAnyValue/ForAllValues qualifier.`);
  return { base, set, ifExists, text };
}

/** Positive test of one request value against all policy values of one key. */
export type ValueTest = (requestValue: string, get: Lookup) => boolean;

export interface CompiledValues {
  readonly test: ValueTest;
  /** For Null: the expected "absent" flags. */
  readonly nullWants?: readonly boolean[];
}

export function compileValues(o: ParsedOperator, key: string, values: readonly string[], variables: boolean): CompiledValues {
  const b = o.base;
  const bad = (v: string, what: string): never => malformed(`Condition ${o.text} on ${key}: "${v}" is not ${what}.`);
  switch (b.kind) {
    case 'string': {
      const ts = values.map((v) => parseTemplate(v, variables, false));
      if (!ts.some((t) => t.hasVars)) {
        const set = new Set(values.map((v, k) => resolveString(ts[k]!, noVars) ?? v));
        return { test: (v) => set.has(v) };
      }
      return { test: (v, get) => ts.some((t) => resolveString(t, get) === v) };
    }
    case 'stringIgnoreCase': {
      const ts = values.map((v) => parseTemplate(v, variables, false));
      if (!ts.some((t) => t.hasVars)) {
        const set = new Set(ts.map((t) => resolveString(t, noVars)!.toLowerCase()));
        return { test: (v) => set.has(v.toLowerCase()) };
      }
      return {
        test: (v, get) => {
          const lv = v.toLowerCase();
          return ts.some((t) => resolveString(t, get)?.toLowerCase() === lv);
        },
      };
    }
    case 'stringLike': {
      const ts = values.map((v) => parseTemplate(v, variables, true));
      if (!ts.some((t) => t.hasVars)) {
        const globs = ts.map(staticGlob);
        return { test: (v) => globs.some((g) => matchGlob(g, v)) };
      }
      return {
        test: (v, get) =>
          ts.some((t) => {
            const g = resolveGlob(t, get);
            return g !== null && matchGlob(g, v);
          }),
      };
    }
    case 'arn': {
      const pats = values.map((v) => compileArnPattern(parseTemplate(v, variables, true)));
      return { test: (v, get) => {
        const split = splitArn(v);
        return pats.some((p) => matchArnPattern(p, split, get));
      } };
    }
    case 'numeric': {
      const ns = values.map((v) => {
        const n = toNumber(v);
        return Number.isNaN(n) ? bad(v, 'a number') : n;
      });
      const cmp = b.cmp;
      return {
        test: (v) => {
          const x = toNumber(v);
          return !Number.isNaN(x) && ns.some((n) => compare(cmp, x, n));
        },
      };
    }
    case 'date': {
      const ds = values.map((v) => {
        const d = toDate(v);
        return Number.isNaN(d) ? bad(v, 'an ISO 8601 date or epoch time') : d;
      });
      const cmp = b.cmp;
      return {
        test: (v) => {
          const x = toDate(v);
          return !Number.isNaN(x) && ds.some((d) => compare(cmp, x, d));
        },
      };
    }
    case 'bool': {
      const ts = values.map((v) => parseTemplate(v, variables, false));
      for (const t of ts) if (!t.hasVars && !TRUE_FALSE.test(t.source)) bad(t.source, 'true or false');
      return {
        test: (v, get) => {
          const lv = v.toLowerCase();
          return ts.some((t) => resolveString(t, get)?.toLowerCase() === lv);
        },
      };
    }
    case 'binary': {
      const bs = new Set(
        values.map((v) => {
          if (!isBase64(v)) bad(v, 'base64');
          return Buffer.from(v, 'base64').toString('base64');
        }),
      );
      return { test: (v) => isBase64(v) && bs.has(Buffer.from(v, 'base64').toString('base64')) };
    }
    case 'ip': {
      const cs: Cidr[] = values.map((v) => parseCidr(v) ?? bad(v, 'an IP address or CIDR range'));
      return {
        test: (v) => {
          const ip = parseIp(v);
          return ip !== null && cs.some((c) => cidrContains(c, ip));
        },
      };
    }
    case 'null': {
      // "use either true (the key doesn't exist — it is null) or false (the key exists and its value is not null)".
      const wants = values.map((v) => (TRUE_FALSE.test(v) ? v.toLowerCase() === 'true' : bad(v, 'true or false')));
      return { test: () => false, nullWants: wants };
    }
  }
}

const noVars: Lookup = new Map<string, string>();

/** An ARN pattern: up to six parts, each static or templated. */
export interface ArnPattern {
  readonly any: boolean;
  readonly hasVars: boolean;
  readonly parts: readonly Template[];
  readonly globs: readonly Glob[] | null;
}

export function compileArnPattern(t: Template): ArnPattern {
  const parts = splitTemplateArn(t);
  const hasVars = parts.some((p) => p.hasVars);
  const globs = hasVars ? null : parts.map(staticGlob);
  const any = globs !== null && globs.length === 1 && globs[0]!.kind === 'any';
  return { any, hasVars, parts, globs };
}

export function matchArnPattern(p: ArnPattern, value: ReturnType<typeof splitArn>, get: Lookup): boolean {
  if (p.any) return true;
  if (p.globs) return matchArnParts(p.globs, value);
  const globs: Glob[] = [];
  for (const t of p.parts) {
    const g = resolveGlob(t, get);
    if (g === null) return false;
    globs.push(g);
  }
  return matchArnParts(globs, value);
}

function compare(cmp: Cmp, x: number, y: number): boolean {
  switch (cmp) {
    case 'eq':
      return x === y;
    case 'lt':
      return x < y;
    case 'le':
      return x <= y;
    case 'gt':
      return x > y;
    case 'ge':
      return x >= y;
  }
}

const TRUE_FALSE = /^(?:true|false)$/i;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const NUMBER = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

export function toNumber(v: string): number {
  return NUMBER.test(v) ? Number(v) : NaN;
}

/**
 * "You must specify date/time values with one of the W3C implementations of the ISO 8601 date
 * formats or in epoch (UNIX) time." A bare four-digit value is read as a year (W3C `YYYY`); a
 * longer run of digits as epoch seconds. A time without zone designator is taken as UTC.
 */
const W3C = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;
const EPOCH = /^\d{5,}(?:\.\d+)?$/;

export function toDate(v: string): number {
  if (EPOCH.test(v)) return Number(v) * 1000;
  const m = W3C.exec(v);
  if (!m) return NaN;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const month = mo ? Number(mo) : 1;
  const day = d ? Number(d) : 1;
  const hour = h ? Number(h) : 0;
  const minute = mi ? Number(mi) : 0;
  const second = s ? Number(s) : 0;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 60) return NaN;
  let ms = Date.UTC(Number(y), month - 1, day, hour, minute, second, frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0);
  if (tz && tz !== 'Z') {
    const sign = tz[0] === '-' ? -1 : 1;
    ms -= sign * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6))) * 60_000;
  }
  return ms;
}

function isBase64(v: string): boolean {
  return v.length % 4 === 0 && BASE64.test(v);
}
