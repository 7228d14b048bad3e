// The second engine: an operational explorer, independent of the axiomatic one (it shares only
// parsing, lowering and the annotation table). SC runs every interleaving of the threads' memory
// operations against one memory; x86-TSO adds a FIFO store buffer per thread, with store
// forwarding, drains as separate steps, and fences (as lower/annotations.ts says which) and
// locked instructions (atomic RMWs, spin_lock, spin_trylock) waiting for their own buffer to
// empty. Its final states are the cross-check for the sc and tso models.
import type { Program, Value } from '../lower/program.js';
import { FENCES, isSrcuUnlock, tsoFence, type TsoFence } from '../lower/annotations.js';
import { holds, observe, type FinalState } from '../execution/condition.js';
import { address, alu, evaluate, show, truth, Undefined } from './values.js';
import { cloneState, flatten, stateKey, type Op, type State, type ThreadState } from './state.js';

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

type RmwOp = Extract<Op, { op: 'xchg' | 'cmpxchg' | 'atomic' }>;

/** The machine: how one thread steps, and the search over every interleaving of the steps. */
class Machine {
  private readonly code: Op[][];
  private readonly tso: boolean;
  private readonly forwarding: boolean;
  private readonly fencesDrain: boolean;
  private readonly maxStates: number;
  private readonly finals = new Map<string, Value[]>();
  private readonly seen = new Set<string>();
  private readonly stack: State[] = [];
  private complete = true;

  constructor(private readonly program: Program, model: OperationalModel, private readonly options: InterleaveOptions) {
    this.code = program.threads.map((t) => flatten(t.body));
    this.tso = model === 'tso';
    this.forwarding = !(this.tso && options.break === 'tso-no-forwarding');
    this.fencesDrain = !(this.tso && options.break === 'tso-mfence-no-drain');
    this.maxStates = options.maxStates ?? 1_000_000;
  }

  private read(t: ThreadState, mem: Map<string, Value>, loc: string): Value {
    if (this.tso && this.forwarding) {
      for (let i = t.buffer.length - 1; i >= 0; i--) if (t.buffer[i].loc === loc) return t.buffer[i].value;
    }
    return mem.get(loc) ?? 0;
  }

  /** A write: into the store buffer under TSO, straight to memory under SC. */
  private write(t: ThreadState, mem: Map<string, Value>, loc: string, value: Value, srcuUnlock = false): void {
    if (this.tso) t.buffer.push({ loc, value, srcuUnlock });
    else mem.set(loc, value);
  }

  /** Whether a fence must wait (for its buffer to drain, as far as it orders): SC needs no fences. */
  private fenceWaits(t: ThreadState, i: Extract<Op, { op: 'fence' | 'srcu-sync' }>): boolean {
    if (!this.tso) return false;
    const meaning: TsoFence = i.op === 'srcu-sync' ? FENCES['sync-srcu'].tso : tsoFence(i.ann);
    if (meaning === 'full') return this.fencesDrain && t.buffer.length > 0;
    // Up to (and with) the last srcu_read_unlock(): the FIFO has drained it once none is buffered.
    if (meaning === 'after-srcu-unlock') return t.buffer.some((b) => b.srcuUnlock);
    return false;
  }

