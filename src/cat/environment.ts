// The names a cat model starts with: herd7's predefined event sets and relations, seen on our
// events, and its built-in functions. Sets and relations split into static ones (fixed by the
// skeleton) and dynamic ones (rf, co and what derives from them, fixed by the candidate).
//
// Lock events are outside the basic R, W and M, as in herd7 (lock.cat adds them itself); the
// candidate's rf and co are the explorer's complete ones, lock edges included: lock.cat's own
// redefinitions of rf and co reproduce exactly those (see docs/models.md, "How `with x from S` is handled").
import { valueIn, type Candidate, type Event } from '../execution/execution.js';
import { EventSet, Relation } from '../execution/relation.js';
import { lkmmFenceSet, type LkmmFenceSet } from '../lower/annotations.js';
import type { CatPos } from './ast.js';
import { CatError } from './errors.js';
import { addElement, asRel, asSet, article, domainOf, rangeOf } from './ops.js';
import { ChoiceSet, Closure, CrossChoice, EmptyV, EventV, Linearisations, ListedChoice, PairV, TupleV, ValueSet, type Value, type Ctx, type SkeletonState } from './values.js';

export interface Predefined {
  name: string;
  /** Depends on the candidate's rf and co. */
  dynamic: boolean;
  value(st: SkeletonState, cand: Candidate | null): Value;
}

const isBaseRead = (e: Event) => e.kind === 'R' && e.lock === null;
const isBaseWrite = (e: Event) => e.kind === 'W' && e.lock === null;

function staticSet(name: string, pred: (e: Event) => boolean): Predefined {
  return { name, dynamic: false, value: (st) => st.set((i) => pred(st.sk.events[i])) };
}

function staticRel(name: string, get: (st: SkeletonState) => Relation): Predefined {
  return { name, dynamic: false, value: get };
}

function candidate(cand: Candidate | null): Candidate {
  if (!cand) throw new Error('internal: a candidate-dependent name was evaluated while preparing');
  return cand;
}

function fr(st: SkeletonState, cand: Candidate | null): Relation {
  const c = candidate(cand);
  return c.rf.inverse().seq(c.co).minus(st.id);
}

/** herd7's FW: the final (co-last) write of each location the test observes. */
function finalWrites(st: SkeletonState, cand: Candidate | null): EventSet {
  const co = candidate(cand).co;
  const ev = st.sk.events;
  const out = new EventSet(st.n);
  for (const w of ev) {
    if (!isBaseWrite(w) || w.loc === null || !st.sk.observedLocs.has(w.loc)) continue;
    if (!ev.some((x) => isBaseWrite(x) && x.loc === w.loc && co.has(w.id, x.id))) out.add(w.id);
  }
  return out;
}

export const PREDEFINED: readonly Predefined[] = [
  staticSet('R', isBaseRead),
  staticSet('W', isBaseWrite),
  staticSet('M', (e) => isBaseRead(e) || isBaseWrite(e)),
  staticSet('F', (e) => e.kind === 'F'),
  { name: 'IW', dynamic: false, value: (st) => st.sk.IW },
  staticSet('B', () => false),
  staticSet('RMW', (e) => e.rmwInstr),
  staticSet('LKR', (e) => e.lock === 'LKR'),
  staticSet('LKW', (e) => e.lock === 'LKW'),
  staticSet('LK', (e) => e.lock === 'LKR' || e.lock === 'LKW'),
  staticSet('LS', () => false),
  staticSet('UL', (e) => e.lock === 'UL'),
  staticSet('LF', (e) => e.lock === 'LF'),
  staticSet('RL', (e) => e.lock === 'RL'),
  staticSet('RU', (e) => e.lock === 'RU'),
  // The fence sets herd7 predefines for RCU, as the annotation table places fences in them.
  ...(['Sync-rcu', 'Rcu-lock', 'Rcu-unlock'] satisfies LkmmFenceSet[]).map((set) => staticSet(set, (e) => e.kind === 'F' && lkmmFenceSet(e.ann) === set)),
  staticRel('po', (st) => st.sk.po),
  staticRel('addr', (st) => st.sk.addr),
  staticRel('data', (st) => st.sk.data),
  staticRel('ctrl', (st) => st.sk.ctrl),
  // RMW pairs of RMW instructions only: lock.cat adds spin_lock's LKR -> LKW itself.
  staticRel('rmw', (st) => {
    const plain = st.set((i) => st.sk.events[i].lock === null);
    return st.sk.rmw.restrict(plain, plain);
  }),
  staticRel('amo', (st) => new Relation(st.n)),
  staticRel('loc', (st) => st.sk.loc),
  staticRel('int', (st) => st.sk.int),
  staticRel('ext', (st) => st.sk.ext),
  staticRel('id', (st) => st.id),
  { name: 'rf', dynamic: true, value: (_st, c) => candidate(c).rf },
  { name: 'co', dynamic: true, value: (_st, c) => candidate(c).co },
  { name: 'fr', dynamic: true, value: fr },
  { name: 'coe', dynamic: true, value: (st, c) => candidate(c).co.inter(st.sk.ext) },
  { name: 'coi', dynamic: true, value: (st, c) => candidate(c).co.inter(st.sk.int) },
  { name: 'fre', dynamic: true, value: (st, c) => fr(st, c).inter(st.sk.ext) },
  { name: 'fri', dynamic: true, value: (st, c) => fr(st, c).inter(st.sk.int) },
  { name: 'FW', dynamic: true, value: finalWrites },
];

