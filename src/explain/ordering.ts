// What orders two accesses of one thread, in LKMM's terms (linux-kernel.cat: mb, po-rel, acq-po,
// wmb, rmb, dependencies), and whether that is enough for the pair's kind. Explanations use it
// to say which program-order steps of a cycle held and which did not, naming the barrier.
import type { Event, Skeleton } from '../execution/execution.js';
import { tsoPreservedOrder } from '../models/tso.js';
import { fenceMeaning, lkmmAccessSet, lkmmFenceSet, tsoFence, type LkmmFenceSet } from '../lower/annotations.js';

export type OrderKind =
  | 'full-barrier'
  | 'grace-period'
  | 'release'
  | 'acquire'
  | 'wmb'
  | 'rmb'
  | 'address-dependency'
  | 'data-dependency'
  | 'control-dependency'
  | 'same-location'
  | 'atomic-rmw'
  /** x86-TSO keeps every program-order pair but a write before a read. */
  | 'tso-order'
  /** Sequential consistency keeps every program-order pair. */
  | 'sc-order';

export interface Ordering {
  kind: OrderKind;
  /** The event that provides it (a fence, the release write, the acquire read), if any. */
  by: Event | null;
  /** For a full barrier built from two parts, e.g. smp_mb__before_atomic() + cmpxchg(). */
  with: Event | null;
}

export interface PairVerdict {
  /** Whether LKMM keeps the pair in program order for every other CPU. */
  held: boolean;
  /** What orders the pair (sufficient or not). */
  orderings: Ordering[];
  /** What would be needed, when it does not hold. */
  needed: string | null;
  /** Orderings present that do not apply to this pair, in words. */
  insufficient: string[];
  /**
   * Barriers between the two that do not apply to this pair's kinds (an smp_wmb() between a
   * write and a read), in words: the pair is not unordered for want of a barrier but of the
   * right one.
   */
  tooWeak: string[];
  /** The barriers `tooWeak` speaks of, in the same order (so a report can point at their lines). */
  tooWeakAt: Event[];
}

/** A fence's linux-kernel.bell set (the annotation table's), null for an access. */
const fenceSet = (e: Event): LkmmFenceSet | null => (e.kind === 'F' ? lkmmFenceSet(e.ann) : null);
/** The call that emits a fence, for the words ("smp_wmb"). */
const callOf = (e: Event | null): string => (e ? (fenceMeaning(e.ann)?.call ?? e.origin?.primitive ?? 'barrier') : 'barrier');
/** A fully ordered RMW's event (xchg(), cmpxchg(): linux-kernel.bell's Mb). */
const fullRmw = (e: Event) => e.kind !== 'F' && lkmmAccessSet(e.ann) === 'Mb';

/** Events of a's thread strictly between a and b in program order. */
function between(sk: Skeleton, a: Event, b: Event): Event[] {
  return sk.events.filter((e) => e.thread === a.thread && e.poIndex > a.poIndex && e.poIndex < b.poIndex);
}

function succeededRmw(sk: Skeleton, e: Event): boolean {
  for (let i = 0; i < sk.n; i++) if (sk.rmw.has(e.id, i) || sk.rmw.has(i, e.id)) return true;
  return false;
}

