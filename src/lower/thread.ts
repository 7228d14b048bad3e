// Lowering one thread: its statements and expressions become instructions, each primitive call
// its expansion, and expressions with side effects (loads, calls) are flattened left to right.
import { StageError, nearestName, type SourcePos } from '../diagnostics.js';
import type { Expr, Stmt, ThreadDecl } from '../parse/ast.js';
import type { PrimitiveBuilder, PrimitiveSpec } from './primitives.js';
import { KVM_STRUCT_FIELDS, swappedRequestArguments } from './kvm.js';
import type { KvmArch } from './kvm-arch.js';
import { emitAcks } from './kvm-requests.js';
import type { Instr, Origin, PureExpr, ThreadProgram, Value } from './program.js';
import { literalInt } from './int64.js';
import { ThreadRegisters, type NameScope } from './registers.js';
import { isMarkedPlainRead } from './annotations.js';

/**
 * Most operations one thread may lower to. Real litmus tests have a handful; a huge or
 * over-unrolled thread would exhaust memory in exploration, so it is refused up front.
 */
export const MAX_THREAD_OPERATIONS = 1000;


/** What lowering a thread asks of the whole test (lower.ts): its names, primitives and KVM state. */
export interface TestScope extends NameScope {
  readonly primitives: ReadonlyMap<string, PrimitiveSpec>;
  readonly unroll: number | undefined;
  readonly kvmArch: KvmArch;
  /** The test's vCPU parameters in order of first appearance. */
  readonly vcpus: string[];
  /** Bits handed out to waited-for IPIs (kvm-requests.ts), one per IPI in the test. */
  ipiBits: number;
  /** vCPUs some thread runs (writes the mode of, outside the KVM helpers). */
  readonly runVcpus: Set<string>;
  constantValue(name: string, pos?: SourcePos | null): number | undefined;
  constantNames(): string[];
  structTypeOf(name: string): string | undefined;
  ensureLocation(name: string): void;
  warn(pos: SourcePos, message: string): void;
  /** Whether a side-effect-free spin becomes a blocking read (LowerOptions.spinAwait). */
  readonly spinAwait: boolean;
  /** The --unroll bound, once some loop has been unrolled with it (Program.loopBound). */
  loopBound: number | undefined;
}

export class ThreadLowering {
  private readonly registers: ThreadRegisters;
  /** The thread's registers (registers.ts), as lowering adds to them. */
  private readonly regs: Set<string>;
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
    private readonly world: TestScope,
    private readonly decl: ThreadDecl,
    private readonly initRegs: Map<string, Value>,
  ) {
    this.registers = new ThreadRegisters(world, initRegs);
    this.regs = this.registers.names;
  }

  run(): ThreadProgram {
    this.registers.collect(this.decl.body);
    this.out = [];
    this.lowerStmts(this.decl.body);
    // A vCPU thread that ends with interrupts on idles there, taking every IPI queued for it.
    if (this.irqOn !== null && this.entered.length > 0) {
      const b = this.builder(this.irqOn.pos, 'local_irq_enable', this.irqOn.site);
      emitAcks(b, this.entered, b.ackedReg!, true);
    }
    return { index: this.decl.index, body: this.out, initRegs: this.initRegs, userRegs: new Set(this.regs) };
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
    if (scratch.length !== 1 || read.op !== 'load' || !isMarkedPlainRead(read.ann) || read.addr.k !== 'const' || typeof read.addr.v !== 'string' || !read.dst.startsWith('%t')) {
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
      this.registers.checkAddress(t.arg);
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
      this.registers.checkAddress(e.arg);
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
      if (kind === 'ptr') this.registers.checkAddress(a);
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
      this.registers.checkAddress(e.arg);
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
          this.registers.checkAddress(e.arg);
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