/** The event set herd7 names after an annotation tag: 'rcu-lock gives Rcu-lock, 'ONCE gives ONCE. */
export function tagSetName(tag: string): string {
  return tag.charAt(0).toUpperCase() + tag.slice(1);
}

export function tagSet(tag: string): Predefined {
  return staticSet(tagSetName(tag), (e) => e.ann === tag);
}

const prim = (name: string, fn: (arg: Value, c: Ctx, pos: CatPos) => Value): [string, Value] => [name, new Closure(name, fn)];

function args2(v: Value, pos: CatPos, name: string): [Value, Value] {
  if (v instanceof TupleV && v.items.length === 2) return [v.items[0], v.items[1]];
  throw new CatError(pos, `${name} takes two arguments, as in ${name}(S, r)`);
}

/** Built-in functions (herd7's primitives, plus `cross`, which herd7 writes in cat). */
export const BUILTINS: ReadonlyArray<[string, Value]> = [
  prim('domain', (v, c, pos) => domainOf(c.p, v, pos)),
  prim('range', (v, c, pos) => rangeOf(c.p, v, pos)),
  prim('fail', (v, _c, pos) => {
    throw new CatError(pos, `fail called on ${article(v)}`);
  }),
  prim('different-values', (v, c, pos) => {
    const r = asRel(c.p, v, pos);
    // With a candidate, a read takes its value from its rf source (see valueIn).
    const value = (id: number) => (c.cand ? valueIn(c.p.sk, c.cand.rf, id) : c.p.sk.events[id].value);
    return Relation.ofPairs(c.p.n, [...r.pairs()].filter(([a, b]) => value(a) !== value(b)));
  }),
  prim('classes-loc', (v, c, pos) => {
    const s = asSet(c.p, v, pos);
    const byLoc = new Map<string, number[]>();
    for (const i of s.members()) {
      const loc = c.p.sk.events[i].loc;
      if (loc === null) continue;
      let l = byLoc.get(loc);
      if (!l) byLoc.set(loc, (l = []));
      l.push(i);
    }
    return new ValueSet([...byLoc.values()].map((ids) => EventSet.of(c.p.n, ids)));
  }),
  prim('classes', (v, c, pos) => {
    const r = asRel(c.p, v, pos);
    const seen = new EventSet(c.p.n);
    const out: EventSet[] = [];
    for (let i = 0; i < c.p.n; i++) {
      if (seen.has(i) || !r.has(i, i)) continue;
      const cls = EventSet.where(c.p.n, (j) => r.has(i, j));
      for (const j of cls.members()) seen.add(j);
      out.push(cls);
    }
    return new ValueSet(out);
  }),
  prim('linearisations', (v, c, pos) => {
    const [s, r] = args2(v, pos, 'linearisations');
    return new Linearisations(asSet(c.p, s, pos), asRel(c.p, r, pos));
  }),
  prim('cross', (v, c, pos) => crossOf(c.p, v, pos)),
  // map f S: herd7 writes it in cat (a recursion over S); the same, without the recursion.
  prim('map', (f, _c, pos) => {
    if (!(f instanceof Closure)) throw new CatError(pos, `map needs a function, found ${article(f)}`);
    return new Closure('map', (s, c, pos2) => {
      let acc: Value = EmptyV.it;
      for (const e of elementsOf(s, pos2)) acc = addElement(c.p, f.call(e, c, pos2), acc, pos2);
      return acc;
    });
  }),
];

function elementsOf(s: Value, pos: CatPos): Value[] {
  if (s instanceof EmptyV) return [];
  if (s instanceof EventSet) return [...s.members()].map((i) => new EventV(i));
  if (s instanceof Relation) return [...s.pairs()].map(([a, b]) => new PairV(a, b));
  if (s instanceof ValueSet) return s.elems();
  if (s instanceof ChoiceSet) {
    const l = s.list(100_000);
    if (l === null) throw new CatError(pos, 'this set of co orders is too large to iterate over');
    return l;
  }
  throw new CatError(pos, `map needs a set, found ${article(s)}`);
}

/** Small products of listed sets are listed (models may iterate them); others stay lazy. */
const LISTED_PRODUCT_LIMIT = 4096;

function crossOf(st: SkeletonState, v: Value, pos: CatPos): Value {
  if (v instanceof EmptyV) return new ValueSet([new Relation(st.n)]);
  if (!(v instanceof ValueSet)) throw new CatError(pos, `cross needs a set of sets of relations, found ${article(v)}`);
  const parts: Array<Relation[] | ChoiceSet> = [];
  for (const p of v.elems()) {
    if (p instanceof ChoiceSet) parts.push(p);
    else if (p instanceof EmptyV) return new ValueSet();
    else if (p instanceof ValueSet) {
      const rels = p.elems().map((x) => (x instanceof EmptyV ? new Relation(st.n) : x));
      if (!rels.every((x): x is Relation => x instanceof Relation)) throw new CatError(pos, 'cross needs a set of sets of relations');
      if (rels.length === 0) return new ValueSet();
      parts.push(rels);
    } else throw new CatError(pos, `cross needs a set of sets of relations, found a set of ${article(p)}`);
  }
  const listed = parts.every((p): p is Relation[] => Array.isArray(p));
  if (listed && parts.reduce((k, p) => k * p.length, 1) <= LISTED_PRODUCT_LIMIT) {
    let acc: Relation[] = [new Relation(st.n)];
    for (const p of parts) acc = acc.flatMap((a) => p.map((o) => a.union(o)));
    return new ValueSet(acc);
  }
  return new CrossChoice(parts.map((p) => (Array.isArray(p) ? new ListedChoice(p, st.n) : p)), st.n);
}
