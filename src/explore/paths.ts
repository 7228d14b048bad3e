// Thread paths: each thread run on its own, every read guessing its value from the values its
// location can hold. A path is one way through the thread (branches follow the guesses) with
// its events, their dependencies and the final registers.
import type { SourcePos } from '../diagnostics.js';
import type { Instr, Origin, Program, PureExpr, ThreadProgram, Value } from '../lower/program.js';
import type { EventBody } from '../execution/execution.js';
import { PathUndefined } from './evaluate.js';
import { instructionSemantics, stateSize, type Branch, type State } from './semantics.js';

/** An event of a thread's path: every thread event comes from a source-level operation. */
export interface PathEvent extends EventBody {
  origin: Origin;
}

/** A path's events and the dependencies between them (thread-local indices). */
export interface PathBody {
  events: PathEvent[];
  addr: Array<[number, number]>;
  data: Array<[number, number]>;
  ctrl: Array<[number, number]>;
  rmw: Array<[number, number]>;
}

export interface ThreadPath extends PathBody {
  thread: number;
  regs: Map<string, Value>;
  /** Where the path stopped at undefined behaviour, or null when it ran to the end. */
  undefined: UndefinedBehaviour | null;
  /** Where the path stopped at a wait whose read did not end it, or null. */
  blocked: BlockedAt | null;
  /** Set when the path stopped at a loop bound (kvm_vcpu_block()'s): what was cut. */
  cut: string | null;
  /** Reads of an idling thread: each must be its location's last value (see below). */
  latest: ReadonlyArray<{ loc: string; value: Value }>;
}

/**
 * A thread stopped at a wait (an `await`): its last read got `read`, which does not end the
 * wait. A spinning thread keeps reading, and on a fair machine it eventually reads the
 * location's last value; so the execution is blocked only when that last value does not end
 * the wait either. When it does, the execution is the same run seen before the wait's last
 * read: it is not one of its own (the run in which the read gets that value is explored as
 * another path), and the explorer does not count it. An idling thread's read (`latest`) is
 * likewise the location's last value: the thread takes every IPI sent while it idles.
 */
export interface BlockedAt {
  thread: number;
  pos: SourcePos;
  waitsFor: string;
  loc: string;
  read: Value;
  dst: string;
  until: PureExpr;
}

/** The values each location may hold, grown to a fixpoint over all threads' writes. */
export type Domains = Map<string, Value[]>;

export class PathLimitError extends Error {}

/** Where a path stopped because its next step has no defined meaning (e.g. dereferencing 1). */
export interface UndefinedBehaviour {
  thread: number;
  pos: SourcePos;
  message: string;
}

/*
 * A path that reaches undefined behaviour ends there and says why in its `undefined` field. The
 * explorer treats it like any other path, so only guesses that some consistent execution
 * justifies surface; the judge sets those aside and reports them, rather than the verdict
 * silently ignoring them.
 */

/**
 * Work one computeDomains call may do over all its rounds, counting each instruction step and
 * each event or dependency copied when a path forks. It bounds both the time path enumeration
 * takes and the memory its paths hold (each unit is at most one array slot), whatever the test.
 */
export const MAX_PATH_WORK = 30_000_000;

/** Work left for path enumeration, shared by the rounds of computeDomains. */
export interface PathBudget {
  work: number;
  /** Wall-clock deadline (ms since the epoch), checked every 50,000 units of work. */
  deadline?: number;
}


/**
 * Every path through one thread, depth-first with an explicit stack (no recursion, so a long
 * thread cannot overflow the stack). A step with one continuation updates its state in place;
 * only a fork (a read's value guesses, a trylock) copies it.
 */
