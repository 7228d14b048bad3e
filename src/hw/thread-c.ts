// One thread of a test as C: the calls each primitive becomes under a mapping (whose prelude
// defines them: hw_xchg_mb, hw_fetch_add_relaxed, smp_wmb(), ...), the bounded spin a wait
// becomes, and the `ub` marks of an instance the harness leaves out. Pure: program in, C text out.
import type { Instr, Program, PureExpr, Value } from '../lower/program.js';
import { accessMeaning, fenceMeaning, type Ann } from '../lower/annotations.js';
import type { HwLayout } from './layout.js';
import { ALU_NAME } from './mapping.js';

/** The C a fence becomes: its kernel call, which each mapping's prelude defines (none for a grace period). */
export function fenceC(ann: Ann): string | null {
  const f = fenceMeaning(ann);
  return f && !f.gracePeriod ? `${f.call}()` : null;
}

/** The harness's RMW suffix for an annotation (hw_xchg_mb, hw_fetch_add_relaxed...). */
export function rmwSuffix(ann: Ann): string | undefined {
  return accessMeaning(ann)?.hwRmw ?? undefined;
}

/** A C identifier for a register: user registers r_NAME, temporaries t_N. */
export function regName(r: string): string {
  const temp = /^%t(\d+)$/.exec(r);
  if (temp) return `t_${temp[1]}`;
  return `r_${r.replace(/[^A-Za-z0-9_]/g, (c) => `_${c.charCodeAt(0).toString(16)}`)}`;
}

/** Writes one thread's C, line by line, and collects the registers it uses. */
export class ThreadEmitter {
  private lines: string[] = [];
  readonly regs = new Set<string>();

  constructor(
    private readonly locIndex: ReadonlyMap<string, number>,
    private readonly thread: number,
  ) {}

  private loc(name: string): number {
    const k = this.locIndex.get(name);
    if (k === undefined) throw new Error(`hw: location ${name} has no cell`);
    return k;
  }

  value(v: Value): string {
    if (typeof v === 'string') return `((val_t)&I->loc[${this.loc(v)}].v)`;
    // A 64-bit value beyond 2^53 (a high request bit): its two's complement bits, unsigned.
    if (typeof v === 'bigint') return `((val_t)0x${BigInt.asUintN(64, v).toString(16)}ULL)`;
    return v < 0 ? `((val_t)(${v}))` : `((val_t)${v})`;
  }

  expr(e: PureExpr): string {
    switch (e.k) {
      case 'const':
        return this.value(e.v);
      case 'reg':
        this.regs.add(e.r);
        return regName(e.r);
      case 'un':
        return `(${e.op}${this.expr(e.a)})`;
      case 'bin': {
        const a = this.expr(e.a);
        const b = this.expr(e.b);
        if (e.op === '/' || e.op === '%') return `hw_${e.op === '/' ? 'div' : 'mod'}(${a}, ${b})`;
        if (e.op === '&~') return `(${a} & ~${b})`;
        return `(${a} ${e.op} ${b})`;
      }
      case 'cond':
        return `(${this.expr(e.c)} ? ${this.expr(e.a)} : ${this.expr(e.b)})`;
    }
  }

  /** A pointer to the cell an address designates; a computed address is checked first. */
  addr(e: PureExpr): string {
    if (e.k === 'const' && typeof e.v === 'string') return `&I->loc[${this.loc(e.v)}].v`;
    if (e.k === 'const') return `hw_ptr(I, ${this.value(e.v)}, ${this.thread}, &ub)`;
    return `hw_ptr(I, ${this.expr(e)}, ${this.thread}, &ub)`;
  }

  dst(r: string): string {
    this.regs.add(r);
    return regName(r);
  }

  emit(is: readonly Instr[], indent: string): void {
    for (let k = 0; k < is.length; k++) {
      const i = is[k];
      if (i.op === 'await' && !i.idle) this.waitLoop(i, indent);
      else if (i.op === 'await') this.idleLoop(i, is[k + 1]?.op === 'if' ? [is[++k]] : [], indent);
      else this.instr(i, indent);
    }
  }

