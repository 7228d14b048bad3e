// The posted-interrupt wake-up of a blocked x86 vCPU (issue 19): __vmx_deliver_posted_interrupt()
// and pi_wakeup_handler() against plain-C twins written from arch/x86/kvm/vmx/vmx.c, common.h and
// posted_intr.c (Linux 7.3), and the same helpers against kvm_vcpu_block() itself.
import { describe, expect, it } from 'vitest';
import { decide as run, twinSummary as summary } from './helpers/twin.js';

// kvm_vcpu_block()'s first check spelled out: prepare_to_rcuwait(), set_current_state(), then
// kvm_arch_vcpu_runnable()'s read of ON (r0=1: it goes to sleep).
const BLOCKER_KVM = 'P0(struct kvm_vcpu *vcpu) { int r0; rcu_assign_pointer(vcpu->wait, 1); smp_store_mb(vcpu->state, TASK_INTERRUPTIBLE); r0 = !READ_ONCE(vcpu->irq); }';
const BLOCKER_PLAIN = 'P0(int *wait, int *state, int *irq) { int r0; int on; rcu_assign_pointer(*wait, 1); smp_store_mb(*state, 1); on = READ_ONCE(*irq); r0 = (on == 0); }';
// kvm_vcpu_wake_up() -> rcuwait_wake_up(): rcu_read_lock(); smp_mb(); rcu_dereference(w->task);
// try_to_wake_up() as a cmpxchg of the state from TASK_INTERRUPTIBLE (1) to TASK_RUNNING (0).
const WAKE = 'woke = 0; rcu_read_lock(); smp_mb(); w = READ_ONCE(*wait); if (w != 0) { s = cmpxchg(state, 1, 0); if (s == 1) { woke = 1; wake_vcpu = wake_vcpu + 1; } } rcu_read_unlock();';
// pi_wakeup_handler() for one listed vCPU: pi_test_on() (test_bit: a plain read), then the wake-up.
const HANDLER = `r4 = 0; on = READ_ONCE(*irq); if (on != 0) { ${WAKE} r4 = woke; }`;
// __vmx_deliver_posted_interrupt(): pi_test_and_set_pir(), pi_test_and_set_on(), then
// kvm_vcpu_trigger_posted_interrupt(): IN_GUEST_MODE (1) sends the notification, else a wake-up.
const DELIVER = `p = test_and_set_bit(3, pir); if (p == 0) { o = test_and_set_bit(0, irq); if (o == 0) { m = READ_ONCE(*mode); if (m == 1) ipi = ipi + 1; else { ${WAKE} } } }`;

