// kvm_vcpu_block() and kvm_vcpu_wake_up() against plain-C twins written from virt/kvm/kvm_main.c,
// include/linux/rcuwait.h and kernel/exit.c (Linux 7.3), as issue 19 asks of every helper.
// schedule() has no plain-C spelling in the dialect (the helper's wait is an `await`: a read that
// must see TASK_RUNNING, an execution where it cannot being counted as blocked): the twin spells
// it as a READ_ONCE() of the state and a `filter` that keeps the executions in which that read
// saw TASK_RUNNING, i.e. the twin checks the executions that finish, and the helper's side is
// checked to have no blocked or cut execution in these scenarios, so nothing is left unchecked.
import { describe, expect, it } from 'vitest';
import { decide as run, twinSummary as summary } from './helpers/twin.js';
import { kvmRequest } from '../src/lower/kvm-arch.js';

const bit = (name: string): number => {
  const r = kvmRequest('x86', name);
  if (!r) throw new Error(name);
  return r.bit;
};
// x86's kvm_arch_vcpu_runnable() requests (kvm_vcpu_has_events()): NMI, SMI, PMI, UPDATE_PROTECTED_GUEST_STATE.
const RUNNABLE = ['KVM_REQ_NMI', 'KVM_REQ_SMI', 'KVM_REQ_PMI', 'KVM_REQ_UPDATE_PROTECTED_GUEST_STATE'].map((n) => 2 ** bit(n)).reduce((a, b) => a | b);
const UNBLOCK = bit('KVM_REQ_UNBLOCK');

/** kvm_vcpu_check_block() into `run`: the runnable requests, irq, timer, signal, then kvm_check_request(KVM_REQ_UNBLOCK). */
const check = (run: string, n: number) =>
  `q${n} = READ_ONCE(*requests); i${n} = READ_ONCE(*irq); t${n} = READ_ONCE(*timer); g${n} = READ_ONCE(*signal);
   ${run} = ((q${n} & ${RUNNABLE}) != 0 || i${n} != 0 || t${n} != 0 || g${n} != 0);
   if (${run} == 0) { u${n} = READ_ONCE(*requests); if ((u${n} & ${2 ** UNBLOCK}) != 0) { clear_bit(${UNBLOCK}, requests); smp_mb__after_atomic(); ${run} = 1; } }`;

/**
 * kvm_vcpu_block(): prepare_to_rcuwait() (rcu_assign_pointer: a release of wait), then
 * set_current_state(TASK_INTERRUPTIBLE) (smp_store_mb of state) and kvm_vcpu_check_block();
 * schedule() (the read s1, filtered to TASK_RUNNING); again; finish_rcuwait(). The scenarios
 * below never need a second sleep (the filter says so: run2 = 1).
 */
const BLOCK = `P0(int *wait, int *state, int *requests, int *irq, int *timer, int *signal) {
  int r0; int run1; int run2; int s1; int q1; int i1; int t1; int g1; int u1; int q2; int i2; int t2; int g2; int u2;
  r0 = 0; run2 = 1;
  smp_store_release(wait, 1);
  smp_store_mb(*state, 1);
  ${check('run1', 1)}
  if (run1 == 0) {
    r0 = 1; s1 = READ_ONCE(*state);
    smp_store_mb(*state, 1);
    ${check('run2', 2)}
  }
  WRITE_ONCE(*wait, 0);
  WRITE_ONCE(*state, 0);
}`;
// rcuwait_wake_up(): rcu_read_lock(); smp_mb(); rcu_dereference(w->task); try_to_wake_up() as a
// fully ordered cmpxchg of the state from TASK_INTERRUPTIBLE (1) to TASK_RUNNING (0).
const WAKE = 'r1 = 0; rcu_read_lock(); smp_mb(); w = READ_ONCE(*wait); if (w != 0) { s = cmpxchg(state, 1, 0); if (s == 1) r1 = 1; } rcu_read_unlock();';
const FILTER = 'filter (0:r0=0 \\/ (0:s1=0 /\\ 0:run2=1))';

