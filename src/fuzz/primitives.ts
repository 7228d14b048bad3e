// What the generators may call: every kernel primitive of the table (lower/primitives.ts), each
// with the object it works on, so that adding a primitive to the table makes the fuzzer call it
// (test/fuzz-primitives.test.ts fails for one that no generator can produce).
import { FENCES, isSrcuAccess, isSrcuUnlock } from '../lower/annotations.js';
import { LKMM_PRIMITIVES, type PrimitiveSpec } from '../lower/primitives.js';
import type { Instr } from '../lower/program.js';

/** The object a primitive's pointer argument designates: a data location, the spinlock `s`, or the srcu_struct `ss`. */
export type CallTarget = 'data' | 'spinlock' | 'srcu';

export interface FuzzPrimitive {
  name: string;
  spec: PrimitiveSpec;
  target: CallTarget;
  /** Whether the call has a value (assigned to a fresh register). */
  returns: boolean;
  /** An SRCU read-side unlock: its index argument is the last srcu_read_lock()'s, when there is one. */
  srcuIndex: boolean;
}

/** The spinlock calls drawn on their own; spin_lock/spin_unlock come in pairs, as critical sections. */
const PAIRED = new Set(['spin_lock', 'spin_unlock']);

/** Runs a primitive's expansion on a stub to see what it emits. */
function expansion(name: string, spec: PrimitiveSpec): { instrs: Instr[]; returns: boolean } {
  const instrs: Instr[] = [];
  let t = 0;
  const value = spec.expand(
    { emit: (i) => instrs.push(i), temp: () => `%t${t++}`, origin: () => ({ primitive: name, site: 0, pos: { line: 1, col: 1 } }), declareReg: () => {} },
    spec.args.map((k) => (k === 'val' ? { k: 'const', v: 0 } : { k: 'const', v: 'x' })),
    null,
  );
  return { instrs, returns: value !== null };
}

function targetOf(instrs: readonly Instr[]): CallTarget {
  if (instrs.some((i) => i.op === 'lock' || i.op === 'unlock' || i.op === 'trylock' || i.op === 'islocked')) return 'spinlock';
  if (instrs.some((i) => i.op === 'srcu-sync' || ((i.op === 'load' || i.op === 'store') && isSrcuAccess(i.ann)))) return 'srcu';
  return 'data';
}

function buildList(): FuzzPrimitive[] {
  const out: FuzzPrimitive[] = [];
  for (const [name, spec] of LKMM_PRIMITIVES) {
    if (PAIRED.has(name)) continue;
    const { instrs, returns } = expansion(name, spec);
    const srcuIndex = instrs.some((i) => i.op === 'store' && isSrcuUnlock(i.ann));
    out.push({ name, spec, target: targetOf(instrs), returns, srcuIndex });
  }
  return out;
}

/** Every primitive the generic call generator draws (all but the paired spinlock calls). */
export const FUZZ_PRIMITIVES: readonly FuzzPrimitive[] = buildList();

/** The primitives only the critical-section generator produces. */
export const CRITICAL_SECTION_PRIMITIVES: readonly string[] = [...PAIRED];

/**
 * The fences `strengthen-monotone` may add (adding a fence never adds an outcome) and replace by
 * smp_mb() (which is at least as strong): the argument-less ones that order accesses. RCU's
 * markers and grace periods are not weaker forms of smp_mb().
 */
export const ORDERING_FENCE_CALLS: readonly string[] = Object.values(FENCES)
  .filter((f) => f.orders && LKMM_PRIMITIVES.get(f.call)?.args.length === 0)
  .map((f) => f.call);
