/**
 * What of a request and its response may enter the audit trail.
 *
 * Request parameters are kept only as the operation's input spec declares them: a member the spec
 * does not know is dropped (AWS ignores unknown members; they are not logged either), a blob is
 * dropped (plaintext, ciphertext, message, signature, MAC, public key…), a member marked
 * `sensitive` is dropped, and so is any member whose name says it carries a secret (grant tokens).
 * The encryption context is kept verbatim, as CloudTrail keeps it. Response elements lose every
 * Uint8Array (data keys, private keys, shared secrets, signatures) and secret-named members (a
 * grant token). Names become lowerCamelCase, as in CloudTrail (`keyId`, `encryptionContext`);
 * map keys (encryption context, tags) are kept as given.
 */
import type { Spec } from '../shared/validate.ts';

/** Member names that carry a secret whatever their type. */
const SECRET_NAME = /token|secret|password|plaintext|privatekey|signature|^mac$|ciphertext/i;

export function lowerCamel(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function keepValue(spec: Spec, v: unknown): unknown {
  switch (spec.t) {
    case 'blob':
      return undefined;
    case 'string':
      return typeof v === 'string' && !spec.sensitive ? v : undefined;
    case 'int':
      return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
    case 'bool':
      return typeof v === 'boolean' ? v : undefined;
    case 'timestamp': {
      // Out of Date's range (±8.64e15 ms) toISOString throws: the request is refused anyway.
      const ms = typeof v === 'number' ? v * 1000 : Number.NaN;
      return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : undefined;
    }
    case 'map': {
      if (spec.sensitive || typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
      // fromEntries defines own properties: a "__proto__" context key stays a plain key.
      return Object.fromEntries(Object.entries(v).filter(([, s]) => typeof s === 'string'));
    }
    case 'list': {
      if (!Array.isArray(v)) return undefined;
      const items = v.map((item) => keepValue(spec.of, item)).filter((item) => item !== undefined);
      return items;
    }
    case 'struct':
      return typeof v === 'object' && v !== null && !Array.isArray(v) ? keepFields(spec.fields, v as Record<string, unknown>) : undefined;
  }
}

/** Per input spec, the members that may be logged and their CloudTrail names (specs are static: worked out once). */
const loggable = new WeakMap<Readonly<Record<string, Spec>>, readonly (readonly [name: string, spec: Spec, logged: string])[]>();

function loggableFields(fields: Readonly<Record<string, Spec>>): readonly (readonly [string, Spec, string])[] {
  let list = loggable.get(fields);
  if (list === undefined) {
    list = Object.entries(fields)
      .filter(([name]) => !SECRET_NAME.test(name))
      .map(([name, spec]) => [name, spec, lowerCamel(name)] as const);
    loggable.set(fields, list);
  }
  return list;
}

function keepFields(fields: Readonly<Record<string, Spec>>, body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, spec, logged] of loggableFields(fields)) {
    if (!Object.prototype.hasOwnProperty.call(body, name)) continue;
    const v = keepValue(spec, body[name]);
    if (v !== undefined) out[logged] = v;
  }
  return out;
}

/** CloudTrail's `requestParameters`; null when the request declares no spec or carried nothing to keep. */
export function requestParameters(spec: Readonly<Record<string, Spec>> | undefined, body: unknown): Record<string, unknown> | null {
  if (spec === undefined || typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const out = keepFields(spec, body as Record<string, unknown>);
  return Object.keys(out).length > 0 ? out : null;
}

/** Output member name → its CloudTrail name, or null for a secret-named member; a bounded memo (the same few names come back on every request). */
const outputNames = new Map<string, string | null>();

function outputName(k: string): string | null {
  let name = outputNames.get(k);
  if (name === undefined) {
    name = SECRET_NAME.test(k) ? null : lowerCamel(k);
    if (outputNames.size < 4096) outputNames.set(k, name);
  }
  return name;
}

function scrub(v: unknown): unknown {
  if (v instanceof Uint8Array) return undefined;
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(scrub).filter((x) => x !== undefined);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      const name = outputName(k);
      if (name === null) continue;
      const s = scrub((v as Record<string, unknown>)[k]);
      if (s !== undefined) out[name] = s;
    }
    return out;
  }
  return v;
}

/** CloudTrail's `responseElements` from an operation's output: no blob and no secret survives. */
export function responseElements(output: Record<string, unknown>): Record<string, unknown> | null {
  const out = scrub(output) as Record<string, unknown>;
  return Object.keys(out).length > 0 ? out : null;
}

/** `additionalEventData`: the key material ids an operation used (`keyMaterialId`, `sourceKeyMaterialId`…). */
export function additionalEventData(output: Record<string, unknown>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(output)) if (k.endsWith('KeyMaterialId') && typeof v === 'string') out[lowerCamel(k)] = v;
  return Object.keys(out).length > 0 ? out : undefined;
}