/** Every ordering LKMM derives between a and b (a po-before b, same thread). */
export function orderingsBetween(sk: Skeleton, a: Event, b: Event): Ordering[] {
  const out: Ordering[] = [];
  const add = (kind: OrderKind, by: Event | null = null, withEvent: Event | null = null) => out.push({ kind, by, with: withEvent });
  const mid = between(sk, a, b);
  const thread = sk.events.filter((e) => e.thread === a.thread);
  const at = (from: number, to: number) => thread.filter((e) => e.poIndex >= from && e.poIndex <= to);

  if (a.loc !== null && a.loc === b.loc) add('same-location');
  if (sk.rmw.has(a.id, b.id)) add('atomic-rmw');

  // mb: a full fence between; a fully ordered RMW at either end; before/after-atomic around an RMW.
  for (const f of mid) if (fenceSet(f) === 'Mb') add('full-barrier', f);
  if (b.kind === 'R' && fullRmw(b) && succeededRmw(sk, b)) add('full-barrier', b);
  if (a.kind === 'W' && fullRmw(a) && succeededRmw(sk, a)) add('full-barrier', a);
  // A fully ordered RMW in between acts as though enclosed by smp_mb().
  const rmwInBetween = mid.find((e) => e.kind === 'R' && fullRmw(e) && succeededRmw(sk, e));
  if (rmwInBetween) add('full-barrier', rmwInBetween);
  for (const f of mid) {
    // The terms of linux-kernel.cat's mb and gp, by the fence's set.
    const set = fenceSet(f);
    if (set === 'Before-atomic') {
      // [M] ; fencerel(Before-atomic) ; [RMW] ; po? ; [M]
      const rmw = at(f.poIndex + 1, b.poIndex).find((e) => e.rmwInstr);
      if (rmw) add('full-barrier', f, rmw);
    } else if (set === 'After-atomic') {
      // [M] ; po? ; [RMW] ; fencerel(After-atomic) ; [M]
      const rmw = at(a.poIndex, f.poIndex - 1).find((e) => e.rmwInstr);
      if (rmw) add('full-barrier', f, rmw);
    } else if (set === 'After-spinlock') {
      const lock = at(a.poIndex, f.poIndex - 1).find((e) => e.lock === 'LKW');
      if (lock) add('full-barrier', f, lock);
    } else if (set === 'After-srcu-read-unlock') {
      const unlock = at(a.poIndex, f.poIndex - 1).find((e) => e.kind !== 'F' && lkmmAccessSet(e.ann) === 'Srcu-unlock');
      if (unlock) add('full-barrier', f, unlock);
    } else if (set === 'Sync-rcu' || f.srcuSync) add('grace-period', f);
  }
  if (b.srcuSync) add('grace-period', b);

  const isRelease = (e: Event) => (e.kind === 'W' && lkmmAccessSet(e.ann) === 'Release') || e.lock === 'UL';
  const isAcquire = (e: Event) => (e.kind === 'R' && lkmmAccessSet(e.ann) === 'Acquire') || e.lock === 'LKR';
  const r4rmb = (e: Event) => e.kind === 'R' && lkmmAccessSet(e.ann) !== 'Noreturn';
  if (isRelease(b)) add('release', b);
  if (isAcquire(a)) add('acquire', a);
  if (a.kind === 'W' && b.kind === 'W') for (const f of mid) if (fenceSet(f) === 'Wmb') add('wmb', f);
  if (r4rmb(a) && r4rmb(b)) for (const f of mid) if (fenceSet(f) === 'Rmb') add('rmb', f);
  if (sk.addr.has(a.id, b.id)) add('address-dependency');
  if (sk.data.has(a.id, b.id)) add('data-dependency');
  if (sk.ctrl.has(a.id, b.id)) add('control-dependency');
  return out;
}

/** Which orderings keep a before b for other CPUs, given the kinds of a and b. */
function sufficient(a: Event, b: Event, kind: OrderKind): boolean {
  switch (kind) {
    case 'full-barrier':
    case 'grace-period':
    case 'same-location':
    case 'atomic-rmw':
    case 'tso-order':
    case 'sc-order':
      return true;
    case 'release':
    case 'acquire':
      // po-rel orders everything before a release write; acq-po everything after an acquire
      // read; neither orders a write before a later read.
      return !(a.kind === 'W' && b.kind === 'R');
    case 'wmb':
      return a.kind === 'W' && b.kind === 'W';
    case 'rmb':
      return a.kind === 'R' && b.kind === 'R';
    case 'address-dependency':
      return a.kind === 'R';
    case 'data-dependency':
    case 'control-dependency':
      return a.kind === 'R' && b.kind === 'W';
  }
}

