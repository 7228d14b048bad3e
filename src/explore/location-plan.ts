// The per-location plan of one combination's search: everything about a location's share of the
// search that does not change as it proceeds. Its co units (a write, or a lock's critical
// section, which moves as one) in per-thread queues, the reads whose rf source the search
// chooses with their candidate sources, the reads whose source follows (an RMW's or a lock's
// read takes the co-previous write), and what the local coherence checks need.
import type { Value } from '../lower/program.js';
import { Relation } from '../execution/relation.js';
import type { Event, Skeleton } from '../execution/execution.js';
import type { CombinationSkeleton } from './skeleton.js';

/** The write units of one location whose co order is chosen: a lock's critical section moves as one. */
export interface CoUnit {
  events: number[];
  thread: number;
  mustBeLast: boolean;
}

/** A read whose rf source the search chooses, with its candidate sources. */
export interface ReadChoice {
  read: Event;
  sources: number[];
  /** A plain or RMW read (its value picks the thread's path), not a lock read. */
  valueRead: boolean;
  /** Same-thread accesses of the location before and after it in program order. */
  before: Event[];
  after: Event[];
  /** The sources that take a place in co (an unlock outside any critical section does not). */
  placeable: number[];
  sourceSet: Set<number>;
}

/** Everything about one location's share of the search that does not change as it proceeds. */
export interface LocationPlan {
  loc: string;
  init: number;
  /** Co units per thread, in program order. */
  queues: CoUnit[][];
  units: number;
  /** The read partner of each RMW write and each LKW (its rf is the co-previous write). */
  partner: Map<number, number>;
  derived: Set<number>;
  reads: ReadChoice[];
  /** For the local coherence check: the location's events, and po-loc among them. */
  local: number[];
  index: Map<number, number>;
  poLoc: Relation;
  writesCount: number;
  /** What reads may take before any write is placed: the initial write, and sources never placed. */
  initialSources: number[];
  /** For each write, the reads of its thread after it in program order (they may not read co-before it). */
  ownReadsAfter: Map<number, number[]>;
  /** For each write, the reads of its thread before it in program order (they must read co-before it). */
  ownReadsBefore: Map<number, number[]>;
  /** Every write is the write of a value read-modify-write. */
  allRmw: boolean;
}

/**
 * The plans of the locations some thread accesses, in search order; null when the combination
 * has no execution at all (a deadlock, or a read with no source). `coherent`: the model requires
 * coherence and atomicity, so sources that break them are left out.
 */
export function planLocations(comb: CombinationSkeleton, coherent: boolean): LocationPlan[] | null {
  const plans: LocationPlan[] = [];
  for (const [loc, init] of comb.inits) {
    if (!comb.ev.some((e) => e.thread >= 0 && e.loc === loc && e.kind !== 'F')) continue;
    const plan = new Planner(comb, loc, init, coherent).plan();
    if (plan === null) return null;
    plans.push(plan);
  }
  // Locations with more writes first: their co orders constrain every later rf choice, so
  // partial checks prune as early as possible; then the fewest reads.
  // A location whose writes are all value RMWs (a set_bit chain) goes last: its co orders are
  // permutations that the other locations' decisions let the partial checks cut as they are built.
  plans.sort((a, b) => Number(a.allRmw) - Number(b.allRmw) || b.writesCount - a.writesCount || a.reads.length - b.reads.length);
  return plans;
}

function coUnits(sk: Skeleton, writes: Event[]): CoUnit[] | null {
  const ev = sk.events;
  const units: CoUnit[] = [];
  const taken = new Set<number>();
  let unmatched = 0;
  for (const w of writes) {
    if (taken.has(w.id)) continue;
    if (w.lock === 'LKW') {
      // Its critical section ends at the next UL of this thread with no LKW/UL in between.
      const next = ev.find((e) => e.thread === w.thread && e.poIndex > w.poIndex && e.loc === w.loc && (e.lock === 'UL' || e.lock === 'LKW'));
      if (next && next.lock === 'UL') {
        taken.add(next.id);
        units.push({ events: [w.id, next.id], thread: w.thread, mustBeLast: false });
      } else {
        unmatched++;
        units.push({ events: [w.id], thread: w.thread, mustBeLast: true });
      }
    } else if (w.lock === 'UL') {
      // An unlock with no lock before it: lock.cat leaves it out of co altogether.
      continue;
    } else units.push({ events: [w.id], thread: w.thread, mustBeLast: false });
  }
  if (unmatched > 1) return null; // two locks never released: every execution deadlocks
  return units;
}

/** Plans one location of one combination. */
class Planner {
  private readonly ev: Event[];
  private readonly writes: Event[];
  private readonly reads: Event[];

  constructor(
    private readonly comb: CombinationSkeleton,
    private readonly loc: string,
    private readonly init: number,
    private readonly coherent: boolean,
  ) {
    this.ev = comb.ev;
    this.writes = this.ev.filter((e) => e.thread >= 0 && e.kind === 'W' && e.loc === loc);
    this.reads = this.ev.filter((e) => e.kind === 'R' && e.loc === loc);
  }

