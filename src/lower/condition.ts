// The condition, lowered once: names resolved against the test's locations and constants, so
// that evaluating it on a final state (execution/condition.ts) looks nothing up.
import type { CondValue, Prop } from '../parse/ast.js';
import type { CondOperand, CondProp, Value } from './program.js';
import { literalInt } from './int64.js';

/** Resolve every name of `p`. Lowering has already rejected names that are neither. */
export function lowerProp(p: Prop, locations: ReadonlyMap<string, Value>, constants: ReadonlyMap<string, number>): CondProp {
  switch (p.k) {
    case 'true':
    case 'false':
      return p;
    case 'eq':
      return { k: 'eq', lhs: p.lhs, rhs: lowerOperand(p.rhs, locations, constants), negated: p.negated, pos: p.pos };
    case 'not':
      return { k: 'not', arg: lowerProp(p.arg, locations, constants) };
    case 'and':
    case 'or':
      return { k: p.k, left: lowerProp(p.left, locations, constants), right: lowerProp(p.right, locations, constants) };
  }
}

function lowerOperand(v: CondValue, locations: ReadonlyMap<string, Value>, constants: ReadonlyMap<string, number>): CondOperand {
  if (v.k === 'int') return { k: 'value', value: literalInt(v.value), constant: null };
  if (v.k === 'obs') return v;
  // A location's name is its address; a location shadows a constant of the same name.
  if (locations.has(v.name)) return { k: 'value', value: v.name, constant: null };
  const c = constants.get(v.name);
  return c === undefined ? { k: 'value', value: v.name, constant: null } : { k: 'value', value: c, constant: v.name };
}
