// The kernel primitives, with the meaning ../shared/models/lkmm/linux-kernel.def gives them,
// plus the bit operations the def file lacks. Each expands into thread-program operations.
import type { AluOp, Instr, Origin, PureExpr } from './program.js';
import type { KvmArch } from './kvm-arch.js';
import { accessMeaning, type AccessAnn, type FenceAnn } from './annotations.js';

/** An RMW's ordering in a primitive's doc: fully ordered (linux-kernel.bell's Mb), or the annotation's own word. */
const fullyOrdered = (ann: AccessAnn) => accessMeaning(ann)?.rmwOrder === 'full';

/** How a primitive takes each argument: an lvalue (`*x`), a pointer (`x`), or a plain value. */
export type ArgKind = 'lval' | 'ptr' | 'val';

export interface PrimitiveBuilder {
  emit(instr: Instr): void;
  temp(): string;
  /** The origin of this call, optionally naming an inner part (e.g. the smp_wmb of kvm_make_request). */
  origin(part?: string): Origin;
  /** Makes a register visible to the condition (e.g. `ipi`, counting kicks sent). */
  declareReg(name: string, initial: number): void;
  /** The declared struct type of a pointer parameter (e.g. "struct kvm_vcpu"), if it is one. */
  structType?(name: string): string | undefined;
  /** The test's `struct kvm_vcpu *` parameters, in order of first appearance: a `struct kvm`'s vCPUs. */
  vcpus?(): readonly string[];
  /** Makes a shared location exist (a vCPU field used only by a helper, such as vcpu->wait). */
  ensureLocation?(name: string): void;
  /** The vCPUs whose `mode` this thread has written so far (it is their vCPU thread). */
  enteredVcpus?(): readonly string[];
  /** Interrupts on (local_irq_enable()) or off: a thread that ends with them on takes IPIs to the end. */
  irqWindow?(on: boolean): void;
  /** A bit of a vCPU's `ipis` no other waited-for IPI of the test uses (kvm-requests.ts). */
  ipiBit?(): number;
  /** The thread's register holding the last IPI number it acknowledged for a vCPU (0 at first). */
  ackedReg?(vcpu: string): string;
  /** The test's KVM architecture (kvm-arch.ts): which requests exist and, per architecture, what wakes a vCPU. */
  kvmArch?: KvmArch;
}

export interface PrimitiveSpec {
  args: ArgKind[];
  /** Emits the operations; returns the call's value (null for void primitives). */
  expand(b: PrimitiveBuilder, args: PureExpr[], dst: string | null): PureExpr | null;
  /** One line for the docs and `--help`. */
  doc: string;
}

const reg = (r: string): PureExpr => ({ k: 'reg', r });
const num = (v: number): PureExpr => ({ k: 'const', v });
const bin = (op: string, a: PureExpr, b: PureExpr): PureExpr => ({ k: 'bin', op, a, b });

function resultReg(b: PrimitiveBuilder, dst: string | null): string {
  return dst ?? b.temp();
}

const load = (ann: AccessAnn, kind: ArgKind, doc: string): PrimitiveSpec => ({
  args: [kind],
  doc,
  expand(b, [addr], dst) {
    const r = resultReg(b, dst);
    b.emit({ op: 'load', dst: r, addr, ann, origin: b.origin() });
    return reg(r);
  },
});

const store = (ann: AccessAnn, kind: ArgKind, doc: string): PrimitiveSpec => ({
  args: [kind, 'val'],
  doc,
  expand(b, [addr, value]) {
    b.emit({ op: 'store', addr, value, ann, origin: b.origin() });
    return null;
  },
});

const fence = (ann: FenceAnn, doc: string): PrimitiveSpec => ({
  args: [],
  doc,
  expand(b) {
    b.emit({ op: 'fence', ann, origin: b.origin() });
    return null;
  },
});

