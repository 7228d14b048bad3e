// The executions of one combination of path shapes, searched depth-first one decision at a time,
// location by location (location-plan.ts): the co position of the next write (or critical
// section) of the location, and, as each write is placed, which of the reads still without a
// source take it (a read may wait for a later write). After every decision the partial execution
// is checked: per-location coherence with the thread's own accesses, the thread paths the decided
// values select (path-choice.ts), the goal over the values already decided (exploration.ts), and,
// adaptively, the model's partial constraints (partial-checks.ts).
import { SYMBOL, type Value } from '../lower/program.js';
import type { Observable } from '../parse/ast.js';
import type { PreparedModel } from '../models/model.js';
import { Relation } from '../execution/relation.js';
import type { PartialObserver } from '../execution/condition.js';
import type { Candidate, Skeleton } from '../execution/execution.js';
import { Found, type CandidateExecution, type Exploration } from './exploration.js';
import { planLocations, type CoUnit, type LocationPlan, type ReadChoice } from './location-plan.js';
import { PartialChecks, SITES_PER_LOCATION } from './partial-checks.js';
import { ThreadPaths } from './path-choice.js';
import type { CombinationSkeleton } from './skeleton.js';
import { CycleValues, type Naming } from './symbols.js';
import { pathEnds, type ThreadPath } from './thread-path.js';
import { countLoopCut, cutByLoopBound, shapeMayCut } from './loop-cuts.js';

/** An execution whose skeleton (with its values) is built on first access. */
function withSkeleton<T extends CandidateExecution>(rest: Omit<T, 'skeleton'>, skeleton: () => Skeleton): T {
  return Object.defineProperty(rest, 'skeleton', { get: skeleton, enumerable: true }) as T;
}

export class CombinationSearch {
  private readonly coherent: boolean;
  /** The rf and co decided so far (rf: write -> read), as the model's partial checks see them. */
  private readonly rf: Relation;
  private readonly co: Relation;
  private readonly candidate: Candidate;
  /** The same relations once complete: coherent by construction when the model assumes coherence. */
  private readonly completed: Candidate;
  /** Each read's rf source (-1 while undecided), and each write's co position in its location (-1 while unplaced). */
  private readonly source: Int32Array;
  private readonly coPos: Int32Array;
  /** Each location's co-last write placed so far, and whether its co order is complete. */
  private readonly last = new Map<string, number>();
  private readonly locDone = new Map<string, boolean>();
  private readonly paths: ThreadPaths;
  private plans: LocationPlan[] = [];
  private prepared: PreparedModel | null = null;
  private checks: PartialChecks | null = null;
  /** Values justified through a cycle: the check of each complete candidate, or null when none can be. */
  private cycles: CycleValues | null = null;
  private readonly observer: PartialObserver = (o) => this.observe(o);
  /** Whether some thread's path may stop at a loop bound: values are then partial (loop-cuts.ts). */
  private readonly mayCut: boolean;
  private readonly readValue = (t: number, i: number): Value | null => this.valueOf(this.source[this.comb.base[t] + i]);

  constructor(
    private readonly x: Exploration,
    private readonly comb: CombinationSkeleton,
  ) {
    this.coherent = x.coherent;
    this.paths = new ThreadPaths(comb.shapes);
    this.mayCut = comb.shapes.some(shapeMayCut);
    const n = comb.sk.n;
    this.rf = new Relation(n);
    this.co = new Relation(n);
    this.candidate = { rf: this.rf, co: this.co };
    this.completed = { rf: this.rf, co: this.co, coherent: this.coherent };
    this.source = new Int32Array(n).fill(-1);
    this.coPos = new Int32Array(n).fill(-1);
    for (const [loc, id] of comb.inits) {
      this.last.set(loc, id);
      this.coPos[id] = 0;
    }
  }

  run(): void {
    const { comb, x } = this;
    const plans = planLocations(comb, this.coherent);
    if (plans === null) return; // no execution at all: a deadlock, or a read with no source
    this.plans = plans;
    for (const p of plans) this.locDone.set(p.loc, false);
    if (x.dataCycles) this.cycles = CycleValues.plan(comb.sk, [...comb.allowed.keys()], comb.allowed, comb.symbolOrigins());
    if (this.paths.anyPathless()) return;
    if (this.goalSettled()) return;
    const prepared = (this.prepared = x.model.prepare(comb.sk));
    this.checks = new PartialChecks(plans, prepared, this.candidate, x.stats);
    this.location(0);
  }

