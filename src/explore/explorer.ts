// The explorer: combines one path per thread, then chooses co (per location) and rf (per read),
// and hands each complete candidate to the model. Only what no model could accept is pruned
// early (coherence-violating choices), so counts match herd7's.
import type { Program, Value } from '../lower/program.js';
import type { MemoryModel, PreparedModel } from '../models/model.js';
import { EventSet, Relation } from '../models/relation.js';
import type { Candidate, Event, Skeleton } from './execution.js';
import { PathLimitError, computeDomains, type ThreadPath } from './paths.js';

export interface ExploreLimits {
  /** Stop after this many candidate executions have been checked. */
  maxExecutions?: number;
  /** Wall-clock deadline (ms since the epoch, as Date.now()). */
  deadline?: number;
  /** Most paths one thread may have. */
  maxPaths?: number;
  /** Called for every complete candidate the model rejects (slower: for `explain`). */
  onRejected?: (e: RejectedExecution) => void;
}

export interface ConsistentExecution {
  skeleton: Skeleton;
  rf: Relation;
  co: Relation;
  flags: string[];
  /** Final register values per thread (user registers only). */
  regs: Map<string, Value>[];
  /** Final value of every location (its co-last write). */
  memory: Map<string, Value>;
}

export interface ExploreStats {
  /** Combinations of thread paths tried. */
  pathCombinations: number;
  /** Complete candidate executions handed to the model. */
  explored: number;
  /** Of those, the ones the model accepted. */
  consistent: number;
  /** Set when a limit stopped the exploration: what was hit. */
  incomplete: string | null;
}

export type Visitor = (e: ConsistentExecution) => void;

/** A complete candidate the model rejected, with the check that failed (for explanations). */
export interface RejectedExecution {
  skeleton: Skeleton;
  rf: Relation;
  co: Relation;
  failed: string;
  regs: Map<string, Value>[];
  memory: Map<string, Value>;
}

const DEFAULT_MAX_PATHS = 100_000;

class StopExploring extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

