// The Linux Kernel Memory Model, natively: linux-kernel.bell, lock.cat and linux-kernel.cat
// (../shared/models/lkmm) transcribed relation by relation. Names follow the cat files so the
// two can be read side by side. Everything that depends only on the program is computed once
// per skeleton in prepare(); consistency() does the rf/co-dependent rest.
import { valueIn, type Candidate, type Skeleton } from '../execution/execution.js';
import type { MemoryModel, ModelVerdict, PreparedModel } from './model.js';
import { lockDeadlock } from './locks.js';
import { RcuOrder } from './lkmm-rcu.js';
import { EventSet, Relation } from '../execution/relation.js';

const setOf = (sk: Skeleton, pred: (i: number) => boolean) => EventSet.where(sk.n, pred);

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
}

export function lkmmSets(sk: Skeleton): LkmmSets {
  const ev = sk.events;
  const ann = (a: string) => setOf(sk, (i) => ev[i].ann === a);
  const lock = (k: string) => setOf(sk, (i) => ev[i].lock === k);
  const all = setOf(sk, () => true);
  const IW = sk.IW;
  const F = setOf(sk, (i) => ev[i].kind === 'F');
  const R0 = setOf(sk, (i) => ev[i].kind === 'R' && ev[i].lock === null);
  const W0 = setOf(sk, (i) => ev[i].kind === 'W' && ev[i].lock === null);
  const M0 = R0.union(W0);
  const LKR = lock('LKR');
  const LKW = lock('LKW');
  const UL = lock('UL');
  const RL = lock('RL');
  const LF = lock('LF').union(RL);
  const RU = lock('RU');
  const RMW = setOf(sk, (i) => ev[i].rmwInstr);
  const inRmw = sk.rmw.domain().union(sk.rmw.range());
  const FailedRMW = RMW.minus(inRmw);
  const R = R0.union(LKR).union(LF).union(RU);
  const W = W0.union(LKW).union(UL);
  const ONCE = ann('ONCE');
  const RELEASE = ann('RELEASE');
  const ACQUIRE = ann('ACQUIRE');
  const MB = ann('MB');
  const SrcuLock = ann('srcu-lock');
  const SrcuUnlock = ann('srcu-unlock');
  const Marked = all.minus(M0).union(IW).union(ONCE).union(RELEASE).union(ACQUIRE).union(MB).union(RMW)
    .union(LKR).union(LKW).union(UL).union(LF).union(RU).union(SrcuLock).union(SrcuUnlock);
  return {
    all, IW, F, M0, R, W, M: R.union(W), LKR, LKW, UL, LF, RU, RMW,
    Acquire: ACQUIRE.minus(W0).minus(FailedRMW).union(LKR),
    Release: RELEASE.minus(R0).minus(FailedRMW).union(UL),
    Mb: MB.minus(FailedRMW),
    Noreturn: ann('NORETURN').minus(W0),
    Marked,
    Plain: M0.minus(Marked),
    SrcuLock, SrcuUnlock,
    SyncSrcu: setOf(sk, (i) => ev[i].srcuSync),
    SyncRcu: ann('sync-rcu'),
  };
}

const id = (s: EventSet) => Relation.ofSet(s);

