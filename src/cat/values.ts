// The values a cat program computes with. Event sets and relations are the bitsets of
// ../execution/relation.ts; the rest are small wrappers. `{}` is polymorphic (EmptyV) until an
// operation gives it a type, as in herd7. A function value runs in the context of its caller,
// so that context (Ctx, and the per-skeleton state it holds) is declared here too: the types
// refer to each other.
import { EventSet, Relation } from '../execution/relation.js';
import type { CatPos } from './ast.js';
import { CatError } from './errors.js';
import type { Candidate, Skeleton } from '../execution/execution.js';

export class EmptyV {
  static readonly it = new EmptyV();
  private constructor() {}
}
export class UniverseV {
  static readonly it = new UniverseV();
  private constructor() {}
}
export class EventV {
  constructor(readonly id: number) {}
}
export class PairV {
  constructor(
    readonly a: number,
    readonly b: number,
  ) {}
}
export class TagV {
  constructor(
    readonly enumName: string,
    readonly name: string,
  ) {}
}
export class TupleV {
  constructor(readonly items: Value[]) {}
}

let nextIdentity = 0;

/** A finite set of values other than events and pairs (sets of relations, of tags, ...). */
export class ValueSet {
  private readonly byKey = new Map<string, Value>();
  private supportCache: Relation | null = null;
  constructor(elems: Iterable<Value> = []) {
    for (const v of elems) this.byKey.set(keyOf(v), v);
  }
  get size(): number {
    return this.byKey.size;
  }
  elems(): Value[] {
    return [...this.byKey.values()];
  }
  has(v: Value): boolean {
    return this.byKey.has(keyOf(v));
  }
  with(v: Value): ValueSet {
    const s = new ValueSet(this.byKey.values());
    s.byKey.set(keyOf(v), v);
    return s;
  }
  /** The union of the elements, when they are all relations (for `with x from S`). */
  support(n: number, pos: CatPos): Relation {
    if (this.supportCache) return this.supportCache;
    let r = new Relation(n);
    for (const v of this.byKey.values()) {
      if (v instanceof Relation) r = r.union(v);
      else if (!(v instanceof EmptyV)) throw new CatError(pos, `'with ... from' needs a set of relations, found a set of ${typeName(v)}`);
    }
    return (this.supportCache = r);
  }
}

/**
 * A set of relations too large to list, known by a membership test: the co orders of
 * `linearisations` and their `cross` products. `with x from S` only ever asks whether the
 * candidate's own choice is a member, so nothing is enumerated unless a model iterates.
 */
export abstract class ChoiceSet {
  readonly identity = nextIdentity++;
  /** Every pair any member may contain. */
  abstract readonly support: Relation;
  /** Whether r (a subset of the support) is a member. */
  abstract has(r: Relation): boolean;
  /** Whether the part of r within the support is a member. */
  hasWithin(r: Relation): boolean {
    return this.has(r.inter(this.support));
  }
  /** The members, listed (only when a model iterates over the set). */
  abstract list(limit: number): Relation[] | null;
}

/** A function: a cat closure or a built-in. It runs in the caller's context. */
export class Closure {
  readonly identity = nextIdentity++;
  constructor(
    readonly name: string,
    readonly call: (arg: Value, c: Ctx, pos: CatPos) => Value,
  ) {}
}

export type Value = EmptyV | UniverseV | EventSet | Relation | EventV | PairV | TagV | TupleV | ValueSet | ChoiceSet | Closure;

export function typeName(v: Value): string {
  if (v instanceof EmptyV) return 'empty';
  if (v instanceof UniverseV) return 'universe';
  if (v instanceof EventSet) return 'event set';
  if (v instanceof Relation) return 'relation';
  if (v instanceof EventV) return 'event';
  if (v instanceof PairV) return 'pair';
  if (v instanceof TagV) return 'tag';
  if (v instanceof TupleV) return 'tuple';
  if (v instanceof ValueSet) return 'set';
  if (v instanceof ChoiceSet) return 'set of relations';
  return 'function';
}

/** A key that equal values share (for sets of values); empties of every type are equal. */
export function keyOf(v: Value): string {
  if (v instanceof Relation) return v.isEmpty() ? '{}' : 'r' + v.key();
  if (v instanceof EventSet) return v.isEmpty() ? '{}' : 's' + v.words.join(',');
  if (v instanceof EventV) return 'e' + v.id;
  if (v instanceof PairV) return `p${v.a},${v.b}`;
  if (v instanceof TagV) return "'" + v.name;
  if (v instanceof TupleV) return '(' + v.items.map(keyOf).join(' ') + ')';
  if (v instanceof ValueSet) return v.size === 0 ? '{}' : '{' + v.elems().map(keyOf).sort().join(' ') + '}';
  if (v instanceof EmptyV) return '{}';
  if (v instanceof UniverseV) return '_';
  return '#' + v.identity;
}

export function isEmptyValue(v: Value): boolean {
  if (v instanceof EmptyV) return true;
  if (v instanceof Relation || v instanceof EventSet) return v.isEmpty();
  if (v instanceof ValueSet) return v.size === 0;
  return false;
}

const SHAPES = new WeakMap<EventSet, { support: Relation; members: number[] }>();

