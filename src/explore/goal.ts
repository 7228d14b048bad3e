// What a search is for, judged on a partial execution: the filter and, in verdict mode, the
// condition, evaluated three-valued over what the execution decided so far (registers of the
// reads that have an rf source, final values of the locations whose co is complete). A partial
// execution whose known values already make the filter false, or the condition the opposite of
// what the search looks for, has no completion worth building.
import type { CondValue, Observable, Prop } from '../parse/ast.js';
import type { Program, Value } from '../lower/program.js';

/** An observable's final value, or null while the partial execution has not decided it. */
export type PartialObserver = (o: Observable) => Value | null;

function resolve(v: CondValue, program: Program, observe: PartialObserver): Value | null {
  if (v.k === 'int') return v.value;
  if (v.k === 'obs') return observe(v.obs);
  if (program.locations.has(v.name)) return v.name;
  return program.constants.get(v.name) ?? v.name;
}

/** true or false when the known values decide `p`, null when it depends on unknown ones. */
export function evalPartial(p: Prop, program: Program, observe: PartialObserver): boolean | null {
  switch (p.k) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'eq': {
      const l = observe(p.lhs);
      if (l === null) return null;
      const r = resolve(p.rhs, program, observe);
      if (r === null) return null;
      return (l === r) !== p.negated;
    }
    case 'not': {
      const v = evalPartial(p.arg, program, observe);
      return v === null ? null : !v;
    }
    case 'and': {
      const a = evalPartial(p.left, program, observe);
      if (a === false) return false;
      const b = evalPartial(p.right, program, observe);
      if (b === false) return false;
      return a === true && b === true ? true : null;
    }
    case 'or': {
      const a = evalPartial(p.left, program, observe);
      if (a === true) return true;
      const b = evalPartial(p.right, program, observe);
      if (b === true) return true;
      return a === false && b === false ? false : null;
    }
  }
}

/**
 * A verdict search's target: executions whose condition evaluates to `want`. The explorer
 * drops partial executions for which it is already decided the other way.
 */
export interface SearchGoal {
  condition: Prop;
  want: boolean;
}
