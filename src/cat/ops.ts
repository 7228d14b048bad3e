// The cat operators on values, with herd7's typing rules: `{}` and `_` adapt to the other
// operand, tags lift to singleton tag sets, sets and relations never mix.
import { EventSet, Relation } from '../execution/relation.js';
import type { CatPos } from './ast.js';
import { CatError } from './errors.js';
import { ChoiceSet, EmptyV, EventV, PairV, TagV, TupleV, UniverseV, ValueSet, isEmptyValue, typeName, type Value, type SkeletonState } from './values.js';

const fail = (pos: CatPos, msg: string): never => {
  throw new CatError(pos, msg);
};

/** A value used where a relation is needed. */
export function asRel(st: SkeletonState, v: Value, pos: CatPos): Relation {
  if (v instanceof Relation) return v;
  if (v instanceof EmptyV) return new Relation(st.n);
  if (v instanceof UniverseV) return st.universe;
  if (v instanceof PairV) return Relation.ofPairs(st.n, [[v.a, v.b]]);
  return fail(pos, `a relation is expected here, found ${article(v)}`);
}

/** A value used where an event set is needed. */
export function asSet(st: SkeletonState, v: Value, pos: CatPos): EventSet {
  if (v instanceof EventSet) return v;
  if (v instanceof EmptyV) return new EventSet(st.n);
  if (v instanceof UniverseV) return st.all;
  if (v instanceof EventV) return EventSet.of(st.n, [v.id]);
  return fail(pos, `a set of events is expected here, found ${article(v)}`);
}

export function article(v: Value): string {
  const t = typeName(v);
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}

const liftTag = (v: Value): Value => (v instanceof TagV ? new ValueSet([v]) : v);

export function union(st: SkeletonState, vs: Value[], pos: CatPos): Value {
  const rels: Relation[] = [];
  let set: EventSet | null = null;
  let vals: ValueSet | null = null;
  let universe = false;
  for (const raw of vs) {
    const v = liftTag(raw);
    if (v instanceof EmptyV) continue;
    if (v instanceof UniverseV) {
      universe = true;
      continue;
    }
    if (v instanceof Relation) rels.push(v);
    else if (v instanceof EventSet) set = set ? set.union(v) : v;
    else if (v instanceof ValueSet) vals = vals ? new ValueSet([...vals.elems(), ...v.elems()]) : v;
    else fail(pos, `cannot take the union of ${article(v)}`);
  }
  if ((rels.length > 0 ? 1 : 0) + (set ? 1 : 0) + (vals ? 1 : 0) > 1) fail(pos, 'the union mixes relations, event sets and other sets');
  if (universe) return UniverseV.it;
  if (rels.length > 0) return rels.length === 1 ? rels[0] : rels[0].union(...rels.slice(1));
  return set ?? vals ?? EmptyV.it;
}

export function inter(st: SkeletonState, a0: Value, b0: Value, pos: CatPos): Value {
  const a = liftTag(a0);
  const b = liftTag(b0);
  if (a instanceof UniverseV) return b;
  if (b instanceof UniverseV) return a;
  if (a instanceof EmptyV || b instanceof EmptyV) return EmptyV.it;
  if (a instanceof Relation && b instanceof Relation) return a.inter(b);
  if (a instanceof EventSet && b instanceof EventSet) return a.inter(b);
  if (a instanceof ValueSet && b instanceof ValueSet) return new ValueSet(a.elems().filter((x) => b.has(x)));
  return fail(pos, `cannot intersect ${article(a)} with ${article(b)}`);
}

export function diff(st: SkeletonState, a0: Value, b0: Value, pos: CatPos): Value {
  const a = liftTag(a0);
  const b = liftTag(b0);
  if (b instanceof UniverseV || a instanceof EmptyV) return EmptyV.it;
  if (b instanceof EmptyV) return a;
  if (a instanceof UniverseV) {
    if (b instanceof Relation) return st.universe.minus(b);
    if (b instanceof EventSet) return st.all.minus(b);
    if (b instanceof ValueSet) return complementTags(st, b, pos);
  }
  if (a instanceof Relation && b instanceof Relation) return a.minus(b);
  if (a instanceof EventSet && b instanceof EventSet) return a.minus(b);
  if (a instanceof ValueSet && b instanceof ValueSet) return new ValueSet(a.elems().filter((x) => !b.has(x)));
  return fail(pos, `cannot subtract ${article(b)} from ${article(a)}`);
}

/** ~S for a set of tags: the other tags of its enumeration. */
function complementTags(st: SkeletonState, s: ValueSet, pos: CatPos): ValueSet {
  const first = s.elems()[0];
  if (!(first instanceof TagV)) return fail(pos, 'the complement of a set exists only for event sets, relations and tag sets');
  const all = st.enums.get(first.enumName) ?? [];
  return new ValueSet(all.map((t) => new TagV(first.enumName, t)).filter((t) => !s.has(t)));
}

