// From a lowered litmus test to a C program that runs it on the machine, litmus7-style: one
// pthread per test thread (pinned to its own CPU when there are enough), `size` instances of
// the test per round, each location of each instance on its own cache line, threads lined up
// for each instance by a spinning barrier, `runs` rounds; after each round the final states are
// tallied into a histogram that the program prints. Pure: program text in, C text out.
import { diag, type Diagnostic } from '../diagnostics.js';
import { propAtoms, sameObservable, type Observable } from '../parse/ast.js';
import { PART } from '../lower/kvm-requests.js';
import type { Instr, Program, PureExpr, Value } from '../lower/program.js';
import { ALU_NAME, MAPPINGS, type Mapping, type MappingName } from './mapping.js';
import { accessMeaning, fenceMeaning, type Ann } from '../lower/annotations.js';
import { HW_HISTOGRAM_C, HW_MAIN_C, hwWaitChecksC } from './runtime-c.js';

/** Something a final state records: the test's observed items, then filter-only ones. */
export interface HwObservable {
  obs: Observable;
  /** "0:r0" or "[x]", as herd7 prints it. */
  label: string;
}

/** Where everything lives in the generated program (what its output refers to). */
export interface HwLayout {
  /** Location names; index k is cell k of an instance. Output `&k` means this location's address. */
  locations: string[];
  /** What each state line lists, in order. */
  observables: HwObservable[];
  /** The first `shown` observables are the test's (the histogram shows them); the rest are filter-only. */
  shown: number;
  threads: number;
  /** Whether a thread waits for a KVM_REQUEST_WAIT acknowledgement (see ThreadEmitter.waitLoop). */
  waits: boolean;
}

/**
 * How many failed reads of an acknowledgement a KVM_REQUEST_WAIT requester makes before it gives
 * up on an instance while some other thread has not finished it (a cut-off, said in the report).
 */
export const HW_WAIT_SPINS = 1 << 20;

export interface GenerateOptions {
  /** Bytes between two locations (a cache line or two: 64 or 128). */
  lineBytes?: number;
}

/** The C a fence becomes: its kernel call, which each mapping's prelude defines (none for a grace period). */
function fenceC(ann: Ann): string | null {
  const f = fenceMeaning(ann);
  return f && !f.gracePeriod ? `${f.call}()` : null;
}

/** The harness's RMW suffix for an annotation (hw_xchg_mb, hw_fetch_add_relaxed...). */
function rmwSuffix(ann: Ann): string | undefined {
  return accessMeaning(ann)?.hwRmw ?? undefined;
}

/**
 * What cannot honestly run in user space, each as an error at the primitive's position:
 * grace periods (a kernel RCU/SRCU grace period cannot be reproduced by a harness) and the
 * end of an unrolled loop (an execution cannot be discarded after the fact on real hardware).
 * A KVM_REQUEST_WAIT wait is not refused: it becomes a bounded spin (see ThreadEmitter.waitLoop).
 */
export function hwRefusals(program: Program): Diagnostic[] {
  const out: Diagnostic[] = [];
  const walk = (is: readonly Instr[]) => {
    for (const [k, i] of is.entries()) {
      if (i.op === 'if') {
        walk(i.then);
        walk(i.else);
      } else if (i.op === 'srcu-sync' || (i.op === 'fence' && fenceMeaning(i.ann)?.gracePeriod)) {
        out.push(diag(program.file, i.origin.pos, `hw: cannot run ${i.origin.primitive}(): an RCU/SRCU grace period has no user-space equivalent (use 'run' to decide this test under a model)`));
      } else if (i.op === 'assume') {
        out.push(diag(program.file, i.origin.pos, `hw: cannot run an unrolled '${i.origin.primitive}' loop: a hardware execution cannot be discarded afterwards`));

      } else if (i.op === 'fence' && fenceC(i.ann) === null) {
        out.push(diag(program.file, i.origin.pos, `hw: no mapping for ${i.origin.primitive}() (fence '${i.ann}')`));
      } else if ((i.op === 'load' && !accessMeaning(i.ann)?.hwLoad) || (i.op === 'store' && !accessMeaning(i.ann)?.hwStore)) {
        out.push(diag(program.file, i.origin.pos, `hw: no mapping for ${i.origin.primitive}() (${i.op} '${i.ann}')`));
      } else if ((i.op === 'xchg' || i.op === 'cmpxchg') && !rmwSuffix(i.ann)) {
        out.push(diag(program.file, i.origin.pos, `hw: no mapping for ${i.origin.primitive}() (${i.op} '${i.ann}')`));
      } else if (i.op === 'atomic' && !(i.alu in ALU_NAME)) {
        out.push(diag(program.file, i.origin.pos, `hw: no mapping for ${i.origin.primitive}() (atomic '${i.alu}')`));
      } else if (i.op === 'atomic' && i.returns !== 'none' && i.returns !== 'success' && !rmwSuffix(i.ann)) {
        out.push(diag(program.file, i.origin.pos, `hw: no mapping for ${i.origin.primitive}() (atomic '${i.ann}')`));
      }
    }
  };
  for (const t of program.threads) walk(t.body);
  return out;
}


