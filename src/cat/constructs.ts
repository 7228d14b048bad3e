// What the cat constructs do when compiled code runs them: application, explicit sets,
// conditions, `let rec` fixpoints, and which `variant` conditions hold.
import type { CatPos, VariantCond } from './ast.js';
import { CatError } from './errors.js';
import * as ops from './ops.js';
import { Closure, EmptyV, EventV, PairV, UniverseV, ValueSet, type Value, type Ctx } from './values.js';
import { EventSet, Relation } from '../execution/relation.js';

/** Iterations allowed for a `let rec` fixpoint before it is declared divergent. */
const FIXPOINT_LIMIT = 10_000;

export function variantHolds(v: VariantCond, variants: ReadonlySet<string>): boolean {
  switch (v.k) {
    case 'variant':
      return variants.has(v.name);
    case 'not':
      return !variantHolds(v.arg, variants);
    case 'and':
      return variantHolds(v.a, variants) && variantHolds(v.b, variants);
    case 'or':
      return variantHolds(v.a, variants) || variantHolds(v.b, variants);
  }
}

/** Cheap emptiness for short-circuits (an empty value of any type). */
export function isEmptyQuick(v: Value): boolean {
  return v instanceof EmptyV || ((v instanceof Relation || v instanceof EventSet) && v.isEmpty());
}

export function apply(fn: Value, arg: Value, c: Ctx, pos: CatPos): Value {
  if (fn instanceof Closure) return fn.call(arg, c, pos);
  throw new CatError(pos, `a function is expected here, found ${ops.article(fn)}`);
}

export function explicitSet(c: Ctx, vs: Value[], pos: CatPos): Value {
  if (vs.every((v) => v instanceof EventV)) return EventSet.of(c.p.n, vs.map((v) => (v as EventV).id));
  if (vs.every((v) => v instanceof PairV)) return Relation.ofPairs(c.p.n, vs.map((v) => [(v as PairV).a, (v as PairV).b] as const));
  if (vs.some((v) => v instanceof UniverseV)) throw new CatError(pos, "the universe '_' cannot be an element");
  return new ValueSet(vs);
}

export function condHolds(c: Ctx, test: 'eq' | 'subset' | 'in', a: Value, b: Value, pos: CatPos): boolean {
  if (test === 'eq') return ops.sameValue(a, b);
  if (test === 'in') {
    if (a instanceof EventV) return ops.asSet(c.p, b, pos).has(a.id);
    if (a instanceof PairV) return ops.asRel(c.p, b, pos).has(a.a, a.b);
    if (b instanceof ValueSet) return b.has(a);
    if (b instanceof EmptyV) return false;
    throw new CatError(pos, `'in' needs a set on its right, found ${ops.article(b)}`);
  }
  if (a instanceof EmptyV) return true;
  if (a instanceof Relation || b instanceof Relation) return ops.asRel(c.p, a, pos).minus(ops.asRel(c.p, b, pos)).isEmpty();
  if (a instanceof EventSet || b instanceof EventSet) return ops.asSet(c.p, a, pos).minus(ops.asSet(c.p, b, pos)).isEmpty();
  if (a instanceof ValueSet && b instanceof ValueSet) return a.elems().every((x) => b.has(x));
  throw new CatError(pos, `'subset' needs two sets or two relations`);
}

/** herd7's fixpoint: from all-empty, re-evaluate in order until nothing grows. */
export function fixpoint(evals: Array<() => Value>, stores: Array<(v: Value) => void>, pos: CatPos): void {
  if (evals.length === 0) return;
  let old: Value[] = evals.map(() => EmptyV.it);
  for (let round = 0; ; round++) {
    if (round > FIXPOINT_LIMIT) throw new CatError(pos, "this 'let rec' does not reach a fixpoint");
    const now = evals.map((ev, k) => {
      const v = ev();
      stores[k](v);
      return v;
    });
    if (now.every((v, k) => stabilised(old[k], v))) return;
    old = now;
  }
}

function stabilised(old: Value, now: Value): boolean {
  if (ops.sameValue(now, EmptyV.it)) return true;
  if (now instanceof Relation) return old instanceof Relation && now.minus(old).isEmpty();
  if (now instanceof EventSet) return old instanceof EventSet && now.minus(old).isEmpty();
  if (now instanceof ValueSet) return old instanceof ValueSet && now.elems().every((x) => old.has(x));
  return ops.sameValue(old, now);
}
