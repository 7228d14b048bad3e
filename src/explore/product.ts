// The executions of a split test (components.ts): each component is explored on its own, then
// their executions are combined. Listing visits every combination (the witness counts are the
// product of the components'); a verdict search walks the components one at a time with the
// condition partly evaluated, and remembers which (component, what is left of the condition)
// pairs led nowhere, so a disjunction over N vCPUs costs N steps, not 3^N.
import type { CondProp, Program, Value } from '../lower/program.js';
import type { Observable } from '../parse/ast.js';
import type { MemoryModel } from '../models/model.js';
import type { Event, Skeleton } from '../execution/execution.js';
import { Relation } from '../execution/relation.js';
import type { Split } from './components.js';
import type { ConsistentExecution, ExploreLimits, ExploreStats, Visitor } from './exploration.js';
import { buildSkeleton } from './skeleton.js';
import type { PathEvent, ThreadPath, UndefinedBehaviour } from './thread-path.js';
import { jsonKey } from './shapes.js';

/** What the explorer lends the combination: itself and its limit checks. */
export interface SplitHooks {
  explore(program: Program, model: MemoryModel, visit: Visitor, limits: ExploreLimits): ExploreStats;
  /** Before each combined execution: throws when --max-executions or the deadline is reached. */
  execution(): void;
}

/** 'fallback': the split cannot be used after all (search the whole test); otherwise how it ended. */
export type SplitOutcome = 'fallback' | 'done' | 'stopped';

const TRUE: CondProp = { k: 'true' };
const FALSE: CondProp = { k: 'false' };

/** The proposition with what is known put in and simplified: true, false, or what is left. */
export function residual(p: CondProp, known: (o: Observable) => Value | null): CondProp {
  switch (p.k) {
    case 'true':
    case 'false':
      return p;
    case 'eq': {
      const l = known(p.lhs);
      const r = p.rhs.k === 'value' ? p.rhs.value : known(p.rhs.obs);
      if (l === null || r === null) return p;
      return (l === r) !== p.negated ? TRUE : FALSE;
    }
    case 'not': {
      const a = residual(p.arg, known);
      return a.k === 'true' ? FALSE : a.k === 'false' ? TRUE : { k: 'not', arg: a };
    }
    case 'and':
    case 'or': {
      const a = residual(p.left, known);
      const b = residual(p.right, known);
      const absorbing = p.k === 'and' ? 'false' : 'true';
      if (a.k === absorbing || b.k === absorbing) return p.k === 'and' ? FALSE : TRUE;
      if (a.k === 'true' || a.k === 'false') return b;
      if (b.k === 'true' || b.k === 'false') return a;
      return { k: p.k, left: a, right: b };
    }
  }
}

export function exploreSplit(program: Program, split: Split, model: MemoryModel, visit: Visitor, limits: ExploreLimits, stats: ExploreStats, hooks: SplitHooks): SplitOutcome {
  const execs: ConsistentExecution[][] = [];
  for (const [i, c] of split.components.entries()) {
    // An earlier search of the same verdict explored this component already (no goal reaches it).
    const known = limits.memo?.components[i];
    if (known) {
      execs.push(known);
      continue;
    }
    const found: ConsistentExecution[] = [];
    const max = limits.maxExecutions;
    const s = hooks.explore(c.program, model, (e) => void found.push(e), { deadline: limits.deadline, maxPaths: limits.maxPaths, maxExecutions: max === undefined ? undefined : Math.max(0, max - stats.explored) });
    stats.pathCombinations += s.pathCombinations;
    stats.explored += s.explored;
    stats.pruned += s.pruned;
    stats.steps += s.steps;
    stats.partialChecks += s.partialChecks;
    if (s.incomplete !== null) {
      stats.incomplete = s.incomplete.startsWith('--max-executions') && max !== undefined ? `--max-executions ${max} reached` : s.incomplete;
      return 'done';
    }
    // A thread stopped at undefined behaviour before a later block of it: its blocks are not independent.
    if (found.some((e) => e.undefinedBehaviour && !lastBlock(split, c.blocks[e.undefinedBehaviour.thread].thread, execs.length))) return 'fallback';
    execs.push(found);
    if (limits.memo) limits.memo.components[i] = found;
  }
  return new Combination(program, split, execs, visit, limits, stats, hooks).run() ? 'stopped' : 'done';
}

function lastBlock(split: Split, thread: number, component: number): boolean {
  const bs = split.blocksOf[thread];
  return bs[bs.length - 1][0] === component;
}

class Combination {
  private readonly chosen: ConsistentExecution[] = [];
  /** Subtrees of the directed search that found nothing: [component, undefined behaviour, residual condition and filter]. */
  private readonly dead = new Set<string>();
  private readonly locComponent = new Map<string, number>();

