// Where a cat model's global names live: one slot each, filled on first use, per skeleton
// (static: not depending on rf or co) or per candidate (dynamic).
import type { Code } from './runtime.js';
import type { Value, Ctx } from './values.js';

export interface Slot {
  readonly index: number;
  readonly name: string;
  readonly dynamic: boolean;
  /** Computes this slot (and the others of its group) and stores them; null for `with`. */
  fill: ((c: Ctx) => void) | null;
}

/** Reads a global: its value if already computed for this skeleton (or candidate), else computes it. */
export function globalAccess(slot: Slot): Code {
  const i = slot.index;
  if (slot.dynamic) {
    return (c) => {
      const v = c.dyn[i];
      if (v !== undefined) return v;
      return force(c, slot);
    };
  }
  return (c) => {
    const v = c.p.statics[i];
    if (v !== undefined) return v;
    return force(c, slot);
  };
}

export function store(c: Ctx, slot: Slot, v: Value): void {
  if (slot.dynamic) c.dyn[slot.index] = v;
  else c.p.statics[slot.index] = v;
}

export function force(c: Ctx, slot: Slot): Value {
  if (!slot.fill) throw new Error(`internal: ${slot.name} read before its 'with' ran`);
  slot.fill(c);
  const v = slot.dynamic ? c.dyn[slot.index] : c.p.statics[slot.index];
  return v!;
}
