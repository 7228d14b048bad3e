// Final states and the lowered condition over them: the one evaluator the judge, the explorer's
// filter pruning, the operational interleaver and `explain` share.
import type { Observable } from '../parse/ast.js';
import { isSymbol, type CondOperand, type CondProp, type Value } from '../lower/program.js';

/** What one execution leaves behind: registers per thread and every location's final value. */
export interface FinalState {
  regs: ReadonlyArray<ReadonlyMap<string, Value>>;
  memory: ReadonlyMap<string, Value>;
}

export function observe(o: Observable, s: FinalState): Value {
  if (o.k === 'reg') return s.regs[o.thread]?.get(o.reg) ?? 0;
  return s.memory.get(o.name) ?? 0;
}

function operand(v: CondOperand, s: FinalState): Value {
  return v.k === 'value' ? v.value : observe(v.obs, s);
}

/**
 * Evaluate a proposition whose atoms may be unknown (null): the answer is null only when the
 * known atoms do not decide it. With every atom known it is plain boolean evaluation.
 */
function evalWith(p: CondProp, atom: (a: Extract<CondProp, { k: 'eq' }>) => boolean | null): boolean | null {
  switch (p.k) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'eq': {
      const equal = atom(p);
      return equal === null ? null : p.negated ? !equal : equal;
    }
    case 'not': {
      const v = evalWith(p.arg, atom);
      return v === null ? null : !v;
    }
    case 'and': {
      const a = evalWith(p.left, atom);
      if (a === false) return false;
      const b = evalWith(p.right, atom);
      if (b === false) return false;
      return a === true && b === true ? true : null;
    }
    case 'or': {
      const a = evalWith(p.left, atom);
      if (a === true) return true;
      const b = evalWith(p.right, atom);
      if (b === true) return true;
      return a === false && b === false ? false : null;
    }
  }
}

/** Whether the proposition holds in a final state. */
export function holds(p: CondProp, s: FinalState): boolean {
  return evalWith(p, (a) => observe(a.lhs, s) === operand(a.rhs, s)) === true;
}

/** An observable's final value, or null while a partial execution has not decided it. */
export type PartialObserver = (o: Observable) => Value | null;

/**
 * Three-valued evaluation over what is known so far: true or false when the known values decide
 * the proposition, null when it depends on unknown ones. Lets the explorer skip path
 * combinations and partial executions a filter (or, searching for a verdict, the condition)
 * already settles.
 */
export function holdsPartially(p: CondProp, known: PartialObserver): boolean | null {
  return evalWith(p, (a) => {
    const l = known(a.lhs);
    const r = a.rhs.k === 'value' ? a.rhs.value : known(a.rhs.obs);
    return l === null || r === null ? null : l === r;
  });
}

export function formatValue(v: Value): string {
  return typeof v === 'string' ? (isSymbol(v) ? v.slice(1) : v) : String(v);
}
