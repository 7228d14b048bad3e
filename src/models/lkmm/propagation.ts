// linux-kernel.cat's propagation and happens-before: cumul-fence, prop, hb (acyclic as
// happens-before) and pb (acyclic as propagation). [Marked] ; r ; [Marked] is r restricted
// (cheaper than compositions), r ; s? is r | r ; s, and ext's restrictions to Marked events
// come computed (LkmmBasics).
import type { Relation } from '../../execution/relation.js';
import type { LkmmBasics } from './basics.js';
import type { Fences } from './fences.js';

export interface Propagation {
  /** (rf ; rmw)*: the identity when the test has no RMW. */
  rmwSequence: Relation;
  cumulFenceStar: Relation;
  prop: Relation;
  hb: Relation;
  hbPlus: Relation;
  pb: Relation;
  pbPlus: Relation;
}

export type PropagationResult = { failed: 'happens-before' | 'propagation' } | { failed: null; p: Propagation };

export function propagation(b: LkmmBasics, rf: Relation, overwrite: Relation, ppo: Relation, fences: Fences): PropagationResult {
  const M = b.s.Marked;
  const rfeMM = rf.inter(b.extMarked.both);
  const rmwSequence = b.noRmw ? b.identity : rf.seq(b.sk.rmw).star();
  // cumul-fence = [Marked] ; (A-cumul(strong-fence | po-rel) | wmb | po-unlock-lock-po) ; [Marked] ; rmw-sequence
  const cumulFence0 = rfeMM.seqOr(fences.sfPoRelToMarked, fences.cumulBase);
  const cumulFence = b.noRmw ? cumulFence0 : cumulFence0.seq(rmwSequence);
  const cumulFenceStar = cumulFence.star();
  // prop = [M] ; (overwrite & ext)? ; cumul-fence* ; [M] ; rfe? ; [M]. cumul-fence's rows are
  // Marked events, so [M] ; cumul-fence* ; [M] is all the composition needs.
  const cumulMarked = cumulFenceStar.restrict(M, M);
  const propToRfe = overwrite.inter(b.extMarked.from).seqOr(cumulMarked, cumulMarked);
  const prop = propToRfe.seqOr(rf.inter(b.extMarked.to), propToRfe);

  const hb = ppo.restrict(M, M).orWith(rfeMM).orWith(prop.inter(b.intMarkedNoId));
  // One transitive closure serves both the acyclicity check and the reflexive closure.
  const hbPlus = hb.plusIfAcyclic();
  if (hbPlus === null) return { failed: 'happens-before' };
  // pb = prop ; strong-fence ; hb* ; [M], and hb's range is Marked.
  const propFence = prop.seq(fences.strongFence);
  const pb = propFence.seqOr(hbPlus, propFence.restrict(null, M));
  const pbPlus = pb.plusIfAcyclic();
  if (pbPlus === null) return { failed: 'propagation' };
  return { failed: null, p: { rmwSequence, cumulFenceStar, prop, hb, hbPlus, pb, pbPlus } };
}