/** What a program-order pair needs, in words a kernel developer uses. */
function neededFor(a: Event, b: Event): string {
  const rmwHint = a.rmwInstr ? `, or smp_mb__after_atomic() after the ${a.origin?.part ?? a.origin?.primitive ?? 'atomic operation'}()` : '';
  if (a.kind === 'W' && b.kind === 'R') return `a write followed by a read needs a full barrier: smp_mb()${rmwHint}`;
  if (a.kind === 'W' && b.kind === 'W') return 'a write followed by a write needs smp_wmb(), a release store (smp_store_release()) or a full barrier';
  if (a.kind === 'R' && b.kind === 'R') return 'a read followed by a read needs smp_rmb(), an acquire load (smp_load_acquire()), an address dependency or a full barrier';
  return 'a read followed by a write needs a dependency, a barrier or a release store';
}

function insufficientWords(o: Ordering): string {
  const line = (e: Event | null) => (e?.origin ? ` at line ${e.origin.pos.line}` : '');
  switch (o.kind) {
    case 'wmb':
      return `the ${callOf(o.by)}()${line(o.by)} orders only writes against later writes`;
    case 'rmb':
      return `the ${callOf(o.by)}()${line(o.by)} orders only reads against later reads`;
    case 'release':
      return `the release${line(o.by)} orders what comes before it, not it before a later read`;
    case 'acquire':
      return `the acquire${line(o.by)} orders what comes after it, not an earlier write before it`;
    case 'control-dependency':
      return 'the control dependency (the if) orders later writes only, not later reads';
    case 'data-dependency':
      return 'the data dependency orders only the write it feeds';
    case 'address-dependency':
      return 'the address dependency orders only accesses after a read';
    default:
      return `${o.kind}${line(o.by)}`;
  }
}

/** Whether LKMM keeps a before b (a po-before b), what does it, and what is missing. */
export function judgePair(sk: Skeleton, a: Event, b: Event): PairVerdict {
  const orderings = orderingsBetween(sk, a, b);
  const good = orderings.filter((o) => sufficient(a, b, o.kind));
  const bad = orderings.filter((o) => !sufficient(a, b, o.kind));
  // A wmb before the write of a composite primitive (kvm_make_request's smp_wmb) is not between
  // a and b, yet a developer expects it to help: mention it when it is part of a's primitive.
  const insufficient = bad.map(insufficientWords);
  if (good.length === 0 && a.origin && a.kind === 'W') {
    const own = sk.events.find((e) => e.thread === a.thread && e.poIndex < a.poIndex && fenceSet(e) === 'Wmb' && e.origin?.site === a.origin?.site);
    if (own && !orderings.some((o) => o.by === own)) insufficient.push(`the ${callOf(own)}() inside ${own.origin?.primitive}() comes before the ${a.origin.part ?? a.origin.primitive}() and orders only earlier writes against it`);
  }
  const weak = good.length > 0 ? [] : between(sk, a, b).filter((f) => f.kind === 'F' && !orderings.some((o) => o.by === f)).map((f) => ({ f, words: tooWeakWords(sk, f, a, b) })).filter((w) => w.words !== null);
  return { held: good.length > 0, orderings: good, needed: good.length > 0 ? null : neededFor(a, b), insufficient, tooWeak: weak.map((w) => w.words!), tooWeakAt: weak.map((w) => w.f) };
}

const kindWord = (e: Event) => (e.kind === 'W' ? 'a write' : 'a read');

/** Why a barrier between a and b does not order them, or null if it is no barrier to speak of. */
function tooWeakWords(sk: Skeleton, f: Event, a: Event, b: Event): string | null {
  const at = `at line ${f.origin?.pos.line ?? '?'}`;
  const inside = f.origin && f.origin.part && f.origin.part !== f.origin.primitive ? ` (inside ${f.origin.primitive}())` : '';
  const call = callOf(f);
  switch (fenceSet(f)) {
    case 'Wmb':
      return `the ${call}() ${at}${inside} orders only writes against later writes, and this is ${kindWord(a)} before ${kindWord(b)}`;
    case 'Rmb':
      return `the ${call}() ${at}${inside} orders only reads against later reads, and this is ${kindWord(a)} before ${kindWord(b)}`;
    case 'Before-atomic':
      return `the ${call}() ${at}${inside} is a full barrier only before an atomic read-modify-write that follows it${sk.events.some((e) => e.thread === f.thread && e.poIndex > f.poIndex && e.poIndex <= b.poIndex && e.rmwInstr) ? ', and the RMW here does not order the pair' : ', and none comes before the later access'}`;
    case 'After-atomic':
      return `the ${call}() ${at}${inside} is a full barrier only after an atomic read-modify-write that precedes it, and none comes after the earlier access`;
    case 'Barrier':
      return `the ${call}() ${at} is a compiler barrier only`;
    default:
      return null;
  }
}

