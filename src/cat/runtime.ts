// What compiled cat code runs against: the per-skeleton state (values that do not depend on rf
// and co, computed at most once per skeleton) and the per-candidate context.
import type { Candidate, Skeleton } from '../execution/execution.js';
import { EventSet, Relation } from '../execution/relation.js';
import type { Value } from './values.js';

/** Local variables of one let, function call or match clause. */
export class Frame {
  constructor(
    readonly vals: Array<Value | undefined>,
    readonly parent: Frame | null,
  ) {}
}

export type Code = (c: Ctx, f: Frame | null) => Value;

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
