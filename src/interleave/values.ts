// The interleaving engine's arithmetic: evaluating a lowered expression over a thread's registers.
import type { PureExpr, Value } from '../lower/program.js';
import { intBinary, intUnary, type Int } from '../lower/int64.js';
import { addressPlusZero } from '../lower/address-arith.js';

/** An operation whose meaning is undefined (arithmetic on an address, division by zero). */
export class Undefined extends Error {}

function isInt(v: Value): v is Int {
  return typeof v !== 'string';
}

function int(v: Value): Int {
  if (!isInt(v)) throw new Undefined(`arithmetic on the address of ${v}`);
  return v;
}

export function truth(v: Value): boolean {
  return !isInt(v) || v !== 0;
}

export function alu(op: string, a: Value, b: Value): Value {
  switch (op) {
    case '==': return a === b ? 1 : 0;
    case '!=': return a !== b ? 1 : 0;
    case '&&': return truth(a) && truth(b) ? 1 : 0;
    case '||': return truth(a) || truth(b) ? 1 : 0;
  }
  const offset = addressPlusZero(op, a, b);
  if (offset !== null) return offset;
  const x = int(a);
  const y = int(b);
  if ((op === '/' || op === '%') && y === 0) throw new Undefined('division by zero');
  const r = intBinary(op, x, y);
  if (r !== null) return r;
  throw new Undefined(`unknown operator ${op}`);
}

export function evaluate(e: PureExpr, regs: ReadonlyMap<string, Value>): Value {
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

export function address(e: PureExpr, regs: ReadonlyMap<string, Value>): string {
  const v = evaluate(e, regs);
  if (isInt(v)) throw new Undefined(`dereferencing the integer ${v}`);
  return v;
}

export function show(v: Value): string {
  return isInt(v) ? String(v) : `&${v}`;
}
