// A thread's registers: which names are registers (declared or assigned anywhere in the
// thread, as herd7 accepts), and which of them may ever hold an address.
import { StageError } from '../diagnostics.js';
import type { Expr, Stmt } from '../parse/ast.js';
import type { Value } from './program.js';

/** What the register analysis asks of the test: which names are shared locations or constants. */
export interface NameScope {
  isLocation(name: string): boolean;
  isStructBase(name: string): boolean;
  constantValue(name: string): number | undefined;
}

export class ThreadRegisters {
  /** The thread's registers; lowering adds its temporaries and the registers primitives declare. */
  readonly names = new Set<string>();
  /** Registers that may hold an address (see findPointerRegisters); the rest only hold integers. */
  private pointerRegs = new Set<string>();
  /** Every value each register is assigned, for findPointerRegisters. */
  private assignments = new Map<string, Expr[]>();

  constructor(
    private readonly scope: NameScope,
    private readonly initRegs: Map<string, Value>,
  ) {
    for (const r of initRegs.keys()) this.names.add(r);
  }

  /** Registers: declared anywhere or assigned anywhere in the thread (herd7 accepts undeclared ones). */
  collect(body: Stmt[]): void {
    this.collectRegs(body);
    this.findPointerRegisters();
  }

  private collectRegs(stmts: Stmt[]): void {
    for (const s of stmts) {
      if (s.k === 'decl') {
        this.names.add(s.name);
        if (s.init) this.noteAssignment(s.name, s.init);
      } else if (s.k === 'expr') this.collectAssignment(s.expr);
      else if (s.k === 'if') {
        this.collectRegs(s.then);
        if (s.else) this.collectRegs(s.else);
      } else if (s.k === 'block') this.collectRegs(s.body);
      else if (s.k === 'loop') {
        this.collectRegs(s.init);
        this.collectRegs(s.body);
        if (s.step) this.collectAssignment(s.step);
      }
    }
  }

  private collectAssignment(e: Expr): void {
    if (e.k !== 'assign' || e.target.k !== 'ident' || this.scope.isLocation(e.target.name)) return;
    this.names.add(e.target.name);
    // `r += v` is arithmetic: its result is never an address.
    this.noteAssignment(e.target.name, e.op === '=' ? e.value : { k: 'num', value: 0, pos: e.pos });
  }

  private noteAssignment(reg: string, value: Expr): void {
    const list = this.assignments.get(reg);
    if (list) list.push(value);
    else this.assignments.set(reg, [value]);
  }

  /**
   * Which registers may ever hold an address: one initialised to a location, or assigned
   * anything that may be one (a location, a value read from memory, another such register).
   * Flow-insensitive, so it over-approximates: dereferencing any other register is an error
   * in every execution, which lowering can report before exploring.
   */
  private findPointerRegisters(): void {
    for (const [r, v] of this.initRegs) if (typeof v === 'string') this.pointerRegs.add(r);
    for (let changed = true; changed; ) {
      changed = false;
      for (const [r, values] of this.assignments) {
        if (!this.pointerRegs.has(r) && values.some((v) => this.mayBeAddress(v))) {
          this.pointerRegs.add(r);
          changed = true;
        }
      }
    }
  }

  /** Whether an expression may evaluate to an address (arithmetic and comparisons never do). */
  mayBeAddress(e: Expr): boolean {
    switch (e.k) {
      case 'num':
        return false;
      case 'binary':
        // Pointer arithmetic: herd7 reads `y + (r1 ^ r1)` as y (an address plus zero).
        // A non-zero constant offset never is: there are no arrays.
        if (e.op === '+') return (this.mayBeAddress(e.left) && !nonZeroNumber(e.right)) || (this.mayBeAddress(e.right) && !nonZeroNumber(e.left));
        return e.op === '-' && this.mayBeAddress(e.left) && !nonZeroNumber(e.right);
      case 'ident':
        if (this.names.has(e.name)) return this.pointerRegs.has(e.name);
        if (this.scope.isLocation(e.name) || this.scope.isStructBase(e.name)) return true;
        return this.scope.constantValue(e.name) === undefined; // an unknown name is reported later
      case 'unary':
        return e.op === '*' || e.op === '&' || (e.op === '+' && this.mayBeAddress(e.arg));
      case 'cast':
        return this.mayBeAddress(e.arg);
      case 'ternary':
        return this.mayBeAddress(e.then) || this.mayBeAddress(e.else);
      default:
        return true; // calls and fields read memory, which may hold addresses
    }
  }

  /** Refuse a dereference that can only ever see an integer (it would have no meaning). */
  checkAddress(e: Expr): void {
    if (this.mayBeAddress(e)) return;
    const base = e.k === 'cast' ? e.arg : e;
    if (base.k === 'ident') {
      const never = !this.initRegs.has(base.name) && !this.assignments.has(base.name);
      throw new StageError(
        base.pos,
        never
          ? `cannot dereference ${base.name}: it is never assigned, so it holds 0, not the address of a location`
          : `cannot dereference ${base.name}: it only ever holds integers, never the address of a location`,
      );
    }
    if (base.k === 'num') throw new StageError(base.pos, `cannot dereference the integer ${base.value}: only addresses of shared locations can be`);
    throw new StageError(base.pos, 'cannot dereference an integer expression: only addresses of shared locations can be');
  }
}

function nonZeroNumber(e: Expr): boolean {
  return e.k === 'num' && e.value !== 0;
}
