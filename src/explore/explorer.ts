// The explorer: combines one path shape per thread, then builds each combination's executions
// incrementally, one decision at a time, location by location: the co position of the next write
// (or critical section) of the location, and, as each write is placed, which of the reads still
// without a source take it (a read may wait for a later write). After every decision the partial
// execution is checked: per-location coherence with the thread's own accesses, the thread paths
// the decided values select, the filter (and, in verdict mode, the condition) over the values
// already decided, and, adaptively, the model's partial constraints (mayExtend). So the first
// consistent execution comes after a few steps however large the space, and the limits count
// steps as well as executions. The reads of read-modify-writes and spin_lock take the
// co-previous write, as atomicity demands. Every model we run requires coherence and atomicity,
// so these prunings never remove a consistent execution and the counts match herd7's.
import { SYMBOL, type CondProp, type Program, type Value } from '../lower/program.js';
import type { Observable } from '../parse/ast.js';
import type { MemoryModel, PreparedModel } from '../models/model.js';
import { EventSet, Relation } from '../execution/relation.js';
import { holdsPartially, type PartialObserver } from '../execution/condition.js';
import type { Candidate, Event, Skeleton } from '../execution/execution.js';
import { PathLimitError, computeDomains, type BlockedAt, type ThreadPath, type UndefinedBehaviour } from './paths.js';
import { truthy, evaluate } from './evaluate.js';
import { groupIntoShapes, jsonKey, valuesKey, type PathShape } from './shapes.js';
import { splitProgram } from './components.js';
import { exploreSplit } from './product.js';
import { CycleValues, type Naming, type SymbolOrigins } from './symbols.js';
import { valueFlow } from './value-flow.js';
import { countLoopCut, cutByLoopBound, shapeMayCut, type LoopCutCount } from './loop-cuts.js';

/**
 * A verdict search's target: executions whose condition evaluates to `want`. The explorer
 * drops partial executions for which it is already decided the other way.
 */
export interface SearchGoal {
  condition: CondProp;
  want: boolean;
}

export interface ExploreLimits {
  /**
   * Stop after this many candidate executions have been checked, or after this many times
   * STEPS_PER_EXECUTION search steps (partial executions built), whichever comes first.
   */
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
  /**
   * Verdict mode: build only executions whose condition may still evaluate to `goal.want`;
   * the others are pruned as soon as the values decided so far settle the condition.
   */
  goal?: SearchGoal;
}

/** Search steps one unit of --max-executions allows (a step: one co or rf decision). */
export const STEPS_PER_EXECUTION = 100;

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
  /** The threads that wait forever in this execution (see BlockedAt in paths.ts), in thread order. */
  blocked: BlockedAt[];
}

export interface ConsistentExecution extends CandidateExecution {
  /** Flags the model raised (e.g. data-race). */
  flags: string[];
}

/** A complete candidate the model rejected, with the check that failed (for explanations). */
export interface RejectedExecution extends CandidateExecution {
  failed: string;
}

export interface ExploreStats extends LoopCutCount {
  /** Combinations of thread paths whose executions were searched. */
  pathCombinations: number;
  /** Combinations or partial executions left out because the filter is false on their known values. */
  filteredCombinations: number;
  /** Complete candidate executions handed to the model. */
  explored: number;
  /** Of those, the ones the model accepted. */
  consistent: number;
  /** Partial executions the model (or coherence, or the thread paths) ruled out before they were completed. */
  pruned: number;
  /** Partial executions dropped because their known values settle the goal's condition the other way. */
  goalPruned: number;
  /** Search steps: co and rf decisions taken. */
  steps: number;
  /** Partial executions handed to the model's partial check (mayExtend). */
  partialChecks: number;
  /** Set when a limit stopped the exploration: what was hit. */
  incomplete: string | null;
  /** Set when the visitor stopped the exploration (it found what it was looking for). */
  stopped: boolean;
  /**
   * Consistent executions left out because a thread stopped at a wait that its location's last
   * value ends (or an idling thread read an older value): the same runs seen before a read, not
   * executions of their own (paths.ts, BlockedAt). Optional: only the explorer sets it.
   */
  unfinished?: number;
  /** Set when a consistent execution reached a loop bound (kvm_vcpu_block()'s): the result is then incomplete. */
  cut?: string;
}

