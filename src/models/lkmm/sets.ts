// linux-kernel.bell's event sets, and lock.cat's extensions of R, W and M: what each event's
// annotation puts it in is the annotation table's (lower/annotations.ts), read by set name.
import type { Skeleton } from '../../execution/execution.js';
import { EventSet } from '../../execution/relation.js';
import { isMarkedAnn, lkmmAccessSet, lkmmFenceSet, type LkmmAccessSet, type LkmmFenceSet } from '../../lower/annotations.js';

/** The event sets herd7 derives from annotations, before and after lock.cat extends R/W/M. */
export interface LkmmSets {
  all: EventSet;
  IW: EventSet;
  F: EventSet;
  M0: EventSet; // bell's M: data accesses only
  R: EventSet; // lock.cat's R (with LKR, LF, RL, RU)
  W: EventSet; // lock.cat's final W (with LKW, UL)
  M: EventSet;
  LKR: EventSet;
  LKW: EventSet;
  UL: EventSet;
  LF: EventSet; // with RL
  RU: EventSet;
  RMW: EventSet;
  Acquire: EventSet;
  Release: EventSet;
  Mb: EventSet;
  Noreturn: EventSet;
  Marked: EventSet;
  Plain: EventSet;
  SrcuLock: EventSet;
  SrcuUnlock: EventSet;
  SyncSrcu: EventSet;
  SyncRcu: EventSet;
  /** A fence set of linux-kernel.bell (fence events only): fencerel's argument. */
  fences(set: LkmmFenceSet): EventSet;
}

export function lkmmSets(sk: Skeleton): LkmmSets {
  const ev = sk.events;
  const n = sk.n;
  const where = (pred: (i: number) => boolean) => EventSet.where(n, pred);
  const tagged = (set: LkmmAccessSet) => where((i) => lkmmAccessSet(ev[i].ann) === set);
  const lock = (k: string) => where((i) => ev[i].lock === k);
  const all = where(() => true);
  const IW = sk.IW;
  const R0 = where((i) => ev[i].kind === 'R' && ev[i].lock === null);
  const W0 = where((i) => ev[i].kind === 'W' && ev[i].lock === null);
  const M0 = R0.union(W0);
  const LKR = lock('LKR');
  const LKW = lock('LKW');
  const UL = lock('UL');
  const LF = lock('LF').union(lock('RL'));
  const RU = lock('RU');
  const RMW = where((i) => ev[i].rmwInstr);
  const inRmw = sk.rmw.domain().union(sk.rmw.range());
  const FailedRMW = RMW.minus(inRmw);
  const R = R0.union(LKR).union(LF).union(RU);
  const W = W0.union(LKW).union(UL);
  const locks = LKR.union(LKW).union(UL).union(LF).union(RU);
  const Marked = all.minus(M0).union(IW).union(where((i) => isMarkedAnn(ev[i].ann))).union(RMW).union(locks);
  const fenceSets = new Map<LkmmFenceSet, EventSet>();
  return {
    all, IW, F: where((i) => ev[i].kind === 'F'), M0, R, W, M: R.union(W), LKR, LKW, UL, LF, RU, RMW,
    Acquire: tagged('Acquire').minus(W0).minus(FailedRMW).union(LKR),
    Release: tagged('Release').minus(R0).minus(FailedRMW).union(UL),
    Mb: tagged('Mb').minus(FailedRMW),
    Noreturn: tagged('Noreturn').minus(W0),
    Marked,
    Plain: M0.minus(Marked),
    SrcuLock: tagged('Srcu-lock'),
    SrcuUnlock: tagged('Srcu-unlock'),
    // synchronize_srcu()'s event knows its srcu_struct (Event.srcuSync).
    SyncSrcu: where((i) => ev[i].srcuSync),
    SyncRcu: where((i) => lkmmFenceSet(ev[i].ann) === 'Sync-rcu'),
    fences(set) {
      let s = fenceSets.get(set);
      if (!s) fenceSets.set(set, (s = where((i) => ev[i].kind === 'F' && lkmmFenceSet(ev[i].ann) === set)));
      return s;
    },
  };
}
