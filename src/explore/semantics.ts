// The meaning of each instruction of a thread program: the events it adds to a path, the
// registers it sets and the dependencies it records, and the ways the path may continue (a read
// forks on the values its location may hold, a trylock on success and failure). Kept apart from
// the engine that walks the paths (paths.ts), as herd7 keeps a language's semantics apart from
// its execution engine.
import { SYMBOL, isSymbol, type Instr, type Origin, type PureExpr, type ThreadProgram, type Value } from '../lower/program.js';
import type { LockKind } from '../execution/execution.js';
import { PathUndefined, PathUnjustified, UNKNOWN, binary, evaluate, mergeDeps, truthy, type Tainted } from './evaluate.js';
import type { BlockedAt, Domains, PathBody, PathEvent, UndefinedBehaviour } from './thread-path.js';
import type { HerdVars } from './herd-vars.js';

/** A path under construction. */
export interface State extends PathBody {
  regs: Map<string, Tainted>;
  ctrlDeps: readonly number[];
  /** herd7's variable counter where the next instruction starts (herd-vars.ts). */
  herd: number;
  /** Reads that returned UNKNOWN on this path (at most one: see domainOf). */
  unknowns?: number;
  /** Reads of idling threads (await with `idle`): each must have read its location's last value. */
  latest: Array<{ loc: string; value: Value }>;
}

export function stateSize(s: State): number {
  return s.events.length + s.addr.length + s.data.length + s.ctrl.length + s.rmw.length + s.regs.size;
}

export function cloneState(s: State): State {
  return {
    events: s.events.slice(),
    addr: s.addr.slice(),
    data: s.data.slice(),
    ctrl: s.ctrl.slice(),
    rmw: s.rmw.slice(),
    regs: new Map(s.regs),
    ctrlDeps: s.ctrlDeps,
    herd: s.herd,
    unknowns: s.unknowns,
    latest: s.latest.slice(),
  };
}

/** What follows in program order: the rest of an instruction list, then the enclosing ones. */
export interface Frame {
  instrs: readonly Instr[];
  at: number;
  next: Frame | null;
  /**
   * The control dependencies in force after this block: an if's branch restores the ones from
   * before the if, since herd7's ctrl orders only the events inside the branches, not the code
   * after the join (compilers may hoist it).
   */
  ctrlAfter?: readonly number[];
  /** herd7's variable counter where the code after this block starts, for this way through it. */
  herdAfter?: number;
}

/** One way to continue a path; `ended` when it stops at undefined behaviour. */
export interface Branch {
  s: State;
  k: Frame | null;
  ended?: UndefinedBehaviour;
  /** Set when it stops at a wait its read does not end (see BlockedAt), or at a loop bound. */
  blocked?: BlockedAt;
  cut?: string;
  /** Set when it stops at the end of a loop unrolled by --unroll N (loop-cuts.ts). */
  loopCut?: boolean;
}

/**
 * The semantics of one thread's instructions over the given value domains. With `discover`, each
 * read may also return UNKNOWN (a value outside its domain), to find the values only a cycle justifies.
 */
export class InstructionSemantics {
  /** Per location, its domain without SYMBOL (what an RMW's read may return). */
  private readonly plainDomains = new Map<string, Value[]>();

  constructor(
    private readonly thread: ThreadProgram,
    private readonly domains: Domains,
    private readonly discover = false,
    private readonly herd: HerdVars | null = null,
  ) {}

  undefinedAt(instr: Instr, e: PathUndefined): UndefinedBehaviour {
    return { thread: this.thread.index, pos: instr.origin.pos, message: e.message };
  }

  /** The continuations of one instruction, with herd7's variable counter moved past it. */
  exec(s: State, instr: Instr, rest: Frame): Branch[] {
    const { herd } = this;
    if (herd === null) return this.run(s, instr, rest);
    const base = s.herd;
    if (instr.op !== 'if') s.herd = base + herd.ownOf(instr);
    const next = this.run(s, instr, rest, base);
    if (instr.op === 'load' || ((instr.op === 'store' || instr.op === 'xchg') && herd.copiesRegister(instr.value))) {
      // The read's own variable; or the register read whose variable a store's value copies.
      const at = base + herd.addrVars(instr.addr) + 1;
      for (const b of next) {
        const e = b.s.events[b.s.events.length - 1];
        if (e && e.origin === instr.origin && e.kind === (instr.op === 'load' ? 'R' : 'W')) e.herdVar = at;
      }
    }
    return next;
  }

