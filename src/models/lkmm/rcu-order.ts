// linux-kernel.cat's rcu-order and its "rcu" check, computed on the RCU events alone.
//
// Every term of rcu-order starts and ends at a grace period or at an end of a read-side critical
// section, and rcu-order is only ever composed with rcu-link between two such events. So the
// least fixpoint lives on those few events (the "RCU events", K), with rcu-link cut down to
// K x K. And rb = prop ; po ; rcu-order ; po? ; hb* ; pb* is irreflexive exactly when
// rcu-order ; rcu-link is, on K (rotate the cycle: rcu-link = po? ; hb* ; pb* ; prop ; po).
// The fixpoint then costs a few operations on a 10 x 10 matrix instead of n x n ones.
import type { Skeleton } from '../../execution/execution.js';
import { EventSet, Relation } from '../../execution/relation.js';

export interface RcuEvents {
  SyncRcu: EventSet;
  SyncSrcu: EventSet;
  SrcuLock: EventSet;
  SrcuUnlock: EventSet;
}

export interface RcuOrderResult {
  /** rcu-order as a relation over all the events (for rcu-fence, when data races are checked). */
  order: () => Relation;
  /** rb is irreflexive. */
  ok: boolean;
}

/** Entries kept in an RcuOrder's cache before it starts afresh. */
const MEMO_LIMIT = 4096;

export class RcuOrder {
  /** The RCU events, K: index in K -> event. */
  private readonly members: number[];
  private readonly k: number;
  private readonly rcuGp: Relation;
  private readonly srcuGp: Relation;
  private readonly rcuRscsI: Relation;
  private readonly loc: Relation;
  private readonly withSrcu: boolean;
  /** rcu-order on K by rcu-link on K (and SRCU critical sections): a pure function, cached. */
  private readonly memo = new Map<string, Relation>();
  /** [K] ; po? : where every rcu-link from an RCU event starts. */
  private readonly fromK: Relation;

  constructor(private readonly sk: Skeleton, sets: RcuEvents, rcuRscsI: Relation, poOpt: Relation) {
    const inK = sets.SyncRcu.union(sets.SyncSrcu).union(sets.SrcuLock).union(sets.SrcuUnlock)
      .union(rcuRscsI.domain()).union(rcuRscsI.range());
    this.members = [...inK.members()];
    this.k = this.members.length;
    this.rcuGp = this.shrink(Relation.ofSet(sets.SyncRcu));
    this.srcuGp = this.shrink(Relation.ofSet(sets.SyncSrcu));
    this.rcuRscsI = this.shrink(rcuRscsI);
    this.loc = this.shrink(sk.loc);
    this.withSrcu = !sets.SyncSrcu.isEmpty();
    this.fromK = poOpt.restrict(inK, null);
  }

  /**
   * The fixpoint and the rcu check, given this candidate's prop, hb+, pb+ and SRCU critical
   * sections (inverted; empty without SRCU).
   */
  compute(prop: Relation, hbPlus: Relation, pbPlus: Relation, srcuRscsI: Relation): RcuOrderResult {
    // [K] ; po? ; hb* ; pb* ; prop ; po, with r ; s* as r | r ; s+.
    const toHb = this.fromK.seqOr(hbPlus, this.fromK);
    const link = this.shrink(toHb.seqOr(pbPlus, toHb).seq(prop).seq(this.sk.po));
    const srcuI = this.withSrcu ? this.shrink(srcuRscsI) : null;
    // The fixpoint depends on these few bits alone, and candidates share them often.
    const key = srcuI ? `${link.key()}|${srcuI.key()}` : link.key();
    let small = this.memo.get(key);
    if (small === undefined) {
      if (this.memo.size >= MEMO_LIMIT) this.memo.clear();
      small = this.fixpoint(link, srcuI);
      this.memo.set(key, small);
    }
    const order = small;
    return { ok: order.seq(link).isIrreflexive(), order: () => this.grow(order) };
  }

  /** rcu-order on K, the least fixpoint of linux-kernel.cat's definition. */
  private fixpoint(link: Relation, srcuI: Relation | null): Relation {
    const rcuGp = this.rcuGp;
    const srcuGp = this.srcuGp;
    // [X, Y, same location]: the terms X ; rcu-link ; Y and X ; rcu-link ; order ; rcu-link ; Y.
    const ends: Array<[Relation, Relation, boolean]> = [
      [rcuGp, this.rcuRscsI, false],
      [this.rcuRscsI, rcuGp, false],
    ];
    if (srcuI) ends.push([srcuGp, srcuI, true], [srcuI, srcuGp, true]);
    const atLoc = (r: Relation, sameLoc: boolean) => (sameLoc ? r.inter(this.loc) : r);
    const pairs = ends.map(([x, y, sameLoc]) => ({ left: x.seq(link), right: link.seq(y), y, sameLoc }));
    const base = rcuGp.union(srcuGp, ...pairs.map((p) => atLoc(p.left.seq(p.y), p.sameLoc)));
    let order = base;
    for (;;) {
      const next = base.union(
        ...pairs.map((p) => atLoc(p.left.seq(order).seq(p.right), p.sameLoc)),
        order.seq(link).seq(order),
      );
      if (next.equals(order)) return order;
      order = next;
    }
  }

  /** r cut down to K x K, renumbered. */
  private shrink(r: Relation): Relation {
    const out = new Relation(this.k);
    const m = this.members;
    for (let i = 0; i < m.length; i++) for (let j = 0; j < m.length; j++) if (r.has(m[i], m[j])) out.add(i, j);
    return out;
  }

  /** A relation on K as one on all the events. */
  private grow(r: Relation): Relation {
    const out = new Relation(this.sk.n);
    for (const [i, j] of r.pairs()) out.add(this.members[i], this.members[j]);
    return out;
  }
}
