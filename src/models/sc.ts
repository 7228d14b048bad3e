// Sequential consistency: one interleaving of all accesses, each read seeing the latest write.
import type { Candidate, Skeleton } from '../explore/execution.js';
import { lockDeadlock } from './locks.js';
import type { MemoryModel, ModelVerdict, PreparedModel } from './model.js';
import type { Relation } from './relation.js';

export function coherenceAndAtomicity(sk: Skeleton, c: Candidate, fr: Relation): string | null {
  if (!sk.po.inter(sk.loc).union(c.rf, c.co, fr).isAcyclic()) return 'coherence';
  if (!sk.rmw.inter(fr.inter(sk.ext).seq(c.co.inter(sk.ext))).isEmpty()) return 'atomic';
  return null;
}

class PreparedSc implements PreparedModel {
  private readonly deadlock: string | null;
  constructor(private readonly sk: Skeleton) {
    this.deadlock = lockDeadlock(sk);
  }
  /** Every check here is an acyclicity over relations that only grow with rf/co. */
  mayExtend(c: Candidate): boolean {
    return this.check(c).consistent;
  }
  check(c: Candidate): ModelVerdict {
    if (this.deadlock) return { consistent: false, failed: this.deadlock, flags: [] };
    const fr = c.rf.inverse().seq(c.co);
    const basic = coherenceAndAtomicity(this.sk, c, fr);
    if (basic) return { consistent: false, failed: basic, flags: [] };
    if (!this.sk.po.union(c.rf, c.co, fr).isAcyclic()) return { consistent: false, failed: 'sc', flags: [] };
    return { consistent: true, failed: null, flags: [] };
  }
}

export const sc: MemoryModel = {
  name: 'sc',
  description: 'Sequential consistency: acyclic(po | rf | co | fr)',
  prepare: (sk) => new PreparedSc(sk),
};