  /** What a read may return: the domain (with SYMBOL where a cycle of copies may justify a value), and UNKNOWN when discovering. */
  private domainOf(loc: string, s?: State): Value[] {
    const d = this.domains.get(loc) ?? [0];
    // One unknown read per path finds a value one cycle justifies (the crypto-control case) while
    // the paths stay about as many as the reads times the known ones, even in an unrolled loop.
    return this.discover && (s?.unknowns ?? 0) === 0 ? [...d, UNKNOWN] : d;
  }

  /** What the read of a read-modify-write may return: never a self-justified value (its write constrains it). */
  private rmwDomainOf(loc: string, s: State): Value[] {
    let d = this.plainDomains.get(loc);
    if (!d) this.plainDomains.set(loc, (d = this.domainOf(loc).filter((v) => v !== SYMBOL)));
    return this.discover && (s.unknowns ?? 0) === 0 ? [...d, UNKNOWN] : d;
  }

  /** A branch's block: its start on herd7's counter, and where the code after the if starts on this way through it. */
  private branch(s: State, instr: Extract<Instr, { op: 'if' }>, then: boolean, rest: Frame, ctrlAfter: readonly number[], base: number): Branch {
    const { herd } = this;
    const k: Frame = { instrs: then ? instr.then : instr.else, at: 0, next: rest, ctrlAfter };
    if (herd !== null) {
      const cond = base + herd.condVars(instr.cond);
      s.herd = then ? cond : cond + herd.total(instr.then, 0);
      const way = then ? herd.listWays(instr.else) : 0;
      k.herdAfter = base + herd.ownOf(instr) + way * herd.total(rest.instrs, rest.at);
    }
    return { s, k };
  }

  /** The continuations of one instruction. Evaluates before it mutates, so a throw leaves `s` as it was. */
  private run(s: State, instr: Instr, rest: Frame, base = 0): Branch[] {
    switch (instr.op) {
      case 'assign':
        s.regs.set(instr.dst, evaluate(instr.value, s.regs));
        return [{ s, k: rest }];
      case 'if':
        return this.if(s, instr, rest, base);
      case 'assume': {
        const c = evaluate(instr.cond, s.regs);
        if (c.v === SYMBOL) throw new PathUnjustified('a loop bound on a self-justified value');
        // Beyond the unrolling bound: the path stops here, a cut the explorer counts (loop-cuts.ts).
        if (!truthy(c.v)) return [{ s, k: null, loopCut: true }];
        s.ctrlDeps = mergeDeps(s.ctrlDeps, c.deps);
        return [{ s, k: rest }];
      }
      case 'await':
        return this.await(s, instr, rest);
      case 'cut':
        return [{ s, k: null, cut: instr.reason }];
      case 'fence':
        push(s, { kind: 'F', loc: null, value: null, ann: instr.ann, rmwInstr: false, lock: null, srcuSync: false, origin: instr.origin, dst: null }, []);
        return [{ s, k: rest }];
      case 'store': {
        const a = location(s, instr.addr);
        const v = evaluate(instr.value, s.regs);
        // No spread in the literal: every ordinary write has one shape, built without a runtime copy.
        const ev: PathEvent = { kind: 'W', loc: a.loc, value: v.v, ann: instr.ann, rmwInstr: false, lock: null, srcuSync: false, origin: instr.origin, dst: null };
        if (v.sym !== undefined) ev.symFrom = v.sym;
        const i = push(s, ev, a.deps);
        for (const d of v.deps) s.data.push([d, i]);
        return [{ s, k: rest }];
      }
      case 'load':
        return this.load(s, instr, rest);
      case 'xchg':
      case 'cmpxchg':
      case 'atomic':
        return this.rmw(s, instr, rest);
      case 'lock':
      case 'unlock':
      case 'trylock':
      case 'islocked':
        return lockOp(s, instr, rest);
      case 'srcu-sync': {
        const a = location(s, instr.addr);
        push(s, { kind: 'F', loc: a.loc, value: null, ann: 'sync-srcu', rmwInstr: false, lock: null, srcuSync: true, origin: instr.origin, dst: null }, a.deps);
        return [{ s, k: rest }];
      }
    }
  }