const xchg = (ann: AccessAnn): PrimitiveSpec => ({
  args: ['ptr', 'val'],
  doc: `atomic exchange, ${fullyOrdered(ann) ? 'fully ordered' : ann.toLowerCase()}`,
  expand(b, [addr, value], dst) {
    const r = resultReg(b, dst);
    b.emit({ op: 'xchg', dst: r, addr, value, ann, origin: b.origin() });
    return reg(r);
  },
});

const cmpxchg = (ann: AccessAnn): PrimitiveSpec => ({
  args: ['ptr', 'val', 'val'],
  doc: `compare-and-exchange, ${fullyOrdered(ann) ? 'fully ordered when it succeeds' : ann.toLowerCase()}`,
  expand(b, [addr, expected, value], dst) {
    const r = resultReg(b, dst);
    b.emit({ op: 'cmpxchg', dst: r, addr, expected, value, ann, origin: b.origin() });
    return reg(r);
  },
});

/** atomic_OP(V, X) and its value-returning forms; `order` is the def file's argument order. */
const atomicOp = (
  alu: AluOp,
  returns: 'old' | 'new' | 'none',
  ann: AccessAnn,
  operand: 'arg' | number,
  post?: (v: PureExpr) => PureExpr,
): PrimitiveSpec => ({
  args: operand === 'arg' ? ['val', 'ptr'] : ['ptr'],
  doc: `atomic ${alu} (${returns === 'none' ? 'no return value, unordered' : returns === 'old' ? 'returns the old value' : 'returns the new value'}${returns === 'none' ? '' : fullyOrdered(ann) ? ', fully ordered' : ', ' + ann.toLowerCase()})`,
  expand(b, args, dst) {
    const [opnd, addr] = operand === 'arg' ? [args[0], args[1]] : [num(operand), args[0]];
    const r = returns === 'none' ? null : post ? b.temp() : resultReg(b, dst);
    b.emit({ op: 'atomic', alu, dst: r, returns, addr, operand: opnd, unless: null, ann, origin: b.origin() });
    if (r === null) return null;
    return post ? post(reg(r)) : reg(r);
  },
});

/** Bit operations on an unsigned long: bit `nr` of *addr. */
const bitRmw = (alu: AluOp, returnsOld: boolean, doc: string): PrimitiveSpec => ({
  args: ['val', 'ptr'],
  doc,
  expand(b, [nr, addr]) {
    const mask = bin('<<', num(1), nr);
    if (!returnsOld) {
      b.emit({ op: 'atomic', alu, dst: null, returns: 'none', addr, operand: mask, unless: null, ann: 'NORETURN', origin: b.origin() });
      return null;
    }
    const t = b.temp();
    b.emit({ op: 'atomic', alu, dst: t, returns: 'old', addr, operand: mask, unless: null, ann: 'MB', origin: b.origin() });
    return bin('&', bin('>>', reg(t), nr), num(1));
  },
});

const ORDERINGS: Array<[string, AccessAnn]> = [['', 'MB'], ['_relaxed', 'ONCE'], ['_acquire', 'ACQUIRE'], ['_release', 'RELEASE']];

type Table = Map<string, PrimitiveSpec>;