  // ---- values and the partial final state ----

  /** The value an event has in the partial execution, or null while it is not decided. */
  private valueOf(id: number): Value | null {
    return this.comb.valueOf(id, this.source);
  }

  private observe(o: Observable): Value | null {
    const v = this.observeValue(o);
    // A symbol is named only in the complete candidate; until then it equals no known value.
    return v === SYMBOL ? null : v;
  }

  private observeValue(o: Observable): Value | null {
    if (o.k === 'mem') {
      const done = this.locDone.get(o.name);
      if (done === false) return null;
      const id = this.last.get(o.name);
      return id === undefined ? 0 : this.valueOf(id);
    }
    const t = o.thread;
    const shape = this.comb.shapes[t];
    if (!shape) return 0;
    const p = this.paths.taken[t];
    if (p) return p.regs.get(o.reg) ?? 0;
    if (!shape.representative.regs.has(o.reg)) return 0;
    const fixed = shape.fixedRegs.get(o.reg);
    if (fixed !== undefined) return fixed;
    const i = shape.readRegs.get(o.reg);
    if (i === undefined) return null;
    const s = this.source[this.comb.base[t] + i];
    return s < 0 ? null : this.valueOf(s);
  }

  // ---- setting and undoing decisions ----

  private setSource(r: number, w: number): void {
    this.rf.add(w, r);
    this.source[r] = w;
    if (this.comb.allowed.has(r)) this.paths.bound(this.comb.ev[r].thread, this.readValue);
  }

  private unsetSource(r: number, w: number): void {
    this.rf.delete(w, r);
    this.source[r] = -1;
    if (this.comb.allowed.has(r)) this.paths.unbound(this.comb.ev[r].thread);
  }

  /** After a decision: whether the partial execution can still be completed into one we want. */
  private viable(r: number): boolean {
    if (this.paths.pathless(this.comb.ev[r].thread)) {
      this.x.stats.pruned++; // these read values are no path of the thread: not an execution
      return false;
    }
    return !this.goalSettled();
  }

  // ---- the search ----

  private location(k: number): void {
    if (k === this.plans.length) {
      this.leaf();
      return;
    }
    const plan = this.plans[k];
    this.bind(k, [plan.init], plan.queues.map(() => 0), 0, plan.initialSources, 0, SITES_PER_LOCATION / 2);
  }

  /** Choose the next co unit of location k's order. */
  private place(k: number, order: number[], next: number[], placed: number): void {
    const plan = this.plans[k];
    if (placed === plan.units) {
      // Every read took its source when that write was placed (none may be left deferred).
      for (const c of plan.reads) if (this.source[c.read.id] < 0) return;
      this.complete(k, order);
      return;
    }
    const prev = order[order.length - 1];
    for (let q = 0; q < plan.queues.length; q++) {
      const queue = plan.queues[q];
      if (next[q] >= queue.length) continue;
      const u = queue[next[q]];
      if (u.mustBeLast && placed !== plan.units - 1) continue;
      if (!this.canFollow(plan, u, prev)) continue;
      if (this.coherent && this.readsCoBefore(plan, u)) continue;
      this.x.step();
      const start = order.length;
      this.appendCo(order, u);
      const r = plan.partner.get(u.events[0]);
      const derived = r !== undefined && plan.derived.has(r) ? r : -1;
      if (derived >= 0) this.setSource(derived, prev);
      next[q]++;
      if (derived < 0 || this.viable(derived)) this.bind(k, order, next, placed + 1, u.events, 0, placed);
      next[q]--;
      if (derived >= 0) this.unsetSource(derived, prev);
      this.truncateCo(order, start);
    }
  }

  /** Place u's events at the end of the location's co order. */
  private appendCo(order: number[], u: CoUnit): void {
    const { co, coPos } = this;
    for (const e of u.events) {
      for (const o of order) co.add(o, e);
      coPos[e] = order.length;
      order.push(e);
    }
  }