  private if(s: State, instr: Extract<Instr, { op: 'if' }>, rest: Frame, base: number): Branch[] {
    const c = evaluate(instr.cond, s.regs);
    const ctrlAfter = s.ctrlDeps;
    s.ctrlDeps = mergeDeps(s.ctrlDeps, c.deps);
    if (isSymbol(c.v)) {
      if (c.v !== UNKNOWN) throw new PathUnjustified('a branch on a self-justified value');
      const other = cloneState(s);
      return [this.branch(s, instr, true, rest, ctrlAfter, base), this.branch(other, instr, false, rest, ctrlAfter, base)];
    }
    return [this.branch(s, instr, truthy(c.v), rest, ctrlAfter, base)];
  }

  private await(s: State, instr: Extract<Instr, { op: 'await' }>, rest: Frame): Branch[] {
    const a = location(s, instr.addr);
    return this.domainOf(a.loc).map((val) => {
      const t = cloneState(s);
      const i = push(t, { kind: 'R', loc: a.loc, value: val, ann: instr.ann, rmwInstr: false, lock: null, srcuSync: false, origin: instr.origin, dst: instr.dst }, a.deps);
      setReg(t, instr.dst, { v: val, deps: [i] });
      if (instr.idle) t.latest.push({ loc: a.loc, value: val });
      else if (!truthy(evaluate(instr.until, t.regs).v)) {
        // The condition is judged later on the location's last value: fix the other registers now.
        const until = closeOver(instr.until, instr.dst, t.regs);
        const blocked: BlockedAt = { thread: this.thread.index, pos: instr.origin.pos, waitsFor: instr.waitsFor, loc: a.loc, read: val, until, dst: instr.dst };
        return { s: t, k: null, blocked };
      }
      // A spin's exit read orders nothing after the loop, as the unrolled loop's exit would not.
      if (!instr.spin) t.ctrlDeps = mergeDeps(t.ctrlDeps, [i]);
      return { s: t, k: rest };
    });
  }

  private load(s: State, instr: Extract<Instr, { op: 'load' }>, rest: Frame): Branch[] {
    const a = location(s, instr.addr);
    return this.domainOf(a.loc, s).map((val) => {
      const t = cloneState(s);
      if (val === UNKNOWN) t.unknowns = 1;
      const i = push(t, { kind: 'R', loc: a.loc, value: val, ann: instr.ann, rmwInstr: false, lock: null, srcuSync: false, origin: instr.origin, dst: instr.dst }, a.deps);
      setReg(t, instr.dst, val === SYMBOL ? { v: val, deps: [i], sym: i } : { v: val, deps: [i] });
      return { s: t, k: rest };
    });
  }

  /** xchg, cmpxchg and the atomic operations: one continuation per value the read may return (and, for an unknown one, per comparison outcome). */
  private rmw(s: State, instr: RmwInstr, rest: Frame): Branch[] {
    const a = location(s, instr.addr);
    const operand = evaluate(instr.op === 'atomic' ? instr.operand : instr.value, s.regs);
    const expected = instr.op === 'cmpxchg' ? evaluate(instr.expected, s.regs) : instr.op === 'atomic' && instr.unless ? evaluate(instr.unless, s.regs) : null;
    // Comparing or computing with a self-justified value constrains it; an xchg only copies it.
    if (expected?.v === SYMBOL || (instr.op === 'atomic' && operand.v === SYMBOL)) throw new PathUnjustified('a constraint on a self-justified value');
    const guesses: Array<[Value, boolean | null]> = [];
    for (const old of this.rmwDomainOf(a.loc, s)) {
      // An unknown old value may or may not equal the one compared with.
      if (old === UNKNOWN && expected !== null) guesses.push([old, true], [old, false]);
      else guesses.push([old, null]);
    }
    return guesses.map(([old, equal]) => {
      const t = cloneState(s);
      if (old === UNKNOWN) t.unknowns = 1;
      const r = push(t, { kind: 'R', loc: a.loc, value: old, ann: instr.ann, rmwInstr: true, lock: null, srcuSync: false, origin: instr.origin, dst: instr.dst }, a.deps);
      let outcome: RmwOutcome;
      try {
        outcome = rmwOutcome(instr, old, operand.v, expected?.v ?? null, equal);
      } catch (e) {
        // This guess of the old value makes the arithmetic meaningless: the path ends after the read.
        if (e instanceof PathUndefined) return { s: t, k: null, ended: this.undefinedAt(instr, e) };
        throw e;
      }
      if (outcome.writes) {
        const ev: PathEvent = { kind: 'W', loc: a.loc, value: outcome.newValue, ann: instr.ann, rmwInstr: true, lock: null, srcuSync: false, origin: instr.origin, dst: null };
        if (instr.op !== 'atomic' && operand.sym !== undefined) ev.symFrom = operand.sym;
        const w = push(t, ev, a.deps);
        for (const d of operand.deps) t.data.push([d, w]);
        t.rmw.push([r, w]);
      }
      setReg(t, instr.dst, { v: outcome.result, deps: [r] });
      return { s: t, k: rest };
    });
  }
}