export function enumeratePaths(thread: ThreadProgram, domains: Domains, maxPaths: number, budget: PathBudget = { work: MAX_PATH_WORK }): ThreadPath[] {
  const out: ThreadPath[] = [];
  const init: State = {
    events: [],
    addr: [],
    data: [],
    ctrl: [],
    rmw: [],
    regs: new Map([...thread.initRegs].map(([r, v]) => [r, { v, deps: [] }])),
    ctrlDeps: [],
    latest: [],
  };
  const finish = (s: State, ub: UndefinedBehaviour | undefined, blocked: BlockedAt | null = null, cut: string | null = null) => {
    if (out.length >= maxPaths) throw new PathLimitError(`P${thread.index} has more than ${maxPaths} paths`);
    const regs = new Map<string, Value>();
    for (const r of thread.userRegs) regs.set(r, s.regs.get(r)?.v ?? 0);
    out.push({ thread: thread.index, events: s.events, addr: s.addr, data: s.data, ctrl: s.ctrl, rmw: s.rmw, regs, undefined: ub ?? null, blocked, cut, latest: s.latest });
  };
  let sinceClock = 0;
  const spend = (units: number) => {
    budget.work -= units;
    if (budget.work < 0) throw new PathLimitError(`path enumeration exceeded its work limit of ${MAX_PATH_WORK} steps and copied events`);
    sinceClock += units;
    if (budget.deadline !== undefined && sinceClock > 50_000) {
      sinceClock = 0;
      if (Date.now() > budget.deadline) throw new PathLimitError('timeout reached while enumerating paths');
    }
  };
  const { exec, undefinedAt } = instructionSemantics(thread, domains);

  // Depth-first, alternatives in domain order: the order the paths were always produced in.
  const work: Branch[] = [{ s: init, k: { instrs: thread.body, at: 0, next: null } }];
  while (work.length > 0) {
    let { s, k, ended, blocked, cut } = work.pop()!;
    for (;;) {
      if (ended || blocked || cut) {
        finish(s, ended, blocked ?? null, cut ?? null);
        break;
      }
      while (k !== null && k.at >= k.instrs.length) {
        if (k.ctrlAfter !== undefined) s.ctrlDeps = k.ctrlAfter;
        k = k.next;
      }
      if (k === null) {
        finish(s, undefined);
        break;
      }
      const instr = k.instrs[k.at];
      spend(1);
      let next: Branch[];
      try {
        next = exec(s, instr, { instrs: k.instrs, at: k.at + 1, next: k.next, ctrlAfter: k.ctrlAfter });
      } catch (e) {
        if (!(e instanceof PathUndefined)) throw e;
        next = [{ s, k: null, ended: undefinedAt(instr, e) }];
      }
      if (next.length !== 1) {
        spend(next.length * stateSize(s)); // the copies a fork made
        for (let i = next.length - 1; i >= 0; i--) work.push(next[i]);
        break;
      }
      ({ s, k, ended, blocked, cut } = next[0]);
    }
  }
  return out;
}

/**
 * Grow each location's value set until no thread can write anything new. Bounded: a value
 * chain cannot be longer than the number of writes, so we stop after that many rounds.
 */
export function computeDomains(program: Program, maxPaths: number, deadline?: number): { domains: Domains; paths: ThreadPath[][]; converged: boolean } {
  const budget: PathBudget = { work: MAX_PATH_WORK, deadline };
  const domains: Domains = new Map();
  const add = (loc: string, v: Value): boolean => {
    let d = domains.get(loc);
    if (!d) domains.set(loc, (d = []));
    if (d.includes(v)) return false;
    d.push(v);
    return true;
  };
  for (const [loc, v] of program.locations) add(loc, v);
  let paths: ThreadPath[][] = [];
  const maxRounds = 2 + countStores(program);
  for (let round = 0; round < maxRounds; round++) {
    paths = program.threads.map((t) => enumeratePaths(t, domains, maxPaths, budget));
    let changed = false;
    for (const tp of paths) {
      for (const p of tp) {
        for (const e of p.events) {
          if (e.kind === 'W' && e.loc !== null && e.value !== null && e.lock === null) changed = add(e.loc, e.value) || changed;
          if (e.loc !== null && !domains.has(e.loc)) {
            add(e.loc, 0);
            changed = true;
          }
        }
      }
    }
    if (!changed) return { domains, paths, converged: true };
  }
  return { domains, paths, converged: false };
}

function countStores(program: Program): number {
  let n = 0;
  const walk = (is: Instr[]) => {
    for (const i of is) {
      if (i.op === 'if') {
        walk(i.then);
        walk(i.else);
      } else if (i.op === 'store' || i.op === 'xchg' || i.op === 'cmpxchg' || i.op === 'atomic') n++;
    }
  };
  for (const t of program.threads) walk(t.body);
  return n;
}
