/**
 * Input decoding and validation with AWS's (Coral's) error shapes:
 * - a value of the wrong JSON type → SerializationException;
 * - constraint violations, collected → ValidationException
 *   "N validation error(s) detected: Value 'x' at 'memberName' failed to satisfy constraint: …".
 * Blobs arrive base64-encoded and leave this module as Uint8Array.
 */
import { SerializationException, ValidationException } from './errors.ts';

export type Spec =
  | { t: 'string'; required?: boolean; min?: number; max?: number; pattern?: string; enum?: readonly string[]; sensitive?: boolean }
  | { t: 'int'; required?: boolean; min?: number; max?: number }
  | { t: 'bool'; required?: boolean }
  | { t: 'blob'; required?: boolean; min?: number; max?: number; sensitive?: boolean }
  /** maxBytes: bound on the map's canonical encoding (see mapEncodedBytes). */
  | { t: 'map'; required?: boolean; sensitive?: boolean; maxBytes?: number }
  | { t: 'list'; of: Spec; required?: boolean; min?: number; max?: number }
  | { t: 'struct'; fields: Record<string, Spec>; required?: boolean }
  | { t: 'timestamp'; required?: boolean };

type Base<S extends Spec> = S extends { t: 'string'; enum: readonly (infer E)[] }
  ? E
  : S extends { t: 'string' }
    ? string
    : S extends { t: 'int' }
      ? number
      : S extends { t: 'bool' }
        ? boolean
        : S extends { t: 'blob' }
          ? Uint8Array
          : S extends { t: 'map' }
            ? Record<string, string>
            : S extends { t: 'list'; of: infer O extends Spec }
              ? Base<O>[]
              : S extends { t: 'struct'; fields: infer F extends Record<string, Spec> }
                ? Infer<F>
                : S extends { t: 'timestamp' }
                  ? Date
                  : never;

type RequiredKeys<F extends Record<string, Spec>> = { [K in keyof F]: F[K] extends { required: true } ? K : never }[keyof F];
type OptionalKeys<F extends Record<string, Spec>> = Exclude<keyof F, RequiredKeys<F>>;
export type Infer<F extends Record<string, Spec>> = { [K in RequiredKeys<F>]: Base<F[K]> } & { [K in OptionalKeys<F>]?: Base<F[K]> };

export const S = {
  string: <O extends Omit<Extract<Spec, { t: 'string' }>, 't'>>(o: O = {} as O) => ({ t: 'string' as const, ...o }),
  int: <O extends Omit<Extract<Spec, { t: 'int' }>, 't'>>(o: O = {} as O) => ({ t: 'int' as const, ...o }),
  bool: <O extends Omit<Extract<Spec, { t: 'bool' }>, 't'>>(o: O = {} as O) => ({ t: 'bool' as const, ...o }),
  blob: <O extends Omit<Extract<Spec, { t: 'blob' }>, 't'>>(o: O = {} as O) => ({ t: 'blob' as const, ...o }),
  map: <O extends Omit<Extract<Spec, { t: 'map' }>, 't'>>(o: O = {} as O) => ({ t: 'map' as const, ...o }),
  list: <I extends Spec, O extends Omit<Extract<Spec, { t: 'list' }>, 't' | 'of'>>(of: I, o: O = {} as O) => ({ t: 'list' as const, of, ...o }),
  struct: <F extends Record<string, Spec>, O extends { required?: boolean }>(fields: F, o: O = {} as O) => ({ t: 'struct' as const, fields, ...o }),
  timestamp: <O extends { required?: boolean }>(o: O = {} as O) => ({ t: 'timestamp' as const, ...o }),
};

