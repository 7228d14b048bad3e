// How each kernel primitive becomes machine code on a real CPU, as the kernel itself maps it
// (arch/x86/include/asm/{barrier,cmpxchg,atomic64_64}.h, arch/arm64/include/asm/{barrier,
// atomic_ll_sc,cmpxchg}.h, include/asm-generic/bitops/atomic.h, the qspinlock fast paths).
// Each mapping is a C prelude of static inline helpers with one name per primitive and ordering;
// the generated thread code calls them (see generate.ts). Pure data: nothing here runs anything.

export type Arch = 'x86-64' | 'arm64';

/** The mappings `litmus-check hw --mapping` accepts. `x86-64-broken-mb` is a self-test. */
export type MappingName = 'x86-64' | 'arm64' | 'x86-64-broken-mb';

export interface Mapping {
  name: MappingName;
  arch: Arch;
  /** One line for docs and the output header. */
  description: string;
  /** C helpers: barriers, acquire/release, xchg/cmpxchg, atomics, spinlocks, cpu_relax. */
  prelude: string;
  /** Whether this mapping is deliberately wrong (only for testing the checker). */
  broken: boolean;
  /**
   * The model (a name in models/index.ts) an observed state is checked against unless `--model`
   * says otherwise: the one that describes this machine (x86-TSO on x86), else the kernel's.
   */
  defaultModel: string;
}

/** ALU operators of the IR's atomic RMWs, and the helper names they get. */
export const ALU_NAME: Readonly<Record<string, string>> = { '+': 'add', '-': 'sub', '&': 'and', '|': 'or', '^': 'xor', '&~': 'andnot' };

const ORDERS = ['mb', 'relaxed', 'acquire', 'release'] as const;
const ALUS = ['add', 'sub', 'and', 'or', 'xor', 'andnot'] as const;

/** The C value of `old ALU v` (what the RMW writes). */
function aluC(alu: (typeof ALUS)[number], old: string, v: string): string {
  switch (alu) {
    case 'add':
      return `${old} + ${v}`;
    case 'sub':
      return `${old} - ${v}`;
    case 'and':
      return `${old} & ${v}`;
    case 'or':
      return `${old} | ${v}`;
    case 'xor':
      return `${old} ^ ${v}`;
    case 'andnot':
      return `${old} & ~${v}`;
  }
}

const COMMON = String.raw`
/* READ_ONCE/WRITE_ONCE: one volatile access each (include/asm-generic/rwonce.h). */
#define READ_ONCE(p) (*(volatile val_t *)(p))
#define WRITE_ONCE(p, v) (*(volatile val_t *)(p) = (v))
/* barrier(): a compiler barrier only (include/linux/compiler.h). */
#define barrier() __asm__ __volatile__("" ::: "memory")
/* rcu_read_lock()/rcu_read_unlock() with no grace period in the test: preempt_disable(), a
   compiler barrier (CONFIG_PREEMPT_NONE). Tests with synchronize_rcu() are refused. */
#define rcu_read_lock() barrier()
#define rcu_read_unlock() barrier()
`;