class PreparedLkmm implements PreparedModel {
  private readonly s: LkmmSets;
  private readonly n: number;
  private readonly po: Relation;
  private readonly poOpt: Relation;
  private readonly poLoc: Relation;
  private readonly staticFailure: string | null;
  private readonly staticFlags: string[];
  private readonly mbStatic: Relation;
  private readonly gp: Relation;
  private readonly poRel: Relation;
  private readonly acqPo: Relation;
  private readonly rmb: Relation;
  private readonly wmb: Relation;
  private readonly poUL: Relation; // po ; [UL]
  private readonly lkrPo: Relation; // [LKR] ; po
  private readonly afterUnlockLockPo: Relation; // [After-unlock-lock] ; po ; [M]
  private readonly rcuRscsI: Relation;
  private readonly hasGracePeriods: boolean;
  /** rcu-order on the RCU events, when there is a grace period. */
  private readonly rcuOrder: RcuOrder | null;
  private readonly notSrcuUnlock: Relation;
  private readonly barrier: Relation;
  private readonly fencerelRmbNoNoreturn: Relation; // [R4rmb] ; fencerel(Rmb) ; [~Noreturn]
  private readonly fencerelRmbFromNoNoreturn: Relation; // [~Noreturn] ; fencerel(Rmb) ; [R4rmb]
  private readonly marked: Relation;
  private readonly hasPlain: boolean;
  private readonly hasSrcu: boolean;
  private readonly allLocks: EventSet;
  private readonly identity: Relation;
  private readonly dataNotSrcuUnlock: Relation;
  /** ppo's parts that depend on neither rf nor co, without carried dependencies or lock fences. */
  private readonly staticPpo: { fixed: Relation; depMarked: Relation };
  /** The fences, when no unlock+lock pair can add to them (computed once). */
  private readonly fencesNoLocks: {
    poUnlockLockPo: Relation;
    strongFence0: Relation;
    nonrwFence: Relation;
    fence0: Relation;
    /** [M] ; (strong-fence | po-rel) ; [M] | wmb | po-unlock-lock-po restricted likewise. */
    cumulStatic: Relation;
    /** (strong-fence | po-rel) ; [M]. */
    sfPoRelToMarked: Relation;
  } | null;
  /** ext from, to and between Marked events. */
  private readonly extMarked: { from: Relation; to: Relation; both: Relation };
  /** int between distinct Marked events. */
  private readonly intMarkedNoId: Relation;
  private readonly noRmw: boolean;
  /** rfi matters only through an address or data dependency (carried, or ending in a read). */
  private readonly intRfUsed: boolean;