  plan(): LocationPlan | null {
    const { comb, ev, loc, init, writes, reads, coherent } = this;
    const units = coUnits(comb.sk, writes);
    if (units === null) return null;
    const inCo = new Set(units.flatMap((u) => u.events));
    const partner = new Map<number, number>();
    for (const [r, w] of comb.sk.rmw.pairs()) if (ev[w].loc === loc) partner.set(w, r);
    const derived = new Set<number>();
    if (coherent) for (const [, r] of partner) derived.add(r);
    for (const r of reads) if (r.lock === 'LKR') derived.add(r.id);

    const choices: ReadChoice[] = [];
    for (const r of reads) {
      if (derived.has(r.id)) continue;
      const sources = this.sources(r);
      if (sources === null || sources.length === 0) return null;
      const sameThread = ev.filter((e) => e.thread === r.thread && e.loc === loc && e.id !== r.id && e.kind !== 'F');
      choices.push({
        read: r, sources, valueRead: comb.allowed.has(r.id), before: sameThread.filter((e) => e.poIndex < r.poIndex), after: sameThread.filter((e) => e.poIndex > r.poIndex),
        placeable: sources.filter((w) => inCo.has(w)), sourceSet: new Set(sources),
      });
    }
    const initialSources = [init, ...new Set(choices.flatMap((c) => c.sources.filter((w) => w !== init && !inCo.has(w))))];
    const { ownReadsAfter, ownReadsBefore } = ownReads(choices);
    const local = [init, ...writes.map((w) => w.id), ...reads.map((r) => r.id)];
    const byThread = new Map<number, CoUnit[]>();
    for (const u of units) {
      let l = byThread.get(u.thread);
      if (!l) byThread.set(u.thread, (l = []));
      l.push(u);
    }
    const allRmw = writes.length > 1 && writes.every((w) => w.lock === null && partner.has(w.id));
    return {
      loc, init, queues: [...byThread.values()], units: units.length, partner, derived, reads: choices, local, index: new Map(local.map((id, i) => [id, i])), poLoc: this.poLoc(local),
      writesCount: writes.length, initialSources, ownReadsAfter, ownReadsBefore, allRmw,
    };
  }

  /** The writes read r may take; null for a nested lock (a deadlock). */
  private sources(r: Event): number[] | null {
    const { ev, loc, init, writes, coherent } = this;
    if (r.lock === 'LF' || r.lock === 'RL') {
      // Inside its own critical section it reads that section's LKW; else another thread's LKW.
      const own = ev.filter(
        (w) => w.lock === 'LKW' && w.thread === r.thread && w.loc === loc && w.poIndex < r.poIndex &&
          !ev.some((u) => u.lock === 'UL' && u.thread === r.thread && u.loc === loc && u.poIndex > w.poIndex && u.poIndex < r.poIndex),
      );
      if (own.length > 1) return null; // nested lock: deadlock
      return own.length > 0 ? [own[0].id] : writes.filter((w) => w.lock === 'LKW' && w.thread !== r.thread).map((w) => w.id);
    }
    if (r.lock === 'RU') {
      const own = this.lastBefore(r, (e) => e.lock === 'UL');
      const sources = [init, ...writes.filter((w) => w.thread !== r.thread && w.lock === 'UL').map((w) => w.id)];
      if (own) sources.unshift(own.id);
      return sources;
    }
    const local = coherent ? this.lastBefore(r, (e) => e.kind === 'W') : undefined;
    const sources: number[] = [];
    for (const w of [ev[init], ...writes]) {
      if (w.lock !== null || !this.mayHold(w, r)) continue;
      if (coherent && w.thread === r.thread && w !== local) continue; // a po-later or overwritten own write
      if (coherent && w.thread < 0 && local) continue; // init is co-before our own earlier write
      sources.push(w.id);
    }
    return sources;
  }

  /** The po-last access of the location before r in its thread that satisfies pred. */
  private lastBefore(r: Event, pred: (e: Event) => boolean): Event | undefined {
    let best: Event | undefined;
    for (const e of this.ev) if (e.thread === r.thread && e.poIndex < r.poIndex && e.loc === this.loc && pred(e) && (!best || e.poIndex > best.poIndex)) best = e;
    return best;
  }

  /** Whether write w may give read r a value its shape allows. */
  private mayHold(w: Event, r: Event): boolean {
    const allowed: Set<Value> | undefined = this.comb.allowed.get(r.id);
    if (!allowed) return true;
    if (w.value !== null) return allowed.has(w.value);
    const f = this.comb.symbolic.get(w.id);
    if (!f) return false;
    for (const v of f.byRead.values()) if (allowed.has(v)) return true;
    return false;
  }

  /** po-loc among the location's events (local indices). */
  private poLoc(local: number[]): Relation {
    const { ev } = this;
    const k = local.length;
    const poLoc = new Relation(k);
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < k; b++) {
        const ea = ev[local[a]];
        const eb = ev[local[b]];
        if (ea.thread >= 0 && ea.thread === eb.thread && ea.poIndex < eb.poIndex) poLoc.add(a, b);
      }
    }
    return poLoc;
  }
}

/** For each write, its thread's chosen reads after it and before it in program order. */
function ownReads(choices: ReadChoice[]): { ownReadsAfter: Map<number, number[]>; ownReadsBefore: Map<number, number[]> } {
  const ownReadsAfter = new Map<number, number[]>();
  const ownReadsBefore = new Map<number, number[]>();
  const note = (m: Map<number, number[]>, w: number, r: number) => {
    let l = m.get(w);
    if (!l) m.set(w, (l = []));
    l.push(r);
  };
  for (const c of choices) {
    for (const e of c.before) if (e.kind === 'W') note(ownReadsAfter, e.id, c.read.id);
    for (const e of c.after) if (e.kind === 'W') note(ownReadsBefore, e.id, c.read.id);
  }
  return { ownReadsAfter, ownReadsBefore };
}
