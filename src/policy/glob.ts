/**
 * Wildcard matching for Action, Resource, StringLike and ArnLike: `*` is any run of characters,
 * `?` exactly one ("The values can include multi-character match wildcards (*) and
 * single-character match wildcards (?) anywhere in the string", IAM JSON policy elements:
 * Condition operators). No regular expression is built at request time: a pattern is a string
 * plus a flag per character, matched by the classic linear-backtracking wildcard algorithm, so a
 * pattern made from a policy variable at request time costs no compilation.
 *
 * `?` matches one UTF-16 code unit (an astral character counts as two); policy text is ASCII in
 * practice.
 */

export const LIT = 0;
export const STAR = 1;
export const QMARK = 2;

/** A pattern: `text[i]` is a literal unless `wild[i]` says STAR or QMARK. */
export interface Glob {
  readonly text: string;
  /** null when the pattern has no wildcard (exact comparison). */
  readonly wild: Uint8Array | null;
  /** Fast paths chosen once: 'exact' | 'any' (only stars) | 'prefix' (literal then one trailing star) | 'general'. */
  readonly kind: 'exact' | 'any' | 'prefix' | 'general';
  /** For 'prefix': the literal part. */
  readonly prefix: string;
}

/** Build a Glob from units: each is a literal string or a STAR/QMARK marker. */
export function globFromUnits(units: readonly (string | typeof STAR | typeof QMARK)[]): Glob {
  let text = '';
  const flags: number[] = [];
  for (const u of units) {
    if (typeof u === 'string') {
      text += u;
      for (let k = 0; k < u.length; k++) flags.push(LIT);
    } else {
      text += u === STAR ? '*' : '?';
      flags.push(u);
    }
  }
  return finish(text, flags);
}

/** A pattern written in a policy: every `*` and `?` is a wildcard. */
export function globFromPattern(pattern: string): Glob {
  const flags: number[] = [];
  for (let k = 0; k < pattern.length; k++) {
    const c = pattern[k];
    flags.push(c === '*' ? STAR : c === '?' ? QMARK : LIT);
  }
  return finish(pattern, flags);
}

function finish(text: string, flags: number[]): Glob {
  const firstWild = flags.findIndex((f) => f !== LIT);
  if (firstWild < 0) return { text, wild: null, kind: 'exact', prefix: text };
  if (flags.every((f) => f === STAR)) return { text, wild: Uint8Array.from(flags), kind: 'any', prefix: '' };
  if (firstWild === flags.length - 1 && flags[firstWild] === STAR) {
    return { text, wild: Uint8Array.from(flags), kind: 'prefix', prefix: text.slice(0, firstWild) };
  }
  return { text, wild: Uint8Array.from(flags), kind: 'general', prefix: '' };
}

export function matchGlob(g: Glob, s: string): boolean {
  switch (g.kind) {
    case 'exact':
      return g.text === s;
    case 'any':
      return true;
    case 'prefix':
      return s.startsWith(g.prefix);
    default:
      return wildMatch(g.text, g.wild!, s);
  }
}

/** Wildcard match backtracking only to the last `*`: O(pattern × value) at worst, never exponential. */
function wildMatch(p: string, w: Uint8Array, s: string): boolean {
  const pn = p.length;
  const sn = s.length;
  let pi = 0;
  let si = 0;
  let starP = -1;
  let starS = 0;
  while (si < sn) {
    if (pi < pn) {
      const f = w[pi];
      if (f === STAR) {
        starP = pi++;
        starS = si;
        continue;
      }
      if (f === QMARK || p.charCodeAt(pi) === s.charCodeAt(si)) {
        pi++;
        si++;
        continue;
      }
    }
    if (starP < 0) return false;
    pi = starP + 1;
    si = ++starS;
  }
  while (pi < pn && w[pi] === STAR) pi++;
  return pi === pn;
}

/**
 * An ARN split as IAM compares it: "Each of the six colon-delimited components of the ARN is
 * checked separately and each can include multi-character match wildcards (*) or single-character
 * match wildcards (?)" (Condition operators, ARN); the resource part (after the fifth colon) may
 * itself contain colons. Returns the start offset of each of up to six parts.
 */
export function arnPartOffsets(s: string): number[] {
  const offs = [0];
  let i = 0;
  while (offs.length < 6) {
    const c = s.indexOf(':', i);
    if (c < 0) break;
    offs.push(c + 1);
    i = c + 1;
  }
  return offs;
}

/** A value prepared once per request for ARN-wise matching. */
export interface SplitArn {
  readonly text: string;
  readonly parts: readonly string[];
  readonly offsets: readonly number[];
}

export function splitArn(s: string): SplitArn {
  const offsets = arnPartOffsets(s);
  const parts: string[] = [];
  for (let k = 0; k < offsets.length; k++) {
    const start = offsets[k]!;
    const end = k + 1 < offsets.length ? offsets[k + 1]! - 1 : s.length;
    parts.push(s.slice(start, end));
  }
  return { text: s, parts, offsets };
}

/**
 * Match per ARN part. A pattern with fewer than six parts (for example `*` or `arn:aws:kms:*`)
 * matches its last part against the rest of the value, so `*` still matches everything; a value
 * with fewer parts than the pattern does not match.
 */
export function matchArnParts(pattern: readonly Glob[], value: SplitArn): boolean {
  const n = pattern.length;
  if (value.parts.length < n) return false;
  for (let k = 0; k < n - 1; k++) if (!matchGlob(pattern[k]!, value.parts[k]!)) return false;
  const last = pattern[n - 1]!;
  const rest = n === value.parts.length ? value.parts[n - 1]! : value.text.slice(value.offsets[n - 1]!);
  return matchGlob(last, rest);
}

/** Split a policy-written ARN pattern into per-part Globs. */
export function arnPatternFromString(pattern: string): Glob[] {
  const v = splitArn(pattern);
  return v.parts.map(globFromPattern);
}
