// herd7's annotations (linux-kernel.def's `{ONCE}`, `{after-srcu-read-unlock}`, ...): what each
// one means, declared once. Every layer that gives an annotation a meaning (the TSO model, the
// interleaving engine, LKMM's sets, the hardware mappings, the explanations and the fence
// analysis) reads this table, so adding an annotation touches this file, not a switch per layer:
// code that follows linux-kernel.cat reads an annotation's bell set (lkmmFenceSet, lkmmAccessSet),
// never its name (test/annotation-names.test.ts).

/** The annotations a fence event carries. */
export type FenceAnn =
  | 'MB' | 'rmb' | 'wmb' | 'before-atomic' | 'after-atomic' | 'after-spinlock' | 'after-unlock-lock'
  | 'after-srcu-read-unlock' | 'barrier' | 'rcu-lock' | 'rcu-unlock' | 'sync-rcu'
  /** synchronize_srcu()'s event (on its srcu_struct: see Event.srcuSync). */
  | 'sync-srcu';

/** The annotations a memory access (or a read-modify-write) carries; '' is a plain C access. */
export type AccessAnn = '' | 'ONCE' | 'ACQUIRE' | 'RELEASE' | 'MB' | 'NORETURN' | 'srcu-lock' | 'srcu-unlock';

export type KnownAnn = FenceAnn | AccessAnn;

declare const userAnnBrand: unique symbol;
/**
 * An annotation no built-in model knows: a user's `--macros` file may write any `{name}`, and only
 * a cat model that names it gives it a meaning. Branded so that it cannot be mistaken for a known one.
 */
export type UserAnn = string & { readonly [userAnnBrand]: true };

export type Ann = KnownAnn | UserAnn;

/**
 * What a fence does to the x86-TSO machine (the axiomatic model and the interleaving engine read
 * the same meaning): nothing, a full fence (MFENCE: earlier writes drain before later reads), or
 * a full fence only for what comes up to an earlier srcu_read_unlock() of the thread (whose
 * smp_mb() smp_mb__after_srcu_read_unlock() relies on: linux-kernel.cat's
 * `[M] ; po? ; [Srcu-unlock] ; fencerel(After-srcu-read-unlock) ; [M]`).
 */
export type TsoFence = 'none' | 'full' | 'after-srcu-unlock';

/**
 * The linux-kernel.bell set a fence's events are in (herd7 names a set after its tag, capitalised):
 * what the fence means to LKMM. Code that follows linux-kernel.cat reads these sets, never names.
 */
export type LkmmFenceSet =
  | 'Mb' | 'Rmb' | 'Wmb' | 'Before-atomic' | 'After-atomic' | 'After-spinlock' | 'After-unlock-lock'
  | 'After-srcu-read-unlock' | 'Barrier' | 'Rcu-lock' | 'Rcu-unlock' | 'Sync-rcu' | 'Sync-srcu';

/**
 * The linux-kernel.bell set an access's events are in, as tagged (before the bell takes failed
 * RMWs out of Acquire, Release and Mb, and writes out of Noreturn).
 */
export type LkmmAccessSet = 'Once' | 'Acquire' | 'Release' | 'Mb' | 'Noreturn' | 'Srcu-lock' | 'Srcu-unlock';

export interface FenceMeaning {
  /** The kernel call that emits it (the hardware harness writes this; explanations name it). */
  call: string;
  /** Its linux-kernel.bell set. */
  lkmm: LkmmFenceSet;
  tso: TsoFence;
  /** An RCU grace period: no user-space equivalent, and a full fence under TSO. */
  gracePeriod: boolean;
  /** Orders memory accesses (RCU markers are protocol, not barriers): the fence analysis may remove it. */
  orders: boolean;
  /** What it does, in one phrase (linux-kernel.cat's meaning), for explanations. */
  words: string;
}