/** Called for each consistent execution; returning true stops the exploration. */
export type Visitor = (e: ConsistentExecution) => boolean | void;

const DEFAULT_MAX_PATHS = 100_000;

/**
 * How the threads of an execution end, from its final memory: 'unfinished' when a thread
 * stopped at a wait that the location's last value ends, or an idling thread read an older
 * value than the last (paths.ts, BlockedAt); else the threads that wait forever and the first
 * loop bound reached.
 */
function pathEnds(taken: readonly ThreadPath[], memory: ReadonlyMap<string, Value>): 'unfinished' | { blocked: BlockedAt[]; cut: string | null } {
  const blocked: BlockedAt[] = [];
  let cut: string | null = null;
  for (const p of taken) {
    for (const l of p.latest) if ((memory.get(l.loc) ?? 0) !== l.value) return 'unfinished';
    if (p.cut !== null) cut ??= p.cut;
    const b = p.blocked;
    if (b === null) continue;
    const last = memory.get(b.loc) ?? 0;
    if (truthy(evaluate(b.until, new Map([[b.dst, { v: last, deps: [] }]])).v)) return 'unfinished';
    blocked.push(b);
  }
  return { blocked, cut };
}

class StopExploring extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

class Found extends Error {}

export function explore(program: Program, model: MemoryModel, visit: Visitor, limits: ExploreLimits = {}): ExploreStats {
  const stats: ExploreStats = { pathCombinations: 0, filteredCombinations: 0, explored: 0, consistent: 0, pruned: 0, goalPruned: 0, steps: 0, partialChecks: 0, incomplete: null, stopped: false };
  const limiter = new Limiter(stats, limits);
  // One value-flow analysis serves the split decision, the domains and the cycle search.
  const flow = valueFlow(program);
  const dataCycles = flow.dataCycles;
  // Parts that share no location are searched apart and their executions combined (product.ts).
  // Not with a value cycle: herd7 numbers a self-justified value over the whole test (herd-vars.ts).
  const split = model.decomposes === true && !limits.onRejected && !dataCycles ? splitProgram(program) : null;
  if (split) {
    try {
      const out = exploreSplit(program, split, model, visit, limits, stats, { explore, buildSkeleton, execution: () => limiter.execution() });
      if (out !== 'fallback') {
        stats.stopped = out === 'stopped';
        return stats;
      }
    } catch (e) {
      if (!(e instanceof StopExploring)) throw e;
      stats.incomplete = e.reason;
      return stats;
    }
    Object.assign(stats, { pathCombinations: 0, explored: 0, pruned: 0, steps: 0, partialChecks: 0 });
  }
  let paths: ThreadPath[][];
  let locations: string[];
  try {
    const d = computeDomains(program, limits.maxPaths ?? DEFAULT_MAX_PATHS, limits.deadline, flow);
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
  const coherent = model.assumesCoherence !== false;
  const shapes = paths.map((p) => groupIntoShapes(p, coherent));
  const choice: PathShape[] = [];
  try {
    const combine = (t: number): void => {
      if (t === shapes.length) {
        limiter.step();
        // A path cut at a loop bound has partial registers: nothing may be pruned on them (loop-cuts.ts).
        const mayCut = choice.some(shapeMayCut);
        if (!mayCut && program.filter && registersSettle(program, program.filter, false, choice)) {
          stats.filteredCombinations++;
          return;
        }
        if (!mayCut && limits.goal && registersSettle(program, limits.goal.condition, !limits.goal.want, choice)) {
          stats.goalPruned++;
          return;
        }
        const allowed = availableValues(choice, initValues);
        if (!allowed) return;
        stats.pathCombinations++;
        new CombinationSearch(program, locations, choice, allowed, model, visit, stats, limits, limiter, observedLocs, dataCycles).run();
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
    else if (e instanceof Found) stats.stopped = true;
    else throw e;
  }
  // A loop the kernel runs without bound was cut: what was found is not the whole answer.
  if (stats.cut !== undefined && stats.incomplete === null) stats.incomplete = stats.cut;
  return stats;
}

/** Enforces --max-executions (executions and steps) and the deadline. */
class Limiter {
  private ticks = 0;
  constructor(
    private readonly stats: ExploreStats,
    private readonly limits: ExploreLimits,
  ) {}

  /** One search step; throws StopExploring when a limit is reached. */
  step(): void {
    const { stats, limits } = this;
    stats.steps++;
    if (limits.maxExecutions !== undefined && (stats.explored >= limits.maxExecutions || stats.steps > limits.maxExecutions * STEPS_PER_EXECUTION)) {
      throw new StopExploring(`--max-executions ${limits.maxExecutions} reached`);
    }
    if (limits.deadline !== undefined && (++this.ticks & 15) === 0 && Date.now() > limits.deadline) throw new StopExploring('timeout reached');
  }

  /** Before a complete candidate is checked. */
  execution(): void {
    const { stats, limits } = this;
    if (limits.maxExecutions !== undefined && stats.explored >= limits.maxExecutions) {
      throw new StopExploring(`--max-executions ${limits.maxExecutions} reached`);
    }
    if (limits.deadline !== undefined && (++this.ticks & 15) === 0 && Date.now() > limits.deadline) throw new StopExploring('timeout reached');
  }
}

/**
 * Whether `prop` evaluates to `value` for every combination of the shapes' register files,
 * judging by registers alone (memory unknown). Gives up (false) when the product is large.
 */
function registersSettle(program: Program, prop: NonNullable<Program['filter']>, value: boolean, choice: PathShape[]): boolean {
  const perThread = choice.map((s) => {
    const seen = new Map<string, Map<string, Value>>();
    for (const p of s.byValues.values()) seen.set(jsonKey([...p.regs]), p.regs);
    return [...seen.values()];
  });
  let product = 1;
  for (const l of perThread) product *= l.length;
  if (product > 4096) return false;
  const regs: Array<Map<string, Value>> = [];
  const observe: PartialObserver = (o) => {
    const v = o.k === 'reg' ? (regs[o.thread]?.get(o.reg) ?? 0) : null;
    return v === SYMBOL ? null : v;
  };
  const anyOther = (t: number): boolean => {
    if (t === perThread.length) return holdsPartially(prop, observe) !== value;
    for (const r of perThread[t]) {
      regs[t] = r;
      if (anyOther(t + 1)) return true;
    }
    return false;
  };
  return !anyOther(0);
}

/**
 * The values each read may still take: those some write of the combination (or the initial
 * state) provides. Keyed by thread, then thread-local event index; null if a read has none.
 */
function availableValues(choice: PathShape[], init: Map<string, Value>): Array<Map<number, Set<Value>>> | null {
  const written = new Map<string, Set<Value>>();
  const add = (loc: string, v: Value) => {
    let set = written.get(loc);
    if (!set) written.set(loc, (set = new Set()));
    set.add(v);
  };
  for (const s of choice) {
    s.representative.events.forEach((e, i) => {
      if (e.kind !== 'W' || e.lock !== null || e.loc === null) return;
      const sym = s.symbolic.get(i);
      if (sym) for (const v of sym.values) add(e.loc, v);
      else if (e.value !== null) add(e.loc, e.value);
    });
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


/** An execution whose skeleton (with its values) is built on first access. */
function withSkeleton<T extends CandidateExecution>(rest: Omit<T, 'skeleton'>, skeleton: () => Skeleton): T {
  return Object.defineProperty(rest, 'skeleton', { get: skeleton, enumerable: true }) as T;
}

function unsetBit(r: Relation, a: number, b: number): void {
  r.bits[a * r.stride + (b >>> 5)] &= ~(1 << (b & 31));
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

/** A read whose rf source the search chooses, with its candidate sources. */
interface ReadChoice {
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
interface LocationPlan {
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

/** Decision sites per location for the adaptive partial checks: each co placement (with the reads it binds), the start, completion. */
const SITES_PER_LOCATION = 128;
/** A site is always checked for its first SITE_TRIAL visits, then when worth it, and every SITE_SAMPLE-th visit. */
const SITE_TRIAL = 16;
const SITE_SAMPLE = 32;
/** Expected candidates saved per check above which a site is checked (a partial check costs less than a complete one). */
const SITE_WORTH = 1;

/** The executions of one combination of path shapes, searched depth-first one decision at a time. */
class CombinationSearch {
  private readonly sk: Skeleton;
  private readonly ev: Event[];
  private readonly coherent: boolean;
  private readonly base: number[];
  private readonly allowed = new Map<number, Set<Value>>();
  /** Symbolic RMW writes: global id -> paired read's global id and the value function. */
  private readonly symbolic = new Map<number, { read: number; byRead: Map<string, Value> }>();
  private plans: LocationPlan[] = [];
  private readonly inits = new Map<string, number>();
  private readonly rf: Relation;
  private readonly co: Relation;
  /** The partial candidate the model's partial checks see. */
  private readonly candidate: Candidate;
  /** The same relations once complete: coherent by construction when the model assumes coherence. */
  private readonly completed: Candidate;
  private readonly source: Int32Array;
  private readonly coPos: Int32Array;
  private readonly last = new Map<string, number>();
  private readonly locDone = new Map<string, boolean>();
  /** Value reads still without a source, per thread; the path once there are none. */
  private readonly undecided: number[];
  private readonly taken: Array<ThreadPath | null>;
  private prepared: PreparedModel | null = null;
  /** Events whose value the skeleton leaves to the execution: reads with several possible values, symbolic writes. */
  private open: number[] = [];
  private suffix: number[] = [];
  private readonly siteTries: number[] = [];
  private readonly sitePrunes: number[] = [];
  private readonly siteSkips: number[] = [];
  private readonly siteWork: number[] = [];
  private readonly siteVisits: number[] = [];
  private readonly observer: PartialObserver;
  /** Values justified through a cycle: the check of each complete candidate, or null when none can be. */
  private cycles: CycleValues | null = null;
  /** Each write of a self-justified value (global id) -> the read it copies. */
  private readonly copies = new Map<number, number>();
  /** Whether some thread's path may stop at a loop bound: values are then partial (loop-cuts.ts). */
  private readonly mayCut: boolean;

  constructor(
    private readonly program: Program,
    locations: string[],
    private readonly choice: PathShape[],
    allowedByThread: Array<Map<number, Set<Value>>>,
    private readonly model: MemoryModel,
    private readonly visit: Visitor,
    private readonly stats: ExploreStats,
    private readonly limits: ExploreLimits,
    private readonly limiter: Limiter,
    observedLocs: Set<string>,
    /** Whether a value may depend on itself in this test (value-flow.ts): else nothing to check at the leaves. */
    private readonly dataCycles = true,
  ) {
    const sk = (this.sk = buildSkeleton(program, locations, choice.map((s) => s.representative), observedLocs));
    const ev = (this.ev = sk.events);
    this.coherent = model.assumesCoherence !== false;
    for (const e of ev) if (e.thread < 0 && e.loc !== null) this.inits.set(e.loc, e.id);
    const base: number[] = [];
    for (const e of ev) if (e.thread >= 0 && base[e.thread] === undefined) base[e.thread] = e.id;
    this.base = base;
    this.undecided = choice.map((s) => s.valueReads.length);
    this.taken = choice.map((s) => (s.valueReads.length === 0 ? (s.byValues.get(valuesKey([])) ?? null) : null));
    choice.forEach((shape, t) => {
      for (const i of shape.valueReads) {
        const id = base[t] + i;
        const values = allowedByThread[t].get(i)!;
        this.allowed.set(id, values);
        // A read's value in the shared skeleton is known only if the shape fixes it.
        ev[id] = { ...ev[id], value: values.size === 1 ? [...values][0] : null };
      }
      for (const [w, f] of shape.symbolic) {
        const id = base[t] + w;
        if (f.values.size === 1) ev[id] = { ...ev[id], value: [...f.values][0] };
        else {
          ev[id] = { ...ev[id], value: null };
          this.symbolic.set(id, { read: base[t] + f.read, byRead: f.byRead });
        }
      }
    });
    const n = sk.n;
    this.rf = new Relation(n);
    this.co = new Relation(n);
    this.candidate = { rf: this.rf, co: this.co };
    this.completed = { rf: this.rf, co: this.co, coherent: this.coherent };
    this.source = new Int32Array(n).fill(-1);
    this.coPos = new Int32Array(n).fill(-1);
    for (const [loc, id] of this.inits) {
      this.last.set(loc, id);
      this.coPos[id] = 0;
    }
    this.observer = (o) => this.observe(o);
    this.mayCut = choice.some(shapeMayCut);
  }

  run(): void {
    const plans: LocationPlan[] = [];
    for (const [loc, init] of this.inits) {
      if (!this.ev.some((e) => e.thread >= 0 && e.loc === loc && e.kind !== 'F')) continue;
      const plan = this.planLocation(loc, init);
      if (plan === null) return; // no execution at all: a deadlock, or a read with no source
      plans.push(plan);
      this.locDone.set(loc, false);
    }
    // Locations with more writes first: their co orders constrain every later rf choice, so
    // partial checks prune as early as possible; then the fewest reads.
    // A location whose writes are all value RMWs (a set_bit chain) goes last: its co orders are
    // permutations that the other locations' decisions let the partial checks cut as they are built.
    plans.sort((a, b) => Number(a.allRmw) - Number(b.allRmw) || b.writesCount - a.writesCount || a.reads.length - b.reads.length);
    this.plans = plans;
    // suffix[k]: at most one candidate (1) or more (2) for the locations from k on.
    this.suffix = new Array<number>(plans.length + 1).fill(1);
    for (let k = plans.length - 1; k >= 0; k--) {
      const p = plans[k];
      let n = this.suffix[k + 1] * (p.queues.length > 1 ? 2 : 1);
      for (const c of p.reads) n *= c.sources.length;
      this.suffix[k] = Math.min(n, 2);
    }
    this.open = this.ev.flatMap((e) => (e.value === null && e.kind !== 'F' ? [e.id] : []));
    if (this.dataCycles) this.cycles = CycleValues.plan(this.sk, [...this.allowed.keys()], this.allowed, this.symbolOrigins());
    if (this.threadsWithoutPath()) return;
    if (this.goalSettled()) return;
    this.prepared = this.model.prepare(this.sk);
    this.location(0);
  }

  // ---- values and the partial final state ----

  /** The value an event has in the partial execution, or null while it is not decided. */
  private valueOf(id: number): Value | null {
    const e = this.ev[id];
    if (e.value !== null) return e.value;
    if (e.kind === 'R') {
      const s = this.source[id];
      return s < 0 ? null : this.valueOf(s);
    }
    const f = this.symbolic.get(id);
    if (!f) return null;
    const v = this.valueOf(f.read);
    if (v === null) return null;
    return f.byRead.get(valuesKey([v])) ?? null;
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
    const shape = this.choice[t];
    if (!shape) return 0;
    const p = this.taken[t];
    if (p) return p.regs.get(o.reg) ?? 0;
    if (!shape.representative.regs.has(o.reg)) return 0;
    const fixed = shape.fixedRegs.get(o.reg);
    if (fixed !== undefined) return fixed;
    const i = shape.readRegs.get(o.reg);
    if (i === undefined) return null;
    const s = this.source[this.base[t] + i];
    return s < 0 ? null : this.valueOf(s);
  }

  /** Whether the values decided so far rule out every completion the search wants. */
  private goalSettled(): boolean {
    const { program, limits } = this;
    if (this.mayCut) return false; // a cut execution's values are partial: it is counted, never pruned
    // In full mode the filter prunes whole combinations only (explore), so that the executions
    // it removes are counted for the vacuity message.
    if (limits.goal && program.filter && holdsPartially(program.filter, this.observer) === false) {
      this.stats.filteredCombinations++;
      return true;
    }
    if (limits.goal && holdsPartially(limits.goal.condition, this.observer) === !limits.goal.want) {
      this.stats.goalPruned++;
      return true;
    }
    return false;
  }

  private threadsWithoutPath(): boolean {
    for (let t = 0; t < this.choice.length; t++) if (this.undecided[t] === 0 && !this.taken[t]) return true;
    return false;
  }

  // ---- setting and undoing decisions ----

  private setSource(r: number, w: number): void {
    this.rf.add(w, r);
    this.source[r] = w;
    const t = this.ev[r].thread;
    if (this.allowed.has(r) && --this.undecided[t] === 0) {
      const shape = this.choice[t];
      const values: Value[] = [];
      let known = true;
      for (const i of shape.valueReads) {
        const v = this.valueOf(this.source[this.base[t] + i]);
        if (v === null) known = false;
        else values.push(v);
      }
      this.taken[t] = known ? (shape.byValues.get(valuesKey(values)) ?? null) : null;
    }
  }

  private unsetSource(r: number, w: number): void {
    unsetBit(this.rf, w, r);
    this.source[r] = -1;
    const t = this.ev[r].thread;
    if (this.allowed.has(r) && this.undecided[t]++ === 0) this.taken[t] = null;
  }

  /** After a decision: whether the partial execution can still be completed into one we want. */
  private viable(r: number): boolean {
    const t = this.ev[r].thread;
    if (this.undecided[t] === 0 && !this.taken[t]) {
      this.stats.pruned++; // these read values are no path of the thread: not an execution
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
    const { co, coPos } = this;
    const prev = order[order.length - 1];
    for (let q = 0; q < plan.queues.length; q++) {
      const queue = plan.queues[q];
      if (next[q] >= queue.length) continue;
      const u = queue[next[q]];
      if (u.mustBeLast && placed !== plan.units - 1) continue;
      if (!this.canFollow(plan, u, prev)) continue;
      if (this.coherent && this.readsCoBefore(plan, u)) continue;
      this.limiter.step();
      const start = order.length;
      for (const e of u.events) {
        for (const o of order) co.add(o, e);
        coPos[e] = order.length;
        order.push(e);
      }
      const r = plan.partner.get(u.events[0]);
      const derived = r !== undefined && plan.derived.has(r) ? r : -1;
      if (derived >= 0) this.setSource(derived, prev);
      next[q]++;
      if (derived < 0 || this.viable(derived)) this.bind(k, order, next, placed + 1, u.events, 0, placed);
      next[q]--;
      if (derived >= 0) this.unsetSource(derived, prev);
      for (let i = order.length - 1; i >= start; i--) {
        const e = order[i];
        for (let j = 0; j < i; j++) unsetBit(co, order[j], e);
        coPos[e] = -1;
      }
      order.length = start;
    }
  }

  /** A unit may follow the current last write only if its derived read can read that write. */
  private canFollow(plan: LocationPlan, u: CoUnit, prev: number): boolean {
    const first = this.ev[u.events[0]];
    const p = this.ev[prev];
    if (first.lock === 'LKW') return p.thread < 0 || p.lock === 'UL';
    const r = plan.partner.get(first.id);
    if (this.coherent && r !== undefined) {
      if (p.lock !== null) return false;
      const v = this.valueOf(prev);
      return v !== null && this.allowed.get(r)!.has(v);
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
      this.guarded(k, site, () => this.place(k, order, next, placed));
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
    const allowed = c.valueRead ? this.allowed.get(r) : undefined;
    for (const s of fresh) {
      if (!c.sourceSet.has(s)) continue;
      if (allowed) {
        const v = this.valueOf(s);
        if (v === null || !allowed.has(v)) continue;
      }
      if (this.coherent && !this.locallyCoherent(c, s)) continue;
      this.limiter.step();
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
      this.stats.pruned++;
      return;
    }
    const lastBefore = this.last.get(plan.loc)!;
    this.last.set(plan.loc, order[order.length - 1]);
    this.locDone.set(plan.loc, true);
    if (!this.goalSettled()) {
      if (k + 1 === this.plans.length) this.location(k + 1);
      else this.guarded(k, SITES_PER_LOCATION - 1, () => this.location(k + 1));
    }
    this.locDone.set(plan.loc, false);
    this.last.set(plan.loc, lastBefore);
  }

  /**
   * Go deeper after a decision, first asking the model's partial check whether the partial
   * execution can still be completed, when that is worth it: a check costs about as much as a
   * complete candidate's, so a decision site (location k, step i of it) is checked while its
   * checks are expected to save more candidates than they cost (how often they prune, times how
   * much work lies below the site). Pruning only saves work: skipping a check is always sound.
   */
  private guarded(k: number, i: number, go: () => void): void {
    const mayExtend = this.prepared!.mayExtend;
    if (mayExtend === undefined) {
      go();
      return;
    }
    // Nothing to save when at most one candidate lies below.
    if (this.below(k, i) < 2) {
      go();
      return;
    }
    const site = k * SITES_PER_LOCATION + Math.min(i, SITES_PER_LOCATION - 1);
    const tries = this.siteTries[site] ?? 0;
    const prunes = this.sitePrunes[site] ?? 0;
    let check = tries < SITE_TRIAL;
    if (!check) {
      const below = (this.siteWork[site] ?? 0) / Math.max(1, this.siteVisits[site] ?? 0);
      check = (prunes / tries) * below >= SITE_WORTH || ((this.siteSkips[site] = (this.siteSkips[site] ?? 0) + 1) % SITE_SAMPLE === 0);
    }
    if (check) {
      this.siteTries[site] = tries + 1;
      this.stats.partialChecks++;
      if (!mayExtend.call(this.prepared, this.candidate)) {
        this.sitePrunes[site] = prunes + 1;
        this.stats.pruned++;
        return;
      }
    }
    const before = this.stats.explored + this.stats.partialChecks;
    go();
    this.siteWork[site] = (this.siteWork[site] ?? 0) + this.stats.explored + this.stats.partialChecks - before;
    this.siteVisits[site] = (this.siteVisits[site] ?? 0) + 1;
  }

  /** An upper bound on the candidates below a decision site of location k (capped at 2: only "at most one" matters). */
  private below(k: number, i: number): number {
    const plan = this.plans[k];
    let n = this.suffix[k + 1];
    const fromRead = i >= SITES_PER_LOCATION / 2 ? (i === SITES_PER_LOCATION - 1 ? plan.reads.length : i - SITES_PER_LOCATION / 2 + 1) : 0;
    for (let j = fromRead; j < plan.reads.length && n < 2; j++) n *= plan.reads[j].sources.length;
    if (fromRead === 0 && plan.queues.length > 1) n *= 2;
    return Math.min(n, 2);
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
      if (s >= 0 && this.ev[r].kind === 'R') rfRel.add(index.get(s)!, index.get(r)!);
    }
    const fr = rfRel.inverse().seq(co);
    return plan.poLoc.union(rfRel, co, fr).isAcyclic();
  }

  // ---- a complete candidate ----

  private finalState(naming: Naming | null): Map<string, Value> {
    const memory = new Map<string, Value>();
    for (const [loc, id] of this.last) {
      const v = this.valueOf(id) ?? 0;
      memory.set(loc, v === SYMBOL && naming ? naming(this.copies.get(id)!) : v);
    }
    return memory;
  }

  /** A path's final registers with its self-justified values named. */
  private namedRegs(p: ThreadPath, t: number, naming: Naming): Map<string, Value> {
    if (!p.symbols) return p.regs;
    const regs = new Map(p.regs);
    for (const [reg, i] of p.symbols) regs.set(reg, naming(this.base[t] + i));
    return regs;
  }

  /** Which read each write of SYMBOL copies, and herd7's variable numbers for the reads (global ids). */
  private symbolOrigins(): SymbolOrigins {
    const herdVar = new Map<number, number>();
    this.choice.forEach((shape, t) => {
      shape.representative.events.forEach((e, i) => {
        // A read's variable, until a store copies it through a register: then that register read's
        // (herd7's register equations make it the class's representative; the po-last one wins).
        if (e.herdVar !== undefined && e.kind === 'R') herdVar.set(this.base[t] + i, e.herdVar);
        if (e.symFrom !== undefined) {
          this.copies.set(this.base[t] + i, this.base[t] + e.symFrom);
          if (e.herdVar !== undefined) herdVar.set(this.base[t] + e.symFrom, e.herdVar);
        }
      });
    });
    return { copies: this.copies, herdVar };
  }

  /**
   * The skeleton with every read's (and symbolic write's) value in this execution, built only if
   * someone looks (explanations do, the judge does not): the values are copied now, the events later.
   */
  private lazySkeleton(): () => Skeleton {
    const { sk, ev } = this;
    const values = this.open.map((id) => this.valueOf(id));
    const open = this.open;
    let built: Skeleton | null = null;
    return () => {
      if (!built) {
        const events = ev.slice();
        open.forEach((id, i) => (events[id] = { ...ev[id], value: values[i] }));
        built = { ...sk, events };
      }
      return built;
    };
  }

  private leaf(): void {
    const taken: ThreadPath[] = [];
    for (const p of this.taken) {
      if (!p) {
        this.stats.pruned++;
        return;
      }
      taken.push(p);
    }
    let naming: Naming | null = null;
    if (this.cycles) {
      naming = this.cycles.names(this.source, (id) => this.valueOf(id));
      if (!naming) {
        this.stats.pruned++; // a value known only through a cycle: herd7 has no such candidate
        return;
      }
    }
    this.limiter.execution();
    this.stats.explored++;
    // The model sees the symbolic writes' values of this execution (herd's value checks use them).
    const { ev } = this;
    for (const id of this.symbolic.keys()) ev[id].value = this.valueOf(id);
    try {
      const verdict = this.prepared!.consistency(this.completed);
      // A thread stopped at an --unroll bound: counted when consistent, never judged nor shown.
      if (cutByLoopBound(taken)) {
        if (verdict.consistent) countLoopCut(this.stats);
        return;
      }
      const regs = naming ? taken.map((p, t) => this.namedRegs(p, t, naming!)) : taken.map((p) => p.regs);
      const undefinedBehaviour = taken.find((p) => p.undefined)?.undefined ?? null;
      if (!verdict.consistent) {
        if (this.limits.onRejected) this.limits.onRejected(withSkeleton({ rf: this.rf.detached(), co: this.co.detached(), failed: verdict.failed ?? 'model', regs, memory: this.finalState(naming), undefinedBehaviour, blocked: [] }, this.lazySkeleton()));
        return;
      }
      this.stats.consistent++;
      const memory = this.finalState(naming);
      const ends = pathEnds(taken, memory);
      if (ends === 'unfinished') {
        this.stats.unfinished = (this.stats.unfinished ?? 0) + 1;
        return;
      }
      if (ends.cut !== null) this.stats.cut ??= ends.cut;
      const stop = this.visit(withSkeleton({ rf: this.rf.detached(), co: this.co.detached(), flags: verdict.flags, regs, memory, undefinedBehaviour, blocked: ends.blocked }, this.lazySkeleton()));
      if (stop === true) throw new Found();
    } finally {
      for (const id of this.symbolic.keys()) ev[id].value = null;
    }
  }

  // ---- planning one location ----

  private planLocation(loc: string, init: number): LocationPlan | null {
    const { sk, ev, coherent } = this;
    const writes = ev.filter((e) => e.thread >= 0 && e.kind === 'W' && e.loc === loc);
    const reads = ev.filter((e) => e.kind === 'R' && e.loc === loc);
    const units = coUnits(sk, writes);
    if (units === null) return null;
    const inCo = new Set(units.flatMap((u) => u.events));

    const partner = new Map<number, number>();
    for (const [r, w] of sk.rmw.pairs()) if (ev[w].loc === loc) partner.set(w, r);
    const derived = new Set<number>();
    if (coherent) for (const [, r] of partner) derived.add(r);
    for (const r of reads) if (r.lock === 'LKR') derived.add(r.id);

    const lastBefore = (r: Event, pred: (e: Event) => boolean): Event | undefined => {
      let best: Event | undefined;
      for (const e of ev) if (e.thread === r.thread && e.poIndex < r.poIndex && e.loc === loc && pred(e) && (!best || e.poIndex > best.poIndex)) best = e;
      return best;
    };
    const mayHold = (w: Event, r: Event): boolean => {
      const allowed = this.allowed.get(r.id);
      if (!allowed) return true;
      if (w.value !== null) return allowed.has(w.value);
      const f = this.symbolic.get(w.id);
      if (!f) return false;
      for (const v of f.byRead.values()) if (allowed.has(v)) return true;
      return false;
    };
    const choices: ReadChoice[] = [];
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
          if (w.lock !== null || !mayHold(w, r)) continue;
          if (coherent && w.thread === r.thread && w !== local) continue; // a po-later or overwritten own write
          if (coherent && w.thread < 0 && local) continue; // init is co-before our own earlier write
          sources.push(w.id);
        }
      }
      if (sources.length === 0) return null;
      const sameThread = ev.filter((e) => e.thread === r.thread && e.loc === loc && e.id !== r.id && e.kind !== 'F');
      choices.push({
        read: r, sources, valueRead: this.allowed.has(r.id), before: sameThread.filter((e) => e.poIndex < r.poIndex), after: sameThread.filter((e) => e.poIndex > r.poIndex),
        placeable: sources.filter((w) => inCo.has(w)), sourceSet: new Set(sources),
      });
    }
    const initialSources = [init, ...new Set(choices.flatMap((c) => c.sources.filter((w) => w !== init && !inCo.has(w))))];
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
    const byThread = new Map<number, CoUnit[]>();
    for (const u of units) {
      let l = byThread.get(u.thread);
      if (!l) byThread.set(u.thread, (l = []));
      l.push(u);
    }
    const allRmw = writes.length > 1 && writes.every((w) => w.lock === null && partner.has(w.id));
    return { loc, init, queues: [...byThread.values()], units: units.length, partner, derived, reads: choices, local, index, poLoc, writesCount: writes.length, initialSources, ownReadsAfter, ownReadsBefore, allRmw };
  }
}