/** Marked accesses, the barriers, and xchg/cmpxchg in their four orderings. */
function accessesAndFences(t: Table): void {
  t.set('READ_ONCE', load('ONCE', 'lval', 'marked read'));
  t.set('WRITE_ONCE', store('ONCE', 'lval', 'marked write'));
  t.set('smp_load_acquire', load('ACQUIRE', 'ptr', 'acquire load'));
  t.set('smp_store_release', store('RELEASE', 'ptr', 'release store'));
  t.set('rcu_dereference', load('ONCE', 'lval', 'RCU-protected pointer read (a marked read)'));
  t.set('rcu_assign_pointer', store('RELEASE', 'lval', 'RCU pointer publication (a release store)'));
  t.set('smp_store_mb', {
    args: ['lval', 'val'],
    doc: 'marked write followed by smp_mb()',
    expand(b, [addr, value]) {
      b.emit({ op: 'store', addr, value, ann: 'ONCE', origin: b.origin('WRITE_ONCE') });
      b.emit({ op: 'fence', ann: 'MB', origin: b.origin('smp_mb') });
      return null;
    },
  });

  t.set('smp_mb', fence('MB', 'full memory barrier'));
  t.set('smp_rmb', fence('rmb', 'read barrier'));
  t.set('smp_wmb', fence('wmb', 'write barrier'));
  t.set('smp_mb__before_atomic', fence('before-atomic', 'full barrier before the next RMW'));
  t.set('smp_mb__after_atomic', fence('after-atomic', 'full barrier after the previous RMW'));
  t.set('smp_mb__after_spinlock', fence('after-spinlock', 'full barrier after spin_lock'));
  t.set('smp_mb__after_unlock_lock', fence('after-unlock-lock', 'full barrier for an unlock+lock pair'));
  t.set('smp_mb__after_srcu_read_unlock', fence('after-srcu-read-unlock', 'full barrier after srcu_read_unlock'));
  t.set('barrier', fence('barrier', 'compiler barrier'));

  for (const [suffix, ann] of ORDERINGS) {
    t.set(`xchg${suffix}`, xchg(ann));
    t.set(`cmpxchg${suffix}`, cmpxchg(ann));
    t.set(`atomic_xchg${suffix}`, xchg(ann));
    t.set(`atomic_cmpxchg${suffix}`, cmpxchg(ann));
  }
}

/** Spinlocks, RCU and SRCU. */
function locksAndRcu(t: Table): void {
  t.set('spin_lock', { args: ['ptr'], doc: 'acquire a spinlock', expand(b, [addr]) { b.emit({ op: 'lock', addr, origin: b.origin() }); return null; } });
  t.set('spin_unlock', { args: ['ptr'], doc: 'release a spinlock', expand(b, [addr]) { b.emit({ op: 'unlock', addr, origin: b.origin() }); return null; } });
  t.set('spin_trylock', {
    args: ['ptr'],
    doc: 'try to acquire a spinlock: 1 on success, 0 on failure',
    expand(b, [addr], dst) {
      const r = resultReg(b, dst);
      b.emit({ op: 'trylock', dst: r, addr, origin: b.origin() });
      return reg(r);
    },
  });
  t.set('spin_is_locked', {
    args: ['ptr'],
    doc: '1 if the spinlock is held',
    expand(b, [addr], dst) {
      const r = resultReg(b, dst);
      b.emit({ op: 'islocked', dst: r, addr, origin: b.origin() });
      return reg(r);
    },
  });

  t.set('rcu_read_lock', fence('rcu-lock', 'start of an RCU read-side critical section'));
  t.set('rcu_read_unlock', fence('rcu-unlock', 'end of an RCU read-side critical section'));
  t.set('synchronize_rcu', fence('sync-rcu', 'RCU grace period'));
  t.set('synchronize_rcu_expedited', fence('sync-rcu', 'RCU grace period'));

  for (const name of ['srcu_read_lock', 'srcu_down_read']) t.set(name, load('srcu-lock', 'ptr', 'start of an SRCU read-side critical section; returns the index'));
  for (const name of ['srcu_read_unlock', 'srcu_up_read']) t.set(name, store('srcu-unlock', 'ptr', 'end of an SRCU read-side critical section'));
  for (const name of ['synchronize_srcu', 'synchronize_srcu_expedited']) {
    t.set(name, { args: ['ptr'], doc: 'SRCU grace period', expand(b, [addr]) { b.emit({ op: 'srcu-sync', addr, origin: b.origin() }); return null; } });
  }
}

