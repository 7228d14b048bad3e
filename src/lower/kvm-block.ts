// A vCPU that halts and the threads that wake it, as mainline (Linux 7.3) has them:
// kvm_vcpu_block() and kvm_vcpu_check_block() in virt/kvm/kvm_main.c, the rcuwait of
// include/linux/rcuwait.h with finish_rcuwait() and rcuwait_wake_up() in kernel/exit.c, the
// task state set_current_state() writes and try_to_wake_up() (kernel/sched/core.c) changes, and
// per architecture what kvm_arch_vcpu_runnable() counts (arch/x86/kvm/x86.c,
// arch/arm64/kvm/arm.c, arch/riscv/kvm/vcpu.c). See docs/kvm-dialect.md, "Blocking and waking".
import type { KvmArch } from './kvm-arch.js';
import type { PrimitiveBuilder } from './primitives.js';
import type { Origin, PureExpr } from './program.js';
import { bin, capture, field, num, reg, requestMask } from './kvm.js';

/** The vCPU task's __state: TASK_RUNNING, and the TASK_INTERRUPTIBLE kvm_vcpu_block() sleeps in. */
export const TASK_RUNNING = 0;
export const TASK_INTERRUPTIBLE = 1;

/** Sleeps kvm_vcpu_block() may take before the model stops following it (the result is then incomplete). */
export const BLOCK_SLEEPS = 2;

/**
 * The requests kvm_arch_vcpu_runnable() reads (kvm_test_request()), per architecture. x86's
 * kvm_vcpu_has_events() tests KVM_REQ_NMI, KVM_REQ_SMI, KVM_REQ_PMI and
 * KVM_REQ_UPDATE_PROTECTED_GUEST_STATE; arm64 and riscv read no request (their vCPU runs on a
 * pending interrupt: the `irq` input). Any other request, KVM_REQ_TLB_FLUSH included, leaves a
 * halted vCPU asleep.
 */
export function runnableRequests(arch: KvmArch): readonly string[] {
  switch (arch) {
    case 'x86':
      return ['KVM_REQ_NMI', 'KVM_REQ_SMI', 'KVM_REQ_PMI', 'KVM_REQ_UPDATE_PROTECTED_GUEST_STATE'];
    case 'arm64':
    case 'riscv':
      return [];
  }
}

/** The parts of kvm_vcpu_block() and of a wake-up, as explain and fences name them. */
export const BLOCK_PART = {
  prepare: 'prepare_to_rcuwait',
  setState: 'set_current_state',
  checkBlock: 'kvm_vcpu_check_block',
  runnable: 'kvm_arch_vcpu_runnable',
  timer: 'kvm_cpu_has_pending_timer',
  signal: 'signal_pending',
  unblock: 'kvm_check_request',
  schedule: 'schedule',
  finish: 'finish_rcuwait',
  wakeBarrier: 'smp_mb',
  readWaiter: 'rcu_dereference',
  wake: 'try_to_wake_up',
} as const;

const at = (b: PrimitiveBuilder, part: string): Origin => b.origin(part);

/** The request mask of the runnable requests of an architecture, from the names the test's table gives them. */
export type RequestNumber = (name: string) => number | undefined;

/**
 * kvm_vcpu_check_block(): whether the vCPU must run (the kernel's -EINTR) rather than sleep:
 * kvm_arch_vcpu_runnable() (a pending interrupt, the `irq` input, or a runnable request of the
 * architecture), kvm_cpu_has_pending_timer() (`timer`), signal_pending(current) (`signal`), or
 * kvm_check_request(KVM_REQ_UNBLOCK), which clears the bit it finds. Emits the reads; `run` gets 1 or 0.
 */
function emitCheckBlock(b: PrimitiveBuilder, v: string, run: string, mask: PureExpr | null, unblockBit: number): void {
  const reads: Array<[string, string]> = [['irq', BLOCK_PART.runnable], ['timer', BLOCK_PART.timer], ['signal', BLOCK_PART.signal]];
  let any: PureExpr = num(0);
  const requests = field(b, v, 'requests');
  if (mask !== null) {
    // One read for the architecture's kvm_test_request()s (see docs: an approximation).
    const r = b.temp();
    b.emit({ op: 'load', dst: r, addr: requests, ann: 'ONCE', origin: at(b, BLOCK_PART.runnable) });
    any = bin('!=', bin('&', reg(r), mask), num(0));
  }
  for (const [f, part] of reads) {
    const r = b.temp();
    b.emit({ op: 'load', dst: r, addr: field(b, v, f), ann: 'ONCE', origin: at(b, part) });
    any = bin('||', any, bin('!=', reg(r), num(0)));
  }
  b.emit({ op: 'assign', dst: run, value: any, origin: at(b, BLOCK_PART.checkBlock) });
  // kvm_check_request(KVM_REQ_UNBLOCK, vcpu), only when nothing before it said run.
  const u = b.temp();
  const unblockMask = requestMask(num(unblockBit));
  b.emit({
    op: 'if',
    cond: reg(run),
    then: [],
    else: [
      { op: 'load', dst: u, addr: requests, ann: 'ONCE', origin: at(b, BLOCK_PART.unblock) },
      {
        op: 'if',
        cond: bin('!=', bin('&', reg(u), unblockMask), num(0)),
        then: [
          { op: 'atomic', alu: '&~', dst: null, returns: 'none', addr: requests, operand: unblockMask, unless: null, ann: 'NORETURN', origin: at(b, BLOCK_PART.unblock) },
          { op: 'fence', ann: 'after-atomic', origin: at(b, BLOCK_PART.unblock) },
          { op: 'assign', dst: run, value: num(1), origin: at(b, BLOCK_PART.unblock) },
        ],
        else: [],
        origin: at(b, BLOCK_PART.unblock),
      },
    ],
    origin: at(b, BLOCK_PART.checkBlock),
  });
}

