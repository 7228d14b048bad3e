// lock.cat's flags on the program alone (its deadlock checks are models/locks.ts, shared by every
// model): an unlock without a lock, a spinlock also accessed as data, a spinlock's final value observed.
import type { EventSet } from '../../execution/relation.js';
import type { LkmmBasics } from './basics.js';

/** Every lock, and SRCU's struct, event: what a data access to the same location mixes with. */
function lockEvents(b: LkmmBasics): EventSet {
  const { s } = b;
  return s.LKR.union(s.LKW).union(s.UL).union(s.LF).union(s.RU).union(s.SrcuLock).union(s.SrcuUnlock).union(s.SyncSrcu);
}

/** unmatched-unlock and mixed-lock-accesses. */
export function lockFlags(b: LkmmBasics): string[] {
  const { s, sk, poLoc } = b;
  const flags: string[] = [];
  const critical = poLoc.restrict(s.LKW, s.UL).minus(poLoc.restrict(null, s.LKW.union(s.UL)).seq(poLoc));
  if (!s.UL.minus(critical.range()).isEmpty()) flags.push('unmatched-unlock');
  const locks = lockEvents(b);
  if (!sk.loc.restrict(s.M0.minus(s.IW).minus(locks), locks).isEmpty()) flags.push('mixed-lock-accesses');
  return flags;
}

/** lock-final: the condition observes a spinlock's final value. */
export function lockFinal(b: LkmmBasics): boolean {
  const { sk } = b;
  const locks = lockEvents(b);
  return [...sk.observedLocs].some((loc) => sk.events.some((e) => e.loc === loc && locks.has(e.id)));
}
