// Lowering: litmus AST -> thread programs. Resolves names (registers, shared locations,
// constants), expands every primitive, and flattens expressions with side effects.
import { StageError, diag, nearestName, type Diagnostic, type SourcePos } from '../diagnostics.js';
export { nearestName };
import { lowerProp } from './condition.js';
import { propAtoms, sameObservable, type Expr, type LitmusTest, type Observable, type Prop, type Stmt, type ThreadDecl } from '../parse/ast.js';
import { LKMM_PRIMITIVES, type PrimitiveBuilder, type PrimitiveSpec } from './primitives.js';
import { KVM_CONSTANTS, KVM_EAGER_FIELDS, KVM_PRIMITIVES as KVM_BASIC, KVM_STRUCT_FIELDS, RequestNames, swappedRequestArguments, testKvmArch } from './kvm.js';
import { DEFAULT_KVM_ARCH, KVM_ARCHES, isKvmArch, requestTable, type KvmArch } from './kvm-arch.js';
import { KVM_REQUEST_PRIMITIVES, PART, emitAcks } from './kvm-requests.js';
import { KVM_POSTED_INTR_PRIMITIVES } from './kvm-posted-intr.js';
import type { Instr, ObservedItem, Origin, Program, PureExpr, ThreadProgram, Value } from './program.js';
import { literalInt } from './int64.js';

export type LowerResult = { ok: true; program: Program } | { ok: false; diagnostics: Diagnostic[] };

const KVM_PRIMITIVES: ReadonlyMap<string, PrimitiveSpec> = new Map([...KVM_BASIC, ...KVM_REQUEST_PRIMITIVES, ...KVM_POSTED_INTR_PRIMITIVES]);
const PRIMITIVES: ReadonlyMap<string, PrimitiveSpec> = new Map([...LKMM_PRIMITIVES, ...KVM_PRIMITIVES]);

export function primitiveSpec(name: string): PrimitiveSpec | undefined {
  return PRIMITIVES.get(name);
}


export interface LowerOptions {
  unroll?: number;
  /** The KVM architecture of a test without a `KvmArch=` header line (default x86). */
  kvmArch?: KvmArch;
  /** Replace the built-in LKMM primitives (e.g. by those a .def file defines); KVM helpers stay. */
  primitives?: ReadonlyMap<string, PrimitiveSpec>;
  /**
   * Lower a side-effect-free spin on one marked read (`while (READ_ONCE(*x) == 0) ;`) to a
   * blocking read (an `await`) instead of unrolling it: exact whatever the bound (see
   * ThreadLowering.lowerSpin). Default true; the herd7 drop-in turns it off, since herd7 unrolls
   * such a loop and counts each number of iterations as an execution of its own.
   */
  spinAwait?: boolean;
}

export function lowerTest(test: LitmusTest, options: LowerOptions = {}): LowerResult {
  try {
    const program = new Lowering(test, options).run();
    // A failed iteration of a spin is a marked read; it can take part in a data race only with a
    // plain access to its location. Where one may exist, the spin is unrolled as written, so a
    // race a failed iteration could flag is not lost (see lowerSpin).
    if (options.spinAwait !== false && spinsMayRace(program)) return { ok: true, program: new Lowering(test, { ...options, spinAwait: false }).run() };
    return { ok: true, program };
  } catch (e) {
    if (e instanceof StageError) return { ok: false, diagnostics: [diag(test.file, e.pos, e.message)] };
    throw e;
  }
}

/**
 * Most operations one thread may lower to. Real litmus tests have a handful; a huge or
 * over-unrolled thread would exhaust memory in exploration, so it is refused up front.
 */
export const MAX_THREAD_OPERATIONS = 1000;

class Lowering {
  private locations = new Map<string, Value>();
  /** Struct pointers (e.g. `struct kvm_vcpu *vcpu`): fields become locations `vcpu->mode`. */
  private structBases = new Set<string>();
  /** The declared type of each struct pointer parameter, e.g. vcpu -> "struct kvm_vcpu". */
  private structTypes = new Map<string, string>();
  private warnings: { pos: SourcePos; message: string }[] = [];
  /** The test's KVM architecture: its `KvmArch=` header line, else the option, else x86. */
  readonly kvmArch: KvmArch;
  private readonly requests: RequestNames;
  private usedConstants = new Map<string, number>();
  /** The test's vCPU parameters in order of first appearance (P0's first): a struct kvm's vCPUs. */
  readonly vcpus: string[] = [];
  /** Bits handed out to waited-for IPIs (kvm-requests.ts), one per IPI in the test. */
  ipiBits = 0;
  /** vCPUs some thread runs (writes the mode of, outside the KVM helpers). */
  readonly runVcpus = new Set<string>();

  /**
   * Names a condition or a thread may use as numbers. With `pos`, a `KVM_REQ_*` name the test's
   * architecture does not define is an error there (never a fresh bit).
   */
  constantValue(name: string, pos: SourcePos | null = null): number | undefined {
    let v: number | undefined;
    if (name === 'NULL' || name === 'false') v = 0;
    else if (name === 'true') v = 1;
    else v = KVM_CONSTANTS.get(name) ?? this.requests.value(name);
    if (v === undefined && pos !== null) {
      const why = this.requests.unknown(name);
      if (why !== null) throw new StageError(pos, why);
    }
    if (v !== undefined) this.usedConstants.set(name, v);
    return v;
  }

