// linux-kernel.bell's RCU and SRCU read-side critical sections and linux-kernel.cat's "RCU"
// section: rcu-order (rcu-order.ts, on the RCU events alone), rcu-fence, rb (irreflexive as rcu)
// and the bell's flags on unmatched or misused critical sections.
import { valueIn } from '../../execution/execution.js';
import { Relation } from '../../execution/relation.js';
import { rcuNesting } from '../../lower/annotations.js';
import type { LkmmBasics } from './basics.js';
import type { Propagation } from './propagation.js';
import { RcuOrder } from './rcu-order.js';

export type RcuResult = { failed: 'rcu' } | { failed: null; rcuFence: Relation | null; rb: Relation | null; flags: string[] };

/** rcu-rscs: innermost-first matching of rcu_read_lock() and rcu_read_unlock(), as the bell's fixpoint does. */
function rcuReadSections(b: LkmmBasics): { rscs: Relation; unmatchedLock: boolean; unmatchedUnlock: boolean } {
  const { sk } = b;
  const rscs = new Relation(b.n);
  let unmatchedLock = false;
  let unmatchedUnlock = false;
  for (let t = 0; t < sk.threads; t++) {
    const stack: number[] = [];
    const evs = sk.events.filter((e) => e.thread === t).sort((x, y) => x.poIndex - y.poIndex);
    for (const e of evs) {
      const nest = e.kind === 'F' ? rcuNesting(e.ann) : 0;
      if (nest > 0) stack.push(e.id);
      else if (nest < 0) {
        const l = stack.pop();
        if (l === undefined) unmatchedUnlock = true;
        else rscs.add(l, e.id);
      }
    }
    if (stack.length > 0) unmatchedLock = true;
  }
  return { rscs, unmatchedLock, unmatchedUnlock };
}

export class LkmmRcu {
  /** The flags that depend on the program alone. */
  readonly flags: string[] = [];
  private readonly hasGracePeriods: boolean;
  private readonly hasSrcu: boolean;
  /** data ; [~Srcu-unlock]: the first step of carry-dep and carry-srcu-data. */
  readonly dataNotSrcuUnlock: Relation;
  /** rcu-order on the RCU events, when there is a grace period. */
  private readonly rcuOrder: RcuOrder | null;

  constructor(private readonly b: LkmmBasics) {
    const { s, po } = b;
    const { rscs, unmatchedLock, unmatchedUnlock } = rcuReadSections(b);
    if (unmatchedLock) this.flags.push('unmatched-rcu-lock');
    if (unmatchedUnlock) this.flags.push('unmatched-rcu-unlock');
    if (!rscs.inter(po.restrict(null, s.SyncSrcu).seq(po)).isEmpty()) this.flags.push('invalid-sleep');
    this.hasGracePeriods = !s.SyncRcu.isEmpty() || !s.SyncSrcu.isEmpty();
    this.hasSrcu = !s.SrcuLock.isEmpty() || !s.SrcuUnlock.isEmpty();
    this.dataNotSrcuUnlock = b.sk.data.seq(Relation.ofSet(s.all.minus(s.SrcuUnlock)));
    this.rcuOrder = this.hasGracePeriods ? new RcuOrder(b.sk, s, rscs.inverse(), b.poOpt) : null;
  }

  /** The rcu check given rf and propagation; rcu-fence and rb only when `fence` (the race checks use them). */
  check(rf: Relation, p: Propagation, fence: boolean): RcuResult {
    const { b } = this;
    const srcuRscs = this.srcuSections(rf);
    let rcuFence: Relation | null = null;
    let rb: Relation | null = null;
    if (this.rcuOrder) {
      const rcu = this.rcuOrder.compute(p.prop, p.hbPlus, p.pbPlus, this.hasSrcu ? srcuRscs!.inverse() : srcuRscs!);
      if (!rcu.ok) return { failed: 'rcu' };
      if (fence) {
        rcuFence = b.po.seq(rcu.order()).seq(b.poOpt);
        rb = p.prop.seq(rcuFence).seq(p.hbPlus.opt()).seq(p.pbPlus.opt()).restrict(null, b.s.Marked);
      }
    }
    return { failed: null, rcuFence, rb, flags: srcuRscs && this.hasSrcu ? this.srcuFlags(rf, srcuRscs) : [] };
  }

  /** srcu-rscs = ([Srcu-lock] ; carry-srcu-data ; data ; [Srcu-unlock]) & loc; null when not needed. */
  private srcuSections(rf: Relation): Relation | null {
    const { s, sk } = this.b;
    // No SRCU event: the critical sections are empty, whatever rf is.
    if (!this.hasSrcu && s.SyncSrcu.isEmpty()) return this.hasGracePeriods ? new Relation(this.b.n) : null;
    const carrySrcuData = this.dataNotSrcuUnlock.seq(rf).star();
    return Relation.ofSet(s.SrcuLock).seq(carrySrcuData).seq(sk.data).restrict(null, s.SrcuUnlock).inter(sk.loc);
  }

  private srcuFlags(rf: Relation, srcuRscs: Relation): string[] {
    const { s, sk, identity } = this.b;
    const flags: string[] = [];
    if (!s.SrcuLock.minus(srcuRscs.domain()).isEmpty()) flags.push('unmatched-srcu-lock');
    if (!s.SrcuUnlock.minus(srcuRscs.range()).isEmpty()) flags.push('unmatched-srcu-unlock');
    if (!srcuRscs.inverse().seq(srcuRscs).minus(identity).isEmpty()) flags.push('multiple-srcu-matches');
    for (const [a, c] of srcuRscs.pairs()) {
      if (valueIn(sk, rf, a) !== valueIn(sk, rf, c)) {
        flags.push('srcu-bad-value-match');
        break;
      }
    }
    return flags;
  }
}
