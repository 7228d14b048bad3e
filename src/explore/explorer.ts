// The explorer: combines one path per thread, then builds executions location by location.
//
// For each location it enumerates the local choices that can be part of a consistent execution
// (a co order of its writes and an rf source for each of its reads, coherent on their own), with
// the reads of read-modify-writes and spin_lock taking the co-previous write, as atomicity
// demands. The executions are then the product of the locations' choices, pruned as soon as the
// model says a partial execution cannot be completed. Every model we run requires coherence and
// atomicity, so these prunings never remove a consistent execution and the counts match herd7's.
import type { Program, Value } from '../lower/program.js';
import type { MemoryModel, PreparedModel } from '../models/model.js';
import { EventSet, Relation } from '../execution/relation.js';
import { holdsOnRegisters } from '../execution/condition.js';
import type { Candidate, Event, Skeleton } from '../execution/execution.js';
import { PathLimitError, computeDomains, type ThreadPath, type UndefinedBehaviour } from './paths.js';
import { groupIntoShapes, valuesKey, type PathShape } from './shapes.js';

export interface ExploreLimits {
  /** Stop after this many candidate executions have been checked. */
  maxExecutions?: number;
  /** Wall-clock deadline (ms since the epoch, as Date.now()). */
  deadline?: number;
  /** Most paths one thread may have. */
  maxPaths?: number;
  /**
   * Called for each complete candidate the model rejects. Only candidates the explorer builds
   * reach it: when the model assumes coherence, incoherent ones and those pruned as partial
   * executions never do (explain uses a permissive model to see every candidate).
   */
  onRejected?: (e: RejectedExecution) => void;
}

/** A complete candidate execution, with its final state. */
export interface CandidateExecution {
  /** The events, with the values the reads actually got. */
  skeleton: Skeleton;
  rf: Relation;
  co: Relation;
  /** Final register values per thread (user registers only). */
  regs: Map<string, Value>[];
  /** Final value of every location (its co-last write). */
  memory: Map<string, Value>;
  /** Where a thread's path stopped at undefined behaviour (the first such thread), or null. */
  undefinedBehaviour: UndefinedBehaviour | null;
}

export interface ConsistentExecution extends CandidateExecution {
  /** Flags the model raised (e.g. data-race). */
  flags: string[];
}

/** A complete candidate the model rejected, with the check that failed (for explanations). */
export interface RejectedExecution extends CandidateExecution {
  failed: string;
}

export interface ExploreStats {
  /** Combinations of thread paths whose executions were searched. */
  pathCombinations: number;
  /** Combinations left out because the filter is false on their registers alone. */
  filteredCombinations: number;
  /** Complete candidate executions handed to the model. */
  explored: number;
  /** Of those, the ones the model accepted. */
  consistent: number;
  /** Partial executions the model ruled out before they were completed. */
  pruned: number;
  /** Set when a limit stopped the exploration: what was hit. */
  incomplete: string | null;
}

export type Visitor = (e: ConsistentExecution) => void;

const DEFAULT_MAX_PATHS = 100_000;

class StopExploring extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

export function explore(program: Program, model: MemoryModel, visit: Visitor, limits: ExploreLimits = {}): ExploreStats {
  const stats: ExploreStats = { pathCombinations: 0, filteredCombinations: 0, explored: 0, consistent: 0, pruned: 0, incomplete: null };
  let paths: ThreadPath[][];
  let locations: string[];
  try {
    const d = computeDomains(program, limits.maxPaths ?? DEFAULT_MAX_PATHS, limits.deadline);
    paths = d.paths;
    locations = [...d.domains.keys()];
  } catch (e) {
    if (e instanceof PathLimitError) {
      stats.incomplete = e.message;
      return stats;
    }
    throw e;
  }
  const observedLocs = new Set(program.observed.flatMap((o) => (o.obs.k === 'mem' ? [o.obs.name] : [])));
  const initValues = new Map<string, Value>();
  for (const loc of locations) initValues.set(loc, program.locations.get(loc) ?? 0);
  const shapes = paths.map(groupIntoShapes);
  const choice: PathShape[] = [];
  try {
    const combine = (t: number): void => {
      if (t === shapes.length) {
        if (program.filter && filterRejectsAll(program, choice)) {
          stats.filteredCombinations++;
          return;
        }
        const allowed = availableValues(choice, initValues);
        if (!allowed) return;
        stats.pathCombinations++;
        exploreCombination(program, locations, choice, allowed, model, visit, stats, limits, observedLocs);
        return;
      }
      for (const p of shapes[t]) {
        choice[t] = p;
        combine(t + 1);
      }
    };
    combine(0);
  } catch (e) {
    if (e instanceof StopExploring) stats.incomplete = e.reason;
    else throw e;
  }
  return stats;
}

