// Generators of well-formed litmus tests. A test is first a small *spec* (what fast-check generates
// and shrinks: threads of instruction choices), then built into a litmus AST and printed. Every
// spec builds a valid test, so shrinking can drop or simplify anything without breaking it.
import fc from 'fast-check';
import type { LitmusTest, Param, Prop, Stmt } from '../parse/ast.js';
import {
  assign, binary, call, conjunction, declInt, deref, eq, exprStmt, ident, ifStmt, litmusTest, memObs, num, param,
  regObs, store, thread,
} from './ast-build.js';
import type { Expr } from '../parse/ast.js';
import { FUZZ_PRIMITIVES, ORDERING_FENCE_CALLS } from './primitives.js';

const PRIMITIVE_BY_NAME = new Map(FUZZ_PRIMITIVES.map((p) => [p.name, p]));

export type LoadKind = 'plain' | 'once' | 'acquire';
export type StoreKind = 'plain' | 'once' | 'release' | 'mb';
/** An argument-less fence that orders accesses: a call of ORDERING_FENCE_CALLS (from the annotation table). */
export type FenceKind = string;
export type RmwOp = 'xchg' | 'cmpxchg' | 'fetch_add' | 'add_return' | 'add';
export type Order = 'relaxed' | 'acquire' | 'release' | 'full';
export type ChaseKind = 'once' | 'rcu' | 'acquire';
export type PublishKind = 'once' | 'release' | 'rcu';

/** A stored value: a constant, or a register (a data dependency) plus a constant. */
export type ValueSpec = { k: 'const'; v: number } | { k: 'reg'; back: number; plus: number };

/** Instructions allowed inside an `if` branch or a critical section (no nesting). */
export type SimpleSpec =
  | { k: 'load'; kind: LoadKind; loc: number }
  | { k: 'store'; kind: StoreKind; loc: number; value: ValueSpec }
  | { k: 'rmw'; op: RmwOp; order: Order; loc: number; operand: number; expected: number }
  | { k: 'fence'; kind: FenceKind }
  /**
   * Any primitive of the table (fuzz/primitives.ts) on data location `loc` (or the spinlock or
   * srcu_struct it works on), its value arguments `vals`, its value (if any) in a fresh register.
   */
  | { k: 'call'; name: string; loc: number; vals: number[] };

export type InstrSpec =
  | SimpleSpec
  /**
   * `if (r == equals) { then } else { else }`: a control dependency on a register. With `guard`
   * false the branch is inlined (then only): what shrinking moves towards, so a failure sheds
   * the `if` but keeps its body.
   */
  | { k: 'if'; guard: boolean; back: number; equals: number; then: SimpleSpec[]; else: SimpleSpec[] | null }
  /** Publish a location's address in the pointer p: `WRITE_ONCE(*p, y)`. */
  | { k: 'publish'; kind: PublishKind; target: number }
  /** Follow the pointer: `ra = READ_ONCE(*p); rb = READ_ONCE(*ra)` (an address dependency). */
  | { k: 'chase'; kind: ChaseKind }
  /** `spin_lock(s); body; spin_unlock(s);` (just the body when `locked` is false, as for `if`). */
  | { k: 'critical'; locked: boolean; body: SimpleSpec[] };

export interface ProgramSpec {
  /** How many data locations (x, y, z, w) the test may use. */
  locations: number;
  threads: InstrSpec[][];
}

export interface GenOptions {
  minThreads?: number;
  maxThreads?: number;
  maxInstrs?: number;
  /** Spinlock critical sections. */
  locks?: boolean;
  /** A pointer location and address dependencies through it. */
  pointers?: boolean;
  /** Plain (unmarked) C accesses. */
  plain?: boolean;
  /** Calls of every primitive of the table (fuzz/primitives.ts), not only the common accesses and fences. */
  primitives?: boolean;
}

const LOC_NAMES = ['x', 'y', 'z', 'w'];
export const FENCES: readonly FenceKind[] = ORDERING_FENCE_CALLS;