  constructor(
    private readonly program: Program,
    private readonly split: Split,
    private readonly execs: ConsistentExecution[][],
    private readonly visit: Visitor,
    private readonly limits: ExploreLimits,
    private readonly stats: ExploreStats,
    private readonly hooks: SplitHooks,
  ) {
    split.components.forEach((c, i) => {
      for (const l of c.locations) this.locComponent.set(l, i);
    });
  }

  /** Whether the visitor stopped the search. */
  run(): boolean {
    const goal = this.limits.goal;
    if (!goal) return this.every(0);
    // A verdict search needs one execution per distinct observed outcome of each component.
    const groups = this.execs.map((es, c) => {
      const byKey = new Map<string, ConsistentExecution>();
      for (const e of es) {
        const key = jsonKey([this.projection(c, e), e.undefinedBehaviour !== null]);
        if (!byKey.has(key)) byKey.set(key, e);
      }
      return [...byKey.values()];
    });
    return this.directed(0, false, groups, goal.condition, goal.want);
  }

  /** The values of component c's observables in execution e, in the program's order. */
  private projection(c: number, e: ConsistentExecution): Array<Value | null> {
    return this.program.observed.map((o) => (this.componentOf(o.obs) === c ? this.valueIn(o.obs, e) : null)).concat(this.conditionObs().filter((o) => this.componentOf(o) === c).map((o) => this.valueIn(o, e)));
  }

  private conditionObsCache: Observable[] | null = null;
  private conditionObs(): Observable[] {
    if (this.conditionObsCache) return this.conditionObsCache;
    const out: Observable[] = [];
    const walk = (p: CondProp | null): void => {
      if (!p) return;
      if (p.k === 'eq') {
        out.push(p.lhs);
        if (p.rhs.k === 'obs') out.push(p.rhs.obs);
      } else if (p.k === 'not') walk(p.arg);
      else if (p.k === 'and' || p.k === 'or') {
        walk(p.left);
        walk(p.right);
      }
    };
    walk(this.program.condition);
    walk(this.program.filter);
    return (this.conditionObsCache = out);
  }

  private componentOf(o: Observable): number {
    if (o.k === 'mem') return this.locComponent.get(o.name) ?? -1;
    const j = this.split.owner[o.thread]?.get(o.reg);
    return j === undefined ? -1 : this.split.blocksOf[o.thread][j][0];
  }

  /** An observable's value in an execution of its component. */
  private valueIn(o: Observable, e: ConsistentExecution): Value {
    if (o.k === 'mem') return e.memory.get(o.name) ?? 0;
    const j = this.split.owner[o.thread].get(o.reg)!;
    return e.regs[this.split.blocksOf[o.thread][j][1]].get(o.reg) ?? 0;
  }

  /** An observable's value with components [0, k) chosen, or null. */
  private known(k: number): (o: Observable) => Value | null {
    return (o) => {
      const c = this.componentOf(o);
      if (c < 0) {
        // As in the combined execution (merged): untouched locations and registers keep their initial values.
        if (o.k === 'mem') return this.program.locations.get(o.name) ?? 0;
        const t = this.program.threads[o.thread];
        return t?.userRegs.has(o.reg) ? (t.initRegs.get(o.reg) ?? 0) : 0;
      }
      return c < k ? this.valueIn(o, this.chosen[c]) : null;
    };
  }

  /** Every combination, in order. */
  private every(k: number): boolean {
    if (k === this.execs.length) return this.leaf();
    for (const e of this.execs[k]) {
      this.chosen[k] = e;
      if (this.every(k + 1)) return true;
    }
    return false;
  }

  /**
   * The combinations whose condition may still evaluate to `want`, the filter to true. A
   * subtree that found nothing is not searched again under the same residual condition and
   * filter: what lies below depends on nothing else (its executions' states differ only in
   * what the residuals leave open; undefined behaviour is part of the key).
   */
  private directed(k: number, ub: boolean, groups: ConsistentExecution[][], cond: CondProp, want: boolean): boolean {
    const known = this.known(k);
    const c = residual(cond, known);
    if (c.k === (want ? 'false' : 'true')) {
      this.stats.goalPruned++;
      return false;
    }
    const f = this.program.filter ? residual(this.program.filter, known) : TRUE;
    if (f.k === 'false') {
      this.stats.filteredCombinations++;
      return false;
    }
    if (k === groups.length) return this.leaf();
    const key = jsonKey([k, ub, c, f]);
    if (this.dead.has(key)) return false;
    for (const e of groups[k]) {
      this.chosen[k] = e;
      if (this.directed(k + 1, ub || e.undefinedBehaviour !== null, groups, cond, want)) return true;
    }
    this.dead.add(key);
    return false;
  }

  private leaf(): boolean {
    this.hooks.execution();
    this.stats.explored++;
    this.stats.consistent++;
    return this.visit(this.merged([...this.chosen])) === true;
  }