  /** Undo appendCo: the location's co order back to its first `start` writes. */
  private truncateCo(order: number[], start: number): void {
    const { co, coPos } = this;
    for (let i = order.length - 1; i >= start; i--) {
      const e = order[i];
      for (let j = 0; j < i; j++) co.delete(order[j], e);
      coPos[e] = -1;
    }
    order.length = start;
  }

  /** A unit may follow the current last write only if its derived read can read that write. */
  private canFollow(plan: LocationPlan, u: CoUnit, prev: number): boolean {
    const { ev } = this.comb;
    const first = ev[u.events[0]];
    const p = ev[prev];
    if (first.lock === 'LKW') return p.thread < 0 || p.lock === 'UL';
    const r = plan.partner.get(first.id);
    if (this.coherent && r !== undefined) {
      if (p.lock !== null) return false;
      const v = this.valueOf(prev);
      return v !== null && this.comb.allowed.get(r)!.has(v);
    }
    return true;
  }

  /**
   * Each read takes its rf source when that write is placed in co (or at the start, for the
   * initial write): after placing the writes `fresh`, every read still without a source either
   * takes one of them or waits for a later write (if one of its sources is still to be placed).
   * So fr edges appear as soon as later writes are placed, and the partial checks see them early.
   */
  private bind(k: number, order: number[], next: number[], placed: number, fresh: readonly number[], j: number, site: number): void {
    const plan = this.plans[k];
    if (j === plan.reads.length) {
      this.checks!.guarded(k, site, () => this.place(k, order, next, placed));
      return;
    }
    const c = plan.reads[j];
    const r = c.read.id;
    if (this.source[r] >= 0) {
      this.bind(k, order, next, placed, fresh, j + 1, site);
      return;
    }
    // Waiting for a later write first: the co-latest sources are the likeliest coherent ones,
    // so the first complete executions come after few steps.
    if (c.placeable.some((w) => this.coPos[w] < 0)) this.bind(k, order, next, placed, fresh, j + 1, site);
    const allowed = c.valueRead ? this.comb.allowed.get(r) : undefined;
    for (const s of fresh) {
      if (!c.sourceSet.has(s)) continue;
      if (allowed) {
        const v = this.valueOf(s);
        if (v === null || !allowed.has(v)) continue;
      }
      if (this.coherent && !this.locallyCoherent(c, s)) continue;
      this.x.step();
      this.setSource(r, s);
      if (this.viable(r)) this.bind(k, order, next, placed, fresh, j + 1, site);
      this.unsetSource(r, s);
    }
  }

  /**
   * Whether placing u now breaks coherence with its own thread's reads: a po-later read that
   * already took a source (which would be co-before u: CoWR), or a po-earlier read still without
   * one (every source left would be co-after u: CoRW).
   */
  private readsCoBefore(plan: LocationPlan, u: CoUnit): boolean {
    for (const e of u.events) for (const r of plan.ownReadsAfter.get(e) ?? []) if (this.source[r] >= 0) return true;
    // Only before the unit's first event: a read inside a critical section takes its own lock write.
    for (const r of plan.ownReadsBefore.get(u.events[0]) ?? []) if (this.source[r] < 0) return true;
    return false;
  }

  /** The per-location coherence patterns (CoWR, CoRW, CoRR) of a read taking s, by co positions. */
  private locallyCoherent(c: ReadChoice, s: number): boolean {
    const { coPos, source } = this;
    const ps = coPos[s];
    if (ps < 0) return true;
    for (const e of c.before) {
      if (e.kind === 'W') {
        if (coPos[e.id] >= 0 && ps < coPos[e.id]) return false;
      } else {
        const se = source[e.id];
        if (se >= 0 && coPos[se] >= 0 && coPos[se] > ps) return false;
      }
    }
    for (const e of c.after) {
      if (e.kind === 'W') {
        if (coPos[e.id] >= 0 && ps >= coPos[e.id]) return false;
      } else {
        const se = source[e.id];
        if (se >= 0 && coPos[se] >= 0 && coPos[se] < ps) return false;
      }
    }
    return true;
  }