function simpleArb(o: Required<GenOptions>): fc.Arbitrary<SimpleSpec> {
  const loc = fc.nat(3);
  const small = fc.integer({ min: 1, max: 2 });
  const loadKinds: LoadKind[] = o.plain ? ['once', 'acquire', 'plain'] : ['once', 'acquire'];
  const storeKinds: StoreKind[] = o.plain ? ['once', 'release', 'mb', 'plain'] : ['once', 'release', 'mb'];
  const value: fc.Arbitrary<ValueSpec> = fc.oneof(
    { arbitrary: fc.record({ k: fc.constant('const' as const), v: small }), weight: 3 },
    { arbitrary: fc.record({ k: fc.constant('reg' as const), back: fc.nat(2), plus: fc.nat(1) }), weight: 1 },
  );
  const options: Array<fc.WeightedArbitrary<SimpleSpec>> = [
    { arbitrary: fc.record({ k: fc.constant('load' as const), kind: fc.constantFrom(...loadKinds), loc }), weight: 4 },
    { arbitrary: fc.record({ k: fc.constant('store' as const), kind: fc.constantFrom(...storeKinds), loc, value }), weight: 4 },
    { arbitrary: fc.record({ k: fc.constant('fence' as const), kind: fc.constantFrom(...FENCES) }), weight: 2 },
    {
      arbitrary: fc.record({
        k: fc.constant('rmw' as const),
        op: fc.constantFrom<RmwOp>('xchg', 'cmpxchg', 'fetch_add', 'add_return', 'add'),
        order: fc.constantFrom<Order>('relaxed', 'full', 'acquire', 'release'),
        loc,
        operand: small,
        expected: fc.nat(1),
      }),
      weight: 2,
    },
  ];
  if (o.primitives) {
    const names = FUZZ_PRIMITIVES.map((p) => p.name);
    options.push({ arbitrary: fc.record({ k: fc.constant('call' as const), name: fc.constantFrom(...names), loc, vals: fc.array(fc.nat(2), { minLength: 2, maxLength: 2 }) }), weight: 3 });
  }
  return fc.oneof(...options);
}

function instrArb(o: Required<GenOptions>): fc.Arbitrary<InstrSpec> {
  const simple = simpleArb(o);
  const branch = fc.array(simple, { minLength: 1, maxLength: 2 });
  const options: Array<fc.WeightedArbitrary<InstrSpec>> = [
    { arbitrary: simple, weight: 12 },
    { arbitrary: fc.record({ k: fc.constant('if' as const), guard: fc.boolean(), back: fc.nat(2), equals: fc.nat(1), then: branch, else: fc.option(branch, { nil: null }) }), weight: 3 },
  ];
  if (o.pointers) {
    options.push(
      { arbitrary: fc.record({ k: fc.constant('publish' as const), kind: fc.constantFrom<PublishKind>('once', 'release', 'rcu'), target: fc.nat(3) }), weight: 1 },
      { arbitrary: fc.record({ k: fc.constant('chase' as const), kind: fc.constantFrom<ChaseKind>('once', 'rcu', 'acquire') }), weight: 1 },
    );
  }
  if (o.locks) options.push({ arbitrary: fc.record({ k: fc.constant('critical' as const), locked: fc.boolean(), body: branch }), weight: 2 });
  return fc.oneof(...options);
}

export function withDefaults(o: GenOptions = {}): Required<GenOptions> {
  return { minThreads: 2, maxThreads: 3, maxInstrs: 3, locks: false, pointers: true, plain: true, primitives: true, ...o };
}

export function programSpecArb(options: GenOptions = {}): fc.Arbitrary<ProgramSpec> {
  const o = withDefaults(options);
  return fc.record({
    locations: fc.integer({ min: 1, max: 4 }),
    threads: fc.array(fc.array(instrArb(o), { minLength: 1, maxLength: o.maxInstrs }), { minLength: o.minThreads, maxLength: o.maxThreads }),
  });
}

// ---- building the AST --------------------------------------------------------------------

const ORDER_SUFFIX: Record<Order, string> = { relaxed: '_relaxed', acquire: '_acquire', release: '_release', full: '' };

class ThreadBuilder {
  regs: string[] = [];
  /** The register of the last srcu_read_lock(), the index its srcu_read_unlock() passes back. */
  private srcuIdx: string | null = null;
  constructor(
    private readonly locName: (i: number) => string,
    private readonly usedLocks: Set<string>,
    private readonly usesPointer: () => void,
    private readonly usesSrcu: () => void = () => {},
  ) {}

  private fresh(): string {
    const r = `r${this.regs.length}`;
    this.regs.push(r);
    return r;
  }