/** Helpers built from cmpxchg, the same way on both architectures (the kernel's generic code). */
function genericFromCmpxchg(withFetchLoops: boolean): string {
  let s = '';
  if (withFetchLoops) {
    // x86: arch_atomic64_fetch_{and,or,xor}() are try_cmpxchg loops; andnot is and(~v).
    for (const alu of ALUS) {
      if (alu === 'add' || alu === 'sub') continue;
      s += `static inline val_t hw_fetch_${alu}_mb(volatile val_t *p, val_t v) { val_t c = READ_ONCE(p), o; while ((o = hw_cmpxchg_mb(p, c, ${aluC(alu, 'c', 'v')})) != c) c = o; return c; }\n`;
      for (const o of ['relaxed', 'acquire', 'release']) s += `#define hw_fetch_${alu}_${o} hw_fetch_${alu}_mb\n`;
    }
  }
  s += String.raw`
/* atomic_add_unless(): raw_atomic_fetch_add_unless(), a fully ordered try_cmpxchg loop. */
static inline val_t hw_add_unless(volatile val_t *p, val_t a, val_t u) {
	val_t c = READ_ONCE(p), o;
	for (;;) {
		if (c == u) return 0;
		if ((o = hw_cmpxchg_mb(p, c, c + a)) == c) return 1;
		c = o;
	}
}
/* queued_spin_lock(): the fast path atomic_try_cmpxchg_acquire(&lock->val, 0, 1), spinning
   (and yielding when the CPU is shared) while it is held. */
static inline void hw_spin_lock(volatile val_t *p) {
	unsigned spins = 0;
	for (;;) {
		if (hw_cmpxchg_acquire(p, 0, 1) == 0) return;
		while (READ_ONCE(p) != 0) hw_relax(&spins);
	}
}
/* queued_spin_unlock(): smp_store_release(&lock->locked, 0). */
static inline void hw_spin_unlock(volatile val_t *p) { hw_store_release(p, 0); }
/* queued_spin_trylock(): a read, then try_cmpxchg_acquire if it was free. */
static inline val_t hw_spin_trylock(volatile val_t *p) { return READ_ONCE(p) == 0 && hw_cmpxchg_acquire(p, 0, 1) == 0; }
/* spin_is_locked(): atomic_read(&lock->val) != 0. */
static inline val_t hw_spin_is_locked(volatile val_t *p) { return READ_ONCE(p) != 0; }
/* srcu_read_lock() (Tree SRCU __srcu_read_lock): read the index, count the reader, smp_mb().
   The read of the srcu_struct is the load LKMM gives srcu_read_lock(). */
static inline val_t hw_srcu_read_lock(volatile val_t *p) { val_t idx = READ_ONCE(p); smp_mb(); return idx; }
/* srcu_read_unlock() (__srcu_read_unlock): smp_mb(), then count the unlock. The write of the
   index to the srcu_struct is the store LKMM gives srcu_read_unlock(). */
static inline void hw_srcu_read_unlock(volatile val_t *p, val_t idx) { smp_mb(); WRITE_ONCE(p, idx); }
`;
  return s;
}

function x86Prelude(brokenMb: boolean): string {
  const mb = brokenMb
    ? '/* DELIBERATELY WRONG (--mapping x86-64-broken-mb, a self-test of the checker): smp_mb() is a\n   compiler barrier only, so the store buffer is not drained. */\n#define smp_mb() barrier()'
    : '/* __smp_mb(): a locked add to the stack, cheaper than MFENCE (arch/x86/include/asm/barrier.h). */\n#define smp_mb() __asm__ __volatile__("lock; addl $0,-4(%%rsp)" ::: "memory", "cc")';
  let s = COMMON + String.raw`
#define HW_ARCH "x86-64"
static inline void hw_cpu_relax(void) { __asm__ __volatile__("pause" ::: "memory"); }
${mb}
/* TSO: reads are not reordered with reads, nor writes with writes: compiler barriers only. */
#define smp_rmb() barrier()
#define smp_wmb() barrier()
/* Atomic RMWs are LOCK-prefixed, hence already full barriers. */
#define smp_mb__before_atomic() barrier()
#define smp_mb__after_atomic() barrier()
/* spin_lock() is a locked cmpxchg: the generic no-op. */
#define smp_mb__after_spinlock() barrier()
#define smp_mb__after_unlock_lock() barrier()
/* srcu_read_unlock() has an smp_mb() inside: nothing to do (include/linux/srcu.h). */
#define smp_mb__after_srcu_read_unlock() barrier()
/* __smp_load_acquire/__smp_store_release: a plain MOV and a compiler barrier. */
static inline val_t hw_load_acquire(volatile val_t *p) { val_t v = READ_ONCE(p); barrier(); return v; }
static inline void hw_store_release(volatile val_t *p, val_t v) { barrier(); WRITE_ONCE(p, v); }
/* xchg(): XCHG with a memory operand is implicitly locked; every ordering variant is the same. */
static inline val_t hw_xchg_mb(volatile val_t *p, val_t v) { __asm__ __volatile__("xchgq %0, %1" : "+r"(v), "+m"(*p) : : "memory"); return v; }
/* cmpxchg(): LOCK CMPXCHG, fully ordered whatever the variant. */
static inline val_t hw_cmpxchg_mb(volatile val_t *p, val_t o, val_t n) { val_t prev; __asm__ __volatile__("lock; cmpxchgq %2, %1" : "=a"(prev), "+m"(*p) : "r"(n), "0"(o) : "memory", "cc"); return prev; }
/* atomic64_fetch_add()/sub: LOCK XADD. */
static inline val_t hw_fetch_add_mb(volatile val_t *p, val_t v) { __asm__ __volatile__("lock; xaddq %0, %1" : "+r"(v), "+m"(*p) : : "memory", "cc"); return v; }
static inline val_t hw_fetch_sub_mb(volatile val_t *p, val_t v) { return hw_fetch_add_mb(p, -v); }
`;
  for (const o of ['relaxed', 'acquire', 'release']) {
    s += `#define hw_xchg_${o} hw_xchg_mb\n#define hw_cmpxchg_${o} hw_cmpxchg_mb\n#define hw_fetch_add_${o} hw_fetch_add_mb\n#define hw_fetch_sub_${o} hw_fetch_sub_mb\n`;
  }
  s += '/* Non-returning atomics and set_bit()/clear_bit()/change_bit(): one LOCK-prefixed instruction. */\n';
  const insn: Record<string, [string, string]> = { add: ['addq', 'v'], sub: ['subq', 'v'], and: ['andq', 'v'], or: ['orq', 'v'], xor: ['xorq', 'v'], andnot: ['andq', '~v'] };
  for (const alu of ALUS) {
    const [op, operand] = insn[alu];
    s += `static inline void hw_op_${alu}(volatile val_t *p, val_t v) { __asm__ __volatile__("lock; ${op} %1, %0" : "+m"(*p) : "r"(${operand}) : "memory", "cc"); }\n`;
  }
  s += '/* spin loops: PAUSE; after a while sched_yield(), so that oversubscribed CPUs make progress. */\n';
  s += RELAX;
  return s + genericFromCmpxchg(true);
}

