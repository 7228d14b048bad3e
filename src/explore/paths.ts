// Thread paths: each thread run on its own, every read guessing its value from the values its
// location can hold. A path is one way through the thread (branches follow the guesses) with
// its events, their dependencies and the final registers.
import type { Instr, Origin, Program, PureExpr, ThreadProgram, Value } from '../lower/program.js';
import type { LockKind } from './execution.js';
import { PathUndefined, binary, evaluate, mergeDeps, truthy, type Tainted } from './evaluate.js';

export interface PathEvent {
  kind: 'R' | 'W' | 'F';
  loc: string | null;
  value: Value | null;
  ann: string;
  rmwInstr: boolean;
  lock: LockKind | null;
  srcuSync: boolean;
  origin: Origin;
  dst: string | null;
}

export interface ThreadPath {
  thread: number;
  events: PathEvent[];
  addr: Array<[number, number]>;
  data: Array<[number, number]>;
  ctrl: Array<[number, number]>;
  rmw: Array<[number, number]>;
  regs: Map<string, Value>;
}

/** The values each location may hold, grown to a fixpoint over all threads' writes. */
export type Domains = Map<string, Value[]>;

export class PathLimitError extends Error {}

interface State {
  events: PathEvent[];
  addr: Array<[number, number]>;
  data: Array<[number, number]>;
  ctrl: Array<[number, number]>;
  rmw: Array<[number, number]>;
  regs: Map<string, Tainted>;
  ctrlDeps: readonly number[];
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

/** Continuation-passing walk over the instruction tree: `rest` is what follows in program order. */
type Cont = Instr[][];

export function enumeratePaths(thread: ThreadProgram, domains: Domains, maxPaths: number): ThreadPath[] {
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
  const finish = (s: State) => {
    if (out.length >= maxPaths) throw new PathLimitError(`P${thread.index} has more than ${maxPaths} paths`);
    const regs = new Map<string, Value>();
    for (const r of thread.userRegs) regs.set(r, s.regs.get(r)?.v ?? 0);
    out.push({ thread: thread.index, events: s.events, addr: s.addr, data: s.data, ctrl: s.ctrl, rmw: s.rmw, regs });
  };
  const step = (s: State, cont: Cont): void => {
    // Find the next instruction.
    let k = cont;
    while (k.length > 0 && k[k.length - 1].length === 0) k = k.slice(0, -1);
    if (k.length === 0) {
      finish(s);
      return;
    }
    const top = k[k.length - 1];
    const instr = top[0];
    const rest: Cont = [...k.slice(0, -1), top.slice(1)];
    try {
      exec(s, instr, rest);
    } catch (e) {
      if (e instanceof PathUndefined) return; // no meaning: not an execution
      throw e;
    }
  };

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

  const exec = (s0: State, instr: Instr, rest: Cont): void => {
    switch (instr.op) {
      case 'assign': {
        const s = cloneState(s0);
        s.regs.set(instr.dst, evaluate(instr.value, s.regs));
        step(s, rest);
        return;
      }
      case 'if': {
        const c = evaluate(instr.cond, s0.regs);
        const s = cloneState(s0);
        s.ctrlDeps = mergeDeps(s.ctrlDeps, c.deps);
        step(s, [...rest, truthy(c.v) ? instr.then : instr.else]);
        return;
      }
      case 'fence': {
        const s = cloneState(s0);
        push(s, { kind: 'F', loc: null, value: null, ann: instr.ann, rmwInstr: false, lock: null, srcuSync: false, origin: instr.origin, dst: null }, []);
        step(s, rest);
        return;
      }
      case 'store': {
        const a = location(s0, instr.addr);
        const v = evaluate(instr.value, s0.regs);
        const s = cloneState(s0);
        const i = push(s, { kind: 'W', loc: a.loc, value: v.v, ann: instr.ann, rmwInstr: false, lock: null, srcuSync: false, origin: instr.origin, dst: null }, a.deps);
        for (const d of v.deps) s.data.push([d, i]);
        step(s, rest);
        return;
      }
      case 'load': {
        const a = location(s0, instr.addr);
        for (const val of domainOf(a.loc)) {
          const s = cloneState(s0);
          const i = push(s, { kind: 'R', loc: a.loc, value: val, ann: instr.ann, rmwInstr: false, lock: null, srcuSync: false, origin: instr.origin, dst: instr.dst }, a.deps);
          setReg(s, instr.dst, { v: val, deps: [i] });
          step(s, rest);
        }
        return;
      }
      case 'xchg':
      case 'cmpxchg':
      case 'atomic': {
        const a = location(s0, instr.addr);
        const operand = evaluate(instr.op === 'atomic' ? instr.operand : instr.value, s0.regs);
        const expected = instr.op === 'cmpxchg' ? evaluate(instr.expected, s0.regs) : instr.op === 'atomic' && instr.unless ? evaluate(instr.unless, s0.regs) : null;
        for (const old of domainOf(a.loc)) {
          const s = cloneState(s0);
          const r = push(s, { kind: 'R', loc: a.loc, value: old, ann: instr.ann, rmwInstr: true, lock: null, srcuSync: false, origin: instr.origin, dst: instr.dst }, a.deps);
          let writes = true;
          let newValue: Value = operand.v;
          let result: Value = old;
          if (instr.op === 'cmpxchg') writes = old === expected!.v;
          else if (instr.op === 'atomic') {
            if (instr.unless) {
              writes = old !== expected!.v;
              result = writes ? 1 : 0;
            }
            newValue = writes ? binary(instr.alu, old, operand.v) : old;
            if (instr.returns === 'new') result = newValue;
          }
          if (writes) {
            const w = push(s, { kind: 'W', loc: a.loc, value: newValue, ann: instr.ann, rmwInstr: true, lock: null, srcuSync: false, origin: instr.origin, dst: null }, a.deps);
            for (const d of operand.deps) s.data.push([d, w]);
            s.rmw.push([r, w]);
          }
          setReg(s, instr.dst, { v: result, deps: [r] });
          step(s, rest);
        }
        return;
      }
      case 'lock': {
        const a = location(s0, instr.addr);
        const s = cloneState(s0);
        const r = push(s, lockEvent('R', a.loc, 0, 'LKR', instr.origin), a.deps);
        const w = push(s, lockEvent('W', a.loc, 1, 'LKW', instr.origin), a.deps);
        s.rmw.push([r, w]);
        step(s, rest);
        return;
      }
      case 'unlock': {
        const a = location(s0, instr.addr);
        const s = cloneState(s0);
        push(s, lockEvent('W', a.loc, 0, 'UL', instr.origin), a.deps);
        step(s, rest);
        return;
      }
      case 'trylock': {
        const a = location(s0, instr.addr);
        const ok = cloneState(s0);
        const r = push(ok, lockEvent('R', a.loc, 0, 'LKR', instr.origin), a.deps);
        const w = push(ok, lockEvent('W', a.loc, 1, 'LKW', instr.origin), a.deps);
        ok.rmw.push([r, w]);
        setReg(ok, instr.dst, { v: 1, deps: [r] });
        step(ok, rest);
        const fail = cloneState(s0);
        const f = push(fail, lockEvent('R', a.loc, 1, 'LF', instr.origin), a.deps);
        setReg(fail, instr.dst, { v: 0, deps: [f] });
        step(fail, rest);
        return;
      }
      case 'islocked': {
        const a = location(s0, instr.addr);
        for (const [kind, v] of [['RL', 1], ['RU', 0]] as const) {
          const s = cloneState(s0);
          const i = push(s, lockEvent('R', a.loc, v, kind, instr.origin), a.deps);
          setReg(s, instr.dst, { v, deps: [i] });
          step(s, rest);
        }
        return;
      }
      case 'srcu-sync': {
        const a = location(s0, instr.addr);
        const s = cloneState(s0);
        push(s, { kind: 'F', loc: a.loc, value: null, ann: 'sync-srcu', rmwInstr: false, lock: null, srcuSync: true, origin: instr.origin, dst: null }, a.deps);
        step(s, rest);
        return;
      }
    }
  };
  step(init, [thread.body]);
  return out;
}

function lockEvent(kind: 'R' | 'W', loc: string, value: number, lock: LockKind, origin: Origin): PathEvent {
  return { kind, loc, value, ann: '', rmwInstr: false, lock, srcuSync: false, origin, dst: null };
}

/**
 * Grow each location's value set until no thread can write anything new. Bounded: a value
 * chain cannot be longer than the number of writes, so we stop after that many rounds.
 */
export function computeDomains(program: Program, maxPaths: number): { domains: Domains; paths: ThreadPath[][]; converged: boolean } {
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
    paths = program.threads.map((t) => enumeratePaths(t, domains, maxPaths));
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