  /** Runs thread-local operations (register moves, branches, fences with nothing to wait for) up to the next step. */
  settle(s: State, tid: number): void {
    const t = s.threads[tid];
    const ops = this.code[tid];
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
      } else if (!((i.op === 'fence' || i.op === 'srcu-sync') && !this.fenceWaits(t, i))) return;
      t.pc++;
    }
  }

  /** Executes thread tid's next memory operation in place; false when it cannot run now. */
  private step(s: State, tid: number): boolean {
    const t = s.threads[tid];
    const i = this.code[tid][t.pc];
    const mem = s.memory;
    const empty = t.buffer.length === 0;
    switch (i.op) {
      case 'load':
        t.regs.set(i.dst, this.read(t, mem, address(i.addr, t.regs)));
        break;
      case 'await': {
        // A wait runs only once its read ends it (a spin that never does is a deadlock: no final
        // state); an idling read must turn out to be its location's last value (checked at the end).
        const loc = address(i.addr, t.regs);
        const v = this.read(t, mem, loc);
        const regs = new Map(t.regs).set(i.dst, v);
        if (i.idle) t.latest.push([loc, v]);
        else if (!truth(evaluate(i.until, regs))) return false;
        t.regs = regs;
        break;
      }
      case 'cut':
        return false; // a bounded loop's end: no final state (the axiomatic engine reports it incomplete)
      case 'store':
        this.write(t, mem, address(i.addr, t.regs), evaluate(i.value, t.regs), isSrcuUnlock(i.ann));
        break;
      case 'fence':
      case 'srcu-sync':
        if (this.fenceWaits(t, i)) return false;
        break;
      case 'xchg':
      case 'cmpxchg':
      case 'atomic':
        if (!empty) return false; // a locked instruction drains the buffer first
        this.rmw(t, mem, i);
        break;
      case 'lock': {
        if (!empty) return false;
        const loc = address(i.addr, t.regs);
        if ((mem.get(loc) ?? 0) !== 0) return false; // spins until the lock is free
        mem.set(loc, 1);
        break;
      }
      case 'unlock':
        this.write(t, mem, address(i.addr, t.regs), 0);
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
        const held = this.read(t, mem, address(i.addr, t.regs)) !== 0;
        if (i.dst !== null) t.regs.set(i.dst, held ? 1 : 0);
        break;
      }
      default:
        throw new Error(`interleave: unexpected operation ${i.op}`);
    }
    t.pc++;
    return true;
  }

  /** A locked read-modify-write, straight on memory (the buffer is empty). */
  private rmw(t: ThreadState, mem: Map<string, Value>, i: RmwOp): void {
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
  }

  /** Queues a successor state unless seen; false when the state budget is spent. */
  private push(next: State): void {
    const key = stateKey(next);
    if (this.seen.has(key)) return;
    if (this.seen.size >= this.maxStates) {
      this.complete = false;
      return;
    }
    this.seen.add(key);
    this.stack.push(next);
  }

  /** Every step out of s (a thread's operation or a buffer drain); false when there is none. */
  private expand(s: State): boolean {
    let moved = false;
    for (let tid = 0; tid < s.threads.length; tid++) {
      const t = s.threads[tid];
      if (t.pc < this.code[tid].length) {
        const next = cloneState(s);
        try {
          if (this.step(next, tid)) {
            this.settle(next, tid);
            moved = true;
            this.push(next);
          }
        } catch (e) {
          if (!(e instanceof Undefined)) throw e;
          moved = true; // this execution has no meaning: it ends here, with no final state
        }
      }
      if (t.buffer.length > 0) {
        const next = cloneState(s);
        const b = next.threads[tid].buffer.shift()!;
        next.memory.set(b.loc, b.value);
        moved = true;
        this.push(next);
      }
    }
    return moved;
  }

  /** Records s as a final state if every thread has finished and drained (a stuck one is a deadlock: none). */
  private finish(s: State): void {
    const done = s.threads.every((t, tid) => t.pc >= this.code[tid].length && t.buffer.length === 0);
    if (!done || !s.threads.every((t) => t.latest.every(([loc, v]) => (s.memory.get(loc) ?? 0) === v))) return;
    const final: FinalState = { regs: s.threads.map((t) => t.regs), memory: s.memory };
    if (this.program.filter && !holds(this.program.filter, final)) return;
    const values = this.program.observed.map((o) => observe(o.obs, final));
    this.finals.set(values.map(show).join(';'), values);
  }

  run(): InterleaveResult {
    const initial: State = {
      threads: this.program.threads.map((t) => ({ pc: 0, regs: new Map(t.initRegs), buffer: [], latest: [] })),
      memory: new Map(this.program.locations),
    };
    try {
      for (let tid = 0; tid < initial.threads.length; tid++) this.settle(initial, tid);
    } catch (e) {
      if (e instanceof Undefined) return { states: [], complete: true, visited: 0 };
      throw e;
    }
    this.stack.push(initial);
    this.seen.add(stateKey(initial));
    const deadline = this.options.deadline;
    while (this.stack.length > 0) {
      if (deadline !== undefined && (this.seen.size & 1023) === 0 && Date.now() > deadline) {
        this.complete = false;
        break;
      }
      const s = this.stack.pop()!;
      if (!this.expand(s)) this.finish(s);
    }
    const states = [...this.finals.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, v]) => v);
    return { states, complete: this.complete, visited: this.seen.size };
  }
}

/** Every final state the program can reach under the operational SC or TSO machine. */
export function interleave(program: Program, model: OperationalModel, options: InterleaveOptions = {}): InterleaveResult {
  return new Machine(program, model, options).run();
}
