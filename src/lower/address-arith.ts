// The one arithmetic rule on addresses that both engines share: an address plus or minus zero
// is that address (herd7 writes `y + (r1 ^ r1)` to make a dependency; an atomic add of 0 on a
// location holding a pointer keeps the pointer). Any other arithmetic on an address has no
// meaning for a named location.
import type { Value } from './program.js';

/** `a op b` when it is an address offset by zero; null when the rule does not apply. */
export function addressPlusZero(op: string, a: Value, b: Value): Value | null {
  if ((op === '+' || op === '-') && typeof a === 'string' && b === 0) return a;
  if (op === '+' && a === 0 && typeof b === 'string') return b;
  return null;
}
