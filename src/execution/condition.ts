// Final states and the condition over them.
import type { CondValue, Observable, Prop, Quantifier } from '../parse/ast.js';
import type { Program, Value } from '../lower/program.js';

/** What one execution leaves behind: registers per thread and every location's final value. */
export interface FinalState {
  regs: ReadonlyArray<ReadonlyMap<string, Value>>;
  memory: ReadonlyMap<string, Value>;
}

export function observe(o: Observable, s: FinalState): Value {
  if (o.k === 'reg') return s.regs[o.thread]?.get(o.reg) ?? 0;
  return s.memory.get(o.name) ?? 0;
}

/** The value a condition compares with; another register or location is read from `s`. */
function resolve(v: CondValue, program: Program, s: FinalState): Value {
  if (v.k === 'int') return v.value;
  if (v.k === 'obs') return observe(v.obs, s);
  if (program.locations.has(v.name)) return v.name;
  return program.constants.get(v.name) ?? v.name;
}

/**
 * Evaluate a proposition whose atoms may be unknown (null): the answer is null only when the
 * known atoms do not decide it. With every atom known it is plain boolean evaluation.
 */
function evalPropWith(p: Prop, atom: (a: Extract<Prop, { k: 'eq' }>) => boolean | null): boolean | null {
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
      const v = evalPropWith(p.arg, atom);
      return v === null ? null : !v;
    }
    case 'and': {
      const a = evalPropWith(p.left, atom);
      if (a === false) return false;
      const b = evalPropWith(p.right, atom);
      if (b === false) return false;
      return a === true && b === true ? true : null;
    }
    case 'or': {
      const a = evalPropWith(p.left, atom);
      if (a === true) return true;
      const b = evalPropWith(p.right, atom);
      if (b === true) return true;
      return a === false && b === false ? false : null;
    }
  }
}

export function evalProp(p: Prop, s: FinalState, program: Program): boolean {
  return evalPropWith(p, (a) => observe(a.lhs, s) === resolve(a.rhs, program, s)) === true;
}

export function formatValue(v: Value): string {
  return typeof v === 'number' ? String(v) : v;
}

function formatObs(o: Observable): string {
  return o.k === 'reg' ? `${o.thread}:${o.reg}` : `[${o.name}]`;
}

/** herd7's rendering of a proposition: `0:r0=1 /\ not ([x]=2)`. */
export function formatProp(p: Prop, top = true): string {
  switch (p.k) {
    case 'true':
      return 'true';
    case 'false':
      return 'false';
    case 'eq':
      return `${formatObs(p.lhs)}${p.negated ? '!=' : '='}${p.rhs.k === 'int' ? p.rhs.value : p.rhs.k === 'obs' ? formatObs(p.rhs.obs) : p.rhs.name}`;
    case 'not':
      return `not (${formatProp(p.arg, true)})`;
    case 'and':
      return `${wrap(p.left, 'and')} /\\ ${wrap(p.right, 'and')}`;
    case 'or':
      return `${wrap(p.left, 'or')} \\/ ${wrap(p.right, 'or')}`;
  }
  void top;
}

function wrap(p: Prop, parent: 'and' | 'or'): string {
  if ((p.k === 'and' || p.k === 'or') && p.k !== parent) return `(${formatProp(p, false)})`;
  return formatProp(p, false);
}

export function formatCondition(q: Quantifier, p: Prop): string {
  return `${q} (${formatProp(p)})`;
}

/**
 * Three-valued evaluation with only the registers known: true or false when the registers
 * decide the proposition, null when it also depends on memory. Lets the explorer skip path
 * combinations a filter rejects before building any execution.
 */
export function evalPropOnRegisters(p: Prop, regs: ReadonlyArray<ReadonlyMap<string, Value>>, program: Program): boolean | null {
  const onlyRegs: FinalState = { regs, memory: new Map() };
  const known = (o: Observable) => o.k === 'reg';
  return evalPropWith(p, (a) => (known(a.lhs) && (a.rhs.k !== 'obs' || known(a.rhs.obs)) ? observe(a.lhs, onlyRegs) === resolve(a.rhs, program, onlyRegs) : null));
}