const RELAX = String.raw`static unsigned hw_spin_limit = 4096;
static inline void hw_relax(unsigned *spins) { hw_cpu_relax(); if (++*spins >= hw_spin_limit) { *spins = 0; sched_yield(); } }
`;

function arm64Prelude(): string {
  // The LL/SC forms of arch/arm64/include/asm/atomic_ll_sc.h and cmpxchg.h (ARMv8.0, no LSE):
  // fully ordered = ldxr ... stlxr, then dmb ish; _acquire = ldaxr/stxr; _release = ldxr/stlxr.
  const ld = { mb: 'ldxr', relaxed: 'ldxr', acquire: 'ldaxr', release: 'ldxr' } as const;
  const st = { mb: 'stlxr', relaxed: 'stxr', acquire: 'stxr', release: 'stlxr' } as const;
  const tail = (o: (typeof ORDERS)[number]) => (o === 'mb' ? '\\n\\tdmb ish' : '');
  let s = COMMON + String.raw`
#define HW_ARCH "arm64"
static inline void hw_cpu_relax(void) { __asm__ __volatile__("yield" ::: "memory"); }
/* arch/arm64/include/asm/barrier.h */
#define smp_mb() __asm__ __volatile__("dmb ish" ::: "memory")
#define smp_rmb() __asm__ __volatile__("dmb ishld" ::: "memory")
#define smp_wmb() __asm__ __volatile__("dmb ishst" ::: "memory")
/* arm64 does not define __smp_mb__{before,after}_atomic: the generic smp_mb(). */
#define smp_mb__before_atomic() smp_mb()
#define smp_mb__after_atomic() smp_mb()
/* arm64 defines smp_mb__after_spinlock() as smp_mb(). */
#define smp_mb__after_spinlock() smp_mb()
#define smp_mb__after_unlock_lock() barrier()
#define smp_mb__after_srcu_read_unlock() barrier()
/* __smp_load_acquire/__smp_store_release: LDAR and STLR. */
static inline val_t hw_load_acquire(volatile val_t *p) { val_t v; __asm__ __volatile__("ldar %0, %1" : "=r"(v) : "Q"(*p) : "memory"); return v; }
static inline void hw_store_release(volatile val_t *p, val_t v) { __asm__ __volatile__("stlr %1, %0" : "=Q"(*p) : "r"(v) : "memory"); }
`;
  s += RELAX;
  for (const o of ORDERS) {
    s += `/* xchg${o === 'mb' ? '' : '_' + o}() */\n`;
    s += `static inline val_t hw_xchg_${o}(volatile val_t *p, val_t v) { val_t old; unsigned fail; __asm__ __volatile__("1:\\t${ld[o]}\\t%0, %2\\n\\t${st[o]}\\t%w1, %3, %2\\n\\tcbnz\\t%w1, 1b${tail(o)}" : "=&r"(old), "=&r"(fail), "+Q"(*p) : "r"(v) : "memory"); return old; }\n`;
    s += `/* cmpxchg${o === 'mb' ? '' : '_' + o}(): no store, and no barrier, when the comparison fails. */\n`;
    s += `static inline val_t hw_cmpxchg_${o}(volatile val_t *p, val_t o, val_t n) { val_t old; unsigned long tmp; __asm__ __volatile__("1:\\t${ld[o]}\\t%0, %2\\n\\teor\\t%1, %0, %3\\n\\tcbnz\\t%1, 2f\\n\\t${st[o]}\\t%w1, %4, %2\\n\\tcbnz\\t%w1, 1b${tail(o)}\\n2:" : "=&r"(old), "=&r"(tmp), "+Q"(*p) : "r"(o), "r"(n) : "memory"); return old; }\n`;
  }
  const insn = { add: 'add', sub: 'sub', and: 'and', or: 'orr', xor: 'eor', andnot: 'bic' } as const;
  for (const alu of ALUS) {
    for (const o of ORDERS) {
      s += `static inline val_t hw_fetch_${alu}_${o}(volatile val_t *p, val_t v) { val_t old, res; unsigned fail; __asm__ __volatile__("1:\\t${ld[o]}\\t%0, %3\\n\\t${insn[alu]}\\t%1, %0, %4\\n\\t${st[o]}\\t%w2, %1, %3\\n\\tcbnz\\t%w2, 1b${tail(o)}" : "=&r"(old), "=&r"(res), "=&r"(fail), "+Q"(*p) : "r"(v) : "memory"); return old; }\n`;
    }
    s += `/* atomic64_${alu}() and the bit operations on it: unordered, ldxr/stxr. */\n`;
    s += `static inline void hw_op_${alu}(volatile val_t *p, val_t v) { val_t res; unsigned fail; __asm__ __volatile__("1:\\tldxr\\t%0, %2\\n\\t${insn[alu]}\\t%0, %0, %3\\n\\tstxr\\t%w1, %0, %2\\n\\tcbnz\\t%w1, 1b" : "=&r"(res), "=&r"(fail), "+Q"(*p) : "r"(v) : "memory"); }\n`;
  }
  return s + genericFromCmpxchg(false);
}