  /** Location k is decided: check it, then go on to the next. */
  private complete(k: number, order: number[]): void {
    const plan = this.plans[k];
    if (this.coherent && !this.isCoherent(plan, order)) {
      this.x.stats.pruned++;
      return;
    }
    const lastBefore = this.last.get(plan.loc)!;
    this.last.set(plan.loc, order[order.length - 1]);
    this.locDone.set(plan.loc, true);
    if (!this.goalSettled()) {
      if (k + 1 === this.plans.length) this.location(k + 1);
      else this.checks!.guarded(k, SITES_PER_LOCATION - 1, () => this.location(k + 1));
    }
    this.locDone.set(plan.loc, false);
    this.last.set(plan.loc, lastBefore);
  }

  /** Local coherence: acyclic(po-loc | rf | co | fr) on this location's events alone. */
  private isCoherent(plan: LocationPlan, order: number[]): boolean {
    const { index, local } = plan;
    const k = local.length;
    const co = new Relation(k);
    for (let i = 0; i < order.length; i++) for (let j = i + 1; j < order.length; j++) co.add(index.get(order[i])!, index.get(order[j])!);
    const rfRel = new Relation(k);
    for (const r of local) {
      const s = this.source[r];
      if (s >= 0 && this.comb.ev[r].kind === 'R') rfRel.add(index.get(s)!, index.get(r)!);
    }
    const fr = rfRel.inverse().seq(co);
    return plan.poLoc.union(rfRel, co, fr).isAcyclic();
  }

  // ---- a complete candidate ----

  private finalState(naming: Naming | null): Map<string, Value> {
    const memory = new Map<string, Value>();
    for (const [loc, id] of this.last) {
      const v = this.valueOf(id) ?? 0;
      memory.set(loc, v === SYMBOL && naming ? naming(this.comb.copies.get(id)!) : v);
    }
    return memory;
  }

  /** The complete candidate: the model's verdict, then the visitor (or onRejected). */
  private leaf(): void {
    const { x, comb } = this;
    const taken: ThreadPath[] = [];
    for (const p of this.paths.taken) {
      if (!p) {
        x.stats.pruned++;
        return;
      }
      taken.push(p);
    }
    let naming: Naming | null = null;
    if (this.cycles) {
      naming = this.cycles.names(this.source, (id) => this.valueOf(id));
      if (!naming) {
        x.stats.pruned++; // a value known only through a cycle: herd7 has no such candidate
        return;
      }
    }
    x.execution();
    x.stats.explored++;
    // The model sees the symbolic writes' values of this execution (herd's value checks use them).
    const { ev } = comb;
    for (const id of comb.symbolic.keys()) ev[id].value = this.valueOf(id);
    try {
      this.judge(taken, naming);
    } finally {
      for (const id of comb.symbolic.keys()) ev[id].value = null;
    }
  }

  /** Whether the values decided so far rule out every completion the search wants. */
  private goalSettled(): boolean {
    // A cut execution's values are partial: it is counted, never pruned (loop-cuts.ts).
    return !this.mayCut && this.x.goalSettled(this.observer);
  }

  private judge(taken: ThreadPath[], naming: Naming | null): void {
    const { x, comb } = this;
    const verdict = this.prepared!.consistency(this.completed);
    // A thread stopped at an --unroll bound: counted when consistent, never judged nor shown.
    if (cutByLoopBound(taken)) {
      if (verdict.consistent) countLoopCut(x.stats);
      return;
    }
    const regs = naming ? taken.map((p, t) => comb.namedRegs(p, t, naming)) : taken.map((p) => p.regs);
    const undefinedBehaviour = taken.find((p) => p.undefined)?.undefined ?? null;
    if (!verdict.consistent) {
      if (x.limits.onRejected) x.limits.onRejected(withSkeleton({ rf: this.rf.detached(), co: this.co.detached(), failed: verdict.failed ?? 'model', regs, memory: this.finalState(naming), undefinedBehaviour, blocked: [] }, comb.lazySkeleton(this.source)));
      return;
    }
    x.stats.consistent++;
    const memory = this.finalState(naming);
    const ends = pathEnds(taken, memory);
    if (ends === 'unfinished') {
      x.stats.unfinished = (x.stats.unfinished ?? 0) + 1;
      return;
    }
    if (ends.cut !== null) x.stats.cut ??= ends.cut;
    const stop = x.visit(withSkeleton({ rf: this.rf.detached(), co: this.co.detached(), flags: verdict.flags, regs, memory, undefinedBehaviour, blocked: ends.blocked }, comb.lazySkeleton(this.source)));
    if (stop === true) throw new Found();
  }
}