export function complement(st: SkeletonState, v0: Value, pos: CatPos): Value {
  const v = liftTag(v0);
  if (v instanceof EmptyV) return UniverseV.it;
  if (v instanceof UniverseV) return EmptyV.it;
  if (v instanceof EventSet) return st.all.minus(v);
  if (v instanceof Relation) return st.universe.minus(v);
  if (v instanceof ValueSet) return complementTags(st, v, pos);
  return fail(pos, `cannot complement ${article(v)}`);
}

export function cartesian(st: SkeletonState, a: Value, b: Value, pos: CatPos): Relation {
  return Relation.cross(asSet(st, a, pos), asSet(st, b, pos));
}

/** e ++ S: S with one more element. */
export function addElement(st: SkeletonState, e: Value, s: Value, pos: CatPos): Value {
  if (e instanceof UniverseV) return fail(pos, "the universe '_' cannot be an element");
  if (s instanceof UniverseV) return s;
  if (s instanceof EmptyV) {
    if (e instanceof EventV) return EventSet.of(st.n, [e.id]);
    if (e instanceof PairV) return Relation.ofPairs(st.n, [[e.a, e.b]]);
    return new ValueSet([e]);
  }
  if (s instanceof ValueSet) return s.with(e);
  if (s instanceof Relation) {
    const p = asPair(e);
    if (!p) return fail(pos, `only a pair can be added to a relation, found ${article(e)}`);
    const r = s.clone();
    r.add(p[0], p[1]);
    return r;
  }
  if (s instanceof EventSet) {
    if (!(e instanceof EventV)) return fail(pos, `only an event can be added to an event set, found ${article(e)}`);
    const r = s.union(EventSet.of(st.n, [e.id]));
    return r;
  }
  if (s instanceof ChoiceSet) return fail(pos, 'cannot add to a set of co orders');
  return fail(pos, `'++' needs a set on its right, found ${article(s)}`);
}

function asPair(v: Value): [number, number] | null {
  if (v instanceof PairV) return [v.a, v.b];
  if (v instanceof TupleV && v.items.length === 2 && v.items[0] instanceof EventV && v.items[1] instanceof EventV) return [v.items[0].id, v.items[1].id];
  return null;
}

export function inverse(st: SkeletonState, v: Value, pos: CatPos): Value {
  if (v instanceof EmptyV || v instanceof UniverseV) return v;
  if (v instanceof Relation) return v.inverse();
  if (v instanceof PairV) return new PairV(v.b, v.a);
  return fail(pos, `^-1 needs a relation, found ${article(v)}`);
}

export function closure(st: SkeletonState, op: 'star' | 'plus' | 'opt', v: Value, pos: CatPos): Value {
  if (v instanceof UniverseV) return v;
  if (v instanceof EmptyV) return op === 'plus' ? v : st.id;
  const r = asRel(st, v, pos);
  if (op === 'plus') return r.plus();
  if (op === 'star') return r.star();
  return r.opt();
}

export function toId(st: SkeletonState, v: Value, pos: CatPos): Value {
  if (v instanceof EmptyV) return v;
  if (v instanceof UniverseV) return st.id;
  return Relation.ofSet(asSet(st, v, pos));
}

export function domainOf(st: SkeletonState, v: Value, pos: CatPos): Value {
  if (v instanceof EmptyV || v instanceof UniverseV) return v;
  return asRel(st, v, pos).domain();
}

export function rangeOf(st: SkeletonState, v: Value, pos: CatPos): Value {
  if (v instanceof EmptyV || v instanceof UniverseV) return v;
  return asRel(st, v, pos).range();
}

/** The relation a test (acyclic, irreflexive, empty) looks at. */
export function testHolds(st: SkeletonState, test: 'acyclic' | 'irreflexive' | 'empty', v: Value, pos: CatPos): boolean {
  if (test === 'empty') {
    if (v instanceof UniverseV) return st.n === 0;
    if (v instanceof Relation || v instanceof EventSet || v instanceof ValueSet || v instanceof EmptyV) return isEmptyValue(v);
    return fail(pos, `'empty' needs a set or a relation, found ${article(v)}`);
  }
  const r = asRel(st, v, pos);
  return test === 'acyclic' ? r.isAcyclic() : r.isIrreflexive();
}

/** Structural equality (for `if a = b`). */
export function sameValue(a: Value, b: Value): boolean {
  if (isEmptyValue(a) && isEmptyValue(b)) return true;
  if (a instanceof Relation && b instanceof Relation) return a.equals(b);
  if (a instanceof EventSet && b instanceof EventSet) return a.equals(b);
  if (a instanceof EventV && b instanceof EventV) return a.id === b.id;
  if (a instanceof PairV && b instanceof PairV) return a.a === b.a && a.b === b.b;
  if (a instanceof TagV && b instanceof TagV) return a.name === b.name;
  if (a instanceof TupleV && b instanceof TupleV) return a.items.length === b.items.length && a.items.every((x, i) => sameValue(x, b.items[i]));
  if (a instanceof ValueSet && b instanceof ValueSet) return a.size === b.size && a.elems().every((x) => b.has(x));
  return a === b;
}
