// Thread paths: each thread run on its own, every read guessing its value from the values its
// location can hold. A path is one way through the thread (branches follow the guesses) with
// its events, their dependencies and the final registers.
import type { SourcePos } from '../diagnostics.js';
import type { Instr, Origin, Program, PureExpr, ThreadProgram, Value } from '../lower/program.js';
import type { EventBody, LockKind } from '../execution/execution.js';
import { PathUndefined, binary, evaluate, mergeDeps, truthy, type Tainted } from './evaluate.js';

/** An event of a thread's path: every thread event comes from a source-level operation. */
export interface PathEvent extends EventBody {
  origin: Origin;
}

export interface ThreadPath {
  thread: number;
  events: PathEvent[];
  addr: Array<[number, number]>;
  data: Array<[number, number]>;
  ctrl: Array<[number, number]>;
  rmw: Array<[number, number]>;
  regs: Map<string, Value>;
  /** Where the path stopped at undefined behaviour, or null when it ran to the end. */
  undefined: UndefinedBehaviour | null;
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

interface State {
  events: PathEvent[];
  addr: Array<[number, number]>;
  data: Array<[number, number]>;
  ctrl: Array<[number, number]>;
  rmw: Array<[number, number]>;
  regs: Map<string, Tainted>;
  ctrlDeps: readonly number[];
}

function stateSize(s: State): number {
  return s.events.length + s.addr.length + s.data.length + s.ctrl.length + s.rmw.length + s.regs.size;
}

function cloneState(s: State): State {
  return {
    events: s.events.slice(),
    addr: s.addr.slice(),
    data: s.data.slice(),
    ctrl: s.ctrl.slice(),
    rmw: s.rmw.slice(),
    regs: new Map(s.regs),
    ctrlDeps: s.ctrlDeps,
  };
}

/** What follows in program order: the rest of an instruction list, then the enclosing ones. */
interface Frame {
  instrs: readonly Instr[];
  at: number;
  next: Frame | null;
  /**
   * The control dependencies in force after this block: an if's branch restores the ones from
   * before the if, since herd7's ctrl orders only the events inside the branches, not the code
   * after the join (compilers may hoist it).
   */
  ctrlAfter?: readonly number[];
}

/** One way to continue a path; `ended` when it stops at undefined behaviour. */
interface Branch {
  s: State;
  k: Frame | null;
  ended?: UndefinedBehaviour;
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
  };
  const finish = (s: State, ub: UndefinedBehaviour | undefined) => {
    if (out.length >= maxPaths) throw new PathLimitError(`P${thread.index} has more than ${maxPaths} paths`);
    const regs = new Map<string, Value>();
    for (const r of thread.userRegs) regs.set(r, s.regs.get(r)?.v ?? 0);
    out.push({ thread: thread.index, events: s.events, addr: s.addr, data: s.data, ctrl: s.ctrl, rmw: s.rmw, regs, undefined: ub ?? null });
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
  const undefinedAt = (instr: Instr, e: PathUndefined): UndefinedBehaviour => ({ thread: thread.index, pos: instr.origin.pos, message: e.message });

  const push = (s: State, ev: PathEvent, addrDeps: readonly number[]): number => {
    const i = s.events.length;
    s.events.push(ev);
    for (const d of addrDeps) s.addr.push([d, i]);
    for (const d of s.ctrlDeps) s.ctrl.push([d, i]);
    return i;
  };
  const location = (s: State, e: PureExpr): Tainted & { loc: string } => {
    const t = evaluate(e, s.regs);
    if (typeof t.v !== 'string') throw new PathUndefined(`dereferencing the non-pointer value ${t.v}`);
    return { ...t, loc: t.v };
  };
  const domainOf = (loc: string): Value[] => domains.get(loc) ?? [0];
  const setReg = (s: State, r: string | null, t: Tainted) => {
    if (r !== null) s.regs.set(r, t);
  };

  /** The continuations of one instruction. Evaluates before it mutates, so a throw leaves `s` as it was. */
  const exec = (s: State, instr: Instr, rest: Frame): Branch[] => {
    switch (instr.op) {
      case 'assign': {
        s.regs.set(instr.dst, evaluate(instr.value, s.regs));
        return [{ s, k: rest }];
      }
      case 'if': {
        const c = evaluate(instr.cond, s.regs);
        const ctrlAfter = s.ctrlDeps;
        s.ctrlDeps = mergeDeps(s.ctrlDeps, c.deps);
        return [{ s, k: { instrs: truthy(c.v) ? instr.then : instr.else, at: 0, next: rest, ctrlAfter } }];
      }
      case 'assume': {
        const c = evaluate(instr.cond, s.regs);
        if (!truthy(c.v)) return []; // beyond the unrolling bound: not explored
        s.ctrlDeps = mergeDeps(s.ctrlDeps, c.deps);
        return [{ s, k: rest }];
      }
      case 'fence': {
        push(s, { kind: 'F', loc: null, value: null, ann: instr.ann, rmwInstr: false, lock: null, srcuSync: false, origin: instr.origin, dst: null }, []);
        return [{ s, k: rest }];
      }
      case 'store': {
        const a = location(s, instr.addr);
        const v = evaluate(instr.value, s.regs);
        const i = push(s, { kind: 'W', loc: a.loc, value: v.v, ann: instr.ann, rmwInstr: false, lock: null, srcuSync: false, origin: instr.origin, dst: null }, a.deps);
        for (const d of v.deps) s.data.push([d, i]);
        return [{ s, k: rest }];
      }
      case 'load': {
        const a = location(s, instr.addr);
        return domainOf(a.loc).map((val) => {
          const t = cloneState(s);
          const i = push(t, { kind: 'R', loc: a.loc, value: val, ann: instr.ann, rmwInstr: false, lock: null, srcuSync: false, origin: instr.origin, dst: instr.dst }, a.deps);
          setReg(t, instr.dst, { v: val, deps: [i] });
          return { s: t, k: rest };
        });
      }
      case 'xchg':
      case 'cmpxchg':
      case 'atomic': {
        const a = location(s, instr.addr);
        const operand = evaluate(instr.op === 'atomic' ? instr.operand : instr.value, s.regs);
        const expected = instr.op === 'cmpxchg' ? evaluate(instr.expected, s.regs) : instr.op === 'atomic' && instr.unless ? evaluate(instr.unless, s.regs) : null;
        return domainOf(a.loc).map((old) => {
          const t = cloneState(s);
          const r = push(t, { kind: 'R', loc: a.loc, value: old, ann: instr.ann, rmwInstr: true, lock: null, srcuSync: false, origin: instr.origin, dst: instr.dst }, a.deps);
          let writes = true;
          let newValue: Value = operand.v;
          let result: Value = old;
          if (instr.op === 'cmpxchg') writes = old === expected!.v;
          else if (instr.op === 'atomic') {
            if (instr.unless) {
              writes = old !== expected!.v;
              result = writes ? 1 : 0;
            }
            try {
              newValue = writes ? binary(instr.alu, old, operand.v) : old;
            } catch (e) {
              // This guess of the old value makes the arithmetic meaningless: the path ends after the read.
              if (e instanceof PathUndefined) return { s: t, k: null, ended: undefinedAt(instr, e) };
              throw e;
            }
            if (instr.returns === 'new') result = newValue;
          }
          if (writes) {
            const w = push(t, { kind: 'W', loc: a.loc, value: newValue, ann: instr.ann, rmwInstr: true, lock: null, srcuSync: false, origin: instr.origin, dst: null }, a.deps);
            for (const d of operand.deps) t.data.push([d, w]);
            t.rmw.push([r, w]);
          }
          setReg(t, instr.dst, { v: result, deps: [r] });
          return { s: t, k: rest };
        });
      }
      case 'lock': {
        const a = location(s, instr.addr);
        const r = push(s, lockEvent('R', a.loc, 0, 'LKR', instr.origin), a.deps);
        const w = push(s, lockEvent('W', a.loc, 1, 'LKW', instr.origin), a.deps);
        s.rmw.push([r, w]);
        return [{ s, k: rest }];
      }
      case 'unlock': {
        const a = location(s, instr.addr);
        push(s, lockEvent('W', a.loc, 0, 'UL', instr.origin), a.deps);
        return [{ s, k: rest }];
      }
      case 'trylock': {
        const a = location(s, instr.addr);
        const ok = cloneState(s);
        const r = push(ok, lockEvent('R', a.loc, 0, 'LKR', instr.origin), a.deps);
        const w = push(ok, lockEvent('W', a.loc, 1, 'LKW', instr.origin), a.deps);
        ok.rmw.push([r, w]);
        setReg(ok, instr.dst, { v: 1, deps: [r] });
        const fail = cloneState(s);
        const f = push(fail, lockEvent('R', a.loc, 1, 'LF', instr.origin), a.deps);
        setReg(fail, instr.dst, { v: 0, deps: [f] });
        return [{ s: ok, k: rest }, { s: fail, k: rest }];
      }
      case 'islocked': {
        const a = location(s, instr.addr);
        return ([['RL', 1], ['RU', 0]] as const).map(([kind, v]) => {
          const t = cloneState(s);
          const i = push(t, lockEvent('R', a.loc, v, kind, instr.origin), a.deps);
          setReg(t, instr.dst, { v, deps: [i] });
          return { s: t, k: rest };
        });
      }
      case 'srcu-sync': {
        const a = location(s, instr.addr);
        push(s, { kind: 'F', loc: a.loc, value: null, ann: 'sync-srcu', rmwInstr: false, lock: null, srcuSync: true, origin: instr.origin, dst: null }, a.deps);
        return [{ s, k: rest }];
      }
    }
  };

  // Depth-first, alternatives in domain order: the order the paths were always produced in.
  const work: Branch[] = [{ s: init, k: { instrs: thread.body, at: 0, next: null } }];
  while (work.length > 0) {
    let { s, k, ended } = work.pop()!;
    for (;;) {
      if (ended) {
        finish(s, ended);
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
      ({ s, k, ended } = next[0]);
    }
  }
  return out;
}

function lockEvent(kind: 'R' | 'W', loc: string, value: number, lock: LockKind, origin: Origin): PathEvent {
  return { kind, loc, value, ann: '', rmwInstr: false, lock, srcuSync: false, origin, dst: null };
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