/** Whether the filter is false for every path of these shapes, judging by registers alone. */
function filterRejectsAll(program: Program, choice: PathShape[]): boolean {
  // The distinct register files of each shape; give up (do not prune) if their product is large.
  const perThread = choice.map((s) => {
    const seen = new Map<string, Map<string, Value>>();
    for (const p of s.byValues.values()) seen.set(JSON.stringify([...p.regs]), p.regs);
    return [...seen.values()];
  });
  let product = 1;
  for (const l of perThread) product *= l.length;
  if (product > 4096) return false;
  const regs: Array<Map<string, Value>> = [];
  const anyPasses = (t: number): boolean => {
    if (t === perThread.length) return holdsOnRegisters(program.filter!, regs) !== false;
    for (const r of perThread[t]) {
      regs[t] = r;
      if (anyPasses(t + 1)) return true;
    }
    return false;
  };
  return !anyPasses(0);
}

/**
 * The values each read may still take: those some write of the combination (or the initial
 * state) provides. Keyed by thread, then thread-local event index; null if a read has none.
 */
function availableValues(choice: PathShape[], init: Map<string, Value>): Array<Map<number, Set<Value>>> | null {
  const written = new Map<string, Set<Value>>();
  for (const s of choice) {
    for (const e of s.representative.events) {
      if (e.kind !== 'W' || e.lock !== null || e.loc === null || e.value === null) continue;
      let set = written.get(e.loc);
      if (!set) written.set(e.loc, (set = new Set()));
      set.add(e.value);
    }
  }
  const out: Array<Map<number, Set<Value>>> = [];
  for (const s of choice) {
    const m = new Map<number, Set<Value>>();
    for (const i of s.valueReads) {
      const loc = s.representative.events[i].loc as string;
      const ok = new Set<Value>();
      for (const v of s.allowed.get(i)!) if (init.get(loc) === v || written.get(loc)?.has(v)) ok.add(v);
      if (ok.size === 0) return null;
      m.set(i, ok);
    }
    out.push(m);
  }
  return out;
}

export function buildSkeleton(program: Program, locations: string[], choice: ThreadPath[], observedLocs: Set<string>): Skeleton {
  const events: Event[] = [];
  const used = new Set<string>(program.locations.keys());
  for (const p of choice) for (const e of p.events) if (e.loc !== null) used.add(e.loc);
  for (const loc of locations) {
    if (!used.has(loc)) continue;
    events.push({ id: events.length, thread: -1, poIndex: -1, kind: 'W', loc, value: program.locations.get(loc) ?? 0, ann: '', rmwInstr: false, lock: null, srcuSync: false, origin: null, dst: null });
  }
  const base: number[] = [];
  for (const p of choice) {
    base.push(events.length);
    p.events.forEach((e, i) => events.push({ id: events.length, thread: p.thread, poIndex: i, ...e }));
  }
  const n = events.length;
  const po = new Relation(n);
  const addr = new Relation(n);
  const data = new Relation(n);
  const ctrl = new Relation(n);
  const rmw = new Relation(n);
  const loc = new Relation(n);
  const int = new Relation(n);
  const ext = new Relation(n);
  choice.forEach((p, t) => {
    const b = base[t];
    const m = p.events.length;
    for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) po.add(b + i, b + j);
    for (const [x, y] of p.addr) addr.add(b + x, b + y);
    for (const [x, y] of p.data) data.add(b + x, b + y);
    for (const [x, y] of p.ctrl) ctrl.add(b + x, b + y);
    for (const [x, y] of p.rmw) rmw.add(b + x, b + y);
  });
  for (let a = 0; a < n; a++) {
    const ea = events[a];
    for (let b = 0; b < n; b++) {
      const eb = events[b];
      if (ea.loc !== null && ea.loc === eb.loc) loc.add(a, b);
      if (ea.thread >= 0 && ea.thread === eb.thread) int.add(a, b);
      else ext.add(a, b);
    }
  }
  return {
    events, n, threads: choice.length, po, addr, data, ctrl, rmw, loc, int, ext,
    IW: EventSet.where(n, (i) => events[i].thread < 0),
    R: EventSet.where(n, (i) => events[i].kind === 'R'),
    W: EventSet.where(n, (i) => events[i].kind === 'W'),
    F: EventSet.where(n, (i) => events[i].kind === 'F'),
    observedLocs,
  };
}