  constructor(
    private readonly test: LitmusTest,
    private readonly options: LowerOptions,
  ) {
    this.primitives = options.primitives ? new Map([...options.primitives, ...KVM_PRIMITIVES]) : PRIMITIVES;
    this.kvmArch = testKvmArch(test.kvmArch, options.kvmArch);
    this.requests = new RequestNames(this.kvmArch);
  }
  readonly primitives: ReadonlyMap<string, PrimitiveSpec>;

  private addLocation(name: string, value: Value = 0): void {
    if (!this.locations.has(name)) this.locations.set(name, value);
  }

  run(): Program {
    const test = this.test;
    // Shared locations: parameters first (in order of appearance), then the init block.
    for (const t of test.threads) {
      for (const p of t.params) {
        if (p.type.base.startsWith('struct ') && p.type.stars > 0) {
          this.structBases.add(p.name);
          this.structTypes.set(p.name, p.type.base);
          for (const f of KVM_EAGER_FIELDS.get(p.type.base) ?? KVM_STRUCT_FIELDS.get(p.type.base) ?? []) this.addLocation(`${p.name}->${f}`);
        } else this.addLocation(p.name);
      }
    }
    const regInits = new Map<number, Map<string, Value>>();
    for (const item of test.init) {
      if (item.k === 'loc') {
        const arrow = item.name.indexOf('->');
        if (arrow > 0) {
          this.structBases.add(item.name.slice(0, arrow));
          const fields = KVM_STRUCT_FIELDS.get(this.structTypes.get(item.name.slice(0, arrow)) ?? '');
          const field = item.name.slice(arrow + 2);
          if (fields && !fields.includes(field)) throw new StageError(item.pos, `the initial state sets ${item.name}, but the fields modelled are ${fields.join(', ')}`);
        }
        const v = item.value === null ? 0 : this.initValue(item.value, item.pos);
        this.locations.set(item.name, v);
      }
    }
    for (const item of test.init) {
      if (item.k === 'reg') {
        if (!test.threads.some((t) => t.index === item.thread)) {
          throw new StageError(item.pos, `the initial state sets ${item.thread}:${item.reg} but there is no thread P${item.thread}`);
        }
        let m = regInits.get(item.thread);
        if (!m) regInits.set(item.thread, (m = new Map()));
        m.set(item.reg, this.initValue(item.value, item.pos));
      }
    }
    const seen = new Map<number, SourcePos>();
    for (const t of test.threads) {
      const first = seen.get(t.index);
      if (first) throw new StageError(t.pos, `duplicate thread P${t.index} (first defined at line ${first.line})`);
      seen.set(t.index, t.pos);
    }
    const sorted = [...test.threads].sort((a, b) => a.index - b.index);
    sorted.forEach((t, i) => {
      if (t.index !== i) throw new StageError(t.pos, `threads must be numbered P0, P1, ... without gaps: expected P${i}, found P${t.index}`);
    });
    for (const t of sorted) for (const p of t.params) if (p.type.base === 'struct kvm_vcpu' && p.type.stars > 0 && !this.vcpus.includes(p.name)) this.vcpus.push(p.name);
    const threads = sorted.map((t) => new ThreadLowering(this, t, regInits.get(t.index) ?? new Map()).run());
    this.warnUnacknowledgedWaits(threads);

    const regsOf = (i: number) => threads[i]?.userRegs ?? new Set<string>();
    // Which part of the test names the observable, for the messages.
    let part = 'the condition';
    const checkObs = (o: Observable) => {
      if (o.k === 'reg') {
        if (!threads[o.thread]) throw new StageError(o.pos, `${part} names ${o.thread}:${o.reg} but there is no thread P${o.thread}`);
        if (!regsOf(o.thread).has(o.reg) && part === 'the locations list') {
          // herd7 lists it as 0. Only printing is at stake here; in a condition a misspelt
          // register would silently decide the verdict, so there it stays an error.
          this.warn(o.pos, `register ${o.reg} is not defined in P${o.thread}: listed as 0, as herd7 does`);
        } else if (!regsOf(o.thread).has(o.reg)) {
          const near = nearestName(o.reg, regsOf(o.thread));
          throw new StageError(o.pos, `register ${o.reg} is not defined in P${o.thread}${near ? ` (did you mean ${near}?)` : ''}`);
        }
      } else if (!this.locations.has(o.name)) {
        const near = nearestName(o.name, this.locations.keys());
        throw new StageError(o.pos, `location ${o.name} is not defined by any thread or the initial state${near ? ` (did you mean ${near}?)` : ''}`);
      }
    };
    const observed: Observable[] = [];
    const addObs = (o: Observable) => {
      checkObs(o);
      if (!observed.some((x) => sameObservable(x, o))) observed.push(o);
    };
    const walk = (p: Prop) => {
      for (const atom of propAtoms(p)) {
        addObs(atom.lhs);
        if (atom.rhs.k === 'obs') addObs(atom.rhs.obs);
        if (atom.rhs.k === 'sym' && !this.locations.has(atom.rhs.name) && this.constantValue(atom.rhs.name, atom.pos) === undefined) {
          const near = nearestName(atom.rhs.name, [...this.locations.keys(), ...this.constantNames()]);
          throw new StageError(atom.pos, `unknown value ${atom.rhs.name}: not a location or a known constant${near ? ` (did you mean ${near}?)` : ''}`);
        }
      }
    };
    part = 'the locations list';
    for (const o of test.locations) addObs(o);
    part = 'the condition';
    walk(test.condition.prop);
    if (test.filter) {
      const before = observed.length;
      part = 'the filter';
      walk(test.filter);
      // herd7 does not list filter-only observables in the states.
      observed.length = before;
    }
    const regs = observed.filter((o): o is Extract<Observable, { k: 'reg' }> => o.k === 'reg').sort((a, b) => a.thread - b.thread || cmpStr(a.reg, b.reg));
    const mems = observed.filter((o): o is Extract<Observable, { k: 'mem' }> => o.k === 'mem').sort((a, b) => cmpStr(a.name, b.name));
    const items: ObservedItem[] = [...regs, ...mems].map((o) => ({ obs: o, label: o.k === 'reg' ? `${o.thread}:${o.reg}` : `[${o.name}]` }));

    const constants = new Map<string, number>([...KVM_CONSTANTS, ...this.usedConstants]);
    return {
      name: test.name,
      file: test.file,
      locations: this.locations,
      lockLocations: new Set(),
      threads,
      quantifier: test.condition.quantifier,
      condition: lowerProp(test.condition.prop, this.locations, constants),
      filter: test.filter ? lowerProp(test.filter, this.locations, constants) : null,
      outcome: test.condition.outcome,
      observed: items,
      constants,
      warnings: this.warnings,
      kvmArch: this.kvmArch,
      ...(this.loopBound !== undefined ? { loopBound: this.loopBound } : {}),
    };
  }