/** AWS names members in messages in lowerCamelCase: `NumberOfBytes` → `numberOfBytes`. */
function memberName(field: string): string {
  return field.charAt(0).toLowerCase() + field.slice(1);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function jsonTypeName(v: unknown): string {
  if (v === null) return 'NULL_VALUE';
  if (Array.isArray(v)) return 'START_ARRAY';
  switch (typeof v) {
    case 'string': return 'STRING_VALUE';
    case 'number': return Number.isInteger(v) ? 'NUMBER_VALUE' : 'NUMBER_VALUE';
    case 'boolean': return v ? 'TRUE_VALUE' : 'FALSE_VALUE';
    default: return 'START_OBJECT';
  }
}

function typeError(v: unknown, target: string): SerializationException {
  return new SerializationException(`${jsonTypeName(v)} can not be converted to ${target}`);
}

function shown(v: unknown, spec: Spec): string {
  if ('sensitive' in spec && spec.sensitive) return 'Value';
  if (spec.t === 'blob') return 'Value';
  if (typeof v === 'string') return `Value '${v}'`;
  if (typeof v === 'number' || typeof v === 'boolean') return `Value '${v}'`;
  return 'Value';
}

/**
 * A spec's pattern is the model's text verbatim (AWS's message quotes it), and Coral matches it
 * against the whole value whether or not the model anchors it (`[\u0020-\u00FF]*` for a Marker,
 * `^[a-zA-Z0-9:/_-]+$` for an alias name). Compiled once per pattern.
 */
const compiled = new Map<string, RegExp>();
function fullMatch(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (re === undefined) compiled.set(pattern, (re = new RegExp(`^(?:${pattern})$`, 'u')));
  return re;
}

class Collector {
  readonly problems: string[] = [];
  add(v: unknown, spec: Spec, path: string, constraint: string) {
    this.problems.push(`${shown(v, spec)} at '${path}' failed to satisfy constraint: Member must ${constraint}`);
  }
  nullRequired(path: string) {
    this.problems.push(`Value null at '${path}' failed to satisfy constraint: Member must not be null`);
  }
}

function decode(v: unknown, spec: Spec, path: string, c: Collector): unknown {
  switch (spec.t) {
    case 'string': {
      if (typeof v !== 'string') throw typeError(v, 'a String');
      const len = [...v].length;
      if (spec.min !== undefined && len < spec.min) c.add(v, spec, path, `have length greater than or equal to ${spec.min}`);
      if (spec.max !== undefined && len > spec.max) c.add(v, spec, path, `have length less than or equal to ${spec.max}`);
      if (spec.pattern !== undefined && !fullMatch(spec.pattern).test(v)) c.add(v, spec, path, `satisfy regular expression pattern: ${spec.pattern}`);
      if (spec.enum !== undefined && !spec.enum.includes(v)) c.add(v, spec, path, `satisfy enum value set: [${spec.enum.join(', ')}]`);
      return v;
    }
    case 'int': {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw typeError(v, 'an Integer');
      if (!Number.isInteger(v) || Math.abs(v) > 2 ** 31) throw new SerializationException(`Value ${v} can not be converted to an Integer`);
      if (spec.min !== undefined && v < spec.min) c.add(v, spec, path, `have value greater than or equal to ${spec.min}`);
      if (spec.max !== undefined && v > spec.max) c.add(v, spec, path, `have value less than or equal to ${spec.max}`);
      return v;
    }
    case 'bool':
      if (typeof v !== 'boolean') throw typeError(v, 'a Boolean');
      return v;
    case 'timestamp': {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw typeError(v, 'a Timestamp');
      // Past ±8.64e12 s a Date is invalid, and an invalid Date throws wherever it is printed.
      const at = new Date(v * 1000);
      if (Number.isNaN(at.getTime())) throw new SerializationException(`Value ${v} can not be converted to a Timestamp`);
      return at;
    }
    case 'blob': {
      if (typeof v !== 'string') throw typeError(v, 'a Blob');
      if (v.length % 4 !== 0 || !BASE64.test(v)) throw new SerializationException(`Base64 encoded value at '${path}' is invalid`);
      const bytes = new Uint8Array(Buffer.from(v, 'base64'));
      if (spec.min !== undefined && bytes.length < spec.min) c.add(v, spec, path, `have length greater than or equal to ${spec.min}`);
      if (spec.max !== undefined && bytes.length > spec.max) c.add(v, spec, path, `have length less than or equal to ${spec.max}`);
      return bytes;
    }
    case 'map': {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw typeError(v, 'a Map');
      const out: Record<string, string> = Object.create(null);
      for (const [k, val] of Object.entries(v)) {
        if (typeof val !== 'string') throw typeError(val, 'a String');
        out[k] = val;
      }
      if (spec.maxBytes !== undefined && mapEncodedBytes(out) > spec.maxBytes) {
        c.add(v, spec, path, `encode to at most ${spec.maxBytes} bytes (2 for the count, then per pair 2 + key + 2 + value, in UTF-8); it takes ${mapEncodedBytes(out)}`);
      }
      return out;
    }
    case 'list': {
      if (!Array.isArray(v)) throw typeError(v, 'a List');
      if (spec.min !== undefined && v.length < spec.min) c.add(v, spec, path, `have length greater than or equal to ${spec.min}`);
      if (spec.max !== undefined && v.length > spec.max) c.add(v, spec, path, `have length less than or equal to ${spec.max}`);
      return v.map((item, i) => {
        if (item === null) throw typeError(item, 'a list member');
        return decode(item, spec.of, `${path}.${i + 1}.member`, c);
      });
    }
    case 'struct': {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw typeError(v, 'a Structure');
      return decodeFields(v as Record<string, unknown>, spec.fields, path, c);
    }
  }
}

/**
 * The size of a string map in the length-prefixed form the encryption context takes as AAD (a
 * 2-byte count, then each key and value after a 2-byte length), as the AWS Encryption SDK also
 * serializes it.
 */
export function mapEncodedBytes(m: Record<string, string>): number {
  let n = 2;
  for (const [k, val] of Object.entries(m)) n += 4 + Buffer.byteLength(k, 'utf8') + Buffer.byteLength(val, 'utf8');
  return n;
}

function decodeFields(obj: Record<string, unknown>, fields: Record<string, Spec>, prefix: string, c: Collector) {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(fields)) {
    const path = prefix ? `${prefix}.${memberName(name)}` : memberName(name);
    const v = Object.prototype.hasOwnProperty.call(obj, name) ? obj[name] : undefined;
    if (v === undefined || v === null) {
      if (spec.required) c.nullRequired(path);
      continue;
    }
    out[name] = decode(v, spec, path, c);
  }
  return out;
}

/** Decode a JSON 1.1 request body against a field spec; unknown members are ignored, as AWS does. */
export function decodeInput<F extends Record<string, Spec>>(fields: F, body: unknown): Infer<F> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SerializationException('Start of structure or map found where not expected.');
  }
  const c = new Collector();
  const out = decodeFields(body as Record<string, unknown>, fields, '', c);
  if (c.problems.length > 0) {
    const n = c.problems.length;
    throw new ValidationException(`${n} validation error${n === 1 ? '' : 's'} detected: ${c.problems.join('; ')}`);
  }
  return out as Infer<F>;
}
