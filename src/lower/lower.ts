// Lowering: litmus AST -> thread programs. Resolves the test's names (shared locations, struct
// pointers, constants), its initial state and its threads' numbering; each thread is lowered by
// thread.ts, and the observables of the locations list and condition are checked by observed.ts.
import { StageError, diag, nearestName, type Diagnostic, type SourcePos } from '../diagnostics.js';
import { lowerProp } from './condition.js';
import type { LitmusTest, ThreadDecl } from '../parse/ast.js';
import { LKMM_PRIMITIVES, type PrimitiveSpec } from './primitives.js';
import { KVM_CONSTANTS, KVM_EAGER_FIELDS, KVM_PRIMITIVES as KVM_BASIC, KVM_STRUCT_FIELDS, RequestNames, testKvmArch } from './kvm.js';
import { requestTable, type KvmArch } from './kvm-arch.js';
import { KVM_REQUEST_PRIMITIVES, PART } from './kvm-requests.js';
import { KVM_POSTED_INTR_PRIMITIVES } from './kvm-posted-intr.js';
import type { Instr, Program, PureExpr, ThreadProgram, Value } from './program.js';
import { literalInt } from './int64.js';
import { ThreadLowering, type TestScope } from './thread.js';
import { observedItems } from './observed.js';
import { isMarkedAnn } from './annotations.js';

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

class Lowering implements TestScope {
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
    this.declareParameters();
    const regInits = this.readInitialState();
    const sorted = this.numberedThreads();
    for (const t of sorted) for (const p of t.params) if (p.type.base === 'struct kvm_vcpu' && p.type.stars > 0 && !this.vcpus.includes(p.name)) this.vcpus.push(p.name);
    const threads = sorted.map((t) => new ThreadLowering(this, t, regInits.get(t.index) ?? new Map()).run());
    this.warnUnacknowledgedWaits(threads);
    const items = observedItems(test, threads, this.locations, this);

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

  /** Shared locations: parameters first (in order of appearance), then the init block. */
  private declareParameters(): void {
    for (const t of this.test.threads) {
      for (const p of t.params) {
        if (p.type.base.startsWith('struct ') && p.type.stars > 0) {
          this.structBases.add(p.name);
          this.structTypes.set(p.name, p.type.base);
          for (const f of KVM_EAGER_FIELDS.get(p.type.base) ?? KVM_STRUCT_FIELDS.get(p.type.base) ?? []) this.addLocation(`${p.name}->${f}`);
        } else this.addLocation(p.name);
      }
    }
  }

  /** The init block: its locations (after the parameters), then the registers it sets, per thread. */
  private readInitialState(): Map<number, Map<string, Value>> {
    const test = this.test;
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
    return regInits;
  }

  /** The threads in order, refused unless numbered P0, P1, ... once each. */
  private numberedThreads(): ThreadDecl[] {
    const test = this.test;
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
    return sorted;
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
      else if ((i.op === 'load' || i.op === 'store') && !isMarkedAnn(i.ann)) plain.push(i.addr);
    }
  };
  for (const t of program.threads) walk(t.body);
  if (spins.size === 0) return false;
  return plain.some((a) => a.k !== 'const' || typeof a.v !== 'string' || spins.has(a.v));
}

