// `litmus-check hw`: the C each primitive becomes on x86-64 and arm64 (checked against the
// kernel's own instruction sequences), the tally and the model comparison on made-up harness
// output, and small real runs of corpus tests and the KVM suite when a C compiler is present.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decideProgram, prepareTest } from '../src/api.js';
import type { Program } from '../src/lower/program.js';
import { generateC, hwRefusals } from '../src/hw/generate.js';
import { hwLayout } from '../src/hw/layout.js';
import { HW_WAIT_SPINS } from '../src/hw/runtime-c.js';
import { threadBodyC } from '../src/hw/thread-c.js';
import { formatHwReport } from '../src/hw/report.js';
import { MAPPINGS, type Mapping, type MappingName } from '../src/hw/mapping.js';
import { modelByName } from '../src/models/index.js';
import { allowedStates, compareWithModel, modelProgram, parseHarnessOutput } from '../src/hw/tally.js';
import { cli, ensureBuilt, ROOT } from './helpers/cli.js';
import { SHARED } from './helpers/corpus.js';

function lower(source: string, file = 'hw.litmus'): Program {
  const p = prepareTest(source, file, { model: 'tso' });
  if (!p.ok) throw new Error(p.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`).join('\n'));
  return p.program;
}

function mapping(name: MappingName): Mapping {
  const m = MAPPINGS.get(name);
  if (!m) throw new Error(name);
  return m;
}

/** The C lines thread 0 of a one-thread test becomes, without the trailing comments. */
function body(code: string, params = 'int *x, int *y', cond = 'x=0'): string[] {
  const program = lower(`C t\n{}\nP0(${params})\n{\n${code}\n}\nexists (${cond})\n`);
  return threadBodyC(program, hwLayout(program), 0)
    .body.split('\n')
    .map((l) => l.replace(/\s*\/\*.*\*\/$/, '').trim())
    .filter((l) => l !== '');
}

/** The prelude's definition of one helper (the line that defines it). */
function definition(m: MappingName, name: string): string {
  const line = mapping(m).prelude.split('\n').find((l) => l.startsWith(`#define ${name}(`) || l.startsWith(`#define ${name} `) || new RegExp(`^static inline \\w+ ${name}\\(`).test(l));
  if (!line) throw new Error(`${m}: no definition of ${name}`);
  return line;
}

describe('hw: the C each primitive becomes', () => {
  it('ONCE accesses are volatile accesses, on the location cells', () => {
    expect(body('int r0; WRITE_ONCE(*x, 1); r0 = READ_ONCE(*y);')).toEqual(['WRITE_ONCE(&I->loc[0].v, ((val_t)1));', 'r_r0 = READ_ONCE(&I->loc[1].v);']);
    for (const m of ['x86-64', 'arm64'] as const) {
      expect(definition(m, 'READ_ONCE')).toBe('#define READ_ONCE(p) (*(volatile val_t *)(p))');
      expect(definition(m, 'WRITE_ONCE')).toBe('#define WRITE_ONCE(p, v) (*(volatile val_t *)(p) = (v))');
    }
  });

  it("each mapping names the model its observations are checked against by default, a registered one", () => {
    expect([...MAPPINGS.values()].map((m) => [m.name, m.defaultModel])).toEqual([
      ['x86-64', 'tso'],
      ['arm64', 'lkmm'],
      ['x86-64-broken-mb', 'tso'],
    ]);
    for (const m of MAPPINGS.values()) expect(modelByName(m.defaultModel), m.name).toBeDefined();
    // The help says the same (it is written out there so that the command line loads no mapping).
    ensureBuilt();
    const help = cli(['hw', '--help']).stdout.replace(/\s+/g, ' ');
    expect(help).toContain(`tso for x86-64 and lkmm for arm64`);
  });

  it('smp_mb is the kernel sequence: lock; addl on x86-64, dmb ish on arm64; compiler barrier only in the broken self-test mapping', () => {
    expect(body('smp_mb();')).toEqual(['smp_mb();']);
    expect(definition('x86-64', 'smp_mb')).toBe('#define smp_mb() __asm__ __volatile__("lock; addl $0,-4(%%rsp)" ::: "memory", "cc")');
    expect(definition('arm64', 'smp_mb')).toBe('#define smp_mb() __asm__ __volatile__("dmb ish" ::: "memory")');
    expect(definition('x86-64-broken-mb', 'smp_mb')).toBe('#define smp_mb() barrier()');
    expect(mapping('x86-64-broken-mb').broken).toBe(true);
    expect(mapping('x86-64').broken).toBe(false);
  });

  it('smp_rmb/smp_wmb: compiler barriers on x86-64 (TSO), dmb ishld/ishst on arm64', () => {
    expect(body('smp_rmb(); smp_wmb();')).toEqual(['smp_rmb();', 'smp_wmb();']);
    expect(definition('x86-64', 'smp_rmb')).toBe('#define smp_rmb() barrier()');
    expect(definition('x86-64', 'smp_wmb')).toBe('#define smp_wmb() barrier()');
    expect(definition('arm64', 'smp_rmb')).toContain('"dmb ishld"');
    expect(definition('arm64', 'smp_wmb')).toContain('"dmb ishst"');
    expect(definition('x86-64', 'barrier')).toBe('#define barrier() __asm__ __volatile__("" ::: "memory")');
  });

  it('release/acquire: MOV plus compiler barrier on x86-64, stlr/ldar on arm64', () => {
    expect(body('int r0; smp_store_release(x, 1); r0 = smp_load_acquire(y);')).toEqual(['hw_store_release(&I->loc[0].v, ((val_t)1));', 'r_r0 = hw_load_acquire(&I->loc[1].v);']);
    expect(definition('x86-64', 'hw_store_release')).toContain('{ barrier(); WRITE_ONCE(p, v); }');
    expect(definition('x86-64', 'hw_load_acquire')).toContain('val_t v = READ_ONCE(p); barrier(); return v;');
    expect(definition('arm64', 'hw_store_release')).toContain('"stlr %1, %0"');
    expect(definition('arm64', 'hw_load_acquire')).toContain('"ldar %0, %1"');
  });

  it('smp_store_mb is a ONCE store then smp_mb', () => {
    expect(body('smp_store_mb(*x, 1);')).toEqual(['WRITE_ONCE(&I->loc[0].v, ((val_t)1));', 'smp_mb();']);
  });

  it('xchg and cmpxchg keep their ordering variant; x86 has one locked instruction for all, arm64 the LL/SC forms', () => {
    expect(body('int r0; int r1; int r2; int r3; r0 = xchg(x, 1); r1 = xchg_relaxed(x, 2); r2 = xchg_acquire(x, 3); r3 = xchg_release(x, 4);')).toEqual([
      'r_r0 = hw_xchg_mb(&I->loc[0].v, ((val_t)1));',
      'r_r1 = hw_xchg_relaxed(&I->loc[0].v, ((val_t)2));',
      'r_r2 = hw_xchg_acquire(&I->loc[0].v, ((val_t)3));',
      'r_r3 = hw_xchg_release(&I->loc[0].v, ((val_t)4));',
    ]);
    expect(body('int r0; int r1; r0 = cmpxchg(x, 0, 1); r1 = cmpxchg_release(y, 1, 2);')).toEqual([
      'r_r0 = hw_cmpxchg_mb(&I->loc[0].v, ((val_t)0), ((val_t)1));',
      'r_r1 = hw_cmpxchg_release(&I->loc[1].v, ((val_t)1), ((val_t)2));',
    ]);
    expect(definition('x86-64', 'hw_xchg_mb')).toContain('"xchgq %0, %1"');
    expect(definition('x86-64', 'hw_cmpxchg_mb')).toContain('"lock; cmpxchgq %2, %1"');
    for (const o of ['relaxed', 'acquire', 'release']) {
      expect(definition('x86-64', `hw_xchg_${o}`)).toBe(`#define hw_xchg_${o} hw_xchg_mb`);
      expect(definition('x86-64', `hw_cmpxchg_${o}`)).toBe(`#define hw_cmpxchg_${o} hw_cmpxchg_mb`);
    }
    const arm = (n: string) => definition('arm64', n);
    // Fully ordered: ldxr ... stlxr, then dmb ish (arch/arm64/include/asm/atomic_ll_sc.h).
    expect(arm('hw_xchg_mb')).toMatch(/ldxr.*stlxr.*cbnz.*dmb ish/);
    expect(arm('hw_xchg_relaxed')).toMatch(/\\tldxr.*\\tstxr/);
    expect(arm('hw_xchg_relaxed')).not.toMatch(/dmb|ldaxr|stlxr/);
    expect(arm('hw_xchg_acquire')).toMatch(/ldaxr.*\\tstxr/);
    expect(arm('hw_xchg_acquire')).not.toContain('dmb');
    expect(arm('hw_xchg_release')).toMatch(/\\tldxr.*stlxr/);
    expect(arm('hw_xchg_release')).not.toContain('dmb');
    // cmpxchg: no store and no barrier when the comparison fails (the branch skips both).
    expect(arm('hw_cmpxchg_mb')).toMatch(/ldxr.*eor.*cbnz\\t%1, 2f.*stlxr.*dmb ish\\n2:/);
    expect(arm('hw_cmpxchg_acquire')).toMatch(/ldaxr.*stxr/);
  });

  it('atomics: non-returning ones are unordered; value-returning ones keep their ordering; _return gives the new value', () => {
    expect(body('int r0; int r1; int r2; atomic_add(2, x); r0 = atomic_fetch_add_acquire(3, x); r1 = atomic_inc_return(x); r2 = atomic_fetch_andnot_relaxed(1, x);', 'atomic_t *x')).toEqual([
      'hw_op_add(&I->loc[0].v, ((val_t)2));',
      'r_r0 = hw_fetch_add_acquire(&I->loc[0].v, ((val_t)3));',
      '{ val_t hw_v = ((val_t)1); val_t hw_o = hw_fetch_add_mb(&I->loc[0].v, hw_v); r_r1 = hw_o + hw_v; }',
      'r_r2 = hw_fetch_andnot_relaxed(&I->loc[0].v, ((val_t)1));',
    ]);
    expect(definition('x86-64', 'hw_op_add')).toContain('"lock; addq %1, %0"');
    expect(definition('x86-64', 'hw_fetch_add_mb')).toContain('"lock; xaddq %0, %1"');
    expect(definition('x86-64', 'hw_fetch_or_mb')).toContain('hw_cmpxchg_mb(p, c, c | v)');
    expect(definition('arm64', 'hw_op_add')).toMatch(/\\tldxr.*\\tadd.*\\tstxr/);
    expect(definition('arm64', 'hw_op_add')).not.toMatch(/dmb|ldaxr|stlxr/);
    expect(definition('arm64', 'hw_fetch_add_mb')).toMatch(/ldxr.*add.*stlxr.*dmb ish/);
    expect(definition('arm64', 'hw_fetch_andnot_relaxed')).toMatch(/ldxr.*bic.*\\tstxr/);
    expect(definition('arm64', 'hw_fetch_add_acquire')).toMatch(/ldaxr.*add.*\\tstxr/);
  });

  it('bit operations: set_bit/clear_bit unordered RMWs, test_and_set_bit fully ordered, test_bit a ONCE read', () => {
    expect(body('int r0; int r1; set_bit(1, b); clear_bit(2, b); r0 = test_and_set_bit(3, b); r1 = test_bit(1, b);', 'unsigned long *b', 'b=0')).toEqual([
      'hw_op_or(&I->loc[0].v, (((val_t)1) << ((val_t)1)));',
      'hw_op_andnot(&I->loc[0].v, (((val_t)1) << ((val_t)2)));',
      't_1 = hw_fetch_or_mb(&I->loc[0].v, (((val_t)1) << ((val_t)3)));',
      'r_r0 = ((t_1 >> ((val_t)3)) & ((val_t)1));',
      't_2 = READ_ONCE(&I->loc[0].v);',
      'r_r1 = ((t_2 >> ((val_t)1)) & ((val_t)1));',
    ]);
    expect(definition('x86-64', 'hw_op_or')).toContain('"lock; orq %1, %0"');
    expect(definition('x86-64', 'hw_op_andnot')).toContain('"lock; andq %1, %0" : "+m"(*p) : "r"(~v)');
    expect(definition('arm64', 'hw_op_or')).toMatch(/\\tldxr.*\\torr.*\\tstxr/);
  });

  it('smp_mb__{before,after}_atomic and __after_spinlock: nothing on x86 (locked RMWs), smp_mb on arm64', () => {
    for (const f of ['smp_mb__before_atomic', 'smp_mb__after_atomic', 'smp_mb__after_spinlock']) {
      expect(definition('x86-64', f)).toBe(`#define ${f}() barrier()`);
      expect(definition('arm64', f)).toBe(`#define ${f}() smp_mb()`);
    }
    expect(definition('x86-64', 'smp_mb__after_unlock_lock')).toBe('#define smp_mb__after_unlock_lock() barrier()');
    expect(definition('arm64', 'smp_mb__after_srcu_read_unlock')).toBe('#define smp_mb__after_srcu_read_unlock() barrier()');
  });

  it('spinlocks: the qspinlock fast paths (cmpxchg_acquire to lock, store-release to unlock)', () => {
    expect(body('int r0; int r1; spin_lock(s); r0 = spin_is_locked(s); spin_unlock(s); r1 = spin_trylock(s);', 'spinlock_t *s', '0:r0=0')).toEqual([
      'hw_spin_lock(&I->loc[0].v);',
      'r_r0 = hw_spin_is_locked(&I->loc[0].v);',
      'hw_spin_unlock(&I->loc[0].v);',
      'r_r1 = hw_spin_trylock(&I->loc[0].v);',
    ]);
    const lock = mapping('x86-64').prelude;
    expect(lock).toContain('if (hw_cmpxchg_acquire(p, 0, 1) == 0) return;');
    expect(lock).toContain('while (READ_ONCE(p) != 0) hw_relax(&spins);');
    expect(definition('x86-64', 'hw_spin_unlock')).toContain('hw_store_release(p, 0)');
    // Spinning yields after a while, so an oversubscribed machine makes progress.
    expect(definition('x86-64', 'hw_relax')).toContain('sched_yield()');
  });

  it('KVM helpers come out with their barriers: kvm_make_request = smp_wmb + set_bit of a folded mask; kvm_vcpu_kick = the wake-up (rcu_read_lock, smp_mb, read of vcpu->wait), then, only if it woke nobody, smp_mb__before_atomic + cmpxchg and the IPI count', () => {
    // Derived from the kernel (include/linux/kvm_host.h, virt/kvm/kvm_main.c, kernel/rcu/update.c),
    // not from the generator's output. Locations: vcpu->mode (cell 0) and vcpu->requests (cell 1)
    // are every vCPU's from the start; vcpu->wait (cell 2) appears when the wake-up reads it.
    expect(body('kvm_make_request(KVM_REQ_TLB_FLUSH, vcpu); kvm_vcpu_kick(vcpu);', 'struct kvm_vcpu *vcpu', 'vcpu->mode=0')).toEqual([
      // kvm_make_request() -> __kvm_make_request(): smp_wmb(); set_bit(req & KVM_REQUEST_MASK,
      // &vcpu->requests). KVM_REQ_TLB_FLUSH is 0 | KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP, a
      // constant: bit 0, so the mask 1 << 0 is folded to 1 (the flags matter only to the
      // kvm_make_*_request() paths, not here).
      'smp_wmb();',
      'hw_op_or(&I->loc[1].v, ((val_t)1));',
      // kvm_vcpu_kick() -> __kvm_vcpu_kick(vcpu, false): first `if (kvm_vcpu_wake_up(vcpu)) return;`.
      // kvm_vcpu_wake_up() -> rcuwait_wake_up(&vcpu->wait): rcu_read_lock(); smp_mb() (barrier B,
      // pairing with set_current_state() in the sleeper); task = rcu_dereference(w->task), the
      // first temporary; wake_up_process(task) if there is one, counted in wake_vcpu;
      // rcu_read_unlock().
      't_3 = ((val_t)0);',
      'rcu_read_lock();',
      'smp_mb();',
      't_1 = READ_ONCE(&I->loc[2].v);',
      // wake_up_process() -> try_to_wake_up(): a TASK_INTERRUPTIBLE (1) task becomes TASK_RUNNING
      // (0) under p->pi_lock (a fully ordered cmpxchg of vcpu->state, cell 3); it woke the task
      // (t_3, counted in wake_vcpu) only if that succeeded.
      'if ((t_1 != ((val_t)0))) {',
      't_2 = hw_cmpxchg_mb(&I->loc[3].v, ((val_t)1), ((val_t)0));',
      'if ((t_2 == ((val_t)1))) {',
      't_3 = ((val_t)1);',
      'r_wake_vcpu = (r_wake_vcpu + ((val_t)1));',
      '}',
      '}',
      'rcu_read_unlock();',
      // It woke the task: return. Otherwise kvm_arch_vcpu_should_kick() (x86) =
      // kvm_vcpu_exiting_guest_mode(vcpu) == IN_GUEST_MODE, where kvm_vcpu_exiting_guest_mode()
      // is smp_mb__before_atomic(); cmpxchg(&vcpu->mode, IN_GUEST_MODE (1), EXITING_GUEST_MODE (2));
      // then, if READ_ONCE(vcpu->cpu) (cell 4) is not -1, smp_send_reschedule(cpu), counted in ipi and ipi_vcpu.
      'if (t_3) {',
      '} else {',
      'smp_mb__before_atomic();',
      't_4 = hw_cmpxchg_mb(&I->loc[0].v, ((val_t)1), ((val_t)2));',
      'if ((t_4 == ((val_t)1))) {',
      't_5 = READ_ONCE(&I->loc[4].v);',
      'if ((t_5 != ((val_t)(-1)))) {',
      'r_ipi = (r_ipi + ((val_t)1));',
      'r_ipi_vcpu = (r_ipi_vcpu + ((val_t)1));',
      '}',
      '}',
      '}',
    ]);
  });

  it('kvm_vcpu_block and kvm_vcpu_wake_up: the rcuwait pairing, with wake_<vcpu> counted and recorded when the condition names it', () => {
    // kvm_vcpu_block(): prepare_to_rcuwait() = rcu_assign_pointer(w->task, current) (a release of
    // vcpu->wait); each round set_current_state(TASK_INTERRUPTIBLE) = smp_store_mb() of
    // vcpu->state, barrier A; kvm_vcpu_check_block(); schedule() spins until a waker sets
    // TASK_RUNNING; a third sleep gives the instance up (the model's bound); finish_rcuwait()
    // clears the task with WRITE_ONCE (a constant NULL) and __set_current_state(TASK_RUNNING).
    const block = body('int r0; r0 = kvm_vcpu_block(vcpu);', 'struct kvm_vcpu *vcpu', '0:r0=0');
    expect(block.slice(0, 2)).toEqual(['t_1 = ((val_t)0);', 'hw_store_release(&I->loc[2].v, ((val_t)1));']);
    expect(block.filter((l) => l === 'smp_mb();')).toHaveLength(3);
    expect(block.filter((l) => /^hw_last = hw_wait_check\(I, 0, hw_n, &hw_relaxed\);$/.test(l))).toHaveLength(2);
    expect(block).toContain('ub |= 4;');
    expect(block.slice(-3)).toEqual(['WRITE_ONCE(&I->loc[2].v, ((val_t)0));', 'WRITE_ONCE(&I->loc[3].v, ((val_t)0));', 'r_r0 = t_1;']);
    // kvm_vcpu_wake_up() alone: rcuwait_wake_up() as in kvm_vcpu_kick above.
    expect(body('int r1; r1 = kvm_vcpu_wake_up(vcpu);', 'struct kvm_vcpu *vcpu', '0:wake_vcpu=1')).toEqual([
      't_3 = ((val_t)0);',
      'rcu_read_lock();',
      'smp_mb();',
      't_1 = READ_ONCE(&I->loc[2].v);',
      'if ((t_1 != ((val_t)0))) {',
      't_2 = hw_cmpxchg_mb(&I->loc[3].v, ((val_t)1), ((val_t)0));',
      'if ((t_2 == ((val_t)1))) {',
      't_3 = ((val_t)1);',
      'r_wake_vcpu = (r_wake_vcpu + ((val_t)1));',
      '}',
      '}',
      'rcu_read_unlock();',
      'r_r1 = t_3;',
    ]);
    // The condition's 0:wake_vcpu is a register of the harness: declared from 0 and saved.
    const program = lower('C t\n{}\nP0(struct kvm_vcpu *vcpu)\n{\n\tkvm_vcpu_wake_up(vcpu);\n}\nexists (0:wake_vcpu=1)\n');
    const c = generateC(program, 'x86-64');
    expect(hwLayout(program).observables.map((o) => o.label)).toEqual(['0:wake_vcpu']);
    expect(c).toContain('val_t r_wake_vcpu = ((val_t)0);');
    expect(c).toContain('hw_out[0][i * 1 + 0] = r_wake_vcpu;');
  });
  it('a KVM_REQUEST_WAIT request waits on hardware: the requester spins on the ack of each vCPU it IPId, bounded, instead of an assume', () => {
    const src = 'C t\n{}\nP0(struct kvm_vcpu *vcpu)\n{\n\tlocal_irq_disable();\n\tWRITE_ONCE(vcpu->mode, IN_GUEST_MODE);\n\tlocal_irq_enable();\n}\nP1(struct kvm *kvm)\n{\n\tkvm_make_all_cpus_request(kvm, KVM_REQ_TLB_FLUSH);\n}\nexists (1:ipi=0)\n';
    const program = lower(src);
    expect(hwRefusals(program)).toEqual([]);
    const layout = hwLayout(program);
    expect(layout.waits).toBe(true);
    // Cells: vcpu->mode 0, vcpu->requests 1, vcpu->ipis 2 (the IPIs queued), vcpu->ack 3 (those handled).
    expect(layout.locations).toEqual(['vcpu->mode', 'vcpu->requests', 'vcpu->ipis', 'vcpu->ack']);
    const lines = threadBodyC(program, layout, 1)
      .body.split('\n')
      .map((l) => l.replace(/\s*\/\*.*\*\/$/, '').trim());
    // kvm_make_all_cpus_request() -> kvm_make_vcpu_request() for the one vCPU, then
    // kvm_kick_many_cpus(cpus, !!(req & KVM_REQUEST_WAIT)) = smp_call_function_many(..., wait).
    // KVM_REQ_TLB_FLUSH = 0 | KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP.
    expect(lines).toEqual([
      // Whether this vCPU joins the IPI mask (a temporary, 0 until it does).
      't_1 = ((val_t)0);',
      // Not NO_ACTION: __kvm_make_request() = smp_wmb(); set_bit(0, &vcpu->requests).
      'smp_wmb();',
      'hw_op_or(&I->loc[1].v, ((val_t)1));',
      // NO_WAKEUP: no kvm_vcpu_wake_up(). kvm_request_needs_ipi(): kvm_vcpu_exiting_guest_mode()
      // (smp_mb__before_atomic(); cmpxchg(&vcpu->mode, IN_GUEST_MODE, EXITING_GUEST_MODE)),
      // and with KVM_REQUEST_WAIT an IPI unless the old mode was OUTSIDE_GUEST_MODE (0).
      'smp_mb__before_atomic();',
      't_2 = hw_cmpxchg_mb(&I->loc[0].v, ((val_t)1), ((val_t)2));',
      'if ((t_2 != ((val_t)0))) {',
      // llist_add(): the IPI is queued, bit 0 of the vCPU's queue (a fully ordered RMW).
      't_3 = hw_fetch_or_mb(&I->loc[2].v, ((val_t)1));',
      'r_ipi_vcpu = (r_ipi_vcpu + ((val_t)1));',
      'r_ipi = (r_ipi + ((val_t)1));',
      't_1 = ((val_t)1);',
      '}',
      // smp_call_function_many(..., wait = true): csd_lock_wait() for each IPI'd CPU, i.e. spin
      // until the vCPU thread has taken this IPI (its release of vcpu->ack, bit 0, where it
      // takes interrupts), with an acquire read each time. The model's one read is the last.
      // A wait nobody is left to acknowledge (2), or one past HW_WAIT_SPINS reads (4), marks
      // the instance, which is then counted apart instead of tallied.
      'if (t_1) {',
      '{',
      'int hw_last = 0;',
      'unsigned hw_relaxed = 0;',
      'for (unsigned long hw_n = 1;; hw_n++) {',
      't_4 = hw_load_acquire(&I->loc[3].v);',
      'if ((t_4 & ((val_t)1))) break;',
      'if (hw_last) { ub |= hw_last; break; }',
      'hw_last = hw_wait_check(I, 1, hw_n, &hw_relaxed);',
      '}',
      '}',
      '}',
    ]);
    // The vCPU thread: local_irq_enable() takes the IPIs queued, a release of vcpu->ack; ending
    // with interrupts on, it goes on taking them until the other threads have finished.
    const vcpuThread = threadBodyC(program, layout, 0).body;
    expect(vcpuThread).toContain('t_1 = READ_ONCE(&I->loc[2].v); /* local_irq_enable: llist_del_all');
    expect(vcpuThread).toContain('hw_store_release(&I->loc[3].v, t_1); /* local_irq_enable: csd_unlock');
    expect(vcpuThread).toContain('hw_last = hw_idle_check(I, 0, hw_n, &hw_relaxed);');
    const c = generateC(program, 'x86-64');
    // Each thread says when it has finished an instance; a waiting requester stops when every
    // other thread has (2) or after HW_WAIT_SPINS reads (4); the tally counts both apart.
    expect(c).toContain('cell_t done[NT]; }');
    expect(c).toContain('__atomic_store_n(&I->done[0].v, 1, __ATOMIC_RELEASE);');
    expect(c).toContain('__atomic_store_n(&I->done[1].v, 1, __ATOMIC_RELEASE);');
    expect(c).toContain(`#define HW_WAIT_SPINS ${HW_WAIT_SPINS}UL`);
    expect(c).toContain('if (t == NT) return 2;');
    expect(c).toContain('if (n >= HW_WAIT_SPINS) return 4;');
    expect(c).toContain('if (u & 2) { hw_wait_unacked++; continue; }');
    expect(c).toContain('if (u & 4) { hw_wait_gaveup++; continue; }');
    expect(c).toContain('for (int t = 0; t < NT; t++) I->done[t].v = 0;');
    // A test that does not wait has none of it.
    const sb = lower('C sb\n{}\nP0(int *x, int *y)\n{\n\tint r0;\n\tWRITE_ONCE(*x, 1);\n\tr0 = READ_ONCE(*y);\n}\nexists (0:r0=0)\n');
    expect(hwLayout(sb).waits).toBe(false);
    expect(generateC(sb, 'x86-64')).not.toMatch(/done\[|hw_wait_check/);
  });

  it('the mask and except variants request and wait for exactly their vCPUs', () => {
    const src = (call: string) =>
      `C t\n{}\nP0(struct kvm_vcpu *vcpu0)\n{\n\tint r0;\n\tr0 = READ_ONCE(vcpu0->mode);\n}\nP1(struct kvm_vcpu *vcpu1)\n{\n\tint r1;\n\tr1 = READ_ONCE(vcpu1->mode);\n}\nP2(struct kvm *kvm, struct kvm_vcpu *vcpu0)\n{\n\t${call};\n}\nexists (2:ipi=0)\n`;
    const targets = (call: string): string[] => {
      const program = lower(src(call));
      const layout = hwLayout(program);
      const body = threadBodyC(program, layout, 2).body;
      // The cells each cmpxchg of vcpu->mode and each wait on vcpu->ack use, as location names.
      const cell = (k: string) => layout.locations[Number(k)];
      return [...body.matchAll(/hw_cmpxchg_mb\(&I->loc\[(\d+)\]|t_\d+ = hw_load_acquire\(&I->loc\[(\d+)\]/g)].map((m) => (m[1] !== undefined ? `cmpxchg ${cell(m[1])}` : `wait ${cell(m[2])}`)).filter((x) => !x.endsWith('->state'));
    };
    expect(targets('kvm_make_all_cpus_request(kvm, KVM_REQ_TLB_FLUSH)')).toEqual(['cmpxchg vcpu0->mode', 'cmpxchg vcpu1->mode', 'wait vcpu0->ack', 'wait vcpu1->ack']);
    expect(targets('kvm_make_all_cpus_request_except(kvm, KVM_REQ_TLB_FLUSH, vcpu0)')).toEqual(['cmpxchg vcpu1->mode', 'wait vcpu1->ack']);
    expect(targets('kvm_make_vcpus_request_mask(kvm, KVM_REQ_TLB_FLUSH, 0x1)')).toEqual(['cmpxchg vcpu0->mode', 'wait vcpu0->ack']);
    expect(targets('kvm_make_vcpus_request_mask(kvm, KVM_REQ_TLB_FLUSH, 0x2)')).toEqual(['cmpxchg vcpu1->mode', 'wait vcpu1->ack']);
    // Without KVM_REQUEST_WAIT: no wait at all.
    expect(targets('kvm_make_all_cpus_request(kvm, KVM_REQ_EVENT)')).toEqual(['cmpxchg vcpu0->mode', 'cmpxchg vcpu1->mode']);
  });

  it('refuses an assume (an --unroll loop) by name; runs the end of kvm_vcpu_block()\'s bounded loop as a give-up', () => {
    const p = prepareTest('C t\n{}\nP0(int *x)\n{\n\tint r0;\n\tdo {\n\t\tr0 = READ_ONCE(*x);\n\t} while (r0 == 0);\n}\nP1(int *x)\n{\n\tWRITE_ONCE(*x, 1);\n}\nexists (0:r0=1)\n', 'loop.litmus', { model: 'tso', lower: { unroll: 2 } });
    if (!p.ok) throw new Error(p.diagnostics.map((d) => d.message).join('\n'));
    expect(hwRefusals(p.program).map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`)).toEqual([
      "loop.litmus:6:2: hw: cannot run an unrolled 'do' loop: a hardware execution cannot be discarded afterwards",
    ]);
    // The end of kvm_vcpu_block()'s bounded loop is run: the instance is left out as given up.
    const block = lower('C t\n{}\nP0(struct kvm_vcpu *vcpu)\n{\n\tint r0;\n\tr0 = kvm_vcpu_block(vcpu);\n}\nexists (0:r0=0)\n', 'b.litmus');
    expect(hwRefusals(block)).toEqual([]);
    expect(threadBodyC(block, hwLayout(block), 0).body).toContain('ub |= 4; /* kvm_vcpu_block: schedule, line 6 */');
  });

  it('RCU and SRCU read side: rcu_read_lock is a compiler barrier; srcu_read_lock/unlock carry the kernel smp_mb()', () => {
    expect(body('int idx; rcu_read_lock(); idx = srcu_read_lock(ss); srcu_read_unlock(ss, idx); rcu_read_unlock();', 'struct srcu_struct *ss', '0:idx=0')).toEqual([
      'rcu_read_lock();',
      'r_idx = hw_srcu_read_lock(&I->loc[0].v);',
      'hw_srcu_read_unlock(&I->loc[0].v, r_idx);',
      'rcu_read_unlock();',
    ]);
    expect(definition('x86-64', 'rcu_read_lock')).toBe('#define rcu_read_lock() barrier()');
    expect(definition('x86-64', 'hw_srcu_read_lock')).toContain('READ_ONCE(p); smp_mb();');
    expect(definition('x86-64', 'hw_srcu_read_unlock')).toContain('{ smp_mb(); WRITE_ONCE(p, idx); }');
  });

  it('refuses grace periods by name, at their position', () => {
    const program = lower(readFileSync(join(ROOT, 'test/fixtures/hw/synchronize-rcu.litmus'), 'utf8'), 'sync.litmus');
    const r = hwRefusals(program);
    expect(r.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`)).toEqual([
      "sync.litmus:20:2: hw: cannot run synchronize_rcu(): an RCU/SRCU grace period has no user-space equivalent (use 'run' to decide this test under a model)",
    ]);
    const srcu = lower('C t\n{}\nP0(struct srcu_struct *s, int *x)\n{\n\tsynchronize_srcu(s);\n}\nexists (x=0)\n');
    expect(hwRefusals(srcu).map((d) => `${d.line}:${d.col}: ${d.message.split(':')[0]}`)).toEqual(['5:2: hw']);
    expect(hwRefusals(srcu)[0]?.message).toMatch(/^hw: cannot run synchronize_srcu\(\): an RCU\/SRCU grace period/);
    expect(hwRefusals(lower(readFileSync(join(ROOT, 'test/fixtures/hw/pointers.litmus'), 'utf8')))).toEqual([]);
  });

  it('lays out locations one per cache line, addresses symbolically, and initial pointers as addresses', () => {
    const program = lower(readFileSync(join(ROOT, 'test/fixtures/hw/pointers.litmus'), 'utf8'));
    const layout = hwLayout(program);
    expect(layout.locations).toEqual(['p', 'y', 'x']);
    expect(layout.observables.map((o) => o.label)).toEqual(['1:r0', '1:r1', '[p]']);
    const c = generateC(program, mapping('x86-64'));
    expect(c).toContain('typedef struct { volatile val_t v; char pad[LINE - sizeof(val_t)]; } __attribute__((aligned(LINE))) cell_t;');
    expect(c).toContain('#define LINE 128');
    expect(c).toContain('I->loc[0].v = ((val_t)&I->loc[2].v); /* p */');
    // The reader dereferences a register: checked against the instance's cells.
    expect(c).toContain('r_r1 = READ_ONCE(hw_ptr(I, r_r0, 1, &ub));');
    expect(generateC(program, 'x86-64', { lineBytes: 64 })).toContain('#define LINE 64');
    expect(generateC(program, 'arm64')).toContain('#define HW_ARCH "arm64"');
  });
});

describe('hw: tally and comparison with the model', () => {
  const prepared = prepareTest(readFileSync(join(SHARED, 'corpus/lkmm-kernel/SB+fencembonceonces.litmus'), 'utf8'), 'SB.litmus', { model: 'tso' });
  if (!prepared.ok) throw new Error('SB does not prepare');
  const sb = prepared.program;
  const layout = hwLayout(sb);
  const allowed = allowedStates(decideProgram(prepared.test, modelProgram(sb, layout), prepared.model).judgement);

  it('reads the harness output, with addresses as location names', () => {
    const out = 'hw-litmus 1\narch x86-64\nthreads 2\ncpus 2\npinned 1\nruns 2\nsize 5\nstate 4 0 1\nstate 3 1 0\nstate 2 0 0\nstate 1 &1 1\nundefined 0\ntime_ns 1000\n';
    const r = parseHarnessOutput(out, layout);
    if (!r.ok) throw new Error(r.message);
    expect(r.run.states.map((s) => [s.count, ...s.values])).toEqual([[4, 0, 1], [3, 1, 0], [2, 0, 0], [1, 'y', 1]]);
    expect(r.run.pinned).toBe(true);
    expect(parseHarnessOutput('hw-litmus 1\nstate 1 0\n', layout).ok).toBe(false);
    expect(parseHarnessOutput('garbage', layout).ok).toBe(false);
  });

  it('flags an observed state the model forbids, and lists allowed states never observed', () => {
    expect([...allowed.keys()].sort()).toEqual(['0;1', '1;0', '1;1']);
    const run = parseHarnessOutput('hw-litmus 1\nruns 1\nsize 10\nstate 6 0 1\nstate 2 0 0\nstate 2 1 0\nundefined 0\ntime_ns 5\n', layout);
    if (!run.ok) throw new Error(run.message);
    const cmp = compareWithModel(run.run, sb, layout, allowed);
    expect(cmp.forbidden).toEqual([{ values: [0, 0], count: 2 }]);
    expect(cmp.positive).toBe(2);
    expect(cmp.negative).toBe(8);
    expect(cmp.observation).toBe('Sometimes');
    expect(cmp.unobserved).toEqual([[1, 1]]);
    const clean = parseHarnessOutput('hw-litmus 1\nstate 6 0 1\nstate 4 1 1\nstate 1 1 0\n', layout);
    if (!clean.ok) throw new Error(clean.message);
    const ok = compareWithModel(clean.run, sb, layout, allowed);
    expect(ok.forbidden).toEqual([]);
    expect(ok.unobserved).toEqual([]);
    expect(ok.observation).toBe('Never');
  });

  it('a filter: filtered-out states are shown apart, not counted as witnesses, and still checked against the model', () => {
    const src = 'C filt\n{}\nP0(int *x, int *y)\n{\n\tWRITE_ONCE(*x, 1);\n\tWRITE_ONCE(*y, 1);\n}\nP1(int *x, int *y)\n{\n\tint r0; int r1;\n\tr0 = READ_ONCE(*y);\n\tr1 = READ_ONCE(*x);\n}\nfilter (1:r0=1)\nexists (1:r1=0)\n';
    const p = prepareTest(src, 'filt.litmus', { model: 'tso' });
    if (!p.ok) throw new Error('filt does not prepare');
    const lay = hwLayout(p.program);
    expect(lay.observables.map((o) => o.label)).toEqual(['1:r1', '1:r0']);
    expect(lay.shown).toBe(1);
    const allow = allowedStates(decideProgram(p.test, modelProgram(p.program, lay), p.model).judgement);
    // MP under TSO: r0=1 (y seen) with r1=0 (x not seen) is forbidden, filtered or not.
    expect([...allow.keys()].sort()).toEqual(['0;0', '1;0', '1;1']);
    const run = parseHarnessOutput('hw-litmus 1\nstate 5 0 0\nstate 3 1 1\nstate 2 0 1\n', lay);
    if (!run.ok) throw new Error(run.message);
    const cmp = compareWithModel(run.run, p.program, lay, allow);
    expect(cmp.filteredOut).toBe(5);
    expect(cmp.positive).toBe(2);
    expect(cmp.negative).toBe(3);
    expect(cmp.forbidden).toEqual([{ values: [0, 1], count: 2 }]);
    expect(cmp.states.map((s) => [s.shown[0], s.count, s.filteredOut, s.forbidden.length])).toEqual([[0, 2, false, 1], [1, 3, false, 0], [0, 5, true, 0]]);
    expect(cmp.unobserved).toEqual([[1, 0]]);
  });
});

describe('hw: KVM_REQUEST_WAIT waits in the tally and the report', () => {
  const src = 'C wait\n{}\nP0(struct kvm_vcpu *vcpu)\n{\n\tint r0;\n\tlocal_irq_disable();\n\tsmp_store_mb(vcpu->mode, IN_GUEST_MODE);\n\tr0 = READ_ONCE(vcpu->requests);\n\tlocal_irq_enable();\n}\nP1(struct kvm *kvm)\n{\n\tkvm_make_all_cpus_request(kvm, KVM_REQ_TLB_FLUSH);\n}\nexists (0:r0=0 /\\ 1:ipi=0)\n';
  const p = prepareTest(src, 'wait.litmus', { model: 'tso' });
  if (!p.ok) throw new Error('wait does not prepare');
  const layout = hwLayout(p.program);
  const allowed = allowedStates(decideProgram(p.test, modelProgram(p.program, layout), p.model).judgement);
  const report = (out: string): string => {
    const r = parseHarnessOutput(out, layout);
    if (!r.ok) throw new Error(r.message);
    const cmp = compareWithModel(r.run, p.program, layout, allowed);
    return formatHwReport({ name: 'wait', quantifier: 'exists', conditionText: '', run: r.run, layout, cmp, model: 'tso', mapping: 'x86-64' });
  };
  const head = 'hw-litmus 1\narch x86-64\nthreads 2\ncpus 2\npinned 1\nruns 1\nsize 10\n';

  it('waits not acknowledged and waits given up are read back, left out of the histogram, and said with their counts', () => {
    const r = parseHarnessOutput(`${head}state 4 1 1\nstate 1 1 0\nundefined 0\nwait_unacked 3\nwait_gaveup 2\ntime_ns 100\n`, layout);
    if (!r.ok) throw new Error(r.message);
    expect([r.run.waitUnacked, r.run.waitGaveUp]).toEqual([3, 2]);
    const text = report(`${head}state 4 1 1\nstate 1 1 0\nundefined 0\nwait_unacked 3\nwait_gaveup 2\ntime_ns 100\n`);
    expect(text).toContain('Positive: 0, Negative: 5');
    expect(text).toContain("Waits (KVM_REQUEST_WAIT, spinning on each IPI'd vCPU's ack): WAIT NOT ACKNOWLEDGED in 3 executions, left out: every other thread finished without acknowledging, so the call would never return (the model explores no such execution); ");
    expect(text).toContain(`WAIT GIVEN UP in 2 executions, left out: no acknowledgement after ${HW_WAIT_SPINS} reads while another thread was still running (a cut-off: these executions are missing from the histogram)`);
  });

  it('a test that waits says so even when every wait was acknowledged; one that does not wait says nothing', () => {
    expect(report(`${head}state 10 1 1\nundefined 0\nwait_unacked 0\nwait_gaveup 0\ntime_ns 100\n`)).toContain(
      "Waits (KVM_REQUEST_WAIT, spinning on each IPI'd vCPU's ack): every wait ended with its acknowledgement, none left out",
    );
    // The model: the vCPU that ran its guest without seeing the request (0:r0=0) was IPI'd
    // (1:ipi=1); the requester cannot both miss it and return (1:ipi=0) under tso.
    expect([...allowed.keys()].sort()).toEqual(['0;1', '1;0', '1;1']);
    expect(report(`${head}state 10 0 0\nundefined 0\nwait_unacked 0\nwait_gaveup 0\ntime_ns 100\n`)).toContain('!!! FORBIDDEN by tso, observed 10 times: 0:r0=0; 1:ipi=0;');
  });
});

const HAVE_CC = spawnSync('cc', ['--version']).status === 0;
const HAVE_ARM64_CC = spawnSync('aarch64-linux-gnu-gcc', ['--version']).status === 0;

/** Execution counts from one test's report: the Machine line and the witnesses. */
function counts(report: string): { executions: number; positive: number; negative: number } {
  const m = /= (\d+) executions/.exec(report);
  const w = /Positive: (\d+), Negative: (\d+)/.exec(report);
  if (!m || !w) throw new Error(`no counts in:\n${report}`);
  return { executions: Number(m[1]), positive: Number(w[1]), negative: Number(w[2]) };
}

describe.skipIf(!HAVE_CC)(`hw: real runs on this machine${HAVE_CC ? '' : ' (skipped: no C compiler "cc" on PATH)'}`, () => {
  it('SB, MP, LB and 2+2W complete, count runs * size executions, and observe nothing tso forbids', () => {
    ensureBuilt();
    const files = ['lkmm-kernel/SB+poonceonces.litmus', 'lkmm-kernel/MP+poonceonces.litmus', 'lkmm-kernel/LB+poonceonces.litmus', 'herd-catalogue-linux/C-2+2W+o-o+o-o.litmus'].map((f) => join(SHARED, 'corpus', f));
    const r = cli(['hw', '--runs', '10', '--size', '200', ...files]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const reports = r.stdout.split(/\n(?=Test )/);
    expect(reports.map((t) => /^Test (\S+)/.exec(t)?.[1])).toEqual(['SB+poonceonces', 'MP+poonceonces', 'LB+poonceonces', 'C-2+2W+o-o+o-o']);
    for (const t of reports) {
      const c = counts(t);
      expect(c.executions).toBe(2000);
      expect(c.positive + c.negative).toBe(2000);
      expect(t).toContain('Model tso:');
      expect(t).toContain('no observed state is forbidden');
      expect(t).not.toContain('FORBIDDEN');
      expect(t).not.toContain('Waits');
    }
    // x86-TSO forbids MP's and LB's outcomes, so the machine must never show them.
    expect(counts(reports[1]).positive).toBe(0);
    expect(counts(reports[2]).positive).toBe(0);
    expect(r.stdout).toContain('4 tests, 0 errors, 0 incomplete, 0 unexpected');
  });

  it('the bundled KVM suite completes with nothing tso forbids; the KVM_REQUEST_WAIT tests run, their waits said and accounted for', () => {
    ensureBuilt();
    const r = cli(['hw', '--runs', '4', '--size', '100', 'litmus/kvm']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const reports = r.stdout.split(/\n(?=Test )/);
    expect(reports).toHaveLength(50);
    const waiting: string[] = [];
    for (const t of reports) {
      const c = counts(t);
      expect(c.executions).toBe(400);
      expect(t).toContain('no observed state is forbidden');
      expect(t).not.toContain('FORBIDDEN');
      // Every execution is in the histogram, or left out with its count said.
      const left = (re: RegExp) => Number(re.exec(t)?.[1] ?? 0);
      expect(c.positive + c.negative + left(/NOT ACKNOWLEDGED in (\d+)/) + left(/GIVEN UP in (\d+)/) + left(/Undefined behaviour: (\d+)/)).toBe(400);
      if (t.includes('Waits (KVM_REQUEST_WAIT')) waiting.push(/^Test (\S+)/.exec(t)?.[1] ?? '');
    }
    // The tests that wait: requests with KVM_REQUEST_WAIT (KVM_REQ_TLB_FLUSH,
    // KVM_REQ_OUTSIDE_GUEST_MODE), vCPU threads that end with interrupts on (they idle taking
    // IPIs), and kvm_vcpu_block()'s sleeps; and the requests
    // whose tables give them KVM_REQUEST_WAIT (x86 KVM_REQ_APICV_UPDATE, arm64 KVM_REQ_SLEEP).
    expect(waiting.sort()).toEqual([
      'kvm-all-vcpus-flush+no-wait',
      'kvm-all-vcpus-flush+wait',
      'kvm-arm64-sleep+no-wakeup',
      'kvm-exit-reenter-flush+wait',
      'kvm-flush+wait-in-flight',
      'kvm-no-wakeup+apicv-update',
      'kvm-no-wakeup+flags-dropped',
      'kvm-no-wakeup+unblock',
      'kvm-outside-guest-mode+all-vcpus',
      'kvm-outside-guest-mode+mask-misses-one',
      'kvm-two-vcpus-entry+flush',
      'kvm-two-vcpus-entry+one-write-once',
      'kvm-vcpu-block+kick',
      'kvm-vcpu-block+rcuwait-mb',
      'kvm-vcpu-halt+arm64-irq-pending',
      'kvm-vcpu-halt+nmi',
      'kvm-vcpu-halt+tlb-flush',
    ]);
    // Both vCPU threads of all-vcpus-flush+wait always reach local_irq_enable(): every wait ends.
    const flush = reports.find((t) => t.startsWith('Test kvm-all-vcpus-flush+wait '));
    expect(flush).toContain('every wait ended with its acknowledgement, none left out');
    expect(r.stdout).toContain('50 tests, 0 errors, 0 incomplete, 0 unexpected');
  });

  it('a wait no thread can acknowledge leaves every execution out, counted, and exits 0 (the model has no execution either)', () => {
    ensureBuilt();
    const r = cli(['hw', '--runs', '2', '--size', '50', 'test/fixtures/hw/every-kvm-helper.litmus']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Histogram (0 states)');
    // Left out as not acknowledged, or given up when P0, idling with interrupts on for vcpu0,
    // and P1, waiting for vcpu1, wait for each other until HW_WAIT_SPINS: all 100 either way.
    const left = (re: RegExp) => Number(re.exec(r.stdout)?.[1] ?? 0);
    expect(left(/NOT ACKNOWLEDGED in (\d+)/) + left(/GIVEN UP in (\d+)/)).toBe(100);
    expect(r.stdout).toContain('Model tso: 0 states allowed, 0 observed; no observed state is forbidden');
  });

  it('two requesters waiting for each other: each instance is given up after HW_WAIT_SPINS reads, counted and said', () => {
    ensureBuilt();
    // Whichever thread stops waiting first has had no acknowledgement (the other acknowledges only
    // after its own wait) while the other had not finished: given up, every time.
    const r = cli(['hw', '--runs', '1', '--size', '2', 'test/fixtures/hw/kvm-wait-each-other.litmus']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Histogram (0 states)');
    expect(r.stdout).toContain(`WAIT GIVEN UP in 2 executions, left out: no acknowledgement after ${HW_WAIT_SPINS} reads while another thread was still running`);
    expect(r.stdout).not.toContain('NOT ACKNOWLEDGED');
  });

  it('pointers: locations holding addresses print symbolically; more threads than CPUs still finish', () => {
    ensureBuilt();
    const r = cli(['hw', '--runs', '5', '--size', '100', 'test/fixtures/hw/pointers.litmus', join(SHARED, 'corpus/lkmm-kernel/IRIW+poonceonces+OnceOnce.litmus')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [ptr, iriw] = r.stdout.split(/\n(?=Test )/);
    expect(ptr).toMatch(/:>1:r0=(x|y); 1:r1=[01]; \[p\]=y;/);
    expect(ptr).not.toMatch(/\[p\]=\d/);
    expect(counts(iriw).executions).toBe(500);
    expect(iriw).toContain('4 threads on');
  });

  it('refuses a grace period with exit 2 and file:line:col', () => {
    ensureBuilt();
    const r = cli(['hw', 'test/fixtures/hw/synchronize-rcu.litmus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('test/fixtures/hw/synchronize-rcu.litmus:20:2: error: hw: cannot run synchronize_rcu()');
    expect(r.stdout).toBe('');
  });

  it('no usable compiler is exit 2, said once', () => {
    ensureBuilt();
    const r = cli(['hw', '--cc', '/nonexistent/cc', 'litmus/kvm/dekker+mbs.litmus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("litmus-check: C compiler '/nonexistent/cc' not found (give one with --cc)\n");
  });

  it('a --size whose instances would not fit in memory is refused before compiling (exit 2)', () => {
    ensureBuilt();
    const r = cli(['hw', '--size', '10000000', 'litmus/kvm/dekker+mbs.litmus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("litmus/kvm/dekker+mbs.litmus: error: --size 10000000 needs 6104 MiB for this test's instances (at most 1024 MiB): use a smaller --size and more --runs\n");
  });

  it('--mapping arm64 on another machine generates (and compiles when it can) but does not run', () => {
    ensureBuilt();
    const dir = mkdtempSync(join(tmpdir(), 'hw-test-'));
    try {
      const r = cli(['hw', '--mapping', 'arm64', '--keep', dir, 'litmus/kvm/dekker+mbs.litmus']);
      if (process.arch === 'arm64') return;
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`generated ${join(dir, '001-kvm-dekker+mbs.c')} for arm64`);
      expect(r.stdout).toContain(HAVE_ARM64_CC ? 'compiled with aarch64-linux-gnu-gcc' : 'no arm64 compiler found');
      expect(r.stdout).toContain('not run');
      const c = readFileSync(join(dir, '001-kvm-dekker+mbs.c'), 'utf8');
      expect(c).toContain('#define smp_mb() __asm__ __volatile__("dmb ish" ::: "memory")');
      expect(c).toContain('smp_wmb(); /* kvm_make_request: smp_wmb');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the generated C for every primitive and every KVM helper compiles cleanly with -O2 -Wall', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hw-test-'));
    try {
      for (const f of ['every-primitive', 'every-kvm-helper']) {
        const program = lower(readFileSync(join(ROOT, `test/fixtures/hw/${f}.litmus`), 'utf8'));
        writeFileSync(join(dir, `${f}.c`), generateC(program, mapping('x86-64')));
        const c = spawnSync('cc', ['-O2', '-pthread', '-Wall', '-Werror', '-c', '-o', join(dir, `${f}.o`), join(dir, `${f}.c`)], { encoding: 'utf8' });
        expect(c.stderr).toBe('');
        expect(c.status).toBe(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!HAVE_ARM64_CC)('the arm64 C compiles with aarch64-linux-gnu-gcc', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hw-test-'));
    try {
      for (const f of ['every-primitive', 'every-kvm-helper']) {
        const program = lower(readFileSync(join(ROOT, `test/fixtures/hw/${f}.litmus`), 'utf8'));
        writeFileSync(join(dir, `${f}.c`), generateC(program, mapping('arm64')));
        const c = spawnSync('aarch64-linux-gnu-gcc', ['-O2', '-pthread', '-Wall', '-Werror', '-c', '-o', join(dir, `${f}.o`), join(dir, `${f}.c`)], { encoding: 'utf8' });
        expect(c.stderr).toBe('');
        expect(c.status).toBe(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // On one CPU the store buffer drains at every context switch: nothing to see there.
  it.skipIf(availableParallelism() < 2)('self-test: with smp_mb a compiler barrier, SB+fencembonceonces shows a state tso forbids (exit 1)', () => {
    ensureBuilt();
    const sb = join(SHARED, 'corpus/lkmm-kernel/SB+fencembonceonces.litmus');
    let r = cli(['hw', '--mapping', 'x86-64-broken-mb', '--runs', '20', '--size', '500', sb]);
    // Rare on a busy machine; give it more rounds before failing.
    if (r.code === 0) r = cli(['hw', '--mapping', 'x86-64-broken-mb', '--runs', '200', '--size', '500', sb]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/!!! FORBIDDEN by tso, observed \d+ times?: 0:r0=0; 1:r0=0;/);
    expect(r.stderr).toContain('wrong on purpose');
    // The correct mapping never shows it.
    const good = cli(['hw', '--runs', '20', '--size', '500', sb]);
    expect(good.code).toBe(0);
    expect(counts(good.stdout).positive).toBe(0);
  });
});
