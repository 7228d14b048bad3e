// The second engine: an operational explorer, independent of the axiomatic one (it shares only
// parsing and lowering). SC runs every interleaving of the threads' memory operations against one
// memory; x86-TSO adds a FIFO store buffer per thread, with store forwarding, drains as separate
// steps, and full fences and locked instructions (atomic RMWs, spin_lock, spin_trylock) waiting
// for their own buffer to empty. Its final states are the cross-check for the sc and tso models.
import type { Instr, Program, PureExpr, Value } from '../lower/program.js';
import { holds, observe, type FinalState } from '../execution/condition.js';
import { intBinary, intUnary, type Int } from '../lower/int64.js';

export type OperationalModel = 'sc' | 'tso';

/** Deliberate bugs, for showing that the fuzzer catches and shrinks a broken engine. Self-test only. */
export const ENGINE_BREAKS = ['tso-no-forwarding', 'tso-mfence-no-drain'] as const;
export type EngineBreak = (typeof ENGINE_BREAKS)[number];

export interface InterleaveOptions {
  /** Stop after visiting this many distinct states (the result is then incomplete). */
  maxStates?: number;
  /** Self-test only: run a deliberately wrong variant of the engine. */
  break?: EngineBreak;
  /** Wall-clock deadline (ms since the epoch); the result is incomplete when it passes. */
  deadline?: number;
}

export interface InterleaveResult {
  /** Distinct final states (after the filter), values in the order of program.observed. */
  states: Value[][];
  /** False when maxStates stopped the search (the states are then a subset). */
  complete: boolean;
  /** Distinct states visited. */
  visited: number;
}

/** Thread code flattened to a list with jumps, so a thread's position is one number. */
type Op =
  | Exclude<Instr, { op: 'if' }>
  | { op: 'branch-if-false'; cond: PureExpr; target: number }
  | { op: 'jump'; target: number };

function flatten(body: Instr[], out: Op[] = []): Op[] {
  for (const i of body) {
    if (i.op !== 'if') {
      out.push(i);
      continue;
    }
    const branch: Op = { op: 'branch-if-false', cond: i.cond, target: -1 };
    out.push(branch);
    flatten(i.then, out);
    if (i.else.length > 0) {
      const jump: Op = { op: 'jump', target: -1 };
      out.push(jump);
      branch.target = out.length;
      flatten(i.else, out);
      jump.target = out.length;
    } else branch.target = out.length;
  }
  return out;
}

/** An operation whose meaning is undefined (arithmetic on an address, division by zero). */
class Undefined extends Error {}

function isInt(v: Value): v is Int {
  return typeof v !== 'string';
}

function int(v: Value): Int {
  if (!isInt(v)) throw new Undefined(`arithmetic on the address of ${v}`);
  return v;
}

function truth(v: Value): boolean {
  return !isInt(v) || v !== 0;
}

function alu(op: string, a: Value, b: Value): Value {
  switch (op) {
    case '==': return a === b ? 1 : 0;
    case '!=': return a !== b ? 1 : 0;
    case '&&': return truth(a) && truth(b) ? 1 : 0;
    case '||': return truth(a) || truth(b) ? 1 : 0;
  }
  const x = int(a);
  const y = int(b);
  if ((op === '/' || op === '%') && y === 0) throw new Undefined('division by zero');
  const r = intBinary(op, x, y);
  if (r !== null) return r;
  throw new Undefined(`unknown operator ${op}`);
}

function evaluate(e: PureExpr, regs: ReadonlyMap<string, Value>): Value {
  switch (e.k) {
    case 'const': return e.v;
    case 'reg': return regs.get(e.r) ?? 0; // herd7 starts registers at 0
    case 'un': {
      const a = evaluate(e.a, regs);
      if (e.op === '!') return truth(a) ? 0 : 1;
      return intUnary(e.op, int(a));
    }
    case 'bin': return alu(e.op, evaluate(e.a, regs), evaluate(e.b, regs));
    case 'cond': return truth(evaluate(e.c, regs)) ? evaluate(e.a, regs) : evaluate(e.b, regs);
  }
}

function address(e: PureExpr, regs: ReadonlyMap<string, Value>): string {
  const v = evaluate(e, regs);
  if (isInt(v)) throw new Undefined(`dereferencing the integer ${v}`);
  return v;
}

