// linux-kernel.cat's "Basic relations": release and acquire, the fences, strong fences and the
// compiler barrier. What depends only on the program is built once; po-unlock-lock-po depends on
// rf, and fencesWith() builds the rest from it: once per skeleton when it is empty whatever rf
// is (no unlock or no lock), per candidate otherwise, by the same code.
import { Relation } from '../../execution/relation.js';
import type { LkmmBasics } from './basics.js';

/** The fences that depend neither on rf nor on co. */
export interface StaticFences {
  acqPo: Relation;
  poRel: Relation;
  rmb: Relation;
  wmb: Relation;
  /** mb without its po-unlock-lock-po term. */
  mbStatic: Relation;
  gp: Relation;
  /** po ; [UL] and [LKR] ; po: po-unlock-lock-po's ends. */
  poUL: Relation;
  lkrPo: Relation;
  /** [After-unlock-lock] ; po ; [M] */
  afterUnlockLockPo: Relation;
  barrier: Relation;
  /** [R4rmb] ; fencerel(Rmb) ; [~Noreturn] and [~Noreturn] ; fencerel(Rmb) ; [R4rmb] (the race bounds). */
  rmbToNotNoreturn: Relation;
  rmbFromNotNoreturn: Relation;
  /** po-unlock-lock-po is empty whatever rf is. */
  noUnlockLock: boolean;
}

/** The fences of one rf (all of them, when po-unlock-lock-po is empty). */
export interface Fences {
  poUnlockLockPo: Relation;
  strongFence: Relation;
  nonrwFence: Relation;
  fence: Relation;
  /** [Marked] ; (strong-fence | po-rel | wmb | po-unlock-lock-po) ; [Marked]: cumul-fence without A-cumul's rfe. */
  cumulBase: Relation;
  /** (strong-fence | po-rel) ; [Marked]: what A-cumul's rfe leads to. */
  sfPoRelToMarked: Relation;
}

export function staticFences(b: LkmmBasics): StaticFences {
  const { s, po, poOpt, fencerel } = b;
  const M = s.M;
  const R4rmb = s.R.minus(s.Noreturn);
  const RMW = Relation.ofSet(s.RMW);
  const mbStatic = fencerel(s.Mb).restrict(M, M)
    .union(po.restrict(M, s.Mb.inter(s.R)))
    .union(po.restrict(s.Mb.inter(s.W), M))
    .union(fencerel('Before-atomic').restrict(M, null).seq(RMW).seq(poOpt).restrict(null, M))
    .union(poOpt.restrict(M, s.RMW).seq(fencerel('After-atomic')).restrict(null, M))
    .union(poOpt.restrict(M, s.LKW).seq(fencerel('After-spinlock')).restrict(null, M))
    .union(poOpt.restrict(M, s.SrcuUnlock).seq(fencerel('After-srcu-read-unlock')).restrict(null, M));
  const barrierSet = s.fences('Barrier').union(s.fences('Rmb')).union(s.fences('Wmb')).union(s.Mb).union(s.SyncRcu).union(s.SyncSrcu)
    .union(s.fences('Before-atomic')).union(s.fences('After-atomic')).union(s.Acquire).union(s.Release)
    .union(s.fences('Rcu-lock')).union(s.fences('Rcu-unlock')).union(s.SrcuLock).union(s.SrcuUnlock);
  const notNoreturn = s.all.minus(s.Noreturn);
  return {
    acqPo: po.restrict(s.Acquire, M),
    poRel: po.restrict(M, s.Release),
    rmb: fencerel('Rmb').restrict(R4rmb, R4rmb),
    wmb: fencerel('Wmb').restrict(s.W, s.W),
    mbStatic,
    gp: po.restrict(null, s.SyncRcu.union(s.SyncSrcu)).seq(poOpt),
    poUL: po.restrict(null, s.UL),
    lkrPo: po.restrict(s.LKR, null),
    afterUnlockLockPo: po.restrict(s.fences('After-unlock-lock'), M),
    barrier: fencerel(barrierSet).union(po.restrict(null, s.Release)).union(po.restrict(s.Acquire, null)),
    rmbToNotNoreturn: fencerel('Rmb').restrict(R4rmb, notNoreturn),
    rmbFromNotNoreturn: fencerel('Rmb').restrict(notNoreturn, R4rmb),
    noUnlockLock: s.UL.isEmpty() || s.LKR.isEmpty(),
  };
}

/** The fences given rf; rf null when po-unlock-lock-po is empty whatever rf is. */
export function fencesWith(b: LkmmBasics, st: StaticFences, rf: Relation | null): Fences {
  const { s, po } = b;
  const poUnlockLockPo = rf === null ? new Relation(b.n) : st.poUL.seq(po.union(rf)).seq(st.lkrPo);
  const mb = rf === null ? st.mbStatic : st.mbStatic.union(poUnlockLockPo.restrict(s.M, null).seq(st.afterUnlockLockPo));
  const strongFence = mb.union(st.gp);
  const nonrwFence = strongFence.union(st.poRel, st.acqPo);
  const sfPoRel = strongFence.union(st.poRel);
  return {
    poUnlockLockPo, strongFence, nonrwFence,
    fence: nonrwFence.union(st.wmb, st.rmb),
    cumulBase: sfPoRel.union(st.wmb, poUnlockLockPo).restrict(s.Marked, s.Marked),
    sfPoRelToMarked: sfPoRel.restrict(null, s.Marked),
  };
}