  /**
   * A wait (an `await`: KVM_REQUEST_WAIT's csd_lock_wait, kvm_vcpu_block()'s schedule()): read
   * until `until` holds. After each read that does not end it, hw_wait_check says whether to go
   * on: 2 when every other thread has finished the instance (nobody is left to end the wait:
   * after one more read the instance is marked and left out, as the model reports such an
   * execution blocked, not judged), 4 after HW_WAIT_SPINS reads (given up, also left out and
   * reported), else 0 after a cpu_relax.
   */
  private waitLoop(w: Extract<Instr, { op: 'await' }>, ind: string): void {
    const d = this.dst(w.dst);
    const p = this.addr(w.addr);
    const f = accessMeaning(w.ann)?.hwLoad ?? 'READ_ONCE';
    this.line(ind, '{', w);
    this.lines.push(`${ind}\tint hw_last = 0;`);
    this.lines.push(`${ind}\tunsigned hw_relaxed = 0;`);
    this.lines.push(`${ind}\tfor (unsigned long hw_n = 1;; hw_n++) {`);
    this.line(`${ind}\t\t`, `${d} = ${f}(${p});`, w);
    this.lines.push(`${ind}\t\tif (${this.expr(w.until)}) break;`);
    this.lines.push(`${ind}\t\tif (hw_last) { ub |= hw_last; break; }`);
    this.lines.push(`${ind}\t\thw_last = hw_wait_check(I, ${this.thread}, hw_n, &hw_relaxed);`);
    this.lines.push(`${ind}\t}`);
    this.lines.push(`${ind}}`);
  }

  /**
   * A thread that ends with interrupts on idles taking IPIs (an idling `await` and the
   * acknowledgement after it): it marks itself idling (done 2: a waiting requester still waits
   * for it) and repeats both until every other thread of the instance has finished or idles
   * (hw_idle_check's 2), or HW_WAIT_SPINS times; then it ends, leaving nothing out.
   */
  private idleLoop(w: Extract<Instr, { op: 'await' }>, after: readonly Instr[], ind: string): void {
    this.line(ind, '{', w);
    this.lines.push(`${ind}\tint hw_last = 0;`);
    this.lines.push(`${ind}\tunsigned hw_relaxed = 0;`);
    this.lines.push(`${ind}\t__atomic_store_n(&I->done[${this.thread}].v, 2, __ATOMIC_RELEASE);`);
    this.lines.push(`${ind}\tfor (unsigned long hw_n = 1;; hw_n++) {`);
    this.instr(w, `${ind}\t\t`);
    this.emit(after, `${ind}\t\t`);
    this.lines.push(`${ind}\t\tif (hw_last) break;`);
    this.lines.push(`${ind}\t\thw_last = hw_idle_check(I, ${this.thread}, hw_n, &hw_relaxed);`);
    this.lines.push(`${ind}\t}`);
    this.lines.push(`${ind}}`);
  }

  private line(indent: string, text: string, i: Instr): void {
    const prim = i.origin.part ? `${i.origin.primitive}: ${i.origin.part}` : i.origin.primitive;
    this.lines.push(`${indent}${text} /* ${prim}, line ${i.origin.pos.line} */`);
  }

  /** `dst = call;`, or `(void)call;` when the result goes nowhere. */
  private result(ind: string, dst: string | null, call: string, i: Instr): void {
    this.line(ind, dst ? `${this.dst(dst)} = ${call};` : `(void)${call};`, i);
  }