  /**
   * A KVM_REQUEST_WAIT request waits for each IPI'd vCPU's acknowledgement, which its thread
   * gives where it enables interrupts after writing its mode. Without any thread running that
   * vCPU, every execution in which it is IPI'd ends with the requester still waiting: say so.
   */
  private warnUnacknowledgedWaits(threads: ThreadProgram[]): void {
    const waits = new Map<string, SourcePos>();
    const acks = new Set<string>();
    const walk = (is: readonly Instr[]) => {
      for (const i of is) {
        if (i.op === 'if') {
          walk(i.then);
          walk(i.else);
        } else if (i.op === 'await' && i.origin.part === PART.waitAck && i.origin.target && !waits.has(i.origin.target)) waits.set(i.origin.target, i.origin.pos);
        else if (i.op === 'store' && i.origin.part === PART.ack && i.origin.target) acks.add(i.origin.target);
      }
    };
    for (const t of threads) walk(t.body);
    for (const [v, pos] of waits) {
      // A vCPU thread that stays in the guest to the end of the test is a choice (the requester
      // is then still waiting); no vCPU thread at all is likelier a mistake.
      if (acks.has(v) || this.runVcpus.has(v)) continue;
      // Nobody writes its mode and it starts OUTSIDE_GUEST_MODE: it is never IPI'd, never waited for.
      if (this.locations.get(`${v}->mode`) === 0) continue;
      this.warn(pos, `this KVM_REQUEST_WAIT request waits for ${v} to acknowledge its IPI, but no thread runs ${v} (writes ${v}->mode, then enables interrupts with local_irq_enable()): executions in which ${v} is IPI'd never return from the wait: they are reported blocked`);
    }
  }

  private initValue(v: { k: 'int'; value: number | bigint } | { k: 'addr'; name: string }, pos: SourcePos): Value {
    if (v.k === 'int') return literalInt(v.value);
    const c = this.locations.has(v.name) ? undefined : this.constantValue(v.name, pos);
    if (c !== undefined) return c;
    // `x = y` makes x point to location y; a misspelt KVM constant must not become one.
    const near = this.locations.has(v.name) || !/^[A-Z][A-Z0-9_]*$/.test(v.name) ? null : nearestName(v.name, this.constantNames());
    if (near) throw new StageError(pos, `unknown constant ${v.name} (did you mean ${near}?)`);
    this.addLocation(v.name);
    return v.name;
  }

  /** The named constants a test may write (for "did you mean"): KVM's and the architecture's requests. */
  constantNames(): string[] {
    return ['NULL', 'true', 'false', ...KVM_CONSTANTS.keys(), ...requestTable(this.kvmArch).keys()];
  }

