// lock.cat's checks that depend only on the program: they hold for every model, since an
// execution that violates them deadlocks rather than completes.
import type { Skeleton } from '../execution/execution.js';
import { EventSet, Relation } from '../execution/relation.js';

export function lockDeadlock(sk: Skeleton): string | null {
  const ev = sk.events;
  const set = (k: string) => EventSet.where(sk.n, (i) => ev[i].lock === k);
  const LKR = set('LKR');
  const LKW = set('LKW');
  const UL = set('UL');
  const RU = set('RU');
  if (LKW.isEmpty()) return null;
  const poLoc = sk.po.inter(sk.loc);
  const throughUnlock = poLoc.restrict(null, UL).seq(poLoc);
  if (!poLoc.restrict(LKW, LKR).minus(throughUnlock).isEmpty()) return 'lock-nest';
  if (!poLoc.restrict(LKW, RU).minus(throughUnlock).isEmpty()) return 'nested-is-locked';
  const critical = poLoc.restrict(LKW, UL).minus(poLoc.restrict(null, LKW.union(UL)).seq(poLoc));
  const unmatched = LKW.minus(critical.domain());
  if (!sk.loc.restrict(unmatched, unmatched).minus(Relation.identity(sk.n)).isEmpty()) return 'unmatched-locks';
  return null;
}
