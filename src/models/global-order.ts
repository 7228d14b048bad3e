// Models that are one global order: coherence, atomicity, and acyclic(preserved program order
// | rf | co | fr). SC keeps all of po and all of rf; x86-TSO keeps less of po and only rfe
// (a CPU may read its own buffered store early).
import type { Candidate, Skeleton } from '../execution/execution.js';
import { lockDeadlock } from './locks.js';
import type { MemoryModel, ModelVerdict, OperationalMachine, OrderingRules, PreparedModel } from './model.js';
import { COHERENCE_CHECK_MEANINGS } from './checks.js';
import type { Relation } from '../execution/relation.js';

export function coherenceAndAtomicity(sk: Skeleton, c: Candidate, fr: Relation): string | null {
  if (!sk.po.inter(sk.loc).union(c.rf, c.co, fr).isAcyclic()) return 'coherence';
  if (!sk.rmw.inter(fr.inter(sk.ext).seq(c.co.inter(sk.ext))).isEmpty()) return 'atomic';
  return null;
}

interface GlobalOrderSpec {
  name: string;
  description: string;
  /** The name of the acyclicity check, as reported when it fails, and what it demands in words. */
  check: string;
  meaning: string;
  /** The part of program order the model keeps (computed once per skeleton). */
  preserved(sk: Skeleton): Relation;
  /** Whether reading one's own write counts towards the global order. */
  internalRf: boolean;
  orderingRules: OrderingRules;
  operational: OperationalMachine;
}

class PreparedGlobalOrder implements PreparedModel {
  private readonly deadlock: string | null;
  private readonly preserved: Relation;
  constructor(
    private readonly sk: Skeleton,
    private readonly spec: GlobalOrderSpec,
  ) {
    this.deadlock = lockDeadlock(sk);
    this.preserved = spec.preserved(sk);
  }
  /** Every check here is an acyclicity over relations that only grow with rf/co. */
  mayExtend(c: Candidate): boolean {
    return this.consistency(c).consistent;
  }
  consistency(c: Candidate): ModelVerdict {
    if (this.deadlock) return { consistent: false, failed: this.deadlock, flags: [] };
    const fr = c.rf.inverse().seq(c.co);
    // Unless the caller built the candidate coherent and atomic (the explorer does).
    const basic = c.coherent ? null : coherenceAndAtomicity(this.sk, c, fr);
    if (basic) return { consistent: false, failed: basic, flags: [] };
    const rf = this.spec.internalRf ? c.rf : c.rf.inter(this.sk.ext);
    if (!this.preserved.union(rf, c.co, fr).isAcyclic()) return { consistent: false, failed: this.spec.check, flags: [] };
    return { consistent: true, failed: null, flags: [] };
  }
}

export function globalOrderModel(spec: GlobalOrderSpec): MemoryModel {
  return {
    name: spec.name,
    description: spec.description,
    orderingRules: spec.orderingRules,
    operational: spec.operational,
    decomposes: true,
    checkMeanings: { ...COHERENCE_CHECK_MEANINGS, [spec.check]: spec.meaning },
    prepare: (sk) => new PreparedGlobalOrder(sk, spec),
  };
}