  // Shared with thread lowering.
  isLocation(name: string): boolean {
    return this.locations.has(name);
  }
  isStructBase(name: string): boolean {
    return this.structBases.has(name);
  }
  structTypeOf(name: string): string | undefined {
    return this.structTypes.get(name);
  }
  ensureLocation(name: string): void {
    this.addLocation(name);
  }
  warn(pos: SourcePos, message: string): void {
    this.warnings.push({ pos, message });
  }
  get unroll(): number | undefined {
    return this.options.unroll;
  }
  get spinAwait(): boolean {
    return this.options.spinAwait !== false;
  }
  /** The --unroll bound, once some loop has been unrolled with it (Program.loopBound). */
  loopBound: number | undefined;
}

/** Whether a spin lowered to an await reads a location some plain access (or one through an unknown address) may touch. */
function spinsMayRace(program: Program): boolean {
  const spins = new Set<string>();
  const plain: Array<PureExpr> = [];
  const walk = (is: readonly Instr[]): void => {
    for (const i of is) {
      if (i.op === 'if') {
        walk(i.then);
        walk(i.else);
      } else if (i.op === 'await' && i.spin && i.addr.k === 'const' && typeof i.addr.v === 'string') spins.add(i.addr.v);
      else if ((i.op === 'load' || i.op === 'store') && !MARKED_ACCESSES.has(i.ann)) plain.push(i.addr);
    }
  };
  for (const t of program.threads) walk(t.body);
  if (spins.size === 0) return false;
  return plain.some((a) => a.k !== 'const' || typeof a.v !== 'string' || spins.has(a.v));
}

/** The annotations of a marked access (LKMM's Marked) a spin may read with: READ_ONCE, smp_load_acquire, atomic_read... */
const MARKED_SPIN_READS = new Set(['ONCE', 'ACQUIRE']);
/** Every marked load or store annotation (as judge/loop-bound.ts counts them); the rest are plain. */
const MARKED_ACCESSES = new Set(['ONCE', 'RELEASE', 'ACQUIRE', 'MB', 'srcu-lock', 'srcu-unlock']);

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}


class ThreadLowering {
  private regs = new Set<string>();
  /** Registers that may hold an address (see findPointerRegisters); the rest only hold integers. */
  private pointerRegs = new Set<string>();
  /** Every value each register is assigned, for findPointerRegisters. */
  private assignments = new Map<string, Expr[]>();
  private temps = 0;
  private sites = 0;
  private operations = 0;
  private out: Instr[] = [];
  /** vCPUs whose mode this thread writes (outside the KVM helpers): it runs them. */
  private entered: string[] = [];
  /** Where interrupts were last turned on (local_irq_enable()), while they are on. */
  private irqOn: { pos: SourcePos; site: number } | null = null;
  /** Per vCPU, the register holding the last IPI number this thread acknowledged. */
  private acked = new Map<string, string>();

  constructor(
    private readonly world: Lowering,
    private readonly decl: ThreadDecl,
    private readonly initRegs: Map<string, Value>,
  ) {
    for (const r of initRegs.keys()) this.regs.add(r);
  }

  run(): ThreadProgram {
    // Registers: declared anywhere or assigned anywhere in the thread (herd7 accepts undeclared ones).
    this.collectRegs(this.decl.body);
    this.findPointerRegisters();
    this.out = [];
    this.lowerStmts(this.decl.body);
    // A vCPU thread that ends with interrupts on idles there, taking every IPI queued for it.
    if (this.irqOn !== null && this.entered.length > 0) {
      const b = this.builder(this.irqOn.pos, 'local_irq_enable', this.irqOn.site);
      emitAcks(b, this.entered, b.ackedReg!, true);
    }
    return { index: this.decl.index, body: this.out, initRegs: this.initRegs, userRegs: new Set(this.regs) };
  }

  private collectRegs(stmts: Stmt[]): void {
    for (const s of stmts) {
      if (s.k === 'decl') {
        this.regs.add(s.name);
        if (s.init) this.noteAssignment(s.name, s.init);
      } else if (s.k === 'expr') this.collectAssignment(s.expr);
      else if (s.k === 'if') {
        this.collectRegs(s.then);
        if (s.else) this.collectRegs(s.else);
      } else if (s.k === 'block') this.collectRegs(s.body);
      else if (s.k === 'loop') {
        this.collectRegs(s.init);
        this.collectRegs(s.body);
        if (s.step) this.collectAssignment(s.step);
      }
    }
  }

  private collectAssignment(e: Expr): void {
    if (e.k !== 'assign' || e.target.k !== 'ident' || this.world.isLocation(e.target.name)) return;
    this.regs.add(e.target.name);
    // `r += v` is arithmetic: its result is never an address.
    this.noteAssignment(e.target.name, e.op === '=' ? e.value : { k: 'num', value: 0, pos: e.pos });
  }

  private noteAssignment(reg: string, value: Expr): void {
    const list = this.assignments.get(reg);
    if (list) list.push(value);
    else this.assignments.set(reg, [value]);
  }

  /**
   * Which registers may ever hold an address: one initialised to a location, or assigned
   * anything that may be one (a location, a value read from memory, another such register).
   * Flow-insensitive, so it over-approximates: dereferencing any other register is an error
   * in every execution, which lowering can report before exploring.
   */
  private findPointerRegisters(): void {
    for (const [r, v] of this.initRegs) if (typeof v === 'string') this.pointerRegs.add(r);
    for (let changed = true; changed; ) {
      changed = false;
      for (const [r, values] of this.assignments) {
        if (!this.pointerRegs.has(r) && values.some((v) => this.mayBeAddress(v))) {
          this.pointerRegs.add(r);
          changed = true;
        }
      }
    }
  }

