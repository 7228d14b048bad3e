// x86-TSO, axiomatically (as herd7's x86tso.cat): program order is kept except a write before
// a later read, which full fences and locked (LOCK-prefixed) instructions restore. On x86 every
// atomic RMW, spin_lock and spin_trylock is locked; smp_mb() is MFENCE; smp_rmb/smp_wmb,
// release and acquire compile to plain moves and compiler barriers (lower/annotations.ts says
// which fence does what).
import type { Skeleton } from '../execution/execution.js';
import { globalOrderModel } from './global-order.js';
import { EventSet, Relation } from '../execution/relation.js';
import { isSrcuUnlock, tsoFence, type TsoFence } from '../lower/annotations.js';

export function tsoPreservedOrder(sk: Skeleton): Relation {
  const ev = sk.events;
  const n = sk.n;
  const M = EventSet.where(n, (i) => ev[i].kind !== 'F');
  const R = EventSet.where(n, (i) => ev[i].kind === 'R');
  const W = EventSet.where(n, (i) => ev[i].kind === 'W');
  const locked = EventSet.where(n, (i) => ev[i].rmwInstr || ev[i].lock === 'LKR' || ev[i].lock === 'LKW' || ev[i].lock === 'LF');
  // What each fence does on x86 is the annotation table's (lower/annotations.ts), which the
  // interleaving engine reads too.
  const fence = (meaning: TsoFence) => EventSet.where(n, (i) => ev[i].kind === 'F' && tsoFence(ev[i].ann) === meaning);
  const srcuUnlocks = EventSet.where(n, (i) => ev[i].kind === 'W' && isSrcuUnlock(ev[i].ann));
  const po = sk.po.restrict(M, M);
  const wr = Relation.cross(W, R);
  const ppo = po.minus(wr);
  const mfence = sk.po.restrict(M, fence('full')).seq(sk.po).restrict(null, M);
  // smp_mb__after_srcu_read_unlock(): a full fence for what is po-before an earlier
  // srcu_read_unlock() (and that unlock); none at all without one.
  const afterSrcu = sk.po.opt().restrict(M, srcuUnlocks).seq(sk.po.restrict(null, fence('after-srcu-unlock'))).seq(sk.po).restrict(null, M);
  const implied = po.restrict(W, locked).union(po.restrict(locked, R));
  return ppo.union(mfence, afterSrcu, implied);
}

export const tso = globalOrderModel({
  name: 'tso',
  description: 'x86-TSO: acyclic(ppo | rfe | co | fr | mfence | locked), ppo = po minus W->R',
  check: 'tso',
  meaning: 'x86-TSO: a CPU may only let a read pass its own earlier write, and not across MFENCE or a locked instruction',
  preserved: tsoPreservedOrder,
  internalRf: false,
  orderingRules: 'tso',
  operational: 'tso',
});