  constructor(private readonly sk: Skeleton) {
    const s = (this.s = lkmmSets(sk));
    const n = (this.n = sk.n);
    this.identity = Relation.identity(n);
    this.noRmw = sk.rmw.isEmpty();
    this.intRfUsed = !sk.addr.isEmpty() || !sk.data.isEmpty();
    const po = (this.po = sk.po);
    this.poOpt = po.opt();
    this.poLoc = po.inter(sk.loc);
    const fencerel = (set: EventSet) => po.restrict(null, set).seq(po);
    const M = s.M;
    const ev = sk.events;
    const ann = (a: string) => EventSet.where(n, (i) => ev[i].ann === a && ev[i].kind === 'F');

    // lock.cat's static checks and flags.
    const flags: string[] = [];
    const poLoc = this.poLoc;
    this.staticFailure = lockDeadlock(sk);
    const critical = poLoc.restrict(s.LKW, s.UL).minus(poLoc.restrict(null, s.LKW.union(s.UL)).seq(poLoc));
    if (!s.UL.minus(critical.range()).isEmpty()) flags.push('unmatched-unlock');
    this.allLocks = s.LKR.union(s.LKW).union(s.UL).union(s.LF).union(s.RU).union(s.SrcuLock).union(s.SrcuUnlock).union(s.SyncSrcu);
    if (!sk.loc.restrict(s.M0.minus(s.IW).minus(this.allLocks), this.allLocks).isEmpty()) flags.push('mixed-lock-accesses');

    // RCU read-side critical sections: innermost-first matching, as the bell's fixpoint does.
    const rscs = new Relation(n);
    const unmatchedLock: number[] = [];
    const unmatchedUnlock: number[] = [];
    for (let t = 0; t < sk.threads; t++) {
      const stack: number[] = [];
      const evs = ev.filter((e) => e.thread === t).sort((a, b) => a.poIndex - b.poIndex);
      for (const e of evs) {
        if (e.kind === 'F' && e.ann === 'rcu-lock') stack.push(e.id);
        else if (e.kind === 'F' && e.ann === 'rcu-unlock') {
          const l = stack.pop();
          if (l === undefined) unmatchedUnlock.push(e.id);
          else rscs.add(l, e.id);
        }
      }
      unmatchedLock.push(...stack);
    }
    if (unmatchedLock.length > 0) flags.push('unmatched-rcu-lock');
    if (unmatchedUnlock.length > 0) flags.push('unmatched-rcu-unlock');
    this.rcuRscsI = rscs.inverse();
    if (!rscs.inter(po.restrict(null, s.SyncSrcu).seq(po)).isEmpty()) flags.push('invalid-sleep');
    this.hasGracePeriods = !s.SyncRcu.isEmpty() || !s.SyncSrcu.isEmpty();
    this.notSrcuUnlock = id(s.all.minus(s.SrcuUnlock));
    this.hasSrcu = !s.SrcuLock.isEmpty() || !s.SrcuUnlock.isEmpty();
    this.rcuOrder = this.hasGracePeriods ? new RcuOrder(sk, s, this.rcuRscsI, this.poOpt) : null;

    // Fences (linux-kernel.cat, "Basic relations").
    this.acqPo = po.restrict(s.Acquire, M);
    this.poRel = po.restrict(M, s.Release);
    const R4rmb = s.R.minus(s.Noreturn);
    const Rmb = ann('rmb');
    this.rmb = fencerel(Rmb).restrict(R4rmb, R4rmb);
    this.wmb = fencerel(ann('wmb')).restrict(s.W, s.W);
    const RMW = id(s.RMW);
    this.mbStatic = fencerel(s.Mb).restrict(M, M)
      .union(po.restrict(M, s.Mb.inter(s.R)))
      .union(po.restrict(s.Mb.inter(s.W), M))
      .union(fencerel(ann('before-atomic')).restrict(M, null).seq(RMW).seq(this.poOpt).restrict(null, M))
      .union(this.poOpt.restrict(M, s.RMW).seq(fencerel(ann('after-atomic'))).restrict(null, M))
      .union(this.poOpt.restrict(M, s.LKW).seq(fencerel(ann('after-spinlock'))).restrict(null, M))
      .union(this.poOpt.restrict(M, s.SrcuUnlock).seq(fencerel(ann('after-srcu-read-unlock'))).restrict(null, M));
    this.poUL = po.restrict(null, s.UL);
    this.lkrPo = po.restrict(s.LKR, null);
    this.afterUnlockLockPo = po.restrict(ann('after-unlock-lock'), M);
    this.gp = po.restrict(null, s.SyncRcu.union(s.SyncSrcu)).seq(this.poOpt);

    const barrierSet = ann('barrier').union(Rmb).union(ann('wmb')).union(s.Mb).union(s.SyncRcu).union(s.SyncSrcu)
      .union(ann('before-atomic')).union(ann('after-atomic')).union(s.Acquire).union(s.Release)
      .union(ann('rcu-lock')).union(ann('rcu-unlock')).union(s.SrcuLock).union(s.SrcuUnlock);
    this.barrier = fencerel(barrierSet).union(po.restrict(null, s.Release)).union(po.restrict(s.Acquire, null));
    const notNoreturn = s.all.minus(s.Noreturn);
    this.fencerelRmbNoNoreturn = fencerel(Rmb).restrict(R4rmb, notNoreturn);
    this.fencerelRmbFromNoNoreturn = fencerel(Rmb).restrict(notNoreturn, R4rmb);
    this.dataNotSrcuUnlock = sk.data.seq(this.notSrcuUnlock);
    if (s.UL.isEmpty() || s.LKR.isEmpty()) {
      const strongFence0 = this.mbStatic.union(this.gp);
      const nonrwFence = strongFence0.union(this.poRel, this.acqPo);
      const sfPoRel = strongFence0.union(this.poRel);
      this.fencesNoLocks = {
        poUnlockLockPo: new Relation(n), strongFence0, nonrwFence, fence0: nonrwFence.union(this.wmb, this.rmb),
        cumulStatic: sfPoRel.union(this.wmb).restrict(s.Marked, s.Marked),
        sfPoRelToMarked: sfPoRel.restrict(null, s.Marked),
      };
    } else this.fencesNoLocks = null;
    {
      const dep = sk.addr.union(sk.data);
      const rwdep = dep.union(sk.ctrl).restrict(null, s.W);
      const fence0 = this.fencesNoLocks ? this.fencesNoLocks.fence0 : new Relation(n);
      this.staticPpo = {
        fixed: rwdep.union(sk.addr.restrict(null, s.Plain).seq(this.wmb), sk.addr.restrict(null, s.R), fence0.inter(sk.int)),
        depMarked: dep.restrict(null, s.Marked),
      };
    }
    this.marked = id(s.Marked);
    this.extMarked = { from: sk.ext.restrict(s.Marked, null), to: sk.ext.restrict(null, s.Marked), both: sk.ext.restrict(s.Marked, s.Marked) };
    this.intMarkedNoId = sk.int.minus(this.identity).restrict(s.Marked, s.Marked);
    this.hasPlain = !s.Plain.isEmpty();
    if (this.hasPlain) {
      const plainW = s.Plain.inter(s.W);
      const pl = poLoc.minus(this.barrier);
      const mixed = pl.restrict(plainW, s.Marked).union(pl.restrict(s.Marked, plainW));
      if (!mixed.isEmpty()) flags.push('mixed-accesses');
    }
    // lock-final: a spinlock whose final value the condition observes.
    if ([...sk.observedLocs].some((loc) => sk.events.some((e) => e.loc === loc && this.allLocks.has(e.id)))) flags.push('lock-final');
    this.staticFlags = flags;
  }