  /** Whether an expression may evaluate to an address (arithmetic and comparisons never do). */
  private mayBeAddress(e: Expr): boolean {
    switch (e.k) {
      case 'num':
        return false;
      case 'binary':
        // Pointer arithmetic: herd7 reads `y + (r1 ^ r1)` as y (an address plus zero).
        // A non-zero constant offset never is: there are no arrays.
        if (e.op === '+') return (this.mayBeAddress(e.left) && !nonZeroNumber(e.right)) || (this.mayBeAddress(e.right) && !nonZeroNumber(e.left));
        return e.op === '-' && this.mayBeAddress(e.left) && !nonZeroNumber(e.right);
      case 'ident':
        if (this.regs.has(e.name)) return this.pointerRegs.has(e.name);
        if (this.world.isLocation(e.name) || this.world.isStructBase(e.name)) return true;
        return this.world.constantValue(e.name) === undefined; // an unknown name is reported later
      case 'unary':
        return e.op === '*' || e.op === '&' || (e.op === '+' && this.mayBeAddress(e.arg));
      case 'cast':
        return this.mayBeAddress(e.arg);
      case 'ternary':
        return this.mayBeAddress(e.then) || this.mayBeAddress(e.else);
      default:
        return true; // calls and fields read memory, which may hold addresses
    }
  }

  /** Refuse a dereference that can only ever see an integer (it would have no meaning). */
  private checkAddress(e: Expr): void {
    if (this.mayBeAddress(e)) return;
    const base = e.k === 'cast' ? e.arg : e;
    if (base.k === 'ident') {
      const never = !this.initRegs.has(base.name) && !this.assignments.has(base.name);
      throw new StageError(
        base.pos,
        never
          ? `cannot dereference ${base.name}: it is never assigned, so it holds 0, not the address of a location`
          : `cannot dereference ${base.name}: it only ever holds integers, never the address of a location`,
      );
    }
    if (base.k === 'num') throw new StageError(base.pos, `cannot dereference the integer ${base.value}: only addresses of shared locations can be`);
    throw new StageError(base.pos, 'cannot dereference an integer expression: only addresses of shared locations can be');
  }

  private temp(): string {
    return `%t${++this.temps}`;
  }

  private emit(i: Instr): void {
    if (++this.operations > MAX_THREAD_OPERATIONS) {
      const hint = this.world.unroll !== undefined ? ' (--unroll multiplies loop bodies)' : '';
      throw new StageError(i.origin.pos, `P${this.decl.index} is too long: more than ${MAX_THREAD_OPERATIONS} operations${hint}`);
    }
    this.noteModeWrite(i);
    this.out.push(i);
  }

  /** A write of vcpu->mode by the thread itself (not a requester's cmpxchg in a KVM helper). */
  private noteModeWrite(i: Instr): void {
    if (i.op !== 'store' && i.op !== 'xchg' && i.op !== 'cmpxchg' && i.op !== 'atomic') return;
    if (i.origin.primitive.startsWith('kvm_') || i.addr.k !== 'const' || typeof i.addr.v !== 'string' || !i.addr.v.endsWith('->mode')) return;
    const v = i.addr.v.slice(0, -'->mode'.length);
    if (!this.entered.includes(v)) this.entered.push(v);
    this.world.runVcpus.add(v);
  }

  private origin(pos: SourcePos, primitive: string, site: number, part?: string): Origin {
    return { pos, primitive, site, part };
  }

  private lowerStmts(stmts: Stmt[]): void {
    for (const s of stmts) this.lowerStmt(s);
  }

  private lowerStmt(s: Stmt): void {
    switch (s.k) {
      case 'decl':
        if (s.init) this.lowerInto(s.name, s.init, s.pos);
        return;
      case 'expr':
        this.lowerEffect(s.expr);
        return;
      case 'block':
        this.lowerStmts(s.body);
        return;
      case 'if': {
        const cond = this.rvalue(s.cond);
        const saved = this.out;
        const thenOut: Instr[] = [];
        const elseOut: Instr[] = [];
        this.out = thenOut;
        this.lowerStmts(s.then);
        this.out = elseOut;
        if (s.else) this.lowerStmts(s.else);
        this.out = saved;
        this.emit({ op: 'if', cond, then: thenOut, else: elseOut, origin: this.origin(s.pos, 'if', this.sites++) });
        return;
      }
      case 'loop':
        this.lowerLoop(s);
        return;
    }
  }

