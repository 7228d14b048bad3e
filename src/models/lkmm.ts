// The Linux Kernel Memory Model, natively: linux-kernel.bell, lock.cat and linux-kernel.cat
// (../shared/models/lkmm) transcribed relation by relation, a file per section of the cat file
// under lkmm/. Names follow the cat files so the two can be read side by side. What depends only
// on the program is computed once per skeleton, in prepare(); consistency() does the rf/co-
// dependent rest. Where a section's terms can be built once for every candidate (no unlock+lock
// pair, no dependency carried through memory), the same section code builds them once.
import type { Candidate, Skeleton } from '../execution/execution.js';
import type { Relation } from '../execution/relation.js';
import type { MemoryModel, ModelVerdict, PreparedModel } from './model.js';
import { lockDeadlock } from './locks.js';
import { COHERENCE_CHECK_MEANINGS } from './checks.js';
import { lkmmBasics, type LkmmBasics } from './lkmm/basics.js';
import { fencesWith, staticFences, type Fences, type StaticFences } from './lkmm/fences.js';
import { lockFinal, lockFlags } from './lkmm/lock.js';
import { carriedDeps, ppoFixed, ppoOf, type PpoFixed } from './lkmm/ppo.js';
import { propagation } from './lkmm/propagation.js';
import { mixedAccesses, plainRaces } from './lkmm/races.js';
import { LkmmRcu } from './lkmm/rcu.js';

export { lkmmSets, type LkmmSets } from './lkmm/sets.js';

class PreparedLkmm implements PreparedModel {
  private readonly b: LkmmBasics;
  private readonly staticFailure: string | null;
  private readonly staticFlags: string[];
  private readonly fences: StaticFences;
  /** The fences of every rf, when po-unlock-lock-po is empty whatever rf is. */
  private readonly fencesEveryRf: Fences | null;
  /** ppo's fixed terms of every candidate, when no dependency is carried and fencesEveryRf is set. */
  private readonly ppoEveryRf: PpoFixed | null;
  private readonly rcu: LkmmRcu;
  private readonly hasPlain: boolean;

  constructor(sk: Skeleton) {
    const b = (this.b = lkmmBasics(sk));
    this.staticFailure = lockDeadlock(sk);
    this.fences = staticFences(b);
    this.fencesEveryRf = this.fences.noUnlockLock ? fencesWith(b, this.fences, null) : null;
    this.ppoEveryRf = this.fencesEveryRf ? ppoFixed(b, sk, this.fences, this.fencesEveryRf) : null;
    this.rcu = new LkmmRcu(b);
    this.hasPlain = !b.s.Plain.isEmpty();
    // The flags in herd7's order: lock.cat's, the bell's RCU ones, then linux-kernel.cat's.
    this.staticFlags = [...lockFlags(b), ...this.rcu.flags];
    if (this.hasPlain && mixedAccesses(b, this.fences)) this.staticFlags.push('mixed-accesses');
    if (lockFinal(b)) this.staticFlags.push('lock-final');
  }

  /** The acyclicity checks on a partial candidate: they only grow as rf/co are completed. */
  mayExtend(c: Candidate): boolean {
    return this.consistency(c, true).consistent;
  }

  consistency(c: Candidate, partial = false): ModelVerdict {
    if (this.staticFailure) return fail(this.staticFailure);
    const { b } = this;
    const { sk } = b;
    const { rf, co } = c;
    // overwrite = co | fr; fr is its part from reads (reads and writes are distinct events).
    const overwrite = overwriteOf(rf, co);
    const rfi = b.intRfUsed ? rf.inter(sk.int) : null;

    // Coherence and atomicity, unless the caller built the candidate so.
    if (!c.coherent) {
      if (!b.poLoc.union(rf, overwrite).isAcyclic()) return fail('coherence');
      if (!b.noRmw && !sk.rmw.inter(overwrite.minus(co).inter(sk.ext).seq(co.inter(sk.ext))).isEmpty()) return fail('atomic');
    }

    const deps = carriedDeps(b, this.rcu.dataNotSrcuUnlock, rfi);
    const fences = this.fencesEveryRf ?? fencesWith(b, this.fences, rf);
    const fixed = !deps && this.ppoEveryRf ? this.ppoEveryRf : ppoFixed(b, deps ?? sk, this.fences, fences);
    const ppo = ppoOf(b, fixed, overwrite, rfi);

    const prop = propagation(b, rf, overwrite, ppo, fences);
    if (prop.failed !== null) return fail(prop.failed);
    if (partial) return { consistent: true, failed: null, flags: [] };

    const rcu = this.rcu.check(rf, prop.p, this.hasPlain);
    if (rcu.failed !== null) return fail(rcu.failed);
    const flags = [...this.staticFlags, ...rcu.flags];
    if (this.hasPlain) {
      const addr = deps ? deps.addr : sk.addr;
      const race = plainRaces(b, this.fences, { rf, co, fr: overwrite.minus(co), addr }, fences, prop.p, rcu);
      if (race === 'plain-coherence') return fail(race);
      if (race === 'data-race') flags.push(race);
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
  checkMeanings: {
    ...COHERENCE_CHECK_MEANINGS,
    'happens-before': 'an event cannot happen before itself: dependencies, barriers and reads-from may not form a cycle',
    propagation: 'a full barrier makes every write before it reach all CPUs before anything after it happens, so a write cannot be missed by a read that a full-barrier chain places after it',
    rcu: 'a grace period waits for every RCU read-side critical section that started before it',
    'plain-coherence': 'plain accesses must follow coherence like marked ones when they are ordered',
  },
  prepare: (sk) => new PreparedLkmm(sk),
};