/** The total orders of `nodes` that extend `order` (herd7's linearisations(S, r)). */
export class Linearisations extends ChoiceSet {
  readonly support: Relation;
  private readonly required: Relation;
  private readonly members: number[];
  constructor(nodes: EventSet, order: Relation) {
    super();
    // The same node sets come back for every candidate of a skeleton: share their support.
    let shape = SHAPES.get(nodes);
    if (!shape) {
      const support = Relation.cross(nodes, nodes);
      for (let i = 0; i < nodes.n; i++) support.delete(i, i);
      shape = { support, members: [...nodes.members()] };
      SHAPES.set(nodes, shape);
    }
    this.support = shape.support;
    this.members = shape.members;
    this.required = order.restrict(nodes, nodes);
  }
  override hasWithin(r: Relation): boolean {
    return this.has(r); // has() only looks at pairs of nodes
  }
  has(r: Relation): boolean {
    if (!this.required.minus(r).isEmpty()) return false;
    // r (within the support) is a strict total order iff it is a tournament (exactly one
    // direction between any two nodes) whose nodes all have different numbers of successors.
    const ms = this.members;
    const successors = new Array<boolean>(ms.length).fill(false);
    for (let i = 0; i < ms.length; i++) {
      let out = 0;
      for (let j = 0; j < ms.length; j++) {
        if (i === j) continue;
        const ij = r.has(ms[i], ms[j]);
        if (ij === r.has(ms[j], ms[i])) return false;
        if (ij) out++;
      }
      if (successors[out]) return false;
      successors[out] = true;
    }
    return true;
  }
  list(limit: number): Relation[] | null {
    const ms = this.members;
    const out: Relation[] = [];
    const placed: number[] = [];
    const used = new Set<number>();
    const n = this.support.n;
    const rec = (): boolean => {
      if (placed.length === ms.length) {
        const r = new Relation(n);
        for (let i = 0; i < placed.length; i++) for (let j = i + 1; j < placed.length; j++) r.add(placed[i], placed[j]);
        out.push(r);
        return out.length <= limit;
      }
      for (const m of ms) {
        if (used.has(m)) continue;
        // m may come next only if nothing still unplaced must precede it.
        if (ms.some((o) => !used.has(o) && o !== m && this.required.has(o, m))) continue;
        used.add(m);
        placed.push(m);
        const go = rec();
        placed.pop();
        used.delete(m);
        if (!go) return false;
      }
      return true;
    };
    return rec() ? out : null;
  }
}

/** One choice from each of several sets of relations, united (herd7's cross of cross.cat). */
export class CrossChoice extends ChoiceSet {
  readonly support: Relation;
  private readonly disjoint: boolean;
  constructor(
    private readonly parts: ChoiceSet[],
    n: number,
  ) {
    super();
    const support = parts.length === 0 ? new Relation(n) : parts[0].support.union(...parts.slice(1).map((p) => p.support));
    this.support = support;
    // Disjoint exactly when no pair is counted twice.
    this.disjoint = parts.reduce((k, p) => k + p.support.size(), 0) === support.size();
  }
  has(r: Relation): boolean {
    if (!r.minus(this.support).isEmpty()) return false;
    if (this.disjoint) return this.parts.every((p) => p.hasWithin(r));
    // Overlapping parts: search for a choice per part whose union is r.
    const lists = this.parts.map((p) => p.list(100_000));
    if (lists.some((l) => l === null)) throw new Error('cross: overlapping sets too large to search');
    const search = (k: number, acc: Relation): boolean => {
      if (k === lists.length) return acc.equals(r);
      for (const o of lists[k]!) if (o.minus(r).isEmpty() && search(k + 1, acc.union(o))) return true;
      return false;
    };
    return search(0, new Relation(r.n));
  }
  list(limit: number): Relation[] | null {
    let acc: Relation[] = [new Relation(this.support.n)];
    for (const p of this.parts) {
      const l = p.list(limit);
      if (l === null) return null;
      const next: Relation[] = [];
      for (const a of acc) for (const o of l) {
        next.push(a.union(o));
        if (next.length > limit) return null;
      }
      acc = next;
    }
    return acc;
  }
}

/** An explicit set of relations seen as a choice set (a part of a cross product). */
export class ListedChoice extends ChoiceSet {
  readonly support: Relation;
  private readonly keys: Set<string>;
  constructor(
    private readonly members: Relation[],
    n: number,
  ) {
    super();
    let s = new Relation(n);
    for (const m of members) s = s.union(m);
    this.support = s;
    this.keys = new Set(members.map(keyOf));
  }
  has(r: Relation): boolean {
    return this.keys.has(keyOf(r));
  }
  list(): Relation[] {
    return this.members;
  }
}

/** Everything a skeleton determines: static globals and cached static subexpressions. */
export class SkeletonState {
  readonly n: number;
  readonly statics: Array<Value | undefined>;
  readonly cache: Array<Value | undefined>;
  readonly all: EventSet;
  private universeRel: Relation | null = null;
  private idRel: Relation | null = null;
  constructor(
    readonly sk: Skeleton,
    slotCount: number,
    cacheSize: number,
    /** The model's enumerations (name to tags), for complements of tag sets. */
    readonly enums: ReadonlyMap<string, string[]>,
  ) {
    this.n = sk.n;
    this.statics = new Array<Value | undefined>(slotCount);
    this.cache = new Array<Value | undefined>(cacheSize);
    this.all = EventSet.where(sk.n, () => true);
  }
  get universe(): Relation {
    return (this.universeRel ??= Relation.cross(this.all, this.all));
  }
  get id(): Relation {
    return (this.idRel ??= Relation.identity(this.n));
  }
  set(pred: (i: number) => boolean): EventSet {
    return EventSet.where(this.n, pred);
  }
}

/** One evaluation: a candidate's rf and co (null while preparing), and its dynamic globals. */
export interface Ctx {
  readonly p: SkeletonState;
  readonly dyn: Array<Value | undefined>;
  readonly cand: Candidate | null;
  /** rf | co of the candidate, computed at the first `with`. */
  edges: Relation | null;
}
