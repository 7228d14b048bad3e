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
import { SYMBOL, type Program, type Value } from '../lower/program.js';
import type { MemoryModel } from '../models/model.js';
import { holdsPartially, type PartialObserver } from '../execution/condition.js';
import { Exploration, Found, StopExploring, type ExploreLimits, type ExploreStats, type Visitor } from './exploration.js';
import { PathLimitError, computeDomains } from './paths.js';
import { groupIntoShapes, jsonKey, type PathShape } from './shapes.js';
import { splitProgram } from './components.js';
import { exploreSplit } from './product.js';
import { CombinationSearch } from './combination-search.js';
import { CombinationSkeleton, buildSkeleton } from './skeleton.js';
import type { ThreadPath } from './thread-path.js';
import { shapeMayCut } from './loop-cuts.js';

export { STEPS_PER_EXECUTION } from './exploration.js';
export type { CandidateExecution, ConsistentExecution, ExploreLimits, ExploreStats, RejectedExecution, SearchGoal, SearchMemo, Visitor } from './exploration.js';

const DEFAULT_MAX_PATHS = 100_000;

export function explore(program: Program, model: MemoryModel, visit: Visitor, limits: ExploreLimits = {}): ExploreStats {
  const x = new Exploration(program, model, visit, limits);
  const { stats } = x;
  // Parts that share no location are searched apart and their executions combined (product.ts).
  // Not with a value cycle: herd7 numbers a self-justified value over the whole test (herd-vars.ts).
  const memo = limits.memo;
  const split = model.decomposes === true && !limits.onRejected && !x.dataCycles ? (memo?.split !== undefined ? memo.split : splitProgram(program)) : null;
  if (memo) memo.split = split;
  if (split) {
    try {
      const out = exploreSplit(program, split, model, visit, limits, stats, { explore, execution: () => x.execution() });
      if (out !== 'fallback') {
        stats.stopped = out === 'stopped';
        return stats;
      }
      if (memo) memo.split = null;
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
    const d = computeDomains(program, limits.maxPaths ?? DEFAULT_MAX_PATHS, limits.deadline, x.flow);
    paths = d.paths;
    locations = [...d.domains.keys()];
  } catch (e) {
    if (e instanceof PathLimitError) {
      stats.incomplete = e.message;
      return stats;
    }
    throw e;
  }
  try {
    searchCombinations(x, paths, locations);
  } catch (e) {
    if (e instanceof StopExploring) stats.incomplete = e.reason;
    else if (e instanceof Found) stats.stopped = true;
    else throw e;
  }
  // A loop the kernel runs without bound was cut: what was found is not the whole answer.
  if (stats.cut !== undefined && stats.incomplete === null) stats.incomplete = stats.cut;
  return stats;
}

/**
 * Search every combination of one path shape per thread that the filter (and the goal) leave,
 * and whose reads each have a value some write provides.
 */
function searchCombinations(x: Exploration, paths: ThreadPath[][], locations: string[]): void {
  const { program, limits, stats } = x;
  const observedLocs = new Set(program.observed.flatMap((o) => (o.obs.k === 'mem' ? [o.obs.name] : [])));
  const initValues = new Map<string, Value>();
  for (const loc of locations) initValues.set(loc, program.locations.get(loc) ?? 0);
  const shapes = paths.map((p) => groupIntoShapes(p, x.coherent));
  const choice: PathShape[] = [];
  const combine = (t: number): void => {
    if (t === shapes.length) {
      x.step();
      // A path cut at a loop bound has partial registers: nothing may be pruned on them (loop-cuts.ts).
      const mayCut = choice.some(shapeMayCut);
      if (!mayCut && program.filter && registersSettle(program.filter, false, choice)) {
        stats.filteredCombinations++;
        return;
      }
      if (!mayCut && limits.goal && registersSettle(limits.goal.condition, !limits.goal.want, choice)) {
        stats.goalPruned++;
        return;
      }
      const allowed = availableValues(choice, initValues);
      if (!allowed) return;
      stats.pathCombinations++;
      const sk = buildSkeleton(program, locations, choice.map((s) => s.representative), observedLocs);
      new CombinationSearch(x, new CombinationSkeleton(sk, choice.slice(), allowed)).run();
      return;
    }
    for (const p of shapes[t]) {
      choice[t] = p;
      combine(t + 1);
    }
  };
  combine(0);
}

/**
 * Whether `prop` evaluates to `value` for every combination of the shapes' register files,
 * judging by registers alone (memory unknown). Gives up (false) when the product is large.
 */
function registersSettle(prop: NonNullable<Program['filter']>, value: boolean, choice: PathShape[]): boolean {
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