  /**
   * Bounded unrolling: the body at most N times, each further iteration guarded by the loop
   * condition as an if; executions that would need one more are not explored (an assume).
   * Built iteratively, so a large N cannot overflow the stack.
   */
  private lowerLoop(s: Extract<Stmt, { k: 'loop' }>): void {
    const bound = this.world.unroll;
    if (bound === undefined) {
      throw new StageError(s.pos, `unsupported construct: '${s.kind}' loop (litmus tests are loop-free; run with --unroll N to explore at most N iterations)`);
    }
    if (this.world.spinAwait && this.lowerSpin(s)) return;
    this.world.warn(s.pos, `'${s.kind}' loop unrolled ${bound} time${bound === 1 ? '' : 's'}: executions needing more iterations are cut and counted; a Never or Always they could change is reported incomplete`);
    this.world.loopBound = bound;
    this.lowerStmts(s.init);
    const forever: PureExpr = { k: 'const', v: 1 };
    const saved = this.out;
    for (let i = 0; i < bound; i++) {
      if (i > 0 || s.kind !== 'do') {
        const cond = s.cond ? this.rvalue(s.cond) : forever;
        const body: Instr[] = [];
        this.emit({ op: 'if', cond, then: body, else: [], origin: this.origin(s.pos, s.kind, this.sites++) });
        this.out = body;
      }
      this.lowerStmts(s.body);
      if (s.step) this.lowerEffect(s.step);
    }
    const cond = s.cond ? this.rvalue(s.cond) : forever;
    this.emit({ op: 'assume', cond: { k: 'un', op: '!', a: cond }, origin: this.origin(s.pos, s.kind, this.sites++) });
    this.out = saved;
  }

  /**
   * A spin loop whose only effect is one marked read, `while (READ_ONCE(*x) == 0) ;` (or a `do`
   * with an empty body, or `for (; c; )`), becomes one blocking read: the thread reads x once and
   * goes on if the value ends the loop, else it waits there (blocked, when x's last value does not
   * end it either: explore/paths.ts, BlockedAt). This is exact, not bounded:
   * - an execution of the loop with k failed iterations has k extra marked reads of x, whose
   *   values are thrown away; with no body they are ordered before nothing but the next
   *   iteration (the unrolled exit orders nothing after the loop by ctrl either, hence `spin`).
   *   Removing them keeps an execution consistent, since every model here forbids cycles (or
   *   reflexive edges) of relations that only lose edges when events are removed; the final
   *   state is the same (a read changes no register the test sees, nor memory);
   * - conversely the execution whose first read already ends the loop is one of the loop's.
   * So the final states, and the executions that never end, are those of the loop with any
   * number of iterations. The flags too, except a data race that a failed read could take part
   * in: lowerTest unrolls the spin instead when a plain access may touch x.
   */
  private lowerSpin(s: Extract<Stmt, { k: 'loop' }>): boolean {
    const empty = (b: Stmt[]): boolean => b.every((x) => x.k === 'block' && empty(x.body));
    if (!s.cond || s.init.length > 0 || s.step || !empty(s.body)) return false;
    const saved = { out: this.out, temps: this.temps, sites: this.sites, operations: this.operations };
    const scratch: Instr[] = [];
    this.out = scratch;
    let cond: PureExpr;
    try {
      cond = this.rvalue(s.cond);
    } finally {
      this.out = saved.out;
    }
    const read = scratch[0];
    if (scratch.length !== 1 || read.op !== 'load' || !MARKED_SPIN_READS.has(read.ann) || read.addr.k !== 'const' || typeof read.addr.v !== 'string' || !read.dst.startsWith('%t')) {
      this.temps = saved.temps;
      this.sites = saved.sites;
      this.operations = saved.operations;
      return false;
    }
    this.operations = saved.operations;
    this.emit({ op: 'await', dst: read.dst, addr: read.addr, ann: read.ann, until: { k: 'un', op: '!', a: cond }, waitsFor: `a value of ${read.addr.v} that ends its '${s.kind}' loop`, spin: true, origin: read.origin });
    return true;
  }

  /** An expression statement: an assignment, a call, or a value whose loads still happen. */
  private lowerEffect(e: Expr): void {
    if (e.k === 'assign') {
      this.lowerAssign(e);
      return;
    }
    if (e.k === 'call') {
      this.lowerCall(e, null);
      return;
    }
    this.rvalue(e);
  }

  private lowerAssign(e: Extract<Expr, { k: 'assign' }>): void {
    const t = e.target;
    const value: Expr = e.op === '=' ? e.value : { k: 'binary', op: e.op.slice(0, -1) as '+', left: t, right: e.value, pos: e.pos };
    if (t.k === 'ident' && this.regs.has(t.name)) {
      this.lowerInto(t.name, value, e.pos);
      return;
    }
    if (t.k === 'unary' && t.op === '*') {
      this.checkAddress(t.arg);
      const addr = this.rvalue(t.arg);
      const v = this.rvalue(value);
      this.emit({ op: 'store', addr, value: v, ann: '', origin: this.origin(e.pos, 'store', this.sites++) });
      return;
    }
    if (t.k === 'member') {
      const addr = this.memberAddress(t);
      const v = this.rvalue(value);
      this.emit({ op: 'store', addr, value: v, ann: '', origin: this.origin(e.pos, 'store', this.sites++) });
      return;
    }
    if (t.k === 'ident') throw new StageError(t.pos, `cannot assign to ${t.name}: it is a shared location's address (write *${t.name} = ... or WRITE_ONCE(*${t.name}, ...))`);
    throw new StageError(e.pos, 'unsupported assignment target');
  }