export function explore(program: Program, model: MemoryModel, visit: Visitor, limits: ExploreLimits = {}): ExploreStats {
  const stats: ExploreStats = { pathCombinations: 0, explored: 0, consistent: 0, incomplete: null };
  let paths: ThreadPath[][];
  let locations: string[];
  try {
    const d = computeDomains(program, limits.maxPaths ?? DEFAULT_MAX_PATHS);
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
  const choice: ThreadPath[] = [];
  try {
    const combine = (t: number): void => {
      if (t === paths.length) {
        stats.pathCombinations++;
        exploreCombination(program, locations, choice, model, visit, stats, limits, observedLocs);
        return;
      }
      for (const p of paths[t]) {
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
  choice.forEach((p, t) => {
    const b = base[t];
    const m = p.events.length;
    for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) po.add(b + i, b + j);
    for (const [x, y] of p.addr) addr.add(b + x, b + y);
    for (const [x, y] of p.data) data.add(b + x, b + y);
    for (const [x, y] of p.ctrl) ctrl.add(b + x, b + y);
    for (const [x, y] of p.rmw) rmw.add(b + x, b + y);
  });
  const loc = Relation.where(n, (a, b) => events[a].loc !== null && events[a].loc === events[b].loc);
  const int = Relation.where(n, (a, b) => events[a].thread >= 0 && events[a].thread === events[b].thread);
  const ext = Relation.where(n, (a, b) => !int.has(a, b));
  return {
    events, n, threads: choice.length, po, addr, data, ctrl, rmw, loc, int, ext,
    IW: EventSet.where(n, (i) => events[i].thread < 0),
    R: EventSet.where(n, (i) => events[i].kind === 'R'),
    W: EventSet.where(n, (i) => events[i].kind === 'W'),
    F: EventSet.where(n, (i) => events[i].kind === 'F'),
    observedLocs,
  };
}

/** The write units of one location whose co order is chosen: a lock's critical section moves as one. */
interface CoUnit {
  events: number[];
  thread: number;
  mustBeLast: boolean;
}

function coUnits(sk: Skeleton, loc: string): CoUnit[] | null {
  const ev = sk.events;
  const writes = ev.filter((e) => e.thread >= 0 && e.kind === 'W' && e.loc === loc);
  const units: CoUnit[] = [];
  const taken = new Set<number>();
  let unmatched = 0;
  for (const w of writes) {
    if (taken.has(w.id)) continue;
    if (w.lock === 'LKW') {
      // Its critical section ends at the next UL of this thread with no LKW/UL in between.
      const next = ev.find((e) => e.thread === w.thread && e.poIndex > w.poIndex && e.loc === loc && (e.lock === 'UL' || e.lock === 'LKW'));
      if (next && next.lock === 'UL') {
        taken.add(next.id);
        units.push({ events: [w.id, next.id], thread: w.thread, mustBeLast: false });
      } else {
        unmatched++;
        units.push({ events: [w.id], thread: w.thread, mustBeLast: true });
      }
    } else units.push({ events: [w.id], thread: w.thread, mustBeLast: false });
  }
  if (unmatched > 1) return null; // two locks never released: every execution deadlocks
  return units;
}

/** Every co order of the units that keeps each thread's own writes in program order. */
function* coOrders(units: CoUnit[]): Generator<number[]> {
  const byThread = new Map<number, CoUnit[]>();
  for (const u of units) {
    let l = byThread.get(u.thread);
    if (!l) byThread.set(u.thread, (l = []));
    l.push(u);
  }
  const queues = [...byThread.values()];
  const idx = queues.map(() => 0);
  const order: number[] = [];
  const total = units.length;
  function* rec(placed: number): Generator<number[]> {
    if (placed === total) {
      yield order.slice();
      return;
    }
    for (let q = 0; q < queues.length; q++) {
      if (idx[q] >= queues[q].length) continue;
      const u = queues[q][idx[q]];
      if (u.mustBeLast && placed !== total - 1) continue;
      idx[q]++;
      const len = order.length;
      order.push(...u.events);
      yield* rec(placed + 1);
      order.length = len;
      idx[q]--;
    }
  }
  yield* rec(0);
}

function exploreCombination(
  program: Program,
  locations: string[],
  choice: ThreadPath[],
  model: MemoryModel,
  visit: Visitor,
  stats: ExploreStats,
  limits: ExploreLimits,
  observedLocs: Set<string>,
): void {
  const sk = buildSkeleton(program, locations, choice, observedLocs);
  const ev = sk.events;
  const n = sk.n;
  const initOf = new Map<string, number>();
  for (const e of ev) if (e.thread < 0 && e.loc !== null) initOf.set(e.loc, e.id);

  // co: one list of orders per location with writes.
  const locs = [...new Set(ev.filter((e) => e.thread >= 0 && e.kind === 'W').map((e) => e.loc as string))];
  const coChoices: number[][][] = [];
  for (const loc of locs) {
    const units = coUnits(sk, loc);
    if (units === null) return;
    coChoices.push([...coOrders(units)]);
  }

  // rf sources for each read that are fixed by values and program order (locks' reads come later).
  const reads = ev.filter((e) => e.kind === 'R');
  const lastWriteBefore = (r: Event, kinds: (e: Event) => boolean): Event | undefined => {
    let best: Event | undefined;
    for (const e of ev) if (e.thread === r.thread && e.poIndex < r.poIndex && e.loc === r.loc && kinds(e) && (!best || e.poIndex > best.poIndex)) best = e;
    return best;
  };
  const plainSources: number[][] = [];
  const plainReads: Event[] = [];
  const lfReads: Array<{ read: Event; sources: number[] }> = [];
  const ruReads: Array<{ read: Event; sources: number[] }> = [];
  const lkrReads: Event[] = [];
  for (const r of reads) {
    if (r.lock === 'LKR') {
      lkrReads.push(r);
      continue;
    }
    if (r.lock === 'LF' || r.lock === 'RL') {
      // Inside its own critical section it reads that section's LKW; else another thread's LKW.
      const own = ev.filter(
        (w) => w.lock === 'LKW' && w.thread === r.thread && w.loc === r.loc && w.poIndex < r.poIndex &&
          !ev.some((u) => u.lock === 'UL' && u.thread === r.thread && u.loc === r.loc && u.poIndex > w.poIndex && u.poIndex < r.poIndex),
      );
      const sources = own.length > 0 ? [own.map((w) => w.id)] : ev.filter((w) => w.lock === 'LKW' && w.loc === r.loc && w.thread !== r.thread).map((w) => [w.id]);
      if (sources.length === 0) return;
      lfReads.push({ read: r, sources: sources.map((s) => s[0]) });
      if (own.length > 1) return; // nested lock: deadlock
      continue;
    }
    if (r.lock === 'RU') {
      const own = lastWriteBefore(r, (e) => e.lock === 'UL');
      const sources = ev.filter((w) => w.loc === r.loc && w.thread !== r.thread && (w.thread < 0 || w.lock === 'UL')).map((w) => w.id);
      if (own) sources.unshift(own.id);
      if (sources.length === 0) return;
      ruReads.push({ read: r, sources });
      continue;
    }
    const local = lastWriteBefore(r, (e) => e.kind === 'W');
    const sources: number[] = [];
    for (const w of ev) {
      if (w.kind !== 'W' || w.loc !== r.loc || w.value !== r.value) continue;
      if (w.thread === r.thread) {
        if (w !== local) continue; // a po-later or overwritten own write: incoherent
      } else if (w.thread < 0 && local) continue; // init is co-before our own earlier write
      sources.push(w.id);
    }
    if (sources.length === 0) return;
    plainSources.push(sources);
    plainReads.push(r);
  }

  const prepared: PreparedModel = model.prepare(sk);
  const rfBase = new Relation(n);
  const co = new Relation(n);
  const coPred = new Int32Array(n).fill(-1);
  const coLast = new Map<string, number>();

  const checkLimits = () => {
    if (limits.maxExecutions !== undefined && stats.explored >= limits.maxExecutions) throw new StopExploring(`--max-executions ${limits.maxExecutions} reached`);
    if (limits.deadline !== undefined && (stats.explored & 63) === 0 && Date.now() > limits.deadline) throw new StopExploring('timeout reached');
  };

  const leaf = (rf: Relation) => {
    checkLimits();
    stats.explored++;
    const cand: Candidate = { rf, co };
    const verdict = prepared.check(cand);
    if (!verdict.consistent && !limits.onRejected) return;
    const memory = new Map<string, Value>();
    for (const [loc, init] of initOf) memory.set(loc, ev[coLast.get(loc) ?? init].value ?? 0);
    if (!verdict.consistent) {
      limits.onRejected!({ skeleton: sk, rf: rf.clone(), co: co.clone(), failed: verdict.failed ?? 'model', regs: choice.map((p) => p.regs), memory });
      return;
    }
    stats.consistent++;
    visit({ skeleton: sk, rf: rf.clone(), co: co.clone(), flags: verdict.flags, regs: choice.map((p) => p.regs), memory });
  };

  const chooseSpecial = (k: number, rf: Relation, specials: Array<{ read: Event; sources: number[] }>): void => {
    if (k === specials.length) {
      leaf(rf);
      return;
    }
    const { read, sources } = specials[k];
    for (const s of sources) {
      rf.add(s, read.id);
      chooseSpecial(k + 1, rf, specials);
      rf.bits[s * rf.stride + (read.id >>> 5)] &= ~(1 << (read.id & 31));
    }
  };

  const specials = [...lfReads, ...ruReads];
  const chooseRf = (k: number): void => {
    if (k === plainReads.length) {
      const rf = rfBase.clone();
      // spin_lock's read takes the value of the co-previous write, which must be an unlock or init.
      for (const r of lkrReads) {
        const w = ev.find((x) => x.thread === r.thread && x.poIndex === r.poIndex + 1)!;
        const p = coPred[w.id];
        if (p < 0 || !(ev[p].thread < 0 || ev[p].lock === 'UL')) return;
        rf.add(p, r.id);
      }
      chooseSpecial(0, rf, specials);
      return;
    }
    const r = plainReads[k];
    for (const s of plainSources[k]) {
      rfBase.add(s, r.id);
      chooseRf(k + 1);
      rfBase.bits[s * rfBase.stride + (r.id >>> 5)] &= ~(1 << (r.id & 31));
    }
  };

  const chooseCo = (k: number): void => {
    if (k === locs.length) {
      chooseRf(0);
      return;
    }
    const init = initOf.get(locs[k])!;
    for (const order of coChoices[k]) {
      const all = [init, ...order];
      for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) co.add(all[i], all[j]);
      for (let i = 1; i < all.length; i++) coPred[all[i]] = all[i - 1];
      coLast.set(locs[k], all[all.length - 1]);
      chooseCo(k + 1);
      for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) co.bits[all[i] * co.stride + (all[j] >>> 5)] &= ~(1 << (all[j] & 31));
    }
  };
  chooseCo(0);
}
