// x86-TSO, axiomatically (as herd7's x86tso.cat): program order is kept except a write before
// a later read, which full fences and locked (LOCK-prefixed) instructions restore. On x86 every
// atomic RMW, spin_lock and spin_trylock is locked; smp_mb() is MFENCE; smp_rmb/smp_wmb,
// release and acquire compile to plain moves and compiler barriers.
import type { Skeleton } from '../execution/execution.js';
import { globalOrderModel } from './global-order.js';
import { EventSet, Relation } from '../execution/relation.js';

/**
 * Fence annotations that give full ordering on x86: smp_mb() is MFENCE; a grace period is at
 * least that; smp_mb__after_srcu_read_unlock() relies on the smp_mb() inside
 * srcu_read_unlock(), so together they act as a full fence. (smp_mb__{before,after}_atomic and
 * smp_mb__after_spinlock emit nothing: the atomics and spin_lock next to them are locked.)
 */
const FULL_FENCES = new Set(['MB', 'sync-rcu', 'after-srcu-read-unlock']);

export function tsoPreservedOrder(sk: Skeleton): Relation {
  const ev = sk.events;
  const n = sk.n;
  const M = EventSet.where(n, (i) => ev[i].kind !== 'F');
  const R = EventSet.where(n, (i) => ev[i].kind === 'R');
  const W = EventSet.where(n, (i) => ev[i].kind === 'W');
  const locked = EventSet.where(n, (i) => ev[i].rmwInstr || ev[i].lock === 'LKR' || ev[i].lock === 'LKW' || ev[i].lock === 'LF');
  const fences = EventSet.where(n, (i) => (ev[i].kind === 'F' && FULL_FENCES.has(ev[i].ann)) || ev[i].srcuSync);
  const po = sk.po.restrict(M, M);
  const wr = Relation.cross(W, R);
  const ppo = po.minus(wr);
  const mfence = sk.po.restrict(M, fences).seq(sk.po).restrict(null, M);
  const implied = po.restrict(W, locked).union(po.restrict(locked, R));
  return ppo.union(mfence, implied);
}

export const tso = globalOrderModel({
  name: 'tso',
  description: 'x86-TSO: acyclic(ppo | rfe | co | fr | mfence | locked), ppo = po minus W->R',
  check: 'tso',
  preserved: tsoPreservedOrder,
  internalRf: false,
  orderingRules: 'tso',
});