  /** A register assigned earlier in the thread, `back` places from the latest; null if none. */
  private earlier(back: number): string | null {
    if (this.regs.length === 0) return null;
    return this.regs[this.regs.length - 1 - (back % this.regs.length)];
  }

  private value(v: ValueSpec): Expr {
    if (v.k === 'const') return num(v.v);
    const r = this.earlier(v.back);
    if (r === null) return num(v.plus + 1);
    return v.plus === 0 ? ident(r) : binary('+', ident(r), num(v.plus));
  }

  simple(s: SimpleSpec): Stmt[] {
    switch (s.k) {
      case 'load': {
        const x = this.locName(s.loc);
        const e = s.kind === 'plain' ? deref(ident(x)) : s.kind === 'once' ? call('READ_ONCE', deref(ident(x))) : call('smp_load_acquire', ident(x));
        return [assign(this.fresh(), e)];
      }
      case 'store': {
        const x = this.locName(s.loc);
        const v = this.value(s.value);
        if (s.kind === 'plain') return [store(deref(ident(x)), v)];
        if (s.kind === 'release') return [exprStmt(call('smp_store_release', ident(x), v))];
        return [exprStmt(call(s.kind === 'mb' ? 'smp_store_mb' : 'WRITE_ONCE', deref(ident(x)), v))];
      }
      case 'fence':
        return [exprStmt(call(s.kind))];
      case 'call':
        return this.primitiveCall(s);
      case 'rmw': {
        const x = ident(this.locName(s.loc));
        const operand = num(s.operand);
        const suffix = ORDER_SUFFIX[s.order];
        switch (s.op) {
          case 'xchg':
            return [assign(this.fresh(), call(`xchg${suffix}`, x, operand))];
          case 'cmpxchg':
            return [assign(this.fresh(), call(`cmpxchg${suffix}`, x, num(s.expected), operand))];
          case 'fetch_add':
            return [assign(this.fresh(), call(`atomic_fetch_add${suffix}`, operand, x))];
          case 'add_return':
            return [assign(this.fresh(), call(`atomic_add_return${suffix}`, operand, x))];
          case 'add':
            return [exprStmt(call('atomic_add', operand, x))];
        }
      }
    }
  }

  /** A call of any primitive: pointer arguments designate its object, value arguments are small constants. */
  private primitiveCall(s: Extract<SimpleSpec, { k: 'call' }>): Stmt[] {
    const p = PRIMITIVE_BY_NAME.get(s.name);
    if (!p) throw new Error(`fuzz: no primitive ${s.name}`);
    let object = 's';
    if (p.target === 'spinlock') this.usedLocks.add('s');
    else if (p.target === 'srcu') {
      this.usesSrcu();
      object = 'ss';
    } else object = this.locName(s.loc);
    let v = 0;
    const args = p.spec.args.map((kind): Expr => {
      if (kind === 'lval') return deref(ident(object));
      if (kind === 'ptr') return ident(object);
      if (p.srcuIndex && this.srcuIdx !== null) return ident(this.srcuIdx);
      return num(s.vals[v++ % s.vals.length] ?? 0);
    });
    const c = call(s.name, ...args);
    if (!p.returns) return [exprStmt(c)];
    const r = this.fresh();
    if (p.target === 'srcu') this.srcuIdx = r;
    return [assign(r, c)];
  }

  instr(s: InstrSpec): Stmt[] {
    switch (s.k) {
      case 'if': {
        if (!s.guard) return s.then.flatMap((i) => this.simple(i));
        const r = this.earlier(s.back);
        const cond = r === null ? num(s.equals) : binary('==', ident(r), num(s.equals));
        const then = s.then.flatMap((i) => this.simple(i));
        const els = s.else === null ? null : s.else.flatMap((i) => this.simple(i));
        return [ifStmt(cond, then, els)];
      }
      case 'publish': {
        this.usesPointer();
        const y = ident(this.locName(s.target));
        if (s.kind === 'once') return [exprStmt(call('WRITE_ONCE', deref(ident('p')), y))];
        if (s.kind === 'release') return [exprStmt(call('smp_store_release', ident('p'), y))];
        return [exprStmt(call('rcu_assign_pointer', deref(ident('p')), y))];
      }
      case 'chase': {
        this.usesPointer();
        const ptr = this.fresh();
        const load =
          s.kind === 'once' ? call('READ_ONCE', deref(ident('p'))) : s.kind === 'rcu' ? call('rcu_dereference', deref(ident('p'))) : call('smp_load_acquire', ident('p'));
        return [assign(ptr, load), assign(this.fresh(), call('READ_ONCE', deref(ident(ptr))))];
      }
      case 'critical': {
        if (!s.locked) return s.body.flatMap((i) => this.simple(i));
        this.usedLocks.add('s');
        return [exprStmt(call('spin_lock', ident('s'))), ...s.body.flatMap((i) => this.simple(i)), exprStmt(call('spin_unlock', ident('s')))];
      }
      default:
        return this.simple(s);
    }
  }
}