/** One location's share of an execution: its co order and the rf source of each of its reads. */
interface LocalExecution {
  /** rf edges [write, read]. */
  rf: Array<[number, number]>;
  /** The writes in co order, initial write first. */
  order: number[];
}

/** The write units of one location whose co order is chosen: a lock's critical section moves as one. */
interface CoUnit {
  events: number[];
  thread: number;
  mustBeLast: boolean;
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

/**
 * Every local execution of one location that is coherent on its own. `coherent` false (a model
 * that does not assume coherence) keeps every rf/co choice, deriving nothing.
 */
function localExecutions(sk: Skeleton, loc: string, init: number, coherent: boolean, allowed: Map<number, Set<Value>>, tick: () => void): LocalExecution[] | null {
  const ev = sk.events;
  const writes = ev.filter((e) => e.thread >= 0 && e.kind === 'W' && e.loc === loc);
  const reads = ev.filter((e) => e.kind === 'R' && e.loc === loc);
  const units = coUnits(sk, writes);
  if (units === null) return null;

  // The read partner of each RMW write and each LKW (its rf is the co-previous write).
  const partner = new Map<number, number>();
  for (const [r, w] of sk.rmw.pairs()) if (ev[w].loc === loc) partner.set(w, r);
  const derived = new Set<number>();
  if (coherent) for (const [, r] of partner) derived.add(r);
  for (const r of reads) if (r.lock === 'LKR') derived.add(r.id);

  // rf choices of the other reads.
  const lastBefore = (r: Event, pred: (e: Event) => boolean): Event | undefined => {
    let best: Event | undefined;
    for (const e of ev) if (e.thread === r.thread && e.poIndex < r.poIndex && e.loc === loc && pred(e) && (!best || e.poIndex > best.poIndex)) best = e;
    return best;
  };
  const chosen: Array<{ read: Event; sources: number[] }> = [];
  for (const r of reads) {
    if (derived.has(r.id)) continue;
    let sources: number[];
    if (r.lock === 'LF' || r.lock === 'RL') {
      // Inside its own critical section it reads that section's LKW; else another thread's LKW.
      const own = ev.filter(
        (w) => w.lock === 'LKW' && w.thread === r.thread && w.loc === loc && w.poIndex < r.poIndex &&
          !ev.some((u) => u.lock === 'UL' && u.thread === r.thread && u.loc === loc && u.poIndex > w.poIndex && u.poIndex < r.poIndex),
      );
      if (own.length > 1) return null; // nested lock: deadlock
      sources = own.length > 0 ? [own[0].id] : writes.filter((w) => w.lock === 'LKW' && w.thread !== r.thread).map((w) => w.id);
    } else if (r.lock === 'RU') {
      const own = lastBefore(r, (e) => e.lock === 'UL');
      sources = [init, ...writes.filter((w) => w.thread !== r.thread && w.lock === 'UL').map((w) => w.id)];
      if (own) sources.unshift(own.id);
    } else {
      const local = coherent ? lastBefore(r, (e) => e.kind === 'W') : undefined;
      sources = [];
      for (const w of [ev[init], ...writes]) {
        if (w.lock !== null || w.value === null || !allowed.get(r.id)!.has(w.value)) continue;
        if (coherent && w.thread === r.thread && w !== local) continue; // a po-later or overwritten own write
        if (coherent && w.thread < 0 && local) continue; // init is co-before our own earlier write
        sources.push(w.id);
      }
    }
    if (sources.length === 0) return [];
    chosen.push({ read: r, sources });
  }

  // Local coherence: acyclic(po-loc | rf | co | fr) on this location's events alone.
  const local = [init, ...writes.map((w) => w.id), ...reads.map((r) => r.id)];
  const index = new Map(local.map((id, i) => [id, i]));
  const k = local.length;
  const poLoc = new Relation(k);
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      const ea = ev[local[a]];
      const eb = ev[local[b]];
      if (ea.thread >= 0 && ea.thread === eb.thread && ea.poIndex < eb.poIndex) poLoc.add(a, b);
    }
  }
  const isCoherent = (order: number[], rf: Array<[number, number]>): boolean => {
    const co = new Relation(k);
    for (let i = 0; i < order.length; i++) for (let j = i + 1; j < order.length; j++) co.add(index.get(order[i])!, index.get(order[j])!);
    const rfRel = new Relation(k);
    for (const [w, r] of rf) rfRel.add(index.get(w)!, index.get(r)!);
    const fr = rfRel.inverse().seq(co);
    return poLoc.union(rfRel, co, fr).isAcyclic();
  };

  const out: LocalExecution[] = [];
  const order: number[] = [init];
  const byThread = new Map<number, CoUnit[]>();
  for (const u of units) {
    let l = byThread.get(u.thread);
    if (!l) byThread.set(u.thread, (l = []));
    l.push(u);
  }
  const queues = [...byThread.values()];
  const next = queues.map(() => 0);
  // A unit may follow the current last write only if its derived read can read that write.
  const canFollow = (u: CoUnit): boolean => {
    const first = ev[u.events[0]];
    const prev = ev[order[order.length - 1]];
    if (first.lock === 'LKW') return prev.thread < 0 || prev.lock === 'UL';
    const r = partner.get(first.id);
    if (coherent && r !== undefined) return prev.lock === null && prev.value !== null && allowed.get(r)!.has(prev.value);
    return true;
  };
  const chooseRf = (j: number, rf: Array<[number, number]>) => {
    tick();
    if (j === chosen.length) {
      if (!coherent || isCoherent(order, rf)) out.push({ rf: rf.slice(), order: order.slice() });
      return;
    }
    for (const s of chosen[j].sources) {
      rf.push([s, chosen[j].read.id]);
      chooseRf(j + 1, rf);
      rf.pop();
    }
  };
  const place = (placed: number) => {
    tick();
    if (placed === units.length) {
      const rf: Array<[number, number]> = [];
      for (let i = 1; i < order.length; i++) {
        const r = partner.get(order[i]);
        if (r !== undefined && derived.has(r)) rf.push([order[i - 1], r]);
      }
      chooseRf(0, rf);
      return;
    }
    for (let q = 0; q < queues.length; q++) {
      if (next[q] >= queues[q].length) continue;
      const u = queues[q][next[q]];
      if (u.mustBeLast && placed !== units.length - 1) continue;
      if (!canFollow(u)) continue;
      next[q]++;
      order.push(...u.events);
      place(placed + 1);
      order.length -= u.events.length;
      next[q]--;
    }
  };
  place(0);
  return out;
}

