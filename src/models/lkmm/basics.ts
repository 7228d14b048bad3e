// What every section of linux-kernel.cat reads of one skeleton: its event sets and the basic
// relations over them, computed once (restricted to Marked events where the cat file restricts).
import type { Skeleton } from '../../execution/execution.js';
import { Relation, type EventSet } from '../../execution/relation.js';
import type { LkmmFenceSet } from '../../lower/annotations.js';
import { lkmmSets, type LkmmSets } from './sets.js';

export interface LkmmBasics {
  sk: Skeleton;
  s: LkmmSets;
  n: number;
  po: Relation;
  poOpt: Relation;
  poLoc: Relation;
  identity: Relation;
  /** [Marked], as a relation. */
  marked: Relation;
  /** ext from, to and between Marked events. */
  extMarked: { from: Relation; to: Relation; both: Relation };
  /** int between distinct Marked events. */
  intMarkedNoId: Relation;
  noRmw: boolean;
  /** rfi matters only through an address or data dependency (carried, or ending in a read). */
  intRfUsed: boolean;
  /** fencerel(S) = po ; [S] ; po. */
  fencerel(set: LkmmFenceSet | EventSet): Relation;
}

export function lkmmBasics(sk: Skeleton): LkmmBasics {
  const s = lkmmSets(sk);
  const po = sk.po;
  const identity = Relation.identity(sk.n);
  return {
    sk, s, n: sk.n, po, poOpt: po.opt(), poLoc: po.inter(sk.loc), identity,
    marked: Relation.ofSet(s.Marked),
    extMarked: { from: sk.ext.restrict(s.Marked, null), to: sk.ext.restrict(null, s.Marked), both: sk.ext.restrict(s.Marked, s.Marked) },
    intMarkedNoId: sk.int.minus(identity).restrict(s.Marked, s.Marked),
    noRmw: sk.rmw.isEmpty(),
    intRfUsed: !sk.addr.isEmpty() || !sk.data.isEmpty(),
    fencerel: (set) => po.restrict(null, typeof set === 'string' ? s.fences(set) : set).seq(po),
  };
}