  private lowerInto(dst: string, e: Expr, pos: SourcePos): void {
    if (e.k === 'call') {
      const spec = this.world.primitives.get(e.callee);
      if (spec) {
        const result = this.lowerCall(e, dst);
        if (result && !(result.k === 'reg' && result.r === dst)) this.emit({ op: 'assign', dst, value: result, origin: this.origin(pos, '=', this.sites++) });
        return;
      }
    }
    if (e.k === 'unary' && e.op === '*') {
      this.checkAddress(e.arg);
      const addr = this.rvalue(e.arg);
      this.emit({ op: 'load', dst, addr, ann: '', origin: this.origin(e.pos, 'load', this.sites++) });
      return;
    }
    const v = this.rvalue(e);
    this.emit({ op: 'assign', dst, value: v, origin: this.origin(pos, '=', this.sites++) });
  }

  private lowerCall(e: Extract<Expr, { k: 'call' }>, dst: string | null): PureExpr | null {
    const spec = this.world.primitives.get(e.callee);
    if (!spec) {
      const near = nearestName(e.callee, this.world.primitives.keys());
      throw new StageError(e.pos, `unknown primitive '${e.callee}'${near ? ` (did you mean ${near}?)` : ''}`);
    }
    if (e.args.length !== spec.args.length) {
      throw new StageError(e.pos, `${e.callee} takes ${spec.args.length} argument${spec.args.length === 1 ? '' : 's'}, found ${e.args.length}`);
    }
    const swapped = swappedRequestArguments(e.callee, e.args, (n) => this.world.isStructBase(n));
    if (swapped) throw new StageError(e.pos, swapped);
    const args = e.args.map((a, i) => {
      const kind = spec.args[i];
      if (kind === 'lval') return this.lvalueAddress(a, e.callee);
      if (kind === 'ptr') this.checkAddress(a);
      return this.rvalue(a);
    });
    return spec.expand(this.builder(e.pos, e.callee, this.sites++), args, dst);
  }

  /** What a primitive's expansion may ask of this thread. */
  private builder(pos: SourcePos, callee: string, site: number): PrimitiveBuilder {
    return {
      emit: (i) => this.emit(i),
      temp: () => this.temp(),
      origin: (part) => this.origin(pos, callee, site, part),
      declareReg: (name, initial) => {
        this.regs.add(name);
        if (!this.initRegs.has(name)) this.initRegs.set(name, initial);
      },
      structType: (name) => this.world.structTypeOf(name),
      vcpus: () => this.world.vcpus,
      ensureLocation: (name) => this.world.ensureLocation(name),
      enteredVcpus: () => [...this.entered],
      irqWindow: (on) => {
        this.irqOn = on ? { pos, site } : null;
      },
      ipiBit: () => {
        if (this.world.ipiBits >= 30) throw new StageError(pos, 'more than 30 KVM_REQUEST_WAIT IPIs in one test: the model numbers each with a bit of its own');
        return this.world.ipiBits++;
      },
      ackedReg: (v) => {
        let r = this.acked.get(v);
        if (r === undefined) this.acked.set(v, (r = this.temp()));
        return r;
      },
      kvmArch: this.world.kvmArch,
    };
  }

  /** The address an lvalue designates: `*p`, `x` (a shared location), `vcpu->mode`. */
  private lvalueAddress(e: Expr, callee: string): PureExpr {
    if (e.k === 'unary' && e.op === '*') {
      this.checkAddress(e.arg);
      return this.rvalue(e.arg);
    }
    if (e.k === 'member') return this.memberAddress(e);
    if (e.k === 'ident' && !this.regs.has(e.name) && this.world.isLocation(e.name)) return { k: 'const', v: e.name };
    if (e.k === 'cast') return this.lvalueAddress(e.arg, callee);
    throw new StageError(e.pos, `${callee} expects a memory location such as *x`);
  }

  private memberAddress(e: Extract<Expr, { k: 'member' }>): PureExpr {
    const base = e.object;
    if (base.k === 'ident' && this.world.isStructBase(base.name)) {
      // Only the fields the dialect models: a misspelt field must not become a fresh location.
      const type = this.world.structTypeOf(base.name);
      const fields = type ? KVM_STRUCT_FIELDS.get(type) : undefined;
      if (type && fields && fields.length === 0) throw new StageError(e.pos, `${type} has no fields in the model: pass ${base.name} to the request helpers (kvm_make_all_cpus_request(${base.name}, ...))`);
      if (type && fields && !fields.includes(e.field)) {
        const near = nearestName(e.field, fields);
        throw new StageError(e.pos, `${type} has no field '${e.field}' (${near ? `did you mean ${near}? ` : ''}the fields modelled are ${fields.join(', ')})`);
      }
      const name = `${base.name}->${e.field}`;
      this.world.ensureLocation(name);
      return { k: 'const', v: name };
    }
    throw new StageError(e.pos, `'${e.arrow ? '->' : '.'}${e.field}' needs a struct pointer parameter such as struct kvm_vcpu *vcpu`);
  }