type RmwInstr = Extract<Instr, { op: 'xchg' | 'cmpxchg' | 'atomic' }>;

interface RmwOutcome {
  writes: boolean;
  newValue: Value;
  /** What the instruction returns into its register. */
  result: Value;
}

/**
 * Whether an RMW whose read got `old` writes, what, and what it returns. `equal`: for an unknown
 * old value, the guessed outcome of its comparison (null when known). Throws PathUndefined when
 * the arithmetic has no meaning.
 */
function rmwOutcome(instr: RmwInstr, old: Value, operand: Value, expected: Value | null, equal: boolean | null): RmwOutcome {
  if (instr.op === 'xchg') return { writes: true, newValue: operand, result: old };
  if (instr.op === 'cmpxchg') return { writes: equal ?? old === expected, newValue: operand, result: old };
  let writes = true;
  let result: Value = old;
  if (instr.unless) {
    writes = equal === null ? old !== expected : !equal;
    result = writes ? 1 : 0;
  }
  const newValue = !writes ? old : isSymbol(old) || isSymbol(operand) ? UNKNOWN : binary(instr.alu, old, operand);
  if (instr.returns === 'new') result = newValue;
  return { writes, newValue, result };
}

/** spin_lock, spin_unlock, spin_trylock and spin_is_locked. */
function lockOp(s: State, instr: Extract<Instr, { op: 'lock' | 'unlock' | 'trylock' | 'islocked' }>, rest: Frame): Branch[] {
  const a = location(s, instr.addr);
  switch (instr.op) {
    case 'lock': {
      const r = push(s, lockEvent('R', a.loc, 0, 'LKR', instr.origin), a.deps);
      const w = push(s, lockEvent('W', a.loc, 1, 'LKW', instr.origin), a.deps);
      s.rmw.push([r, w]);
      return [{ s, k: rest }];
    }
    case 'unlock':
      push(s, lockEvent('W', a.loc, 0, 'UL', instr.origin), a.deps);
      return [{ s, k: rest }];
    case 'trylock': {
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
    case 'islocked':
      return ([['RL', 1], ['RU', 0]] as const).map(([kind, v]) => {
        const t = cloneState(s);
        const i = push(t, lockEvent('R', a.loc, v, kind, instr.origin), a.deps);
        setReg(t, instr.dst, { v, deps: [i] });
        return { s: t, k: rest };
      });
  }
}

/** Append an event to the path, with its address dependencies and the control dependencies in force; its index. */
function push(s: State, ev: PathEvent, addrDeps: readonly number[]): number {
  const i = s.events.length;
  s.events.push(ev);
  for (const d of addrDeps) s.addr.push([d, i]);
  for (const d of s.ctrlDeps) s.ctrl.push([d, i]);
  return i;
}

/** The location an address expression denotes. */
function location(s: State, e: PureExpr): Tainted & { loc: string } {
  const t = evaluate(e, s.regs);
  if (typeof t.v !== 'string') throw new PathUndefined(`dereferencing the non-pointer value ${t.v}`);
  if (isSymbol(t.v)) throw new PathUnjustified('an address only a cycle justifies');
  return { ...t, loc: t.v };
}

function setReg(s: State, r: string | null, t: Tainted): void {
  if (r !== null) s.regs.set(r, t);
}

/** `e` with every register but `keep` replaced by its value. */
function closeOver(e: PureExpr, keep: string, regs: ReadonlyMap<string, Tainted>): PureExpr {
  switch (e.k) {
    case 'const':
      return e;
    case 'reg':
      return e.r === keep ? e : { k: 'const', v: regs.get(e.r)?.v ?? 0 };
    case 'un':
      return { ...e, a: closeOver(e.a, keep, regs) };
    case 'bin':
      return { ...e, a: closeOver(e.a, keep, regs), b: closeOver(e.b, keep, regs) };
    case 'cond':
      return { ...e, c: closeOver(e.c, keep, regs), a: closeOver(e.a, keep, regs), b: closeOver(e.b, keep, regs) };
  }
}

function lockEvent(kind: 'R' | 'W', loc: string, value: number, lock: LockKind, origin: Origin): PathEvent {
  return { kind, loc, value, ann: '', rmwInstr: false, lock, srcuSync: false, origin, dst: null };
}

