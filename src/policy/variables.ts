/**
 * Policy variables (IAM policy elements: Variables and tags):
 * - "The variable is marked using a `$` prefix followed by a pair of curly braces"; they work only
 *   with `"Version": "2012-10-17"` — with 2008-10-17 or no Version "variables like
 *   ${aws:username} are treated as literal strings".
 * - "You can use policy variables in the Resource element and in string comparisons in the
 *   Condition element."
 * - `${*}`, `${?}`, `${$}` stand for a literal `*`, `?`, `$`.
 * - `${key, 'default'}` gives a default "surround the default value with single quotes".
 * - "When policy variables reference a condition context key that has no value or is not present
 *   … the value is effectively null. There is no equal or like value", and "You can't use a
 *   multivalued condition key as a variable". A Resource with such a variable "will not match any
 *   resource". Here: resolution returns null and the value matches nothing.
 * - A substituted value is literal text: a `*` inside a user name is not a wildcard.
 */
import { type Glob, globFromUnits, QMARK, STAR } from './glob.ts';

export interface VarRef {
  /** Lower-cased key: condition keys are case-insensitive. */
  readonly key: string;
  readonly dflt?: string;
}

export type Unit = string | typeof STAR | typeof QMARK | VarRef;

export interface Template {
  readonly units: readonly Unit[];
  readonly hasVars: boolean;
  /** As written in the policy, for explanations. */
  readonly source: string;
}

/** Where variable values come from: the request context (a Map from lower-cased keys). */
export interface Lookup {
  get(lowerKey: string): string | readonly string[] | undefined;
}

const SPECIAL: Record<string, string> = { '*': '*', '?': '?', $: '$' };

/**
 * @param variables whether `${…}` is recognised (policy Version 2012-10-17)
 * @param wildcards whether a bare `*`/`?` is a wildcard (Resource, StringLike, ArnLike)
 */
export function parseTemplate(source: string, variables: boolean, wildcards: boolean): Template {
  const units: Unit[] = [];
  let hasVars = false;
  let lit = '';
  const flush = () => {
    if (lit) units.push(lit);
    lit = '';
  };
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (variables && c === '$' && source[i + 1] === '{') {
      const v = readVariable(source, i + 2);
      if (v) {
        if (typeof v.value === 'string') lit += v.value;
        else {
          flush();
          units.push(v.value);
          hasVars = true;
        }
        i = v.end;
        continue;
      }
    }
    if (wildcards && (c === '*' || c === '?')) {
      flush();
      units.push(c === '*' ? STAR : QMARK);
    } else lit += c;
    i++;
  }
  flush();
  return { units, hasVars, source };
}

/** Reads `name}` or `name, 'default'}` starting after `${`. Returns null if it is not a variable (then `${` is literal). */
function readVariable(s: string, from: number): { value: string | VarRef; end: number } | null {
  const close = s.indexOf('}', from);
  const comma = s.indexOf(',', from);
  if (close < 0) return null;
  if (comma < 0 || comma > close) {
    const name = s.slice(from, close).trim();
    if (!name) return null;
    const special = SPECIAL[name];
    if (special !== undefined) return { value: special, end: close + 1 };
    return { value: { key: name.toLowerCase() }, end: close + 1 };
  }
  const name = s.slice(from, comma).trim();
  let j = comma + 1;
  while (s[j] === ' ') j++;
  if (!name || s[j] !== "'") return null;
  const endQuote = s.indexOf("'", j + 1);
  if (endQuote < 0) return null;
  let k = endQuote + 1;
  while (s[k] === ' ') k++;
  if (s[k] !== '}') return null;
  return { value: { key: name.toLowerCase(), dflt: s.slice(j + 1, endQuote) }, end: k + 1 };
}

function lookupVar(v: VarRef, get: Lookup): string | null {
  const val = get.get(v.key);
  if (typeof val === 'string') return val;
  return v.dflt ?? null;
}

/** The template as a plain string (no wildcards), or null when a variable has no value. */
export function resolveString(t: Template, get: Lookup): string | null {
  let out = '';
  for (const u of t.units) {
    if (typeof u === 'string') out += u;
    else if (typeof u === 'object') {
      const v = lookupVar(u, get);
      if (v === null) return null;
      out += v;
    } else out += u === STAR ? '*' : '?';
  }
  return out;
}

/** The template as a Glob, or null when a variable has no value. */
export function resolveGlob(t: Template, get: Lookup): Glob | null {
  if (!t.hasVars) return staticGlob(t);
  const units: (string | typeof STAR | typeof QMARK)[] = [];
  for (const u of t.units) {
    if (typeof u === 'object') {
      const v = lookupVar(u, get);
      if (v === null) return null;
      units.push(v);
    } else units.push(u);
  }
  return globFromUnits(units);
}

/** For a template without variables. */
export function staticGlob(t: Template): Glob {
  return globFromUnits(t.units.filter((u): u is string | typeof STAR | typeof QMARK => typeof u !== 'object'));
}

/**
 * Split a Resource/ArnLike template into its ARN parts at the first five literal colons
 * (variables belong to the resource part: "only in the resource portion of the ARN … after the
 * fifth colon").
 */
export function splitTemplateArn(t: Template): Template[] {
  const parts: Unit[][] = [[]];
  for (const u of t.units) {
    if (typeof u !== 'string' || parts.length === 6) {
      parts[parts.length - 1]!.push(u);
      continue;
    }
    let rest = u;
    for (;;) {
      const c = parts.length < 6 ? rest.indexOf(':') : -1;
      if (c < 0) {
        if (rest) parts[parts.length - 1]!.push(rest);
        break;
      }
      if (c > 0) parts[parts.length - 1]!.push(rest.slice(0, c));
      parts.push([]);
      rest = rest.slice(c + 1);
    }
  }
  return parts.map((units) => ({ units, hasVars: units.some((u) => typeof u === 'object'), source: t.source }));
}