export const FENCES: Readonly<Record<FenceAnn, FenceMeaning>> = {
  MB: { call: 'smp_mb', lkmm: 'Mb', tso: 'full', gracePeriod: false, orders: true, words: 'full barrier' },
  wmb: { call: 'smp_wmb', lkmm: 'Wmb', tso: 'none', gracePeriod: false, orders: true, words: 'orders earlier writes before later writes' },
  rmb: { call: 'smp_rmb', lkmm: 'Rmb', tso: 'none', gracePeriod: false, orders: true, words: 'orders earlier reads before later reads' },
  // smp_mb__{before,after}_atomic and smp_mb__after_spinlock emit nothing on x86: the RMWs and
  // spin_lock next to them are locked instructions, which order by themselves.
  'before-atomic': { call: 'smp_mb__before_atomic', lkmm: 'Before-atomic', tso: 'none', gracePeriod: false, orders: true, words: 'full barrier before the next atomic RMW' },
  'after-atomic': { call: 'smp_mb__after_atomic', lkmm: 'After-atomic', tso: 'none', gracePeriod: false, orders: true, words: 'full barrier after the previous atomic RMW' },
  'after-spinlock': { call: 'smp_mb__after_spinlock', lkmm: 'After-spinlock', tso: 'none', gracePeriod: false, orders: true, words: 'full barrier after the spin_lock()' },
  'after-unlock-lock': { call: 'smp_mb__after_unlock_lock', lkmm: 'After-unlock-lock', tso: 'none', gracePeriod: false, orders: true, words: 'full barrier after an unlock + lock pair' },
  'after-srcu-read-unlock': {
    call: 'smp_mb__after_srcu_read_unlock', lkmm: 'After-srcu-read-unlock', tso: 'after-srcu-unlock', gracePeriod: false, orders: true,
    words: 'full barrier after the srcu_read_unlock() (none without one)',
  },
  barrier: { call: 'barrier', lkmm: 'Barrier', tso: 'none', gracePeriod: false, orders: true, words: 'compiler barrier only: no ordering between CPUs' },
  'rcu-lock': { call: 'rcu_read_lock', lkmm: 'Rcu-lock', tso: 'none', gracePeriod: false, orders: false, words: 'an RCU read-side critical section begins' },
  'rcu-unlock': { call: 'rcu_read_unlock', lkmm: 'Rcu-unlock', tso: 'none', gracePeriod: false, orders: false, words: 'the RCU read-side critical section ends' },
  'sync-rcu': { call: 'synchronize_rcu', lkmm: 'Sync-rcu', tso: 'full', gracePeriod: true, orders: false, words: 'waits for an RCU grace period (a full barrier too)' },
  'sync-srcu': { call: 'synchronize_srcu', lkmm: 'Sync-srcu', tso: 'full', gracePeriod: true, orders: false, words: 'waits for an SRCU grace period (a full barrier too)' },
};

export interface AccessMeaning {
  /** Its linux-kernel.bell set (null: a plain access, in none). */
  lkmm: LkmmAccessSet | null;
  /** LKMM's Marked (any annotation but a plain access's). */
  marked: boolean;
  /** The hardware harness's read and write for this annotation (null: no such access). */
  hwLoad: string | null;
  hwStore: string | null;
  /** The harness's RMW suffix (hw_xchg_<suffix>), null when an RMW cannot carry it. */
  hwRmw: string | null;
  /** The RMW ordering it stands for ('full' for MB), null when not an RMW ordering. */
  rmwOrder: 'full' | 'acquire' | 'release' | 'relaxed' | null;
}

export const ACCESSES: Readonly<Record<AccessAnn, AccessMeaning>> = {
  '': { lkmm: null, marked: false, hwLoad: 'READ_ONCE', hwStore: 'WRITE_ONCE', hwRmw: null, rmwOrder: null },
  ONCE: { lkmm: 'Once', marked: true, hwLoad: 'READ_ONCE', hwStore: 'WRITE_ONCE', hwRmw: 'relaxed', rmwOrder: 'relaxed' },
  ACQUIRE: { lkmm: 'Acquire', marked: true, hwLoad: 'hw_load_acquire', hwStore: null, hwRmw: 'acquire', rmwOrder: 'acquire' },
  RELEASE: { lkmm: 'Release', marked: true, hwLoad: null, hwStore: 'hw_store_release', hwRmw: 'release', rmwOrder: 'release' },
  MB: { lkmm: 'Mb', marked: true, hwLoad: null, hwStore: null, hwRmw: 'mb', rmwOrder: 'full' },
  // An RMW that returns nothing (atomic_inc, set_bit): unordered; LKMM's Noreturn.
  NORETURN: { lkmm: 'Noreturn', marked: false, hwLoad: null, hwStore: null, hwRmw: null, rmwOrder: null },
  'srcu-lock': { lkmm: 'Srcu-lock', marked: true, hwLoad: 'hw_srcu_read_lock', hwStore: null, hwRmw: null, rmwOrder: null },
  'srcu-unlock': { lkmm: 'Srcu-unlock', marked: true, hwLoad: null, hwStore: 'hw_srcu_read_unlock', hwRmw: null, rmwOrder: null },
};