/** A short name for what orders a pair: "smp_mb() at line 13". */
export function describeOrdering(o: Ordering): string {
  const where = (e: Event | null) => (e?.origin ? ` at line ${e.origin.pos.line}` : '');
  const name = (e: Event | null) => e?.origin?.part ?? e?.origin?.primitive ?? '';
  switch (o.kind) {
    case 'full-barrier':
      if (o.by && o.by.kind !== 'F') return `the ${fullRmw(o.by) ? 'fully ordered' : 'locked'} ${name(o.by)}()${where(o.by)}`;
      if (o.with) return `${name(o.by)}()${where(o.by)} with the ${name(o.with)}()${where(o.with)}`;
      return `${name(o.by)}()${where(o.by)}`;
    case 'grace-period':
      return `the grace period${where(o.by)}`;
    case 'release':
      return `${name(o.by)}()${where(o.by)}, a release`;
    case 'acquire':
      return `${name(o.by)}()${where(o.by)}, an acquire`;
    case 'wmb':
    case 'rmb':
      return `${callOf(o.by)}()${where(o.by)}`;
    case 'address-dependency':
      return 'an address dependency';
    case 'data-dependency':
      return 'a data dependency';
    case 'control-dependency':
      return 'a control dependency';
    case 'same-location':
      return 'coherence (same location)';
    case 'atomic-rmw':
      return 'atomicity of the read-modify-write';
    case 'tso-order':
      return 'x86, which only lets a read pass an earlier write';
    case 'sc-order':
      return 'sequential consistency, which keeps all program order';
  }
}

/**
 * The same judgement under x86-TSO (models/tso.ts): program order is kept except a write
 * before a later read, unless MFENCE (smp_mb()) or a locked instruction separates them.
 */
export function judgePairTso(sk: Skeleton, a: Event, b: Event): PairVerdict {
  const keep = (o: Ordering): PairVerdict => ({ held: true, orderings: [o], needed: null, insufficient: [], tooWeak: [], tooWeakAt: [] });
  if (a.loc !== null && a.loc === b.loc) return keep({ kind: 'same-location', by: null, with: null });
  if (!(a.kind === 'W' && b.kind === 'R')) return keep({ kind: 'tso-order', by: null, with: null });
  if (tsoPreservedOrder(sk).has(a.id, b.id)) {
    const by = between(sk, a, b).find((e) => (e.kind === 'F' && tsoFence(e.ann) === 'full') || e.rmwInstr) ?? (a.rmwInstr ? a : b);
    return keep({ kind: 'full-barrier', by, with: null });
  }
  const weak = between(sk, a, b).filter((f) => fenceSet(f) === 'Wmb' || fenceSet(f) === 'Rmb');
  return {
    held: false,
    orderings: [],
    needed: 'on x86 a write followed by a read needs MFENCE (smp_mb()) or a locked instruction between them',
    insufficient: [],
    tooWeak: weak.map((f) => `the ${callOf(f)}() at line ${f.origin?.pos.line ?? '?'} is no fence on x86 (a compiler barrier only)`),
    tooWeakAt: weak,
  };
}

/** Under sequential consistency every program-order pair is kept. */
export function judgePairSc(): PairVerdict {
  return { held: true, orderings: [{ kind: 'sc-order', by: null, with: null }], needed: null, insufficient: [], tooWeak: [], tooWeakAt: [] };
}
