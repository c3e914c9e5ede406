/**
 * The Condition element: "If your policy has multiple condition operators or multiple keys
 * attached to a single condition operator, the conditions are evaluated using a logical AND. If a
 * single condition operator includes multiple values for one key, that condition operator is
 * evaluated using a logical OR" (IAM: Creating a condition with multiple keys or values).
 *
 * Missing keys: "If the key that you specify in a policy condition is not present in the request
 * context, the values do not match and the condition is false. If the policy condition requires
 * that the key is not matched, such as StringNotLike or ArnNotLike, and the right key is not
 * present, the condition is true" — except `…IfExists` ("If the key is not present, evaluate the
 * condition element as true") and `Null`.
 *
 * Set operators on multivalued keys:
 * - ForAllValues: "returns true if every key value in the request matches at least one value in
 *   the policy. It also returns true if there are no keys in the request, or if the key values
 *   resolve to a null data set, such as an empty string".
 * - ForAnyValue: "returns true if any one of the key values in the request matches any one of the
 *   condition values … For no matching key or a null dataset, the condition returns false."
 * - With a negated operator the per-value test is negated: ForAllValues:StringNotLike is true when
 *   no request value is like any policy value (AWS's table for `"ForAllValues:StringNotLike":
 *   {"aws:TagKeys": "key1*"}`: key2:audit → match, key1:legal → no match, no key → match).
 *
 * An empty list in the request counts as the key being absent. With a set qualifier, `…IfExists`
 * changes nothing for an absent key (ForAnyValue stays false, ForAllValues true).
 *
 * A key the request gives in several spellings that differ only by case (encryption context keys
 * are case-sensitive, `{"tenant":"alice","TENANT":"bob"}`; condition key names are not) has one
 * value per spelling, and the condition is evaluated against each as if it were the only one:
 * in an Allow statement it holds only when it holds for every value, in a Deny statement it holds
 * when it holds for any. So whichever value a reader of the context takes to be "the" tenant,
 * an Allow never rests on a value the condition refuses and a Deny never misses one it names.
 * This applies to every operator alike (…IfExists, ForAnyValue/ForAllValues, Null), since each
 * evaluation sees an ordinary request.
 */
import { MalformedPolicyDocumentException } from '../shared/errors.ts';
import type { ContextValue, EvalContext } from './context.ts';
import { compileValues, parseOperator, SetOp, type ValueTest } from './operators.ts';
import type { ConditionElement } from './types.ts';

export interface CompiledCondition {
  /** Operator as written (`ForAnyValue:StringLike`). */
  readonly operator: string;
  /** Key as written (`kms:ViaService`). */
  readonly key: string;
  /** Lower-cased key, for lookups. */
  readonly lkey: string;
  readonly set: SetOp;
  readonly ifExists: boolean;
  readonly negated: boolean;
  readonly test: ValueTest;
  readonly nullWants: readonly boolean[] | undefined;
}

const CONDITION_KEY = /^[A-Za-z0-9-]+:[^\s]+$/;

export function compileConditions(el: ConditionElement | undefined, variables: boolean): CompiledCondition[] {
  const out: CompiledCondition[] = [];
  if (!el) return out;
  for (const opText of Object.keys(el)) {
    const o = parseOperator(opText);
    const block = el[opText]!;
    for (const key of Object.keys(block)) {
      // "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc." (IAM's text);
      // the sentence around it is our wording.
      if (!CONDITION_KEY.test(key)) {
        throw new MalformedPolicyDocumentException(`Condition key ${key} is invalid: condition keys must be prefaced by a vendor, e.g. aws: or kms:.`);
      }
      const values = block[key]!;
      const c = compileValues(o, key, values, variables);
      out.push({
        operator: opText,
        key,
        lkey: key.toLowerCase(),
        set: o.set,
        ifExists: o.ifExists,
        negated: o.base.negated,
        test: c.test,
        nullWants: c.nullWants,
      });
    }
  }
  return out;
}

/** @param allow whether the condition belongs to an Allow statement (see the header on ambiguous keys). */
export function evalCondition(c: CompiledCondition, ctx: EvalContext, allow: boolean): boolean {
  const alternatives = ctx.ambiguous.size === 0 ? undefined : ctx.ambiguous.get(c.lkey);
  if (alternatives === undefined) return evalValue(c, ctx.get(c.lkey), ctx);
  for (const raw of alternatives) {
    if (evalValue(c, raw, ctx) !== allow) return !allow;
  }
  return allow;
}

function evalValue(c: CompiledCondition, raw: ContextValue | undefined, ctx: EvalContext): boolean {
  const present = raw !== undefined && (typeof raw === 'string' || raw.length > 0);
  if (c.nullWants !== undefined) {
    for (const wantsAbsent of c.nullWants) if (wantsAbsent === !present) return true;
    return false;
  }
  if (!present) {
    // A set qualifier decides a missing key before `…IfExists` does: ForAnyValue "returns false"
    // for "no matching key or a null dataset", with or without IfExists (the IfExists test applies
    // to each request value inside the set loop). AWS answers so: an Allow with
    // `ForAnyValue:StringEqualsIfExists` on aws:TagKeys does not allow a request without tags
    // (AWS re:Post, "ForAnyValue:StringEqualsIfExists behaving unexpectedly"); iam-simulate agrees.
    if (c.set === SetOp.ForAllValues) return true;
    if (c.set === SetOp.ForAnyValue) return false;
    if (c.ifExists) return true;
    return c.negated;
  }
  const get = ctx;
  if (typeof raw === 'string') {
    const m = c.test(raw, get);
    return c.negated ? !m : m;
  }
  const vals = raw as readonly string[];
  switch (c.set) {
    case SetOp.ForAllValues:
      for (const v of vals) if (c.test(v, get) === c.negated) return false;
      return true;
    case SetOp.ForAnyValue:
      for (const v of vals) if (c.test(v, get) !== c.negated) return true;
      return false;
    default: {
      // No qualifier on a multivalued request value: the values are OR'd (NOR'd when negated).
      let any = false;
      for (const v of vals) {
        if (c.test(v, get)) {
          any = true;
          break;
        }
      }
      return c.negated ? !any : any;
    }
  }
}

/** The request's value of a key, for explanations. */
export function describeValue(ctx: EvalContext, lkey: string): string {
  const alternatives = ctx.ambiguous.get(lkey);
  if (alternatives) return `request values of keys differing only by case [${alternatives.flatMap((a) => (typeof a === 'string' ? [a] : a)).map((v) => `"${v}"`).join(', ')}]`;
  const raw = ctx.get(lkey);
  if (raw === undefined || (typeof raw !== 'string' && raw.length === 0)) return 'key absent';
  return typeof raw === 'string' ? `request value "${raw}"` : `request values [${raw.map((v) => `"${v}"`).join(', ')}]`;
}