/** Every spec builds a valid test that observes every register and every data location. */
export function buildTest(spec: ProgramSpec, name = 'fuzz'): LitmusTest {
  const nLocs = Math.max(1, Math.min(4, spec.locations));
  const used = new Set<string>();
  const locName = (i: number) => {
    const n = LOC_NAMES[i % nLocs];
    used.add(n);
    return n;
  };
  const locks = new Set<string>();
  let pointer = false;
  let srcu = false;
  const built = spec.threads.map((instrs) => {
    const b = new ThreadBuilder(
      locName,
      locks,
      () => {
        pointer = true;
        locName(0); // p starts out pointing at x
      },
      () => (srcu = true),
    );
    const body = instrs.flatMap((i) => b.instr(i));
    return { regs: b.regs, body };
  });
  if (used.size === 0) locName(0);
  const data = LOC_NAMES.filter((n) => used.has(n));
  const params: Param[] = [...data.map((n) => param('int', n)), ...(pointer ? [param('int', 'p', 2)] : []), ...[...locks].map((s) => param('spinlock_t', s)), ...(srcu ? [param('struct srcu_struct', 'ss')] : [])];
  const threads = built.map((t, i) => thread(i, params, [...t.regs.map(declInt), ...t.body]));
  // The condition names every register and location, so the final states list them all.
  const props: Prop[] = [];
  built.forEach((t, i) => t.regs.forEach((r) => props.push(eq(regObs(i, r), 0))));
  for (const n of data) props.push(eq(memObs(n), 1));
  if (pointer) props.push(eq(memObs('p'), 'x'));
  return litmusTest(name, {
    init: pointer ? [{ k: 'loc', name: 'p', type: null, value: { k: 'addr', name: 'x' }, pos: { line: 1, col: 1 } }] : [],
    threads,
    condition: { quantifier: 'exists', prop: conjunction(props), outcome: null, pos: { line: 1, col: 1 } },
  });
}

export const litmusArb = (options: GenOptions = {}): fc.Arbitrary<LitmusTest> => programSpecArb(options).map((s) => buildTest(s));

// ---- mutations that must never add an outcome ----------------------------------------------

/** Insert a fence, or strengthen one access or fence in place. */
export type Mutation =
  | { k: 'add-fence'; thread: number; at: number; kind: FenceKind }
  | { k: 'strengthen'; pick: number; choice: number };

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ k: fc.constant('add-fence' as const), thread: fc.nat(3), at: fc.nat(4), kind: fc.constantFrom(...FENCES) }),
  fc.record({ k: fc.constant('strengthen' as const), pick: fc.nat(15), choice: fc.nat(2) }),
);

/** The stronger forms of an instruction (same values read and written, more ordering). */
export function strongerForms(s: InstrSpec): InstrSpec[] {
  switch (s.k) {
    case 'load':
      return s.kind === 'plain' ? [{ ...s, kind: 'once' }, { ...s, kind: 'acquire' }] : s.kind === 'once' ? [{ ...s, kind: 'acquire' }] : [];
    case 'store':
      // smp_store_mb's barrier comes after the store, so it is not stronger than a release.
      return s.kind === 'plain' ? [{ ...s, kind: 'once' }, { ...s, kind: 'release' }] : s.kind === 'once' ? [{ ...s, kind: 'release' }, { ...s, kind: 'mb' }] : [];
    case 'rmw':
      if (s.op === 'add') return [];
      return s.order === 'relaxed' ? [{ ...s, order: 'acquire' }, { ...s, order: 'release' }, { ...s, order: 'full' }] : s.order === 'full' ? [] : [{ ...s, order: 'full' }];
    case 'fence':
      return s.kind === 'smp_mb' || !ORDERING_FENCE_CALLS.includes(s.kind) ? [] : [{ ...s, kind: 'smp_mb' }];
    case 'chase':
      return s.kind === 'acquire' ? [] : [{ ...s, kind: 'acquire' }];
    case 'publish':
      return s.kind === 'once' ? [{ ...s, kind: 'release' }] : [];
    default:
      return [];
  }
}

