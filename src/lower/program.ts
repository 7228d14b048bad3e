// Thread programs: what lowering hands to the explorer. Every kernel primitive has become a few
// memory operations with herd7's annotations; expressions are side-effect free.
import type { SourcePos } from '../diagnostics.js';
import type { Observable, PropOf, Quantifier } from '../parse/ast.js';
import type { KvmArch } from './kvm-arch.js';
import type { Ann } from './annotations.js';

/**
 * A value: an integer, or the address of a shared location (its name). Integers are 64-bit
 * (int64.ts): a number while safe, a bigint beyond 2^53 (bits 53..63 of a request bitmap).
 */
export type Value = number | bigint | string;

/*
 * A self-justified value (herd7's symbolic variable, printed S<n>): a value that only a cycle of
 * copies in the execution justifies (out of thin air). Strings that no location name can be: `?`
 * in a thread path (the read takes "a value no write outside the cycle gives"), `?S<n>` once the
 * explorer has named it in a final state. See docs/cycle-values.md.
 */
export const SYMBOL = '?';

export function isSymbol(v: Value): v is string {
  return typeof v === 'string' && v.charCodeAt(0) === 63;
}

/** A named symbol of a final state, as herd7 prints it (S23). */
export function namedSymbol(n: number): string {
  return `?S${n}`;
}

export type PureExpr =
  | { k: 'const'; v: Value }
  | { k: 'reg'; r: string }
  | { k: 'un'; op: '-' | '!' | '~'; a: PureExpr }
  | { k: 'bin'; op: string; a: PureExpr; b: PureExpr }
  | { k: 'cond'; c: PureExpr; a: PureExpr; b: PureExpr };

/** Where an operation came from, for explanations and barrier analysis. */
export interface Origin {
  pos: SourcePos;
  /** The primitive as written, e.g. "smp_mb" or "kvm_make_request". */
  primitive: string;
  /** Index of the source-level call within its thread (stable across paths). */
  site: number;
  /** Which part of a composite primitive this is, e.g. "smp_wmb" inside kvm_make_request. */
  part?: string;
  /** The vCPU a step of a KVM helper acts on, when the helper serves several (kvm_make_all_cpus_request). */
  target?: string;
  /** The request number (bit and KVM_REQUEST_* flags) a step of a KVM request path serves. */
  request?: number;
}

export type AluOp = '+' | '-' | '&' | '|' | '^' | '&~';

export type Instr =
  | { op: 'load'; dst: string; addr: PureExpr; ann: Ann; origin: Origin }
  | { op: 'store'; addr: PureExpr; value: PureExpr; ann: Ann; origin: Origin }
  | { op: 'fence'; ann: Ann; origin: Origin }
  /** xchg: dst = old; write operand. */
  | { op: 'xchg'; dst: string | null; addr: PureExpr; value: PureExpr; ann: Ann; origin: Origin }
  /** cmpxchg: dst = old; write `value` only when old == expected (else a failed RMW: a read). */
  | { op: 'cmpxchg'; dst: string | null; addr: PureExpr; expected: PureExpr; value: PureExpr; ann: Ann; origin: Origin }
  /**
   * Arithmetic RMW: new = old ALU operand. dst gets the old value (fetch) or the new one (return),
   * or nothing (noreturn). `unless`: add_unless, fails (no write) when old == unless; dst = success.
   */
  | {
      op: 'atomic';
      alu: AluOp;
      dst: string | null;
      returns: 'old' | 'new' | 'none' | 'success';
      addr: PureExpr;
      operand: PureExpr;
      unless: PureExpr | null;
      ann: Ann;
      origin: Origin;
    }
  | { op: 'lock'; addr: PureExpr; origin: Origin }
  | { op: 'unlock'; addr: PureExpr; origin: Origin }
  | { op: 'trylock'; dst: string | null; addr: PureExpr; origin: Origin }
  | { op: 'islocked'; dst: string | null; addr: PureExpr; origin: Origin }
  | { op: 'srcu-sync'; addr: PureExpr; origin: Origin }
  | { op: 'assign'; dst: string; value: PureExpr; origin: Origin }
  | { op: 'if'; cond: PureExpr; then: Instr[]; else: Instr[]; origin: Origin }
  /**
   * The end of a loop unrolled by `--unroll N`: a path on which cond is false would need one more
   * iteration. It stops there as a loop-bound cut, which the explorer counts (explore/loop-cuts.ts)
   * and which makes a Never or Always incomplete: never dropped in silence.
   */
  | { op: 'assume'; cond: PureExpr; origin: Origin }
  /**
   * A wait: dst = the value read at addr (a spin's reads); the thread goes on only once `until`
   * (over dst) holds. A path whose read does not satisfy it ends there, blocked on `waitsFor`.
   * `idle`: the thread does not wait but idles here to the end (interrupts on, taking IPIs):
   * its read is the location's last value. See BlockedAt and pathEnds in explore/thread-path.ts for how both are judged.
   * `spin`: a side-effect-free spin loop on this one read (thread.ts, lowerSpin): like the unrolled
   * loop's exit, its read orders nothing after it by a control dependency.
   */
  | { op: 'await'; dst: string; addr: PureExpr; ann: Ann; until: PureExpr; waitsFor: string; idle?: boolean; spin?: boolean; origin: Origin }
  /** The end of a bounded loop the kernel runs without bound (kvm_vcpu_block()): the result is incomplete. */
  | { op: 'cut'; reason: string; origin: Origin };

export interface ThreadProgram {
  index: number;
  body: Instr[];
  /** Registers with an initial value (from the init block); others start undefined. */
  initRegs: Map<string, Value>;
  /** Registers the source declares or assigns (temporaries excluded). */
  userRegs: Set<string>;
}

/**
 * The right of a condition's `=` once lowered: a value (a number, or a name resolved against the
 * constants and locations: `constant` keeps a constant's name for display), or another observable.
 */
export type CondOperand = { k: 'value'; value: Value; constant: string | null } | { k: 'obs'; obs: Observable };

/** A condition or filter with its names resolved, ready to evaluate on final states. */
export type CondProp = PropOf<CondOperand>;

export interface ObservedItem {
  obs: Observable;
  /** Printed as herd7 does: "0:r0" or "[x]". */
  label: string;
}

export interface Program {
  name: string;
  file: string;
  /** Every shared location with its initial value. */
  locations: Map<string, Value>;
  /** Locations used as spinlocks (their values are not observable data). */
  lockLocations: Set<string>;
  threads: ThreadProgram[];
  quantifier: Quantifier;
  /** The condition's proposition (the test's LitmusTest keeps it as written, for printing). */
  condition: CondProp;
  filter: CondProp | null;
  outcome: string | null;
  /** What a final state lists: registers then locations, in herd7's order. */
  observed: ObservedItem[];
  /** Named constants a condition may use (KVM modes, request bits). */
  constants: Map<string, number>;
  /** Things the lowering accepted but wants the user to know (e.g. bounded loop unrolling). */
  warnings: { pos: SourcePos; message: string }[];
  /** The KVM architecture the test was lowered for (its request table; see kvm-arch.ts). */
  kvmArch: KvmArch;
  /** The `--unroll` bound when some loop was unrolled (it has an `assume`): executions may be cut by it. */
  loopBound?: number;
}
