// Evaluating side-effect-free expressions over concrete values, tracking which reads each value
// depends on (the source of addr, data and ctrl dependencies).
import type { PureExpr, Value } from '../lower/program.js';
import { intBinary, intUnary, type Int } from '../lower/int64.js';

/** A value and the thread-local indices of the read events it was computed from. */
export interface Tainted {
  v: Value;
  deps: readonly number[];
}

/** Raised when a path does something with no defined meaning (e.g. address arithmetic). */
export class PathUndefined extends Error {}

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
      return { v: unary(e.op, a.v), deps: a.deps };
    }
    case 'bin': {
      const a = evaluate(e.a, regs);
      const b = evaluate(e.b, regs);
      return { v: binary(e.op, a.v, b.v), deps: mergeDeps(a.deps, b.deps) };
    }
    case 'cond': {
      const c = evaluate(e.c, regs);
      const r = truthy(c.v) ? evaluate(e.a, regs) : evaluate(e.b, regs);
      return { v: r.v, deps: mergeDeps(c.deps, r.deps) };
    }
  }
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
  // An address plus or minus zero is that address (herd7's `y + (r1 ^ r1)`); other arithmetic on
  // addresses has no meaning for a named location.
  if ((op === '+' || op === '-') && typeof a === 'string' && b === 0) return a;
  if (op === '+' && a === 0 && typeof b === 'string') return b;
  const x = asInt(a, op);
  const y = asInt(b, op);
  if ((op === '/' || op === '%') && (y === 0)) throw new PathUndefined('division by zero');
  const r = intBinary(op, x, y);
  if (r !== null) return r;
  throw new PathUndefined(`unknown operator ${op}`);
}