interface ThreadState {
  pc: number;
  regs: Map<string, Value>;
  /** TSO store buffer, oldest first. */
  buffer: Array<[string, Value]>;
  /** What an idling read (an `await` with idle) got: it must be its location's last value. */
  latest: Array<[string, Value]>;
}

interface State {
  threads: ThreadState[];
  memory: Map<string, Value>;
}

function cloneState(s: State): State {
  return {
    threads: s.threads.map((t) => ({ pc: t.pc, regs: new Map(t.regs), buffer: t.buffer.slice(), latest: t.latest.slice() })),
    memory: new Map(s.memory),
  };
}

function show(v: Value): string {
  return isInt(v) ? String(v) : `&${v}`;
}

function stateKey(s: State): string {
  const mem = [...s.memory].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([l, v]) => `${l}=${show(v)}`).join(',');
  const threads = s.threads.map((t) => {
    const regs = [...t.regs].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([r, v]) => `${r}=${show(v)}`).join(',');
    return `${t.pc}|${regs}|${t.buffer.map(([l, v]) => `${l}=${show(v)}`).join(',')}`;
  });
  return `${mem}#${threads.join('#')}`;
}

/** Every final state the program can reach under the operational SC or TSO machine. */
export function interleave(program: Program, model: OperationalModel, options: InterleaveOptions = {}): InterleaveResult {
  const code = program.threads.map((t) => flatten(t.body));
  const tso = model === 'tso';
  const forwarding = !(tso && options.break === 'tso-no-forwarding');
  const fencesDrain = !(tso && options.break === 'tso-mfence-no-drain');
  const maxStates = options.maxStates ?? 1_000_000;

  const read = (t: ThreadState, mem: Map<string, Value>, loc: string): Value => {
    if (tso && forwarding) {
      for (let i = t.buffer.length - 1; i >= 0; i--) if (t.buffer[i][0] === loc) return t.buffer[i][1];
    }
    return mem.get(loc) ?? 0;
  };
  // A write: into the store buffer under TSO, straight to memory under SC (and for locked ops).
  const write = (t: ThreadState, mem: Map<string, Value>, loc: string, v: Value, locked: boolean): void => {
    if (tso && !locked) t.buffer.push([loc, v]);
    else mem.set(loc, v);
  };
  const isFullFence = (i: Op): boolean => i.op === 'srcu-sync' || (i.op === 'fence' && (i.ann === 'MB' || i.ann === 'sync-rcu'));

  /** Runs thread-local operations (register moves, branches, no-op fences) up to the next step. */
  const settle = (s: State, tid: number): void => {
    const t = s.threads[tid];
    const ops = code[tid];
    for (;;) {
      const i = ops[t.pc];
      if (i === undefined) return;
      if (i.op === 'assign') t.regs.set(i.dst, evaluate(i.value, t.regs));
      else if (i.op === 'branch-if-false') {
        if (!truth(evaluate(i.cond, t.regs))) {
          t.pc = i.target;
          continue;
        }
      } else if (i.op === 'jump') {
        t.pc = i.target;
        continue;
      } else if ((i.op === 'fence' || i.op === 'srcu-sync') && !(tso && isFullFence(i) && fencesDrain)) {
        // SC needs no fences; TSO's only fence with an effect is the full one.
      } else return;
      t.pc++;
    }
  };

  /** Executes thread tid's next memory operation in place; false when it cannot run now. */
  const stepThread = (s: State, tid: number): boolean => {
    const t = s.threads[tid];
    const i = code[tid][t.pc];
    const mem = s.memory;
    const empty = t.buffer.length === 0;
    switch (i.op) {
      case 'load':
        t.regs.set(i.dst, read(t, mem, address(i.addr, t.regs)));
        break;
      case 'await': {
        // A wait runs only once its read ends it (a spin that never does is a deadlock: no final
        // state); an idling read must turn out to be its location's last value (checked at the end).
        const loc = address(i.addr, t.regs);
        const v = read(t, mem, loc);
        const regs = new Map(t.regs).set(i.dst, v);
        if (i.idle) t.latest.push([loc, v]);
        else if (!truth(evaluate(i.until, regs))) return false;
        t.regs = regs;
        break;
      }
      case 'cut':
        return false; // a bounded loop's end: no final state (the axiomatic engine reports it incomplete)
      case 'store':
        write(t, mem, address(i.addr, t.regs), evaluate(i.value, t.regs), false);
        break;
      case 'fence':
      case 'srcu-sync':
        // Only full fences get here (under TSO): they wait for the store buffer to drain.
        if (!empty) return false;
        break;
      case 'xchg':
      case 'cmpxchg':
      case 'atomic': {
        if (!empty) return false; // a locked instruction drains the buffer first
        const loc = address(i.addr, t.regs);
        const old = mem.get(loc) ?? 0;
        let result: Value = old;
        if (i.op === 'xchg') mem.set(loc, evaluate(i.value, t.regs));
        else if (i.op === 'cmpxchg') {
          const expected = evaluate(i.expected, t.regs);
          const value = evaluate(i.value, t.regs);
          if (old === expected) mem.set(loc, value);
        } else {
          const operand = evaluate(i.operand, t.regs);
          const writes = i.unless === null || old !== evaluate(i.unless, t.regs);
          const next = writes ? alu(i.alu, old, operand) : old;
          if (writes) mem.set(loc, next);
          if (i.returns === 'new') result = next;
          else if (i.returns === 'success') result = writes ? 1 : 0;
        }
        if (i.dst !== null) t.regs.set(i.dst, result);
        break;
      }
      case 'lock': {
        if (!empty) return false;
        const loc = address(i.addr, t.regs);
        if ((mem.get(loc) ?? 0) !== 0) return false; // spins until the lock is free
        mem.set(loc, 1);
        break;
      }
      case 'unlock':
        write(t, mem, address(i.addr, t.regs), 0, false);
        break;
      case 'trylock': {
        if (!empty) return false;
        const loc = address(i.addr, t.regs);
        const free = (mem.get(loc) ?? 0) === 0;
        if (free) mem.set(loc, 1);
        if (i.dst !== null) t.regs.set(i.dst, free ? 1 : 0);
        break;
      }
      case 'islocked': {
        const held = read(t, mem, address(i.addr, t.regs)) !== 0;
        if (i.dst !== null) t.regs.set(i.dst, held ? 1 : 0);
        break;
      }
      default:
        throw new Error(`interleave: unexpected operation ${i.op}`);
    }
    t.pc++;
    return true;
  };

  const initial: State = {
    threads: program.threads.map((t) => ({ pc: 0, regs: new Map(t.initRegs), buffer: [], latest: [] })),
    memory: new Map(program.locations),
  };
  const finals = new Map<string, Value[]>();
  const seen = new Set<string>();
  let complete = true;
  try {
    for (let tid = 0; tid < initial.threads.length; tid++) settle(initial, tid);
  } catch (e) {
    if (e instanceof Undefined) return { states: [], complete, visited: 0 };
    throw e;
  }
  const stack: State[] = [initial];
  seen.add(stateKey(initial));
  while (stack.length > 0) {
    if (options.deadline !== undefined && (seen.size & 1023) === 0 && Date.now() > options.deadline) {
      complete = false;
      break;
    }
    const s = stack.pop()!;
    let moved = false;
    const push = (next: State) => {
      moved = true;
      const key = stateKey(next);
      if (seen.has(key)) return;
      if (seen.size >= maxStates) {
        complete = false;
        return;
      }
      seen.add(key);
      stack.push(next);
    };
    for (let tid = 0; tid < s.threads.length; tid++) {
      const t = s.threads[tid];
      if (t.pc < code[tid].length) {
        const next = cloneState(s);
        try {
          if (stepThread(next, tid)) {
            settle(next, tid);
            push(next);
          }
        } catch (e) {
          if (!(e instanceof Undefined)) throw e;
          moved = true; // this execution has no meaning: it ends here, with no final state
        }
      }
      if (t.buffer.length > 0) {
        const next = cloneState(s);
        const [loc, v] = next.threads[tid].buffer.shift()!;
        next.memory.set(loc, v);
        push(next);
      }
    }
    const done = s.threads.every((t, tid) => t.pc >= code[tid].length && t.buffer.length === 0);
    if (!moved && done && s.threads.every((t) => t.latest.every(([loc, v]) => (s.memory.get(loc) ?? 0) === v))) {
      const final: FinalState = { regs: s.threads.map((t) => t.regs), memory: s.memory };
      if (program.filter && !holds(program.filter, final)) continue;
      const values = program.observed.map((o) => observe(o.obs, final));
      finals.set(values.map(show).join(';'), values);
    }
    // Neither moved nor done: a deadlock (a lock never released); it has no final state.
  }
  const states = [...finals.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, v]) => v);
  return { states, complete, visited: seen.size };
}