  /** The acyclicity checks on a partial candidate: they only grow as rf/co are completed. */
  mayExtend(c: Candidate): boolean {
    return this.consistency(c, true).consistent;
  }

  consistency(c: Candidate, partial = false): ModelVerdict {
    if (this.staticFailure) return { consistent: false, failed: this.staticFailure, flags: [] };
    const { sk, s, po } = this;
    const n = this.n;
    const { rf, co } = c;
    const int = sk.int;
    const ext = sk.ext;
    // overwrite = co | fr; fr is its part from reads (reads and writes are distinct events).
    const overwrite = overwriteOf(rf, co);
    const fr = () => overwrite.minus(co);
    const rfi = this.intRfUsed ? rf.inter(int) : null;

    // Coherence and atomicity, unless the caller built the candidate so.
    if (!c.coherent) {
      if (!this.poLoc.union(rf, overwrite).isAcyclic()) return fail('coherence');
      if (!this.noRmw && !sk.rmw.inter(fr().inter(ext).seq(co.inter(ext))).isEmpty()) return fail('atomic');
    }

    // Dependencies carried through memory (linux-kernel.bell).
    const dataRfi = rfi === null || this.dataNotSrcuUnlock.isEmpty() ? null : this.dataNotSrcuUnlock.seq(rfi);
    const carryDep = dataRfi === null || dataRfi.isEmpty() ? null : dataRfi.star();
    const addr = carryDep ? carryDep.seq(sk.addr) : sk.addr;
    const data = carryDep ? carryDep.seq(sk.data) : sk.data;
    const ctrl = carryDep ? carryDep.seq(sk.ctrl) : sk.ctrl;

    // Fences that depend on rf: unlock+lock pairs (none without both an unlock and a lock).
    let poUnlockLockPo: Relation;
    let strongFence0: Relation;
    let nonrwFence: Relation;
    let fence0: Relation;
    if (this.fencesNoLocks) {
      poUnlockLockPo = this.fencesNoLocks.poUnlockLockPo;
      ({ strongFence0, nonrwFence, fence0 } = this.fencesNoLocks);
    } else {
      poUnlockLockPo = this.poUL.seq(po.union(rf)).seq(this.lkrPo);
      const mb = this.mbStatic.union(poUnlockLockPo.restrict(s.M, null).seq(this.afterUnlockLockPo));
      strongFence0 = mb.union(this.gp);
      nonrwFence = strongFence0.union(this.poRel, this.acqPo);
      fence0 = nonrwFence.union(this.wmb, this.rmb);
    }

    // Preserved program order: its rf- and co-independent part is computed once when no
    // dependency is carried through memory and no unlock+lock pair adds fences.
    let ppo: Relation;
    if (!carryDep && this.fencesNoLocks) {
      const st = this.staticPpo;
      ppo = st.fixed.union(overwrite.inter(int));
      if (rfi !== null) ppo.orWith(st.depMarked.seq(rfi));
    } else {
      const dep = addr.union(data);
      const rwdep = dep.union(ctrl).restrict(null, s.W);
      const toW = rwdep.union(overwrite.inter(int), addr.restrict(null, s.Plain).seq(this.wmb));
      const toR = rfi === null ? addr.restrict(null, s.R) : addr.restrict(null, s.R).union(dep.restrict(null, s.Marked).seq(rfi));
      ppo = toR.union(toW, fence0.inter(int), poUnlockLockPo.inter(int));
    }

    // Propagation. [Marked] ; r ; [Marked] is r restricted (cheaper than compositions), r ; s?
    // is r | r ; s, and the restrictions of ext to Marked events are computed once.
    const M = s.Marked;
    const rfeMM = rf.inter(this.extMarked.both);
    // (rf ; rmw)*: the identity when the test has no RMW.
    const rmwSequence = this.noRmw ? this.identity : rf.seq(sk.rmw).star();
    let cumulFence0: Relation;
    if (this.fencesNoLocks) {
      const { cumulStatic, sfPoRelToMarked } = this.fencesNoLocks;
      cumulFence0 = rfeMM.seqOr(sfPoRelToMarked, cumulStatic);
    } else {
      const sfPoRel = strongFence0.union(this.poRel);
      cumulFence0 = rfeMM.seqOr(sfPoRel, sfPoRel).orWith(this.wmb).orWith(poUnlockLockPo).restrict(M, M);
    }
    const cumulFence = this.noRmw ? cumulFence0 : cumulFence0.seq(rmwSequence);
    const cumulFenceStar = cumulFence.star();
    // prop = [M] ; (overwrite & ext)? ; cumul-fence* ; [M] ; rfe? ; [M]. cumul-fence's rows are
    // Marked events, so [M] ; cumul-fence* ; [M] is all the composition needs.
    const cumulMarked = cumulFenceStar.restrict(M, M);
    const propToRfe = overwrite.inter(this.extMarked.from).seqOr(cumulMarked, cumulMarked);
    const prop = propToRfe.seqOr(rf.inter(this.extMarked.to), propToRfe);

    const hb = ppo.restrict(M, M).orWith(rfeMM).orWith(prop.inter(this.intMarkedNoId));
    // One transitive closure serves both the acyclicity check and the reflexive closure.
    const hbPlus = hb.plusIfAcyclic();
    if (hbPlus === null) return fail('happens-before');
    // pb = prop ; strong-fence ; hb* ; [M], and hb's range is Marked.
    const propFence = prop.seq(strongFence0);
    const pb = propFence.seqOr(hbPlus, propFence.restrict(null, M));
    const pbPlus = pb.plusIfAcyclic();
    if (pbPlus === null) return fail('propagation');
    if (partial) return { consistent: true, failed: null, flags: [] };

    // RCU.
    let rcuFence: Relation | null = null;
    let rb: Relation | null = null;
    let srcuRscs: Relation | null = null;
    if (!this.hasSrcu && s.SyncSrcu.isEmpty()) {
      // No SRCU event: the critical sections are empty, whatever rf is.
      if (this.hasGracePeriods) srcuRscs = new Relation(n);
    } else {
      const carrySrcuData = sk.data.seq(this.notSrcuUnlock).seq(rf).star();
      srcuRscs = id(s.SrcuLock).seq(carrySrcuData).seq(sk.data).restrict(null, s.SrcuUnlock).inter(sk.loc);
    }
    if (this.rcuOrder) {
      const rcu = this.rcuOrder.compute(prop, hbPlus, pbPlus, this.hasSrcu ? srcuRscs!.inverse() : srcuRscs!);
      if (!rcu.ok) return fail('rcu');
      if (this.hasPlain) {
        rcuFence = po.seq(rcu.order()).seq(this.poOpt);
        rb = prop.seq(rcuFence).seq(hbPlus.opt()).seq(pbPlus.opt()).restrict(null, M);
      }
    }

    const flags = [...this.staticFlags];
    if (srcuRscs && this.hasSrcu) {
      if (!s.SrcuLock.minus(srcuRscs.domain()).isEmpty()) flags.push('unmatched-srcu-lock');
      if (!s.SrcuUnlock.minus(srcuRscs.range()).isEmpty()) flags.push('unmatched-srcu-unlock');
      if (!srcuRscs.inverse().seq(srcuRscs).minus(Relation.identity(n)).isEmpty()) flags.push('multiple-srcu-matches');
      for (const [a, b] of srcuRscs.pairs()) {
        if (valueIn(sk, rf, a) !== valueIn(sk, rf, b)) {
          flags.push('srcu-bad-value-match');
          break;
        }
      }
    }

    // Plain accesses and data races.
    if (this.hasPlain) {
      const rfe = rf.inter(ext);
      const marked = this.marked;
      const fence = rcuFence ? fence0.union(rcuFence) : fence0;
      const strongFence = rcuFence ? strongFence0.union(rcuFence) : strongFence0;
      const xb = rb ? hb.union(pb, rb) : hb.union(pb);
      const xbstar = xb.star();
      const vis = cumulFenceStar.seq(rfe.opt()).seq(marked).seq(strongFence.seq(marked).seq(xbstar).union(xbstar.inter(int)));
      const wPre = marked.seq(addr.union(fence).opt());
      const rPre = marked.seq(addr.union(nonrwFence, this.fencerelRmbNoNoreturn).opt());
      const wPost = fence.opt().seq(marked).seq(rmwSequence);
      const rPost = nonrwFence.union(this.fencerelRmbFromNoNoreturn).opt().seq(marked);
      const wwVis = fence.union(strongFence.seq(xbstar).seq(wPre), wPost.seq(vis).seq(wPre));
      const wrVis = fence.union(strongFence.seq(xbstar).seq(rPre), wPost.seq(vis).seq(rPre));
      const rwXbstar = fence.union(rPost.seq(xbstar).seq(wPre));
      const plain = s.Plain;
      const preRace = ext.inter(Relation.cross(plain, s.M).union(Relation.cross(s.M.minus(s.IW), plain)));
      const wrIncoh = preRace.inter(rf).inter(rwXbstar.inverse());
      const rwIncoh = preRace.inter(fr()).inter(wrVis.inverse());
      const wwIncoh = preRace.inter(co).inter(wwVis.inverse());
      if (!wrIncoh.union(rwIncoh, wwIncoh).isEmpty()) return fail('plain-coherence');
      const wwNonrace = wwVis.inter(Relation.cross(s.Marked, s.W).union(rwXbstar)).inter(Relation.cross(s.W, s.Marked).union(wrVis));
      const wwRace = preRace.inter(co).minus(wwNonrace);
      const wrRace = preRace.inter(co.opt().seq(rf)).minus(wrVis).minus(rwXbstar.inverse());
      const rwRace = preRace.inter(fr()).minus(rwXbstar);
      if (!wwRace.union(wrRace, rwRace).isEmpty()) flags.push('data-race');
    }
    return { consistent: true, failed: null, flags };
  }
}

/** co | fr, with fr = rf^-1 ; co row by row: each read's row is its source's row of co. */
function overwriteOf(rf: Relation, co: Relation): Relation {
  return rf.inverseSeqOr(co, co);
}

function fail(check: string): ModelVerdict {
  return { consistent: false, failed: check, flags: [] };
}

export const lkmm: MemoryModel = {
  name: 'lkmm',
  description: 'Linux Kernel Memory Model (linux-kernel.cat + lock.cat, variant lkmmv2)',
  flags: ['data-race'],
  orderingRules: 'lkmm',
  decomposes: true,
  prepare: (sk) => new PreparedLkmm(sk),
};