  /** A side-effect-free value; loads inside the expression are emitted first, left to right. */
  private rvalue(e: Expr): PureExpr {
    switch (e.k) {
      case 'num':
        return { k: 'const', v: literalInt(e.value) };
      case 'ident': {
        if (this.regs.has(e.name)) return { k: 'reg', r: e.name };
        if (this.world.isLocation(e.name) || this.world.isStructBase(e.name)) return { k: 'const', v: e.name };
        const c = this.world.constantValue(e.name, e.pos);
        if (c !== undefined) return { k: 'const', v: c };
        const near = nearestName(e.name, [...this.regs, ...this.world.constantNames()]);
        throw new StageError(e.pos, `undefined register or location '${e.name}'${near ? ` (did you mean ${near}?)` : ''}`);
      }
      case 'cast':
        return this.rvalue(e.arg);
      case 'unary': {
        if (e.op === '*') {
          this.checkAddress(e.arg);
          const addr = this.rvalue(e.arg);
          const r = this.temp();
          this.emit({ op: 'load', dst: r, addr, ann: '', origin: this.origin(e.pos, 'load', this.sites++) });
          return { k: 'reg', r };
        }
        if (e.op === '&') {
          if (e.arg.k === 'ident' && this.world.isLocation(e.arg.name)) return { k: 'const', v: e.arg.name };
          if (e.arg.k === 'member') return this.memberAddress(e.arg);
          if (e.arg.k === 'unary' && e.arg.op === '*') return this.rvalue(e.arg.arg);
          throw new StageError(e.pos, "'&' needs a shared location");
        }
        const a = this.rvalue(e.arg);
        if (e.op === '+') return a;
        return { k: 'un', op: e.op, a };
      }
      case 'binary': {
        if ((e.op === '&&' || e.op === '||') && this.hasEffects(e.right)) return this.shortCircuit(e);
        const a = this.rvalue(e.left);
        const b = this.rvalue(e.right);
        return { k: 'bin', op: e.op, a, b };
      }
      case 'ternary': {
        if (this.hasEffects(e.then) || this.hasEffects(e.else)) {
          const r = this.temp();
          this.regs.add(r);
          const c = this.rvalue(e.cond);
          this.branch(c, () => this.lowerInto(r, e.then, e.pos), () => this.lowerInto(r, e.else, e.pos), e.pos);
          return { k: 'reg', r };
        }
        return { k: 'cond', c: this.rvalue(e.cond), a: this.rvalue(e.then), b: this.rvalue(e.else) };
      }
      case 'call': {
        const v = this.lowerCall(e, null);
        if (v === null) throw new StageError(e.pos, `${e.callee} returns no value`);
        return v;
      }
      case 'member': {
        const addr = this.memberAddress(e);
        const r = this.temp();
        this.emit({ op: 'load', dst: r, addr, ann: '', origin: this.origin(e.pos, 'load', this.sites++) });
        return { k: 'reg', r };
      }
      case 'assign':
        throw new StageError(e.pos, 'assignments inside expressions are not supported');
    }
  }

  private hasEffects(e: Expr): boolean {
    switch (e.k) {
      case 'call':
      case 'assign':
      case 'member':
        return true;
      case 'unary':
        return e.op === '*' || this.hasEffects(e.arg);
      case 'binary':
        return this.hasEffects(e.left) || this.hasEffects(e.right);
      case 'cast':
        return this.hasEffects(e.arg);
      case 'ternary':
        return this.hasEffects(e.cond) || this.hasEffects(e.then) || this.hasEffects(e.else);
      default:
        return false;
    }
  }

  private branch(cond: PureExpr, then: () => void, els: () => void, pos: SourcePos): void {
    const saved = this.out;
    const t: Instr[] = [];
    const f: Instr[] = [];
    this.out = t;
    then();
    this.out = f;
    els();
    this.out = saved;
    this.emit({ op: 'if', cond, then: t, else: f, origin: this.origin(pos, 'if', this.sites++) });
  }

  /** C's && and || evaluate the right side only when needed: that is a branch. */
  private shortCircuit(e: Extract<Expr, { k: 'binary' }>): PureExpr {
    const r = this.temp();
    const left = this.rvalue(e.left);
    const truth = (x: PureExpr): PureExpr => ({ k: 'bin', op: '!=', a: x, b: { k: 'const', v: 0 } });
    this.emit({ op: 'assign', dst: r, value: truth(left), origin: this.origin(e.pos, '=', this.sites++) });
    const evalRight = () => {
      const right = this.rvalue(e.right);
      this.emit({ op: 'assign', dst: r, value: truth(right), origin: this.origin(e.pos, '=', this.sites++) });
    };
    const cond: PureExpr = e.op === '&&' ? { k: 'reg', r } : { k: 'un', op: '!', a: { k: 'reg', r } };
    this.branch(cond, evalRight, () => undefined, e.pos);
    return { k: 'reg', r };
  }
}

function nonZeroNumber(e: Expr): boolean {
  return e.k === 'num' && e.value !== 0;
}
