// Evaluating side-effect-free expressions over concrete values, tracking which reads each value
// depends on (the source of addr, data and ctrl dependencies).
import { SYMBOL, isSymbol, type PureExpr, type Value } from '../lower/program.js';
import { intBinary, intUnary, type Int } from '../lower/int64.js';
import { addressPlusZero } from '../lower/address-arith.js';

/** A value and the thread-local indices of the read events it was computed from. */
export interface Tainted {
  v: Value;
  deps: readonly number[];
  /** When v is SYMBOL: the thread-local index of the read whose self-justified value it copies. */
  sym?: number;
}

/** Raised when a path does something with no defined meaning (e.g. address arithmetic). */
export class PathUndefined extends Error {}

/**
 * Raised when a path would constrain a self-justified value (compare it, branch on it, compute
 * with it): herd7 keeps such an equation unsolved and rejects the candidate, so the path is no
 * execution at all (not undefined behaviour).
 */
export class PathUnjustified {
  // Not an Error: it is thrown for every path a self-justified value stops (hundreds per test in
  // some), always caught by the path walker, and an Error would capture a stack trace each time.
  constructor(readonly message: string) {}
}

/**
 * While value domains are computed: "a value no write in the domain gives" (docs/cycle-values.md).
 * Anything computed from it is unknown too, and a branch on it goes both ways.
 */
export const UNKNOWN = '?*';

const NO_DEPS: readonly number[] = [];

export function mergeDeps(a: readonly number[], b: readonly number[]): readonly number[] {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = [...a];
  for (const x of b) if (!out.includes(x)) out.push(x);
  return out;
}

export type Registers = ReadonlyMap<string, Tainted>;

export function evaluate(e: PureExpr, regs: Registers): Tainted {
  switch (e.k) {
    case 'const':
      return { v: e.v, deps: NO_DEPS };
    case 'reg': {
      const t = regs.get(e.r);
      // Declared but never assigned: C leaves it undefined; herd7 starts registers at 0.
      return t ?? { v: 0, deps: NO_DEPS };
    }
    case 'un': {
      const a = evaluate(e.a, regs);
      if (isSymbol(a.v)) return { v: opaque(a.v), deps: a.deps };
      return { v: unary(e.op, a.v), deps: a.deps };
    }
    case 'bin': {
      const a = evaluate(e.a, regs);
      const b = evaluate(e.b, regs);
      if (isSymbol(a.v) || isSymbol(b.v)) return { ...symbolic(e.op, a, b), deps: mergeDeps(a.deps, b.deps) };
      return { v: binary(e.op, a.v, b.v), deps: mergeDeps(a.deps, b.deps) };
    }
    case 'cond': {
      const c = evaluate(e.c, regs);
      if (isSymbol(c.v)) {
        const v = opaque(c.v);
        return { v, deps: mergeDeps(c.deps, mergeDeps(evaluate(e.a, regs).deps, evaluate(e.b, regs).deps)) };
      }
      const r = truthy(c.v) ? evaluate(e.a, regs) : evaluate(e.b, regs);
      return r.sym === undefined ? { v: r.v, deps: mergeDeps(c.deps, r.deps) } : { v: r.v, deps: mergeDeps(c.deps, r.deps), sym: r.sym };
    }
  }
}

/** An operation on UNKNOWN is unknown; one that constrains a self-justified value is no execution. */
function opaque(v: string): Value {
  if (v === UNKNOWN) return UNKNOWN;
  throw new PathUnjustified(`a constraint on a self-justified value`);
}

/**
 * A binary operation with a symbolic operand: herd7's simplifications on its symbolic variables
 * (lib/symbValue.ml: x + 0 and x | 0 are x, x ^ x is 0, x == x is true) keep the value free;
 * anything else leaves an equation herd7 cannot solve.
 */
function symbolic(op: string, a: Tainted, b: Tainted): { v: Value; sym?: number } {
  if (a.v === UNKNOWN || b.v === UNKNOWN) return { v: UNKNOWN };
  if (a.v === SYMBOL && b.v === SYMBOL && a.sym === b.sym) {
    if (op === '^') return { v: 0 };
    if (op === '==') return { v: 1 };
    if (op === '!=') return { v: 0 };
  }
  if (op === '+' || op === '|') {
    if (b.v === 0) return { v: a.v, sym: a.sym };
    if (a.v === 0) return { v: b.v, sym: b.sym };
  }
  return { v: opaque(SYMBOL) };
}

export function truthy(v: Value): boolean {
  return typeof v === 'string' ? true : v !== 0;
}

function asInt(v: Value, op: string): Int {
  if (typeof v === 'string') throw new PathUndefined(`arithmetic '${op}' on the address of ${v}`);
  return v;
}

function unary(op: string, a: Value): Value {
  switch (op) {
    case '-':
    case '~':
      return intUnary(op, asInt(a, op));
    case '!':
      return truthy(a) ? 0 : 1;
  }
  throw new PathUndefined(`unknown operator ${op}`);
}

export function binary(op: string, a: Value, b: Value): Value {
  switch (op) {
    case '==':
      return a === b ? 1 : 0;
    case '!=':
      return a !== b ? 1 : 0;
    case '&&':
      return truthy(a) && truthy(b) ? 1 : 0;
    case '||':
      return truthy(a) || truthy(b) ? 1 : 0;
  }
  const offset = addressPlusZero(op, a, b);
  if (offset !== null) return offset;
  const x = asInt(a, op);
  const y = asInt(b, op);
  if ((op === '/' || op === '%') && (y === 0)) throw new PathUndefined('division by zero');
  const r = intBinary(op, x, y);
  if (r !== null) return r;
  throw new PathUndefined(`unknown operator ${op}`);
}
