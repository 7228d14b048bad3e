// herd7's numbering of its symbolic variables, followed along a thread path so that a
// self-justified value can be printed with herd7's name for it (S23). herd7 (lib/symbValue.ml)
// draws a fresh variable from one counter, reset per test, for every read its C semantics builds
// (herd/CSem.ml): each memory read, each register read (a pointer parameter in `*x` too), and each
// operation on an unknown value (a comparison in an `if`). The threads are built in order, both
// branches of an `if` are built (then first), and the code after a statement is built once per
// way through it, the way through the else branch first (herd/eventsMonad.ml). See
// docs/cycle-values.md for what is followed exactly and what is approximated.
import type { Instr, PureExpr, ThreadProgram, Program } from '../lower/program.js';

/** The counts for one thread's instructions. */
export class HerdVars {
  private readonly own = new Map<Instr, number>();
  private readonly ways = new Map<Instr, number>();
  private readonly totals = new Map<readonly Instr[], number[]>();

  constructor(private readonly thread: ThreadProgram) {}

  /** The variables one run of instrs[at..] draws, every way through it. */
  total(instrs: readonly Instr[], at: number): number {
    let t = this.totals.get(instrs);
    if (!t) {
      t = new Array<number>(instrs.length + 1).fill(0);
      for (let i = instrs.length - 1; i >= 0; i--) t[i] = this.ownOf(instrs[i]) + this.waysOf(instrs[i]) * t[i + 1];
      this.totals.set(instrs, t);
    }
    return t[at];
  }

  /** The variables one instruction draws (both branches of an if). */
  ownOf(i: Instr): number {
    let n = this.own.get(i);
    if (n === undefined) {
      n = i.op === 'if' ? this.condVars(i.cond) + this.total(i.then, 0) + this.total(i.else, 0) : this.simple(i);
      this.own.set(i, n);
    }
    return n;
  }

  /** How many ways through one instruction (the code after it is built once per way). */
  waysOf(i: Instr): number {
    let n = this.ways.get(i);
    if (n === undefined) {
      n = i.op === 'if' ? this.listWays(i.then) + this.listWays(i.else) : i.op === 'cmpxchg' || i.op === 'trylock' || i.op === 'islocked' || (i.op === 'atomic' && i.unless) ? 2 : 1;
      this.ways.set(i, n);
    }
    return n;
  }

  /** The if's condition: its reads and operations, and the `!= 0` herd7 adds to a non-comparison. */
  condVars(e: PureExpr): number {
    const comparison = e.k === 'bin' && ['==', '!=', '<', '>', '<=', '>='].includes(e.op);
    return this.exprVars(e) + (comparison || !this.hasVar(e) ? 0 : 1);
  }

  /** The variable of the address expression's register read (a pointer parameter is a register). */
  addrVars(e: PureExpr): number {
    return e.k === 'const' ? (typeof e.v === 'string' ? 1 : 0) : this.exprVars(e);
  }

  /** Whether the value is a user register read as is (herd7 then copies that read's variable). */
  copiesRegister(e: PureExpr): boolean {
    return e.k === 'reg' && this.thread.userRegs.has(e.r);
  }

  listWays(instrs: readonly Instr[]): number {
    let n = 1;
    for (const i of instrs) n *= this.waysOf(i);
    return n;
  }

  private simple(i: Exclude<Instr, { op: 'if' }>): number {
    switch (i.op) {
      case 'load':
        return this.addrVars(i.addr) + 1;
      case 'store':
        return this.addrVars(i.addr) + this.exprVars(i.value);
      case 'assign':
        return this.exprVars(i.value);
      case 'xchg':
        return this.addrVars(i.addr) + this.exprVars(i.value) + 1;
      case 'cmpxchg':
        return 2 * (this.addrVars(i.addr) + this.exprVars(i.expected)) + this.exprVars(i.value) + 2;
      case 'atomic':
        return this.addrVars(i.addr) + this.exprVars(i.operand) + 2;
      case 'lock':
      case 'unlock':
      case 'srcu-sync':
        return this.addrVars(i.addr);
      case 'trylock':
      case 'islocked':
        return 2 * this.addrVars(i.addr);
      case 'await': // a read: KVM's waits, which herd7 does not have
        return this.addrVars(i.addr) + 1;
      case 'fence':
      case 'assume':
      case 'cut':
        return 0;
    }
  }

  /** Register reads (temporaries hold a read's own variable: none), and operations on unknowns. */
  private exprVars(e: PureExpr): number {
    switch (e.k) {
      case 'const':
        return 0;
      case 'reg':
        return this.thread.userRegs.has(e.r) ? 1 : 0;
      case 'un':
        return this.exprVars(e.a) + (this.hasVar(e.a) ? 1 : 0);
      case 'bin': {
        const zero = (x: PureExpr) => x.k === 'const' && x.v === 0;
        // herd7 simplifies x + 0 and x | 0 to x without a new variable.
        const op = (this.hasVar(e.a) || this.hasVar(e.b)) && !((e.op === '+' || e.op === '|') && (zero(e.a) || zero(e.b))) ? 1 : 0;
        return this.exprVars(e.a) + this.exprVars(e.b) + op;
      }
      case 'cond':
        return this.exprVars(e.c) + this.exprVars(e.a) + this.exprVars(e.b) + 1;
    }
  }

  private hasVar(e: PureExpr): boolean {
    switch (e.k) {
      case 'const':
        return false;
      case 'reg':
        return true;
      case 'un':
        return this.hasVar(e.a);
      case 'bin':
        return this.hasVar(e.a) || this.hasVar(e.b);
      case 'cond':
        return this.hasVar(e.c) || this.hasVar(e.a) || this.hasVar(e.b);
    }
  }
}

/** Each thread's counts and the counter's value where its code starts (the threads before drew theirs). */
export function herdVarsOf(program: Program): Array<{ vars: HerdVars; start: number }> {
  let start = 0;
  return program.threads.map((t) => {
    const vars = new HerdVars(t);
    const here = start;
    start += vars.total(t.body, 0);
    return { vars, start: here };
  });
}