/** The annotation an RMW of each ordering carries (xchg_relaxed: ONCE), for the weakenings of the fence analysis. */
export const RMW_ANN: Readonly<Record<'full' | 'acquire' | 'release' | 'relaxed', AccessAnn>> = { full: 'MB', acquire: 'ACQUIRE', release: 'RELEASE', relaxed: 'ONCE' };

export function isFenceAnn(a: string): a is FenceAnn {
  return Object.prototype.hasOwnProperty.call(FENCES, a);
}

export function isAccessAnn(a: string): a is AccessAnn {
  return Object.prototype.hasOwnProperty.call(ACCESSES, a);
}

/** A fence annotation's meaning; undefined for a user's annotation (or an access's). */
export function fenceMeaning(a: Ann): FenceMeaning | undefined {
  return isFenceAnn(a) ? FENCES[a] : undefined;
}

/** An access annotation's meaning; undefined for a user's annotation (or a fence's). */
export function accessMeaning(a: Ann): AccessMeaning | undefined {
  return isAccessAnn(a) ? ACCESSES[a] : undefined;
}

/** An annotation as written in a `--macros` file: a known one, or branded as the user's. */
export function annOf(text: string): Ann {
  return isFenceAnn(text) || isAccessAnn(text) ? text : (text as UserAnn);
}

/** The TSO meaning of a fence event's annotation (a user's fence does nothing on x86). */
export function tsoFence(a: Ann): TsoFence {
  return fenceMeaning(a)?.tso ?? 'none';
}

/** A fence annotation's linux-kernel.bell set; null for a user's annotation (or an access's). */
export function lkmmFenceSet(a: Ann): LkmmFenceSet | null {
  return fenceMeaning(a)?.lkmm ?? null;
}

/** An access annotation's linux-kernel.bell set; null for a plain access or a user's annotation. */
export function lkmmAccessSet(a: Ann): LkmmAccessSet | null {
  return accessMeaning(a)?.lkmm ?? null;
}

/** Whether an access with this annotation is in LKMM's Marked (a user's annotation is in none of LKMM's sets). */
export function isMarkedAnn(a: Ann): boolean {
  return accessMeaning(a)?.marked ?? false;
}

/** Whether a read with this annotation is a marked read and nothing more (READ_ONCE, smp_load_acquire): what a spin may read with. */
export function isMarkedPlainRead(a: Ann): boolean {
  const set = lkmmAccessSet(a);
  return set === 'Once' || set === 'Acquire';
}

/** How an RCU read-side critical section's depth changes at a fence: rcu_read_lock() opens one. */
export function rcuNesting(a: Ann): 1 | -1 | 0 {
  const set = lkmmFenceSet(a);
  return set === 'Rcu-lock' ? 1 : set === 'Rcu-unlock' ? -1 : 0;
}

/** Whether a write with this annotation ends an SRCU read-side critical section (srcu_read_unlock()). */
export function isSrcuUnlock(a: Ann): boolean {
  return lkmmAccessSet(a) === 'Srcu-unlock';
}

/** Whether an access with this annotation is on an srcu_struct (srcu_read_lock(), srcu_read_unlock()). */
export function isSrcuAccess(a: Ann): boolean {
  const set = lkmmAccessSet(a);
  return set === 'Srcu-lock' || set === 'Srcu-unlock';
}