const TWINS: Array<{ name: string; expected: 'Never' | 'Sometimes' | 'Always'; kvm: string; plain: string }> = [
  {
    name: 'pi_wakeup_handler() after a fully ordered ON and the notification: no lost wake-up',
    expected: 'Never',
    kvm: `C k
{}
${BLOCKER_KVM}
P1(struct kvm_vcpu *vcpu, int *notify) { int r2; r2 = test_and_set_bit(0, &vcpu->irq); smp_store_release(notify, 1); }
P2(struct kvm_vcpu *vcpu, int *notify) { int r3; int r4; r3 = smp_load_acquire(notify); if (r3) r4 = pi_wakeup_handler(vcpu); }
exists (0:r0=1 /\\ 2:r3=1 /\\ 2:r4=0)`,
    plain: `C p
{}
${BLOCKER_PLAIN}
P1(int *irq, int *notify) { int r2; r2 = test_and_set_bit(0, irq); smp_store_release(notify, 1); }
P2(int *irq, int *notify, int *wait, int *state) { int r3; int r4; int on; int woke; int wake_vcpu; int w; int s; r3 = smp_load_acquire(notify); if (r3) { ${HANDLER} } }
exists (0:r0=1 /\\ 2:r3=1 /\\ 2:r4=0)`,
  },
  {
    name: 'pi_wakeup_handler() after a plain ON, notification unordered: the wake-up is lost',
    expected: 'Sometimes',
    kvm: `C k
{}
${BLOCKER_KVM}
P1(struct kvm_vcpu *vcpu, int *notify) { WRITE_ONCE(vcpu->irq, 1); WRITE_ONCE(*notify, 1); }
P2(struct kvm_vcpu *vcpu, int *notify) { int r3; int r4; r3 = smp_load_acquire(notify); if (r3) r4 = pi_wakeup_handler(vcpu); }
exists (0:r0=1 /\\ 2:r3=1 /\\ 2:r4=0)`,
    plain: `C p
{}
${BLOCKER_PLAIN}
P1(int *irq, int *notify) { WRITE_ONCE(*irq, 1); WRITE_ONCE(*notify, 1); }
P2(int *irq, int *notify, int *wait, int *state) { int r3; int r4; int on; int woke; int wake_vcpu; int w; int s; r3 = smp_load_acquire(notify); if (r3) { ${HANDLER} } }
exists (0:r0=1 /\\ 2:r3=1 /\\ 2:r4=0)`,
  },
  {
    name: '__vmx_deliver_posted_interrupt() to a vCPU outside the guest wakes it when it sleeps',
    expected: 'Never',
    kvm: `C k
{}
${BLOCKER_KVM}
P1(struct kvm_vcpu *vcpu) { __vmx_deliver_posted_interrupt(vcpu, 3); }
exists (0:r0=1 /\\ 1:wake_vcpu=0 /\\ 1:ipi=0)`,
    plain: `C p
{}
${BLOCKER_PLAIN}
P1(int *irq, int *pir, int *mode, int *wait, int *state) { int ipi; int wake_vcpu; int p; int o; int m; int woke; int w; int s; ${DELIVER} }
exists (0:r0=1 /\\ 1:wake_vcpu=0 /\\ 1:ipi=0)`,
  },
  {
    name: '__vmx_deliver_posted_interrupt() to a vCPU IN_GUEST_MODE sends the notification, no wake-up',
    expected: 'Always',
    kvm: `C k
{ vcpu->mode = IN_GUEST_MODE; }
P0(struct kvm_vcpu *vcpu) { __vmx_deliver_posted_interrupt(vcpu, 3); }
exists (0:ipi=1 /\\ 0:wake_vcpu=0 /\\ [vcpu->irq]=1 /\\ [vcpu->pir]=8)`,
    plain: `C p
{ mode = 1; }
P0(int *irq, int *pir, int *mode, int *wait, int *state) { int ipi; int wake_vcpu; int p; int o; int m; int woke; int w; int s; ${DELIVER} }
exists (0:ipi=1 /\\ 0:wake_vcpu=0 /\\ [irq]=1 /\\ [pir]=8)`,
  },
];

describe('the posted-interrupt helpers against plain-C twins', () => {
  for (const t of TWINS) {
    it(t.name, () => {
      const k = summary(run(t.kvm));
      expect(k.observation).toBe(t.expected);
      expect(k.positive + k.negative).toBeGreaterThan(0);
      const p = summary(run(t.plain));
      expect(k).toEqual(p);
    });
  }
});

describe('the posted-interrupt wake-up against kvm_vcpu_block() itself', () => {
  const halt = (sender: string) => `C h
{}
P0(struct kvm_vcpu *vcpu) { int r0; r0 = kvm_vcpu_block(vcpu); }
${sender}
exists (0:r0=0 \\/ 0:r0=1)`;
  it('the kernel\'s delivery never leaves the vCPU asleep', () => {
    const r = run(halt('P1(struct kvm_vcpu *vcpu) { __vmx_deliver_posted_interrupt(vcpu, 3); }'));
    expect(r.judgement.blocked).toEqual([]);
    expect(r.judgement.observation).toBe('Always');
  });
  it('a handler after an unordered ON can leave it asleep: counted as blocked, not dropped', () => {
    const r = run(halt(`P1(struct kvm_vcpu *vcpu, int *notify) { WRITE_ONCE(vcpu->irq, 1); WRITE_ONCE(*notify, 1); }
P2(struct kvm_vcpu *vcpu, int *notify) { int r3; int r4; r3 = smp_load_acquire(notify); if (r3) r4 = pi_wakeup_handler(vcpu); }`));
    expect(r.judgement.blocked).toEqual([expect.objectContaining({ thread: 0, waitsFor: expect.stringContaining("kvm_vcpu_block()'s schedule()") })]);
  });
});