/**
 * kvm_vcpu_block(): prepare_to_rcuwait() (rcu_assign_pointer(w->task, current): a release of
 * vcpu->wait), then the loop: set_current_state(TASK_INTERRUPTIBLE) (smp_store_mb() of the task
 * state), kvm_vcpu_check_block(), and unless it says run, schedule(): the task sleeps until a
 * wake-up sets it TASK_RUNNING (a wait; a run nobody wakes is blocked). After `sleeps` sleeps
 * the model stops (a `cut`: incomplete, never Never). Then finish_rcuwait():
 * rcu_assign_pointer(w->task, NULL), a WRITE_ONCE (the macro's case for a constant NULL), and
 * __set_current_state(TASK_RUNNING). `waited` (returned) is 1 once it has slept.
 */
export function emitBlock(b: PrimitiveBuilder, v: string, mask: PureExpr | null, unblockBit: number, sleeps = BLOCK_SLEEPS): PureExpr {
  const wait = field(b, v, 'wait');
  const state = field(b, v, 'state');
  const waited = b.temp();
  b.emit({ op: 'assign', dst: waited, value: num(0), origin: at(b, BLOCK_PART.prepare) });
  b.emit({ op: 'store', addr: wait, value: num(1), ann: 'RELEASE', origin: at(b, BLOCK_PART.prepare) });
  const iteration = (inner: PrimitiveBuilder, n: number): void => {
    inner.emit({ op: 'store', addr: state, value: num(TASK_INTERRUPTIBLE), ann: 'ONCE', origin: at(inner, BLOCK_PART.setState) });
    inner.emit({ op: 'fence', ann: 'MB', origin: at(inner, BLOCK_PART.setState) });
    const run = inner.temp();
    emitCheckBlock(inner, v, run, mask, unblockBit);
    const sleep = capture(inner, (s) => {
      if (n > sleeps) {
        s.emit({ op: 'cut', reason: `kvm_vcpu_block() of ${v} would sleep a ${n}th time; the model follows at most ${sleeps} sleeps`, origin: at(s, BLOCK_PART.schedule) });
        return;
      }
      const t = s.temp();
      s.emit({ op: 'assign', dst: waited, value: num(1), origin: at(s, BLOCK_PART.schedule) });
      s.emit({ op: 'await', dst: t, addr: state, ann: 'ONCE', until: bin('==', reg(t), num(TASK_RUNNING)), waitsFor: `a wake-up of ${v} (asleep in kvm_vcpu_block()'s schedule())`, origin: at(s, BLOCK_PART.schedule) });
      iteration(s, n + 1);
    });
    inner.emit({ op: 'if', cond: reg(run), then: [], else: sleep, origin: at(inner, BLOCK_PART.checkBlock) });
  };
  iteration(b, 1);
  b.emit({ op: 'store', addr: wait, value: num(0), ann: 'ONCE', origin: at(b, BLOCK_PART.finish) });
  b.emit({ op: 'store', addr: state, value: num(TASK_RUNNING), ann: 'ONCE', origin: at(b, BLOCK_PART.finish) });
  return reg(waited);
}

/**
 * kvm_vcpu_wake_up() -> rcuwait_wake_up(&vcpu->wait): rcu_read_lock(); smp_mb() (barrier B,
 * pairing with set_current_state()'s); task = rcu_dereference(w->task); if there is one,
 * wake_up_process(task): try_to_wake_up() changes a TASK_INTERRUPTIBLE task to TASK_RUNNING
 * (under p->pi_lock: a cmpxchg of the state) and says whether it did. Returns whether it woke
 * the vCPU (the kernel's return value); `wakeReg` counts the wake-ups.
 */
export function emitWake(b: PrimitiveBuilder, v: string, origin: (part: string) => Origin, wakeReg: string): PureExpr {
  const t = b.temp();
  const s = b.temp();
  const woke = b.temp();
  b.emit({ op: 'assign', dst: woke, value: num(0), origin: origin(BLOCK_PART.wake) });
  b.emit({ op: 'fence', ann: 'rcu-lock', origin: origin('rcu_read_lock') });
  b.emit({ op: 'fence', ann: 'MB', origin: origin(BLOCK_PART.wakeBarrier) });
  b.emit({ op: 'load', dst: t, addr: field(b, v, 'wait'), ann: 'ONCE', origin: origin(BLOCK_PART.readWaiter) });
  b.emit({
    op: 'if',
    cond: bin('!=', reg(t), num(0)),
    then: [
      { op: 'cmpxchg', dst: s, addr: field(b, v, 'state'), expected: num(TASK_INTERRUPTIBLE), value: num(TASK_RUNNING), ann: 'MB', origin: origin(BLOCK_PART.wake) },
      {
        op: 'if',
        cond: bin('==', reg(s), num(TASK_INTERRUPTIBLE)),
        then: [
          { op: 'assign', dst: woke, value: num(1), origin: origin(BLOCK_PART.wake) },
          { op: 'assign', dst: wakeReg, value: bin('+', reg(wakeReg), num(1)), origin: origin(BLOCK_PART.wake) },
        ],
        else: [],
        origin: origin(BLOCK_PART.wake),
      },
    ],
    else: [],
    origin: origin(BLOCK_PART.wake),
  });
  b.emit({ op: 'fence', ann: 'rcu-unlock', origin: origin('rcu_read_unlock') });
  return reg(woke);
}