function exprAddresses(e: PureExpr, out: Set<string>): void {
  switch (e.k) {
    case 'const':
      if (typeof e.v === 'string') out.add(e.v);
      return;
    case 'reg':
      return;
    case 'un':
      exprAddresses(e.a, out);
      return;
    case 'bin':
      exprAddresses(e.a, out);
      exprAddresses(e.b, out);
      return;
    case 'cond':
      exprAddresses(e.c, out);
      exprAddresses(e.a, out);
      exprAddresses(e.b, out);
  }
}

function instrExprs(i: Instr): PureExpr[] {
  switch (i.op) {
    case 'load':
      return [i.addr];
    case 'store':
      return [i.addr, i.value];
    case 'xchg':
      return [i.addr, i.value];
    case 'cmpxchg':
      return [i.addr, i.expected, i.value];
    case 'atomic':
      return i.unless ? [i.addr, i.operand, i.unless] : [i.addr, i.operand];
    case 'lock':
    case 'unlock':
    case 'trylock':
    case 'islocked':
    case 'srcu-sync':
      return [i.addr];
    case 'assign':
      return [i.value];
    case 'if':
    case 'assume':
      return [i.cond];
    case 'await':
      return [i.addr, i.until];
    case 'fence':
    case 'cut':
      return [];
  }
}

function walkInstrs(is: readonly Instr[], f: (i: Instr) => void): void {
  for (const i of is) {
    f(i);
    if (i.op === 'if') {
      walkInstrs(i.then, f);
      walkInstrs(i.else, f);
    }
  }
}

/** The locations, and what a final state records: pure, shared by the generator and the tally. */
export function hwLayout(program: Program): HwLayout {
  const locs = new Set<string>(program.locations.keys());
  for (const v of program.locations.values()) if (typeof v === 'string') locs.add(v);
  for (const t of program.threads) {
    for (const v of t.initRegs.values()) if (typeof v === 'string') locs.add(v);
    walkInstrs(t.body, (i) => instrExprs(i).forEach((e) => exprAddresses(e, locs)));
  }
  const observables: HwObservable[] = program.observed.map((o) => ({ obs: o.obs, label: o.label }));
  const shown = observables.length;
  if (program.filter) {
    for (const a of propAtoms(program.filter)) {
      if (!observables.some((o) => sameObservable(o.obs, a.lhs))) observables.push({ obs: a.lhs, label: a.lhs.k === 'reg' ? `${a.lhs.thread}:${a.lhs.reg}` : `[${a.lhs.name}]` });
    }
  }
  for (const o of observables) if (o.obs.k === 'mem') locs.add(o.obs.name);
  let waits = false;
  const findWaits = (is: readonly Instr[]): void =>
    is.forEach((i) => {
      if (i.op === 'await') waits = true;
      if (i.op === 'if') {
        findWaits(i.then);
        findWaits(i.else);
      }
    });
  for (const t of program.threads) findWaits(t.body);
  return { locations: [...locs], observables, shown, threads: program.threads.length, waits };
}

/** The 128-byte (or lineBytes) cells one instance takes: locations, start barrier, scratch, and the done flags of a test that waits. */
export function instanceCells(layout: HwLayout): number {
  return Math.max(1, layout.locations.length) + 1 + layout.threads * (layout.waits ? 2 : 1);
}

/** A C identifier for a register: user registers r_NAME, temporaries t_N. */
export function regName(r: string): string {
  const temp = /^%t(\d+)$/.exec(r);
  if (temp) return `t_${temp[1]}`;
  return `r_${r.replace(/[^A-Za-z0-9_]/g, (c) => `_${c.charCodeAt(0).toString(16)}`)}`;
}