const TWINS: Array<{ name: string; expected: 'Never' | 'Sometimes' | 'Always'; kvm: string; plain: string }> = [
  {
    name: 'kvm_vcpu_block() against kvm_make_request(KVM_REQ_NMI) + kvm_vcpu_wake_up(): a sleep is always woken',
    expected: 'Never',
    kvm: `C k
{}
P0(struct kvm_vcpu *vcpu) { int r0; r0 = kvm_vcpu_block(vcpu); }
P1(struct kvm_vcpu *vcpu) { int r1; kvm_make_request(KVM_REQ_NMI, vcpu); r1 = kvm_vcpu_wake_up(vcpu); }
exists (0:r0=1 /\\ 1:r1=0)`,
    plain: `C p
{}
${BLOCK}
P1(int *wait, int *state, int *requests) { int r1; int w; int s; smp_wmb(); set_bit(${bit('KVM_REQ_NMI')}, requests); ${WAKE} }
${FILTER}
exists (0:r0=1 /\\ 1:r1=0)`,
  },
  {
    name: 'kvm_vcpu_block() against KVM_REQ_UNBLOCK + kvm_vcpu_wake_up(): kvm_check_request() clears it',
    expected: 'Sometimes',
    kvm: `C k
{}
P0(struct kvm_vcpu *vcpu) { int r0; r0 = kvm_vcpu_block(vcpu); }
P1(struct kvm_vcpu *vcpu) { int r1; kvm_make_request(KVM_REQ_UNBLOCK, vcpu); r1 = kvm_vcpu_wake_up(vcpu); }
exists (0:r0=1 /\\ [vcpu->requests]=0 /\\ [vcpu->state]=0 /\\ [vcpu->wait]=0)`,
    plain: `C p
{}
${BLOCK}
P1(int *wait, int *state, int *requests) { int r1; int w; int s; smp_wmb(); set_bit(${UNBLOCK}, requests); ${WAKE} }
${FILTER}
exists (0:r0=1 /\\ [requests]=0 /\\ [state]=0 /\\ [wait]=0)`,
  },
  {
    name: 'kvm_vcpu_wake_up() against the block\'s first check: it wakes or the vCPU sees the request',
    expected: 'Never',
    kvm: `C k
{}
P0(struct kvm_vcpu *vcpu) { int r0; rcu_assign_pointer(vcpu->wait, 1); smp_store_mb(vcpu->state, TASK_INTERRUPTIBLE); r0 = !kvm_request_pending(vcpu); }
P1(struct kvm_vcpu *vcpu) { int r1; kvm_make_request(KVM_REQ_UNBLOCK, vcpu); r1 = kvm_vcpu_wake_up(vcpu); }
exists (0:r0=1 /\\ 1:r1=0)`,
    plain: `C p
{}
P0(int *wait, int *state, int *requests) { int r0; int q; smp_store_release(wait, 1); smp_store_mb(*state, 1); q = READ_ONCE(*requests); r0 = (q == 0); }
P1(int *wait, int *state, int *requests) { int r1; int w; int s; smp_wmb(); set_bit(${UNBLOCK}, requests); ${WAKE} }
exists (0:r0=1 /\\ 1:r1=0)`,
  },
];

describe('kvm_vcpu_block() and kvm_vcpu_wake_up() against plain-C twins', () => {
  for (const t of TWINS) {
    it(t.name, () => {
      const r = run(t.kvm);
      // The twin cannot count blocked or cut executions: these scenarios must have none.
      expect(r.judgement.blocked).toEqual([]);
      expect(r.judgement.complete).toBe(true);
      const k = summary(r);
      expect(k.observation).toBe(t.expected);
      expect(k.positive + k.negative).toBeGreaterThan(0);
      expect(k).toEqual(summary(run(t.plain)));
    });
  }
});
