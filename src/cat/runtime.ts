// What compiled cat code is: a function of the evaluation context (values.ts's Ctx) and the
// local variables of the lets and calls around it.
import type { Ctx, Value } from './values.js';

/** Local variables of one let, function call or match clause. */
export class Frame {
  constructor(
    readonly vals: Array<Value | undefined>,
    readonly parent: Frame | null,
  ) {}
}

export type Code = (c: Ctx, f: Frame | null) => Value;