class ThreadEmitter {
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
      case 'xchg': {
        const call = `hw_xchg_${rmwSuffix(i.ann)}(${this.addr(i.addr)}, ${this.expr(i.value)})`;
        this.line(ind, i.dst ? `${this.dst(i.dst)} = ${call};` : `(void)${call};`, i);
        return;
      }
      case 'cmpxchg': {
        const call = `hw_cmpxchg_${rmwSuffix(i.ann)}(${this.addr(i.addr)}, ${this.expr(i.expected)}, ${this.expr(i.value)})`;
        this.line(ind, i.dst ? `${this.dst(i.dst)} = ${call};` : `(void)${call};`, i);
        return;
      }
      case 'atomic': {
        const alu = ALU_NAME[i.alu];
        const p = this.addr(i.addr);
        const v = this.expr(i.operand);
        if (i.returns === 'success') {
          const call = `hw_add_unless(${p}, ${v}, ${this.expr(i.unless ?? { k: 'const', v: 0 })})`;
          this.line(ind, i.dst ? `${this.dst(i.dst)} = ${call};` : `(void)${call};`, i);
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
        return;
      }
      case 'lock':
        this.line(ind, `hw_spin_lock(${this.addr(i.addr)});`, i);
        return;
      case 'unlock':
        this.line(ind, `hw_spin_unlock(${this.addr(i.addr)});`, i);
        return;
      case 'trylock': {
        const call = `hw_spin_trylock(${this.addr(i.addr)})`;
        this.line(ind, i.dst ? `${this.dst(i.dst)} = ${call};` : `(void)${call};`, i);
        return;
      }
      case 'islocked': {
        const call = `hw_spin_is_locked(${this.addr(i.addr)})`;
        this.line(ind, i.dst ? `${this.dst(i.dst)} = ${call};` : `(void)${call};`, i);
        return;
      }
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

/**
 * The whole C program. Its output, one item per line: `hw-litmus 1`, `threads N`, `cpus C`,
 * `pinned 0|1`, `runs R`, `size S`, then `state COUNT V...` per distinct final state (values
 * as decimal integers, or `&k` for the address of location k), `undefined COUNT` for instances
 * that dereferenced a non-address, `wait_unacked COUNT` and `wait_gaveup COUNT` for instances
 * left out because a KVM_REQUEST_WAIT wait could not end (see hw_wait_check), and `time_ns T`
 * for the rounds alone.
 */
export function generateC(program: Program, arch: Mapping | MappingName, opts: GenerateOptions = {}): string {
  const mapping = typeof arch === 'string' ? MAPPINGS.get(arch) : arch;
  if (!mapping) throw new Error(`hw: no mapping ${String(arch)}`);
  const layout = hwLayout(program);
  const line = opts.lineBytes ?? 128;
  const nloc = Math.max(1, layout.locations.length);
  const nt = layout.threads;
  const nobs = layout.observables.length;
  const locIndex = new Map(layout.locations.map((l, k) => [l, k]));
  const out: string[] = [];
  const p = (s: string) => out.push(s);

  p(`/* Generated by litmus-check hw from ${program.file.replace(/\*\//g, '* /')}: test ${program.name.replace(/\*\//g, '* /')}. */`);
  p(`/* Mapping: ${mapping.name}: ${mapping.description.replace(/\*\//g, '* /')} */`);
  p(`/* Locations (one ${line}-byte line each): ${layout.locations.map((l, k) => `${k}=${l}`).join(' ').replace(/\*\//g, '* /')} */`);
  p('#define _GNU_SOURCE');
  p('#include <pthread.h>\n#include <sched.h>\n#include <stdint.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <time.h>\n#include <unistd.h>');
  p('typedef intptr_t val_t;');
  p(mapping.prelude);
  p(`#define NT ${nt}\n#define NLOC ${nloc}\n#define NOBS ${nobs}\n#define LINE ${line}`);
  p('typedef struct { volatile val_t v; char pad[LINE - sizeof(val_t)]; } __attribute__((aligned(LINE))) cell_t;');
  if (layout.waits) {
    p('/* One instance of the test: its locations, its start barrier, a scratch cell per thread, and a flag per thread set when it has finished the instance. */');
    p('typedef struct { cell_t loc[NLOC]; cell_t bar; cell_t scratch[NT]; cell_t done[NT]; } __attribute__((aligned(LINE))) inst_t;');
  } else {
    p('/* One instance of the test: its locations, its start barrier, and a scratch cell per thread. */');
    p('typedef struct { cell_t loc[NLOC]; cell_t bar; cell_t scratch[NT]; } __attribute__((aligned(LINE))) inst_t;');
  }
  p(HW_HISTOGRAM_C);
  if (layout.waits) {
    p(hwWaitChecksC(HW_WAIT_SPINS));
  }
  // Round initialisation.
  p('static void hw_init_round(void) {');
  p('\tfor (long i = 0; i < hw_size; i++) {');
  p('\t\tinst_t *I = &hw_insts[i];');
  const em0 = new ThreadEmitter(locIndex, 0);
  layout.locations.forEach((l, k) => p(`\t\tI->loc[${k}].v = ${em0.value(program.locations.get(l) ?? 0)}; /* ${l.replace(/\*\//g, '* /')} */`));
  p('\t\tI->bar.v = 0;');
  if (layout.waits) p('\t\tfor (int t = 0; t < NT; t++) I->done[t].v = 0;');
  p('\t}');
  p('}');
  // Which thread output slot each register observable is, per thread.
  const regSlots: Array<Array<{ reg: string; obsIndex: number }>> = Array.from({ length: nt }, () => []);
  layout.observables.forEach((o, j) => {
    if (o.obs.k === 'reg') regSlots[o.obs.thread]?.push({ reg: o.obs.reg, obsIndex: j });
  });
  // The tally after each round.
  p('static void hw_tally_round(void) {');
  p('\tval_t k[2 * NOBS + 1];');
  p('\tfor (long i = 0; i < hw_size; i++) {');
  p('\t\tinst_t *I = &hw_insts[i];');
  // What the threads marked: 1 undefined behaviour, 2 a wait nobody could acknowledge, 4 a wait given up.
  p(`\t\tint u = ${Array.from({ length: nt }, (_, t) => `hw_ub[${t}][i]`).join(' | ')};`);
  p('\t\tif (u & 2) { hw_wait_unacked++; continue; }');
  p('\t\tif (u & 4) { hw_wait_gaveup++; continue; }');
  p('\t\tif (u) { hw_undefined++; continue; }');
  p('\t\tk[2 * NOBS] = 0;');
  layout.observables.forEach((o, j) => {
    if (o.obs.k === 'mem') p(`\t\thw_encode(I, I->loc[${locIndex.get(o.obs.name)}].v, &k[${2 * j}]); /* ${o.label.replace(/\*\//g, '* /')} */`);
    else {
      const t = o.obs.thread;
      const slot = regSlots[t].findIndex((s) => s.obsIndex === j);
      p(`\t\thw_encode(I, hw_out[${t}][i * ${Math.max(1, regSlots[t].length)} + ${slot}], &k[${2 * j}]); /* ${o.label} */`);
    }
  });
  p('\t\thw_add(k);');
  p('\t}');
  p('}');
  // The threads.
  for (let t = 0; t < nt; t++) {
    const { body, regs } = threadBodyC(program, layout, t);
    const th = program.threads[t];
    const em = new ThreadEmitter(locIndex, t);
    p(`static void *hw_thread_${t}(void *arg) {`);
    p('\tint sense = 0;');
    p('\t(void)arg;');
    p('\tfor (long run = 0; run < hw_runs; run++) {');
    if (t === 0) p('\t\thw_init_round();');
    p('\t\thw_gbarrier(&sense);');
    p('\t\tfor (long i = 0; i < hw_size; i++) {');
    p('\t\t\tinst_t *I = &hw_insts[i];');
    p('\t\t\tint ub = 0;');
    for (const r of regs) {
      const init = th.initRegs.get(r);
      p(`\t\t\tval_t ${regName(r)} = ${init === undefined ? '0' : em.value(init)};`);
    }
    p('\t\t\thw_ibarrier(&I->bar.v);');
    p(body);
    if (layout.waits) p(`\t\t\t__atomic_store_n(&I->done[${t}].v, 1, __ATOMIC_RELEASE); /* finished: a waiting requester need not wait for this thread any more */`);
    regSlots[t].forEach((s, slot) => p(`\t\t\thw_out[${t}][i * ${Math.max(1, regSlots[t].length)} + ${slot}] = ${regName(s.reg)};`));
    for (const r of regs) p(`\t\t\t(void)${regName(r)};`);
    p(`\t\t\thw_ub[${t}][i] = (unsigned char)ub;`);
    p('\t\t}');
    p('\t\thw_gbarrier(&sense);');
    if (t === 0) p('\t\thw_tally_round();');
    p('\t}');
    p('\treturn NULL;');
    p('}');
  }
  p(`static void *(*const hw_threads[NT])(void *) = { ${Array.from({ length: nt }, (_, t) => `hw_thread_${t}`).join(', ')} };`);
  p(`static const long hw_slots[NT] = { ${regSlots.map((s) => Math.max(1, s.length)).join(', ')} };`);
  p(HW_MAIN_C);
  return out.join('\n') + '\n';
}