/** Below this many remaining candidates a partial check costs more than it saves. */
const PRUNE_THRESHOLD = 2;

function exploreCombination(
  program: Program,
  locations: string[],
  choice: PathShape[],
  allowedByThread: Array<Map<number, Set<Value>>>,
  model: MemoryModel,
  visit: Visitor,
  stats: ExploreStats,
  limits: ExploreLimits,
  observedLocs: Set<string>,
): void {
  const sk = buildSkeleton(program, locations, choice.map((s) => s.representative), observedLocs);
  const ev = sk.events;
  const n = sk.n;
  const coherent = model.assumesCoherence !== false;
  const inits: Array<[string, number]> = [];
  for (const e of ev) if (e.thread < 0 && e.loc !== null) inits.push([e.loc, e.id]);

  // Global ids of the reads whose value the search decides, and the values each may take.
  const base = new Map<number, number>();
  for (const e of ev) if (e.thread >= 0 && !base.has(e.thread)) base.set(e.thread, e.id);
  const allowed = new Map<number, Set<Value>>();
  choice.forEach((shape, t) => {
    for (const i of shape.valueReads) {
      const id = base.get(t)! + i;
      const values = allowedByThread[t].get(i)!;
      allowed.set(id, values);
      // A read's value in the shared skeleton is known only if the shape fixes it.
      ev[id] = { ...ev[id], value: values.size === 1 ? [...values][0] : null };
    }
  });

  let ticks = 0;
  const checkLimits = () => {
    if (limits.maxExecutions !== undefined && stats.explored >= limits.maxExecutions) throw new StopExploring(`--max-executions ${limits.maxExecutions} reached`);
    if (limits.deadline !== undefined && (++ticks & 255) === 0 && Date.now() > limits.deadline) throw new StopExploring('timeout reached');
  };

  // The locations whose rf/co must be chosen.
  const levels: Array<{ loc: string; options: LocalExecution[] }> = [];
  for (const [loc, init] of inits) {
    if (!ev.some((e) => e.thread >= 0 && e.loc === loc && e.kind !== 'F')) continue;
    const options = localExecutions(sk, loc, init, coherent, allowed, checkLimits);
    if (options === null || options.length === 0) return;
    levels.push({ loc, options });
  }
  // Locations with more writes first: their co orders constrain every later rf choice, so
  // partial checks prune as early as possible; then the fewest options.
  const writesAt = (loc: string) => ev.filter((e) => e.thread >= 0 && e.kind === 'W' && e.loc === loc).length;
  levels.sort((a, b) => writesAt(b.loc) - writesAt(a.loc) || a.options.length - b.options.length);
  const remaining: number[] = new Array(levels.length + 1).fill(1);
  for (let i = levels.length - 1; i >= 0; i--) remaining[i] = Math.min(remaining[i + 1] * levels[i].options.length, Number.MAX_SAFE_INTEGER);

  const prepared: PreparedModel = model.prepare(sk);
  const rf = new Relation(n);
  const co = new Relation(n);
  const last = new Map<string, number>(inits);
  const source = new Int32Array(n).fill(-1);
  const candidate: Candidate = { rf, co };

  const finalState = () => {
    const memory = new Map<string, Value>();
    for (const [loc, id] of last) memory.set(loc, ev[id].value ?? 0);
    return memory;
  };

  /** The path each thread took, given the values its reads got from their rf sources. */
  const pathsTaken = (): ThreadPath[] | null => {
    const taken: ThreadPath[] = [];
    for (let t = 0; t < choice.length; t++) {
      const shape = choice[t];
      const b = base.get(t) ?? 0;
      const p = shape.byValues.get(valuesKey(shape.valueReads.map((i) => ev[source[b + i]].value as Value)));
      if (!p) return null;
      taken.push(p);
    }
    return taken;
  };
  /** The skeleton with every read's actual value, for whoever looks at the events. */
  const valued = (): Skeleton => {
    const events = ev.map((e) => (allowed.has(e.id) ? { ...e, value: ev[source[e.id]].value } : e));
    return { ...sk, events };
  };

  const leaf = () => {
    const taken = pathsTaken();
    if (!taken) {
      stats.pruned++; // these read values are no path of the threads: not an execution
      return;
    }
    checkLimits();
    stats.explored++;
    const verdict = prepared.check(candidate);
    const undefinedBehaviour = taken.find((p) => p.undefined)?.undefined ?? null;
    if (!verdict.consistent) {
      limits.onRejected?.({ skeleton: valued(), rf: rf.clone(), co: co.clone(), failed: verdict.failed ?? 'model', regs: taken.map((p) => p.regs), memory: finalState(), undefinedBehaviour });
      return;
    }
    stats.consistent++;
    visit({ skeleton: valued(), rf: rf.clone(), co: co.clone(), flags: verdict.flags, regs: taken.map((p) => p.regs), memory: finalState(), undefinedBehaviour });
  };

  const setBit = (r: Relation, a: number, b: number, on: boolean) => {
    const i = a * r.stride + (b >>> 5);
    if (on) r.bits[i] |= 1 << (b & 31);
    else r.bits[i] &= ~(1 << (b & 31));
  };
  const apply = (x: LocalExecution, on: boolean) => {
    for (const [w, r] of x.rf) {
      setBit(rf, w, r, on);
      source[r] = on ? w : -1;
    }
    const o = x.order;
    for (let i = 0; i < o.length; i++) for (let j = i + 1; j < o.length; j++) setBit(co, o[i], o[j], on);
  };

  const search = (k: number): void => {
    if (k === levels.length) {
      leaf();
      return;
    }
    const { loc, options } = levels[k];
    const prune = prepared.mayExtend !== undefined && k + 1 < levels.length && remaining[k + 1] >= PRUNE_THRESHOLD;
    for (const x of options) {
      apply(x, true);
      last.set(loc, x.order[x.order.length - 1]);
      if (prune && !prepared.mayExtend!(candidate)) {
        checkLimits();
        stats.pruned++;
      } else search(k + 1);
      apply(x, false);
    }
  };
  search(0);
}