export const MAPPINGS: ReadonlyMap<MappingName, Mapping> = new Map<MappingName, Mapping>([
  ['x86-64', { name: 'x86-64', arch: 'x86-64', broken: false, defaultModel: 'tso', description: 'x86-64 as Linux maps it: smp_mb() = lock; addl $0,-4(%rsp); rmb/wmb/acquire/release = compiler barriers; RMWs LOCK-prefixed', prelude: x86Prelude(false) }],
  ['arm64', { name: 'arm64', arch: 'arm64', broken: false, defaultModel: 'lkmm', description: 'arm64 as Linux maps it (LL/SC atomics): smp_mb() = dmb ish; rmb = dmb ishld; wmb = dmb ishst; acquire/release = ldar/stlr', prelude: arm64Prelude() }],
  [
    'x86-64-broken-mb',
    { name: 'x86-64-broken-mb', arch: 'x86-64', broken: true, defaultModel: 'tso', description: 'SELF-TEST ONLY: x86-64 with smp_mb() a compiler barrier (wrong on purpose)', prelude: x86Prelude(true) },
  ],
]);

export function mappingByName(name: string): Mapping | undefined {
  return MAPPINGS.get(name as MappingName);
}

/** The default mapping for the machine (Node's process.arch names); null when there is none. */
export function mappingForNodeArch(nodeArch: string): Mapping | null {
  if (nodeArch === 'x64') return MAPPINGS.get('x86-64') ?? null;
  if (nodeArch === 'arm64') return MAPPINGS.get('arm64') ?? null;
  return null;
}