  private instr(i: Instr, ind: string): void {
    switch (i.op) {
      case 'await': // an idling read (waitLoop takes the others): one read, see docs/hw.md
      case 'load': {
        const p = this.addr(i.addr);
        const f = accessMeaning(i.ann)?.hwLoad ?? 'READ_ONCE';
        this.line(ind, `${this.dst(i.dst)} = ${f}(${p});`, i);
        return;
      }
      case 'store': {
        const p = this.addr(i.addr);
        const v = this.expr(i.value);
        const f = accessMeaning(i.ann)?.hwStore ?? 'WRITE_ONCE';
        this.line(ind, `${f}(${p}, ${v});`, i);
        return;
      }
      case 'fence':
        this.line(ind, `${fenceC(i.ann) ?? 'HW_UNMAPPED_FENCE()'};`, i);
        return;
      case 'xchg':
        this.result(ind, i.dst, `hw_xchg_${rmwSuffix(i.ann)}(${this.addr(i.addr)}, ${this.expr(i.value)})`, i);
        return;
      case 'cmpxchg':
        this.result(ind, i.dst, `hw_cmpxchg_${rmwSuffix(i.ann)}(${this.addr(i.addr)}, ${this.expr(i.expected)}, ${this.expr(i.value)})`, i);
        return;
      case 'atomic':
        this.atomic(i, ind);
        return;
      case 'lock':
        this.line(ind, `hw_spin_lock(${this.addr(i.addr)});`, i);
        return;
      case 'unlock':
        this.line(ind, `hw_spin_unlock(${this.addr(i.addr)});`, i);
        return;
      case 'trylock':
        this.result(ind, i.dst, `hw_spin_trylock(${this.addr(i.addr)})`, i);
        return;
      case 'islocked':
        this.result(ind, i.dst, `hw_spin_is_locked(${this.addr(i.addr)})`, i);
        return;
      case 'assign':
        this.line(ind, `${this.dst(i.dst)} = ${this.expr(i.value)};`, i);
        return;
      case 'if': {
        this.line(ind, `if (${this.expr(i.cond)}) {`, i);
        this.emit(i.then, ind + '\t');
        if (i.else.length > 0) {
          this.lines.push(`${ind}} else {`);
          this.emit(i.else, ind + '\t');
        }
        this.lines.push(`${ind}}`);
        return;
      }
      case 'cut':
        // The model follows the loop no further (kvm_vcpu_block()'s sleeps): the instance is
        // left out and counted with the waits given up.
        this.line(ind, 'ub |= 4;', i);
        return;
      case 'srcu-sync':
      case 'assume':
        // hwRefusals rejects these before generation.
        throw new Error(`hw: ${i.op} cannot be generated`);
    }
  }

  /** An atomic RMW: no result (hw_op_*), the old value, the new one, or add_unless's success. */
  private atomic(i: Extract<Instr, { op: 'atomic' }>, ind: string): void {
    const alu = ALU_NAME[i.alu];
    const p = this.addr(i.addr);
    const v = this.expr(i.operand);
    if (i.returns === 'success') {
      this.result(ind, i.dst, `hw_add_unless(${p}, ${v}, ${this.expr(i.unless ?? { k: 'const', v: 0 })})`, i);
      return;
    }
    if (i.returns === 'none' || i.dst === null) {
      if (i.returns === 'none') this.line(ind, `hw_op_${alu}(${p}, ${v});`, i);
      else this.line(ind, `(void)hw_fetch_${alu}_${rmwSuffix(i.ann)}(${p}, ${v});`, i);
      return;
    }
    const call = `hw_fetch_${alu}_${rmwSuffix(i.ann)}(${p}, ${v})`;
    const d = this.dst(i.dst);
    if (i.returns === 'old') this.line(ind, `${d} = ${call};`, i);
    else {
      // Returns the new value: old ALU operand, with the operand evaluated once.
      this.line(ind, `{ val_t hw_v = ${v}; val_t hw_o = hw_fetch_${alu}_${rmwSuffix(i.ann)}(${p}, hw_v); ${d} = ${i.alu === '&~' ? 'hw_o & ~hw_v' : `hw_o ${i.alu} hw_v`}; }`, i);
    }
  }

  text(): string {
    return this.lines.join('\n');
  }
}

/** The body of one thread as C (for tests and --keep readers): the calls each primitive becomes. */
export function threadBodyC(program: Program, layout: HwLayout, thread: number): { body: string; regs: string[] } {
  const locIndex = new Map(layout.locations.map((l, k) => [l, k]));
  const t = program.threads[thread];
  const em = new ThreadEmitter(locIndex, thread);
  em.emit(t.body, '\t\t\t');
  for (const r of t.initRegs.keys()) em.regs.add(r);
  for (const r of t.userRegs) em.regs.add(r);
  for (const o of layout.observables) if (o.obs.k === 'reg' && o.obs.thread === thread) em.regs.add(o.obs.reg);
  return { body: em.text(), regs: [...em.regs] };
}