  /** One execution of the whole test from one of each component's. */
  private merged(parts: ConsistentExecution[]): ConsistentExecution {
    const { program, split } = this;
    const regs = program.threads.map((t, ti) => {
      const m = new Map<string, Value>();
      const blockRegs = split.blocksOf[ti].map(([c, j]) => parts[c].regs[j]);
      for (const r of t.userRegs) {
        if (split.counters[ti].has(r)) {
          const init = Number(t.initRegs.get(r) ?? 0);
          m.set(r, blockRegs.reduce((sum, b) => sum + (Number(b.get(r) ?? init) - init), init));
        } else m.set(r, blockRegs[split.owner[ti].get(r) ?? 0].get(r) ?? 0);
      }
      return m;
    });
    const memory = new Map<string, Value>(program.locations);
    for (const p of parts) for (const [l, v] of p.memory) memory.set(l, v);
    const flags = [...new Set(parts.flatMap((p) => p.flags))];
    let undefinedBehaviour: UndefinedBehaviour | null = null;
    parts.forEach((p, c) => {
      const ub = p.undefinedBehaviour;
      if (!ub) return;
      const thread = split.components[c].blocks[ub.thread].thread;
      if (!undefinedBehaviour || thread < undefinedBehaviour.thread) undefinedBehaviour = { ...ub, thread };
    });
    let graph: { skeleton: Skeleton; rf: Relation; co: Relation } | null = null;
    const lazy = () => (graph ??= this.graph(parts, regs));
    const e = { flags, regs, memory, undefinedBehaviour, blocked: [] } as Omit<ConsistentExecution, 'skeleton' | 'rf' | 'co'>;
    for (const k of ['skeleton', 'rf', 'co'] as const) Object.defineProperty(e, k, { get: () => lazy()[k], enumerable: true });
    return e as ConsistentExecution;
  }

  /** The combined skeleton, rf and co: each component's events put back in their threads. */
  private graph(parts: ConsistentExecution[], regs: Array<Map<string, Value>>): { skeleton: Skeleton; rf: Relation; co: Relation } {
    const { program, split } = this;
    const paths: ThreadPath[] = program.threads.map((_, t) => ({ thread: t, events: [], addr: [], data: [], ctrl: [], rmw: [], regs: regs[t], undefined: null, blocked: null, cut: null, latest: [] }));
    // Where each component event goes: [thread, index in the thread's path].
    const place = parts.map((p, c) => {
      const sk = p.skeleton;
      const at = new Map<number, [number, number]>();
      const comp = split.components[c];
      for (const ev of sk.events) {
        if (ev.thread < 0) continue;
        const t = comp.blocks[ev.thread].thread;
        at.set(ev.id, [t, -1]);
      }
      return { sk, at };
    });
    // Blocks in program order, so each thread's events come out in po.
    program.threads.forEach((_, t) => {
      for (const [c, j] of split.blocksOf[t]) {
        const { sk, at } = place[c];
        for (const ev of sk.events) {
          if (ev.thread !== j) continue;
          at.get(ev.id)![1] = paths[t].events.length;
          paths[t].events.push(pathEvent(ev));
        }
        for (const [rel, out] of [[sk.addr, paths[t].addr], [sk.data, paths[t].data], [sk.ctrl, paths[t].ctrl], [sk.rmw, paths[t].rmw]] as const) {
          for (const [a, b] of rel.pairs()) if (sk.events[a].thread === j && sk.events[b].thread === j) out.push([at.get(a)![1], at.get(b)![1]]);
        }
      }
    });
    const locations = [...new Set([...program.locations.keys(), ...split.components.flatMap((c) => [...c.locations])])];
    const observedLocs = new Set(program.observed.flatMap((o) => (o.obs.k === 'mem' ? [o.obs.name] : [])));
    const skeleton = buildSkeleton(program, locations, paths, observedLocs);
    const base: number[] = [];
    const init = new Map<string, number>();
    for (const ev of skeleton.events) {
      if (ev.thread < 0 && ev.loc !== null) init.set(ev.loc, ev.id);
      else if (base[ev.thread] === undefined) base[ev.thread] = ev.id;
    }
    const id = (c: number, x: number): number => {
      const a = place[c].at.get(x);
      return a ? base[a[0]] + a[1] : init.get(place[c].sk.events[x].loc!)!;
    };
    const rf = new Relation(skeleton.n);
    const co = new Relation(skeleton.n);
    parts.forEach((p, c) => {
      for (const [a, b] of p.rf.pairs()) rf.add(id(c, a), id(c, b));
      for (const [a, b] of p.co.pairs()) co.add(id(c, a), id(c, b));
    });
    return { skeleton, rf, co };
  }
}

function pathEvent(ev: Event): PathEvent {
  const { id: _id, thread: _thread, poIndex: _po, ...body } = ev;
  return body as PathEvent;
}