/** The mutated spec and a description of the change; null when the mutation does not apply. */
export function applyMutation(spec: ProgramSpec, m: Mutation): { spec: ProgramSpec; change: string } | null {
  const threads = spec.threads.map((t) => t.slice());
  if (m.k === 'add-fence') {
    const t = m.thread % threads.length;
    const at = m.at % (threads[t].length + 1);
    threads[t].splice(at, 0, { k: 'fence', kind: m.kind });
    return { spec: { ...spec, threads }, change: `added ${m.kind}() in P${t} before instruction ${at}` };
  }
  const candidates: Array<[number, number]> = [];
  threads.forEach((t, ti) => t.forEach((s, ii) => strongerForms(s).length > 0 && candidates.push([ti, ii])));
  if (candidates.length === 0) return null;
  const [ti, ii] = candidates[m.pick % candidates.length];
  const forms = strongerForms(threads[ti][ii]);
  const stronger = forms[m.choice % forms.length];
  const before = threads[ti][ii];
  threads[ti][ii] = stronger;
  return { spec: { ...spec, threads }, change: `strengthened P${ti} instruction ${ii}: ${describe(before)} -> ${describe(stronger)}` };
}

function describe(s: InstrSpec): string {
  switch (s.k) {
    case 'load':
    case 'store':
    case 'chase':
    case 'publish':
      return `${s.k}(${s.kind})`;
    case 'rmw':
      return `${s.op}(${s.order})`;
    case 'fence':
      return s.kind;
    case 'call':
      return `${s.name}()`;
    default:
      return s.k;
  }
}

// ---- greedy simplification, after fast-check's shrinking -----------------------------------

function simplerInstr(s: InstrSpec): InstrSpec[] {
  switch (s.k) {
    case 'if':
      return [
        ...(s.guard ? [{ ...s, guard: false }] : []),
        // The else branch alone, unguarded.
        ...(s.else !== null ? [{ ...s, guard: false, then: s.else, else: null }] : []),
        ...(s.else !== null ? [{ ...s, else: null }] : []),
        ...s.then.map((_, i) => ({ ...s, then: s.then.filter((__, j) => j !== i) })).filter((x) => x.then.length > 0),
      ];
    case 'critical':
      return [
        ...(s.locked ? [{ ...s, locked: false }] : []),
        // An empty critical section still orders (spin_lock is a locked RMW on x86).
        ...s.body.map((_, i) => ({ ...s, body: s.body.filter((__, j) => j !== i) })),
      ];
    case 'store':
      return s.value.k === 'reg' ? [{ ...s, value: { k: 'const', v: 1 } }] : [];
    default:
      return [];
  }
}

/**
 * Smaller variants of a spec, one change each: a thread, an instruction or a branch dropped, an
 * `if` or a lock unwrapped, a register value made constant. fast-check's shrinker can stop at a
 * local minimum; trying these greedily until none fails gets closer to a minimal test.
 */
export function simplerSpecs(spec: ProgramSpec, minThreads = 2): ProgramSpec[] {
  const out: ProgramSpec[] = [];
  const threads = spec.threads;
  if (threads.length > minThreads) threads.forEach((_, t) => out.push({ ...spec, threads: threads.filter((__, u) => u !== t) }));
  threads.forEach((instrs, t) => {
    const replace = (body: InstrSpec[]) => out.push({ ...spec, threads: threads.map((x, u) => (u === t ? body : x)) });
    if (instrs.length > 1) instrs.forEach((_, i) => replace(instrs.filter((__, j) => j !== i)));
    instrs.forEach((s, i) => {
      // An unwrapped if or lock is just its body: splice it in, so its parts can go one by one.
      const inline = (s.k === 'if' && !s.guard) ? s.then : s.k === 'critical' && !s.locked ? s.body : null;
      if (inline) replace([...instrs.slice(0, i), ...inline, ...instrs.slice(i + 1)]);
      simplerInstr(s).forEach((simpler) => replace(instrs.map((x, j) => (j === i ? simpler : x))));
    });
  });
  if (spec.locations > 1) out.push({ ...spec, locations: spec.locations - 1 });
  return out;
}