/** atomic_t: reads and writes, the arithmetic RMWs in every ordering, add_unless. */
function atomics(t: Table): void {
  t.set('atomic_read', load('ONCE', 'ptr', 'atomic_t read (READ_ONCE)'));
  t.set('atomic_set', store('ONCE', 'ptr', 'atomic_t write (WRITE_ONCE)'));
  t.set('atomic_read_acquire', load('ACQUIRE', 'ptr', 'atomic_t acquire read'));
  t.set('atomic_set_release', store('RELEASE', 'ptr', 'atomic_t release write'));

  const alus: Array<[string, AluOp]> = [['add', '+'], ['sub', '-'], ['and', '&'], ['or', '|'], ['xor', '^'], ['andnot', '&~']];
  for (const [name, alu] of alus) {
    t.set(`atomic_${name}`, atomicOp(alu, 'none', 'NORETURN', 'arg'));
    for (const [suffix, ann] of ORDERINGS) {
      t.set(`atomic_fetch_${name}${suffix}`, atomicOp(alu, 'old', ann, 'arg'));
      if (name === 'add' || name === 'sub') t.set(`atomic_${name}_return${suffix}`, atomicOp(alu, 'new', ann, 'arg'));
    }
  }
  t.set('atomic_inc', atomicOp('+', 'none', 'NORETURN', 1));
  t.set('atomic_dec', atomicOp('-', 'none', 'NORETURN', 1));
  for (const [suffix, ann] of ORDERINGS) {
    t.set(`atomic_inc_return${suffix}`, atomicOp('+', 'new', ann, 1));
    t.set(`atomic_dec_return${suffix}`, atomicOp('-', 'new', ann, 1));
    t.set(`atomic_fetch_inc${suffix}`, atomicOp('+', 'old', ann, 1));
    t.set(`atomic_fetch_dec${suffix}`, atomicOp('-', 'old', ann, 1));
    t.set(`atomic_add_negative${suffix}`, atomicOp('+', 'new', ann, 'arg', (v) => bin('<', v, num(0))));
  }
  t.set('atomic_sub_and_test', atomicOp('-', 'new', 'MB', 'arg', (v) => bin('==', v, num(0))));
  t.set('atomic_dec_and_test', atomicOp('-', 'new', 'MB', 1, (v) => bin('==', v, num(0))));
  t.set('atomic_inc_and_test', atomicOp('+', 'new', 'MB', 1, (v) => bin('==', v, num(0))));
  t.set('atomic_add_unless', {
    args: ['ptr', 'val', 'val'],
    doc: 'add unless the value equals the third argument; returns whether it added (fully ordered when it does)',
    expand(b, [addr, operand, unless], dst) {
      const r = resultReg(b, dst);
      b.emit({ op: 'atomic', alu: '+', dst: r, returns: 'success', addr, operand, unless, ann: 'MB', origin: b.origin() });
      return reg(r);
    },
  });
}

/** Bit operations (include/asm-generic/bitops/atomic.h, Documentation/atomic_bitops.txt). */
function bitOps(t: Table): void {
  t.set('set_bit', bitRmw('|', false, 'atomically set bit nr (an unordered RMW)'));
  t.set('clear_bit', bitRmw('&~', false, 'atomically clear bit nr (an unordered RMW)'));
  t.set('change_bit', bitRmw('^', false, 'atomically flip bit nr (an unordered RMW)'));
  t.set('test_and_set_bit', bitRmw('|', true, 'set bit nr, return its old value (fully ordered)'));
  t.set('test_and_clear_bit', bitRmw('&~', true, 'clear bit nr, return its old value (fully ordered)'));
  t.set('test_and_change_bit', bitRmw('^', true, 'flip bit nr, return its old value (fully ordered)'));
  t.set('test_bit', {
    args: ['val', 'ptr'],
    doc: 'read bit nr (a marked read)',
    expand(b, [nr, addr]) {
      const r = b.temp();
      b.emit({ op: 'load', dst: r, addr, ann: 'ONCE', origin: b.origin() });
      return bin('&', bin('>>', reg(r), nr), num(1));
    },
  });
}

function buildTable(): Table {
  const t: Table = new Map();
  accessesAndFences(t);
  locksAndRcu(t);
  atomics(t);
  bitOps(t);
  return t;
}

export const LKMM_PRIMITIVES: ReadonlyMap<string, PrimitiveSpec> = buildTable();
