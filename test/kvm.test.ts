// The KVM vCPU-request dialect: each helper against a twin test written with herd7's own LKMM
// primitives (the expansion kvm_host.h gives it), the helpers' events, the dialect's errors, and
// the bundled litmus/kvm suite against its Result: lines and hand-derived SC/TSO verdicts.
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decideSource, lowerTest, parseLitmus, type TestResult } from '../src/api.js';
import { formatValue } from '../src/execution/condition.js';
import type { Instr } from '../src/lower/program.js';
import { analyzeFences } from '../src/analysis/fences.js';
import { expectationFromComment } from '../src/check/expectations.js';
import { explainSource } from '../src/explain/explain.js';
import { expectationMismatch, verdictText } from '../src/check/verdict.js';

function check(source: string, model = 'lkmm'): TestResult {
  const res = decideSource(source, 'twin.litmus', { model });
  if (!res.ok) throw new Error(res.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`).join('\n'));
  return res.result;
}

/** What must agree between a KVM test and its twin: verdict, witness counts, final states. */
function summary(r: TestResult) {
  const labels = r.program.observed.map((o) => o.label);
  return {
    observation: r.judgement.observation,
    positive: r.judgement.positive,
    negative: r.judgement.negative,
    states: r.judgement.states.map((s) => s.values.map((v, i) => `${labels[i]}=${formatValue(v)}`).join(' ')),
  };
}

interface Twin {
  name: string;
  kvm: string;
  plain: string;
  /** The twin pair's expected observation, derived by hand, so agreement is not vacuous. */
  expected: 'Never' | 'Sometimes' | 'Always';
}

// Twins use herd7's primitives only: set_bit(n, p) is atomic_or(1 << n, p) (non-returning,
// unordered), clear_bit is atomic_andnot, test_bit is READ_ONCE and a shift.
const TWINS: Twin[] = [
  {
    name: 'kvm_make_request + kvm_request_pending, Dekker with both smp_mb()',
    expected: 'Never',
    kvm: `C k
{}
P0(struct kvm_vcpu *vcpu) { int r0; WRITE_ONCE(vcpu->mode, IN_GUEST_MODE); smp_mb(); r0 = kvm_request_pending(vcpu); }
P1(struct kvm_vcpu *vcpu) { int r1; kvm_make_request(KVM_REQ_TLB_FLUSH, vcpu); smp_mb(); r1 = READ_ONCE(vcpu->mode); }
exists (0:r0=0 /\\ 1:r1=0)`,
    plain: `C p
{}
P0(int *mode, atomic_t *requests) { int r0; int t; WRITE_ONCE(*mode, 1); smp_mb(); t = atomic_read(requests); r0 = (t != 0); }
P1(int *mode, atomic_t *requests) { int r1; smp_wmb(); atomic_or(1, requests); smp_mb(); r1 = READ_ONCE(*mode); }
exists (0:r0=0 /\\ 1:r1=0)`,
  },
  {
    name: 'kvm_make_request without the requester barrier',
    expected: 'Sometimes',
    kvm: `C k
{}
P0(struct kvm_vcpu *vcpu) { int r0; WRITE_ONCE(vcpu->mode, IN_GUEST_MODE); smp_mb(); r0 = kvm_request_pending(vcpu); }
P1(struct kvm_vcpu *vcpu) { int r1; kvm_make_request(KVM_REQ_EVENT, vcpu); r1 = READ_ONCE(vcpu->mode); }
exists (0:r0=0 /\\ 1:r1=0)`,
    plain: `C p
{}
P0(int *mode, atomic_t *requests) { int r0; int t; WRITE_ONCE(*mode, 1); smp_mb(); t = atomic_read(requests); r0 = (t != 0); }
P1(int *mode, atomic_t *requests) { int r1; smp_wmb(); atomic_or(16384, requests); r1 = READ_ONCE(*mode); }
exists (0:r0=0 /\\ 1:r1=0)`,
  },
  {
    name: 'kvm_check_request: test_bit, clear_bit, smp_mb__after_atomic (message passing)',
    expected: 'Never',
    kvm: `C k
{}
P0(struct kvm_vcpu *vcpu, int *x) { int r0; int r1; r0 = kvm_check_request(KVM_REQ_NMI, vcpu); if (r0) r1 = READ_ONCE(*x); }
P1(struct kvm_vcpu *vcpu, int *x) { WRITE_ONCE(*x, 1); kvm_make_request(KVM_REQ_NMI, vcpu); }
exists (0:r0=1 /\\ 0:r1=0)`,
    plain: `C p
{}
P0(atomic_t *requests, int *x) { int r0; int r1; int t; t = atomic_read(requests); r0 = (t >> 17) & 1; if (r0) { atomic_andnot(131072, requests); smp_mb__after_atomic(); r1 = READ_ONCE(*x); } }
P1(atomic_t *requests, int *x) { WRITE_ONCE(*x, 1); smp_wmb(); atomic_or(131072, requests); }
exists (0:r0=1 /\\ 0:r1=0)`,
  },
  {
    name: 'kvm_test_request + kvm_clear_request: no barrier (message passing fails)',
    expected: 'Sometimes',
    kvm: `C k
{}
P0(struct kvm_vcpu *vcpu, int *x) { int r0; int r1; r0 = kvm_test_request(KVM_REQ_NMI, vcpu); if (r0) { kvm_clear_request(KVM_REQ_NMI, vcpu); r1 = READ_ONCE(*x); } }
P1(struct kvm_vcpu *vcpu, int *x) { WRITE_ONCE(*x, 1); kvm_make_request(KVM_REQ_NMI, vcpu); }
exists (0:r0=1 /\\ 0:r1=0)`,
    plain: `C p
{}
P0(atomic_t *requests, int *x) { int r0; int r1; int t; t = atomic_read(requests); r0 = (t >> 17) & 1; if (r0) { atomic_andnot(131072, requests); r1 = READ_ONCE(*x); } }
P1(atomic_t *requests, int *x) { WRITE_ONCE(*x, 1); smp_wmb(); atomic_or(131072, requests); }
exists (0:r0=1 /\\ 0:r1=0)`,
  },
  {
    name: 'kvm_vcpu_exiting_guest_mode: smp_mb__before_atomic + cmpxchg, even when it fails',
    expected: 'Never',
    kvm: `C k
{}
P0(struct kvm_vcpu *vcpu) { int r0; WRITE_ONCE(vcpu->mode, IN_GUEST_MODE); smp_mb(); r0 = kvm_request_pending(vcpu); }
P1(struct kvm_vcpu *vcpu) { int r1; kvm_make_request(KVM_REQ_TLB_FLUSH, vcpu); r1 = kvm_vcpu_exiting_guest_mode(vcpu); }
exists (0:r0=0 /\\ 1:r1=0)`,
    plain: `C p
{}
P0(int *mode, atomic_t *requests) { int r0; int t; WRITE_ONCE(*mode, 1); smp_mb(); t = atomic_read(requests); r0 = (t != 0); }
P1(int *mode, atomic_t *requests) { int r1; smp_wmb(); atomic_or(1, requests); smp_mb__before_atomic(); r1 = cmpxchg(mode, 1, 2); }
exists (0:r0=0 /\\ 1:r1=0)`,
  },
  {
    name: 'kvm_vcpu_kick: the wake-up half, then an IPI iff the cmpxchg found IN_GUEST_MODE, on two vCPUs',
    expected: 'Sometimes',
    kvm: `C k
{ vcpu0->mode = IN_GUEST_MODE; }
P0(struct kvm_vcpu *vcpu0, struct kvm_vcpu *vcpu1) { kvm_vcpu_kick(vcpu0); kvm_vcpu_kick(vcpu1); }
P1(struct kvm_vcpu *vcpu0) { kvm_vcpu_kick(vcpu0); }
P2(struct kvm_vcpu *vcpu1) { int r2; local_irq_disable(); WRITE_ONCE(vcpu1->mode, IN_GUEST_MODE); local_irq_enable(); r2 = READ_ONCE(vcpu1->mode); }
exists (0:ipi=2 /\\ 1:ipi=0 /\\ 2:r2=1)`,
    plain: `C p
{ mode0 = 1; }
P0(int *mode0, int *mode1, int *wait0, int *wait1) {
  int ipi; int a; int b; int w0; int w1;
  rcu_read_lock(); smp_mb(); w0 = READ_ONCE(*wait0); rcu_read_unlock();
  if (w0 == 0) { smp_mb__before_atomic(); a = cmpxchg(mode0, 1, 2); if (a == 1) ipi = ipi + 1; }
  rcu_read_lock(); smp_mb(); w1 = READ_ONCE(*wait1); rcu_read_unlock();
  if (w1 == 0) { smp_mb__before_atomic(); b = cmpxchg(mode1, 1, 2); if (b == 1) ipi = ipi + 1; }
}
P1(int *mode0, int *wait0) { int ipi; int c; int w; rcu_read_lock(); smp_mb(); w = READ_ONCE(*wait0); rcu_read_unlock(); if (w == 0) { smp_mb__before_atomic(); c = cmpxchg(mode0, 1, 2); if (c == 1) ipi = ipi + 1; } }
P2(int *mode1) { int r2; WRITE_ONCE(*mode1, 1); r2 = READ_ONCE(*mode1); }
exists (0:ipi=2 /\\ 1:ipi=0 /\\ 2:r2=1)`,
  },
  {
    // KVM_REQ_TLB_FLUSH is WAIT | NO_WAKEUP: no wake-up; an IPI unless OUTSIDE_GUEST_MODE, queued
    // as bit 0 of the vCPU's call-single queue (llist_add: a fully ordered RMW); then the
    // requester spins (acquire) until the vCPU has handled that IPI: csd_unlock's release where
    // it takes interrupts, at local_irq_enable() (the IPIs queued by then) or idling to the end
    // of its thread (every IPI: the last value). The twin's filter keeps what the dialect judges:
    // executions in which the wait ended (a blocked one is counted apart, not judged) and the idle
    // read got the last value. If it IPI'd (r2=1), the vCPU's read of y comes before the ack.
    name: 'kvm_make_all_cpus_request with KVM_REQUEST_WAIT: waits for the acknowledgement of its own IPI',
    expected: 'Never',
    kvm: `C k
{}
P0(struct kvm_vcpu *v0, int *y) { int r0; smp_store_mb(v0->mode, IN_GUEST_MODE); r0 = READ_ONCE(*y); WRITE_ONCE(v0->mode, OUTSIDE_GUEST_MODE); local_irq_enable(); }
P1(struct kvm *kvm, int *y) { int r2; r2 = kvm_make_all_cpus_request(kvm, KVM_REQ_TLB_FLUSH); WRITE_ONCE(*y, 1); }
exists (0:r0=1 /\\ 1:r2=1)`,
    plain: `C p
{}
P0(int *mode0, int *ipis0, int *ack0, int *y) {
  int r0; int q; int q2; int acked;
  smp_store_mb(*mode0, 1); r0 = READ_ONCE(*y); WRITE_ONCE(*mode0, 0);
  q = READ_ONCE(*ipis0); if (q != acked) { smp_store_release(ack0, q); acked = q; }
  q2 = READ_ONCE(*ipis0); if (q2 != acked) { smp_store_release(ack0, q2); acked = q2; }
}
P1(int *mode0, atomic_t *req0, int *ipis0, int *ack0, int *y) {
  int r2; int m; int sent; int a; int ipi; int ipi_v0; int old;
  sent = 0; smp_wmb(); atomic_or(1, req0); smp_mb__before_atomic(); m = cmpxchg(mode0, 1, 2);
  if (m != 0) { old = atomic_fetch_or(1, ipis0); ipi_v0 = ipi_v0 + 1; ipi = ipi + 1; sent = 1; }
  if (sent) a = smp_load_acquire(ack0);
  r2 = sent; WRITE_ONCE(*y, 1);
}
filter ((1:sent=0 \\/ 1:a=1) /\\ 0:q2=[ipis0])
exists (0:r0=1 /\\ 1:r2=1)`,
  },
  {
    // KVM_REQ_OUTSIDE_GUEST_MODE is NO_ACTION | WAIT | NO_WAKEUP: no request bit, no wake-up.
    // The mask 0x2 names v1 only. v1 stays in the guest (never acknowledges), so the requester
    // returns only where it found v1 OUTSIDE_GUEST_MODE, and then v1's smp_store_mb() makes it
    // see x=1 (Dekker). v0 is not a target: its r0 is free.
    name: 'kvm_make_vcpus_request_mask with NO_ACTION: a subset of the vCPUs, no request bit',
    expected: 'Never',
    kvm: `C k
{}
P0(struct kvm_vcpu *v0, int *x) { int r0; smp_store_mb(v0->mode, IN_GUEST_MODE); r0 = READ_ONCE(*x); }
P1(struct kvm_vcpu *v1, int *x) { int r1; smp_store_mb(v1->mode, IN_GUEST_MODE); r1 = READ_ONCE(*x); }
P2(struct kvm *kvm, int *x) { WRITE_ONCE(*x, 1); kvm_make_vcpus_request_mask(kvm, KVM_REQ_OUTSIDE_GUEST_MODE, 0x2); }
exists (1:r1=0)`,
    plain: `C p
{}
P0(int *mode0, int *x) { int r0; smp_store_mb(*mode0, 1); r0 = READ_ONCE(*x); }
P1(int *mode1, int *x) { int r1; smp_store_mb(*mode1, 1); r1 = READ_ONCE(*x); }
P2(int *mode1, int *ack1, int *x) {
  int m; int sent; int a; int ipi; int ipi_v1;
  WRITE_ONCE(*x, 1);
  sent = 0; smp_mb__before_atomic(); m = cmpxchg(mode1, 1, 2);
  if (m != 0) { ipi_v1 = ipi_v1 + 1; ipi = ipi + 1; sent = 1; }
  if (sent) a = smp_load_acquire(ack1);
}
filter (2:sent=0 \\/ 2:a=1)
exists (1:r1=0)`,
  },
  {
    // _except leaves v0 out entirely: no request bit, no wake-up, no IPI for it, so P0 never sees
    // the request; v1 gets KVM_REQ_EVENT's path (request, wake-up attempt, IPI if IN_GUEST_MODE)
    // and its smp_mb() entry pairs with the cmpxchg's smp_mb__before_atomic(): never lost.
    name: 'kvm_make_all_cpus_request_except: every vCPU but one',
    expected: 'Never',
    kvm: `C k
{}
P0(struct kvm_vcpu *v0) { int r0; WRITE_ONCE(v0->mode, IN_GUEST_MODE); smp_mb(); r0 = kvm_request_pending(v0); }
P1(struct kvm_vcpu *v1) { int r1; WRITE_ONCE(v1->mode, IN_GUEST_MODE); smp_mb(); r1 = kvm_request_pending(v1); }
P2(struct kvm *kvm, struct kvm_vcpu *v0) { kvm_make_all_cpus_request_except(kvm, KVM_REQ_EVENT, v0); }
exists (0:r0=1 \\/ (1:r1=0 /\\ 2:ipi_v1=0))`,
    plain: `C p
{}
P0(int *mode0, atomic_t *req0) { int r0; int t; WRITE_ONCE(*mode0, 1); smp_mb(); t = atomic_read(req0); r0 = (t != 0); }
P1(int *mode1, atomic_t *req1) { int r1; int t; WRITE_ONCE(*mode1, 1); smp_mb(); t = atomic_read(req1); r1 = (t != 0); }
P2(int *wait1, atomic_t *req1, int *mode1) {
  int ipi; int ipi_v1; int wake_v1; int w1; int m1;
  smp_wmb(); atomic_or(16384, req1);
  rcu_read_lock(); smp_mb(); w1 = READ_ONCE(*wait1); if (w1 != 0) wake_v1 = wake_v1 + 1; rcu_read_unlock();
  if (w1 != 0) {} else { smp_mb__before_atomic(); m1 = cmpxchg(mode1, 1, 2); if (m1 == 1) { ipi_v1 = ipi_v1 + 1; ipi = ipi + 1; } }
}
exists (0:r0=1 \\/ (1:r1=0 /\\ 2:ipi_v1=0))`,
  },
  {
    // With WAIT, kvm_request_needs_ipi() is "mode != OUTSIDE_GUEST_MODE": after P0's kick moved
    // the vCPU to EXITING_GUEST_MODE, P1 still IPIs. Never r1=0.
    name: 'kvm_request_needs_ipi with KVM_REQUEST_WAIT: anything but OUTSIDE_GUEST_MODE',
    expected: 'Never',
    kvm: `C k
{ vcpu->mode = IN_GUEST_MODE; }
P0(struct kvm_vcpu *vcpu) { kvm_vcpu_kick(vcpu); }
P1(struct kvm_vcpu *vcpu) { int r1; r1 = kvm_request_needs_ipi(vcpu, KVM_REQ_TLB_FLUSH); }
exists (1:r1=0)`,
    plain: `C p
{ mode = 1; }
P0(int *mode) { int ipi; int a; smp_mb__before_atomic(); a = cmpxchg(mode, 1, 2); if (a == 1) ipi = ipi + 1; }
P1(int *mode) { int r1; int m; smp_mb__before_atomic(); m = cmpxchg(mode, 1, 2); r1 = (m != 0); }
exists (1:r1=0)`,
  },
  {
    // Without WAIT it is "mode == IN_GUEST_MODE": after P0's kick, P1 sees EXITING_GUEST_MODE.
    name: 'kvm_request_needs_ipi without KVM_REQUEST_WAIT: IN_GUEST_MODE only',
    expected: 'Sometimes',
    kvm: `C k
{ vcpu->mode = IN_GUEST_MODE; }
P0(struct kvm_vcpu *vcpu) { kvm_vcpu_kick(vcpu); }
P1(struct kvm_vcpu *vcpu) { int r1; r1 = kvm_request_needs_ipi(vcpu, KVM_ARCH_REQ_FLAGS(6, KVM_REQUEST_NO_WAKEUP)); }
exists (1:r1=0)`,
    plain: `C p
{ mode = 1; }
P0(int *mode) { int ipi; int a; smp_mb__before_atomic(); a = cmpxchg(mode, 1, 2); if (a == 1) ipi = ipi + 1; }
P1(int *mode) { int r1; int m; smp_mb__before_atomic(); m = cmpxchg(mode, 1, 2); r1 = (m == 1); }
exists (1:r1=0)`,
  },
];

describe('KVM helpers against plain-LKMM twins', () => {
  for (const t of TWINS) {
    it(t.name, () => {
      const k = summary(check(t.kvm));
      const p = summary(check(t.plain));
      expect(k.observation).toBe(t.expected);
      // Not vacuous: a WAIT's unacknowledged executions (the twin's filter) leave some.
      expect(k.positive + k.negative).toBeGreaterThan(0);
      expect(k).toEqual(p);
    });
  }
});

/** The operations a helper call lowers to, flattened, with the part of the helper each is. */
function opsOf(body: Instr[]): string[] {
  const out: string[] = [];
  for (const i of body) {
    if (i.op === 'if') {
      out.push(`if{${opsOf(i.then).join(',')}}${i.else.length > 0 ? `else{${opsOf(i.else).join(',')}}` : ''}`);
      continue;
    }
    if (i.op === 'assign') continue;
    const ann = 'ann' in i ? `[${i.ann}]` : '';
    const addr = 'addr' in i && i.addr.k === 'const' ? ` ${String(i.addr.v)}` : '';
    out.push(`${i.origin.part ?? i.origin.primitive}:${i.op}${ann}${addr}`);
  }
  return out;
}

function lowerOne(body: string, params = 'struct kvm_vcpu *vcpu') {
  const parsed = parseLitmus(`C t\n{}\nP0(${params})\n{\n${body}\n}\nexists (0:r0=0)`, 't.litmus');
  if (!parsed.ok) throw new Error(parsed.diagnostics[0].message);
  return lowerTest(parsed.test);
}

describe('KVM helpers expand as kvm_host.h defines them', () => {
  const cases: Array<[string, string[]]> = [
    ['int r0; kvm_make_request(KVM_REQ_TLB_FLUSH, vcpu);', ['smp_wmb:fence[wmb]', 'set_bit:atomic[NORETURN] vcpu->requests']],
    ['int r0; r0 = kvm_request_pending(vcpu);', ['READ_ONCE:load[ONCE] vcpu->requests']],
    ['int r0; r0 = kvm_test_request(KVM_REQ_EVENT, vcpu);', ['test_bit:load[ONCE] vcpu->requests']],
    ['int r0; kvm_clear_request(KVM_REQ_EVENT, vcpu);', ['clear_bit:atomic[NORETURN] vcpu->requests']],
    [
      'int r0; r0 = kvm_check_request(KVM_REQ_EVENT, vcpu);',
      ['test_bit:load[ONCE] vcpu->requests', 'if{clear_bit:atomic[NORETURN] vcpu->requests,smp_mb__after_atomic:fence[after-atomic]}'],
    ],
    ['int r0; r0 = kvm_vcpu_exiting_guest_mode(vcpu);', ['smp_mb__before_atomic:fence[before-atomic]', 'cmpxchg:cmpxchg[MB] vcpu->mode']],
    // The kernel's kick: kvm_vcpu_wake_up() first; only if it woke nobody, the IPI half.
    [
      'int r0; kvm_vcpu_kick(vcpu);',
      [
        'rcu_read_lock:fence[rcu-lock]', 'smp_mb:fence[MB]', 'rcu_dereference:load[ONCE] vcpu->wait', 'if{try_to_wake_up:cmpxchg[MB] vcpu->state,if{}}', 'rcu_read_unlock:fence[rcu-unlock]',
        // __kvm_vcpu_kick(vcpu, false): an IPI only to a loaded vCPU (vcpu->cpu != -1).
        'if{}else{smp_mb__before_atomic:fence[before-atomic],cmpxchg:cmpxchg[MB] vcpu->mode,if{READ_ONCE:load[ONCE] vcpu->cpu,if{}}}',
      ],
    ],
    ['int r0; local_irq_disable(); local_irq_enable();', []],
    // A thread that wrote vcpu->mode runs that vCPU: enabling interrupts acknowledges its IPIs.
    // The IPIs queued by now are taken and acknowledged; the thread ends with interrupts on, so
    // it idles taking every later one (the idle read is the location's last value).
    ['int r0; WRITE_ONCE(vcpu->mode, IN_GUEST_MODE); local_irq_enable();', [
      'WRITE_ONCE:store[ONCE] vcpu->mode', 'llist_del_all:load[ONCE] vcpu->ipis', 'if{csd_unlock:store[RELEASE] vcpu->ack}',
      'llist_del_all:await[ONCE] vcpu->ipis', 'if{csd_unlock:store[RELEASE] vcpu->ack}',
    ]],
    ['int r0; WRITE_ONCE(vcpu->mode, IN_GUEST_MODE); local_irq_enable(); local_irq_disable();', [
      'WRITE_ONCE:store[ONCE] vcpu->mode', 'llist_del_all:load[ONCE] vcpu->ipis', 'if{csd_unlock:store[RELEASE] vcpu->ack}',
    ]],
    [
      'int r0; r0 = kvm_vcpu_wake_up(vcpu);',
      ['rcu_read_lock:fence[rcu-lock]', 'smp_mb:fence[MB]', 'rcu_dereference:load[ONCE] vcpu->wait', 'if{try_to_wake_up:cmpxchg[MB] vcpu->state,if{}}', 'rcu_read_unlock:fence[rcu-unlock]'],
    ],
    ['int r0; r0 = kvm_request_needs_ipi(vcpu, KVM_REQ_TLB_FLUSH);', ['smp_mb__before_atomic:fence[before-atomic]', 'cmpxchg:cmpxchg[MB] vcpu->mode']],
  ];
  for (const [body, ops] of cases) {
    it(body, () => {
      const l = lowerOne(body);
      if (!l.ok) throw new Error(l.diagnostics[0].message);
      expect(opsOf(l.program.threads[0].body)).toEqual(ops);
    });
  }

  const kvmOps = (body: string) => {
    const l = lowerOne(`int r0; ${body}`, 'struct kvm *kvm, struct kvm_vcpu *a, struct kvm_vcpu *b');
    if (!l.ok) throw new Error(l.diagnostics[0].message);
    return opsOf(l.program.threads[0].body);
  };
  it('kvm_make_all_cpus_request(KVM_REQ_TLB_FLUSH): per vCPU the request and the IPI decision, no wake-up (NO_WAKEUP), then a wait per IPI (WAIT)', () => {
    const perVcpu = (v: string) => [`smp_wmb:fence[wmb]`, `set_bit:atomic[NORETURN] ${v}->requests`, 'smp_mb__before_atomic:fence[before-atomic]', `cmpxchg:cmpxchg[MB] ${v}->mode`, `if{llist_add:atomic[MB] ${v}->ipis}`];
    const wait = (v: string) => `if{csd_lock_wait:await[ACQUIRE] ${v}->ack}`;
    expect(kvmOps('kvm_make_all_cpus_request(kvm, KVM_REQ_TLB_FLUSH);')).toEqual([...perVcpu('a'), ...perVcpu('b'), wait('a'), wait('b')]);
  });
  it('kvm_make_vcpus_request_mask: only the masked vCPUs; NO_ACTION sets no bit; no flags: a wake-up first', () => {
    expect(kvmOps('kvm_make_vcpus_request_mask(kvm, KVM_REQ_OUTSIDE_GUEST_MODE, 2);')).toEqual([
      'smp_mb__before_atomic:fence[before-atomic]', 'cmpxchg:cmpxchg[MB] b->mode', 'if{llist_add:atomic[MB] b->ipis}', 'if{csd_lock_wait:await[ACQUIRE] b->ack}',
    ]);
    expect(kvmOps('kvm_make_vcpus_request_mask(kvm, KVM_REQ_EVENT, 1);')).toEqual([
      'smp_wmb:fence[wmb]', 'set_bit:atomic[NORETURN] a->requests',
      'rcu_read_lock:fence[rcu-lock]', 'smp_mb:fence[MB]', 'rcu_dereference:load[ONCE] a->wait', 'if{try_to_wake_up:cmpxchg[MB] a->state,if{}}', 'rcu_read_unlock:fence[rcu-unlock]',
      // Woken: done. Otherwise kvm_request_needs_ipi() (no WAIT: IN_GUEST_MODE only).
      'if{}else{smp_mb__before_atomic:fence[before-atomic],cmpxchg:cmpxchg[MB] a->mode,if{}}',
    ]);
  });
  it('request numbers carry their flags: the bit set is req & KVM_REQUEST_MASK', () => {
    // KVM_REQ_TLB_FLUSH is 0 | WAIT | NO_WAKEUP = 0x300 and sets bit 0; KVM_ARCH_REQ_FLAGS(6, NO_WAKEUP) is bit 14.
    const r = check(`C t
{}
P0(struct kvm_vcpu *vcpu) { int r0; r0 = KVM_REQ_TLB_FLUSH; kvm_make_request(KVM_REQ_TLB_FLUSH, vcpu); kvm_make_request(KVM_ARCH_REQ_FLAGS(6, KVM_REQUEST_NO_WAKEUP), vcpu); }
exists (0:r0=768 /\\ [vcpu->requests]=16385)`);
    expect(r.judgement.observation).toBe('Always');
  });
  it('names the IPIs per target vCPU beside the total', () => {
    const r = check(`C t
{ b->mode = IN_GUEST_MODE; }
P0(struct kvm *kvm, struct kvm_vcpu *a, struct kvm_vcpu *b) { kvm_make_all_cpus_request(kvm, KVM_REQ_EVENT); }
exists (0:ipi=1 /\\ 0:ipi_a=0 /\\ 0:ipi_b=1 /\\ 0:wake_a=0)`);
    expect(r.judgement.observation).toBe('Always');
  });
  it('the vCPUs of a struct kvm are the vCPU parameters in order of first appearance', () => {
    const parsed = parseLitmus(`C t
{}
P1(struct kvm *kvm, struct kvm_vcpu *c) { kvm_make_vcpus_request_mask(kvm, KVM_REQ_EVENT, 4); }
P0(struct kvm_vcpu *b, struct kvm_vcpu *a) { int r0; }
exists (1:ipi_c=0)`, 't.litmus');
    if (!parsed.ok) throw new Error(parsed.diagnostics[0].message);
    const l = lowerTest(parsed.test);
    if (!l.ok) throw new Error(l.diagnostics[0].message);
    // P0's b and a come first, then P1's c: bit 2 is c.
    expect(opsOf(l.program.threads[1].body)).toContain('set_bit:atomic[NORETURN] c->requests');
  });

  it('kvm_make_request sets the request bit: KVM_REQ_EVENT is KVM_ARCH_REQ(6), bit 14', () => {
    const r = check(`C t\n{}\nP0(struct kvm_vcpu *vcpu) { kvm_make_request(KVM_REQ_EVENT, vcpu); }\nexists ([vcpu->requests]=16384)`);
    expect(r.judgement.observation).toBe('Always');
  });

  it('kvm_vcpu_kick counts the IPIs it sends in the thread register ipi', () => {
    const r = check(`C t\n{ vcpu->mode=IN_GUEST_MODE; }\nP0(struct kvm_vcpu *vcpu) { kvm_vcpu_kick(vcpu); kvm_vcpu_kick(vcpu); }\nexists (0:ipi=1 /\\ vcpu->mode=EXITING_GUEST_MODE)`);
    // The first kick finds IN_GUEST_MODE and moves it to EXITING_GUEST_MODE; the second sends none.
    expect(r.judgement.observation).toBe('Always');
  });

  it('each vCPU field is its own location, per vCPU', () => {
    const l = lowerOne('int r0; kvm_make_request(KVM_REQ_EVENT, a); r0 = READ_ONCE(b->mode);', 'struct kvm_vcpu *a, struct kvm_vcpu *b');
    if (!l.ok) throw new Error(l.diagnostics[0].message);
    expect([...l.program.locations.keys()].sort()).toEqual(['a->mode', 'a->requests', 'b->mode', 'b->requests']);
  });
});

describe('request-name typos', () => {
  const warningsOf = (src: string) => {
    const parsed = parseLitmus(src, 't.litmus');
    if (!parsed.ok) throw new Error(parsed.diagnostics[0].message);
    const l = lowerTest(parsed.test);
    if (!l.ok) throw new Error(l.diagnostics[0].message);
    return l.program.warnings;
  };
  const two = (a: string, b: string) => `C t
{}
P0(struct kvm_vcpu *vcpu) { int r0; r0 = kvm_check_request(${a}, vcpu); }
P1(struct kvm_vcpu *vcpu) { kvm_make_request(${b}, vcpu); }
exists (0:r0=0)`;
  const errorOf = (src: string) => {
    const parsed = parseLitmus(src, 't.litmus');
    if (!parsed.ok) throw new Error(parsed.diagnostics[0].message);
    const l = lowerTest(parsed.test);
    if (l.ok) throw new Error('lowered without an error');
    return l.diagnostics[0];
  };
  it('a name one edit from a kernel name is an error with the nearest names (never a fresh bit)', () => {
    const d = errorOf(two('KVM_REQ_PMUX', 'KVM_REQ_PMUX'));
    expect(d).toMatchObject({ line: 3, message: expect.stringMatching(/KVM_REQ_PMUX is not an x86 request in Linux 7\.3 \(did you mean KVM_REQ_PMU, /) });
  });
  it('a made-up name is an error even when both threads use it: custom requests are KVM_ARCH_REQ_FLAGS(n, flags)', () => {
    expect(errorOf(two('KVM_REQ_MY_OWN_THING', 'KVM_REQ_MY_OWN_THING')).message).toMatch(/KVM_ARCH_REQ_FLAGS\(n, flags\)/);
    expect(warningsOf(two('KVM_ARCH_REQ(40)', 'KVM_ARCH_REQ(40)'))).toEqual([]);
    expect(warningsOf(two('KVM_REQ_APICV_UPDATE', 'KVM_REQ_EVENT'))).toEqual([]);
  });
  it('a WAIT request for a vCPU no thread runs: a warning that its IPI is never acknowledged', () => {
    const w = warningsOf(`C t
{ vcpu->mode = IN_GUEST_MODE; }
P0(struct kvm *kvm, struct kvm_vcpu *vcpu) { kvm_make_all_cpus_request(kvm, KVM_REQ_TLB_FLUSH); }
exists (0:ipi=0)`);
    expect(w.map((x) => x.message)).toEqual([expect.stringContaining('no thread runs vcpu')]);
  });
});

describe('waiting for acknowledgement', () => {
  it('a test in which every wait stays unacknowledged is vacuous, and says why', () => {
    // The vCPU is in the guest from the start and never enables interrupts: the flush IPIs it
    // (mode != OUTSIDE_GUEST_MODE) and waits forever, so no execution has the requester return.
    const r = check(`C v\n{ vcpu->mode = IN_GUEST_MODE; }\nP0(struct kvm_vcpu *vcpu) { int r0; WRITE_ONCE(vcpu->mode, IN_GUEST_MODE); r0 = READ_ONCE(vcpu->mode); }\nP1(struct kvm *kvm) { kvm_make_all_cpus_request(kvm, KVM_REQ_TLB_FLUSH); }\nexists (0:r0=1)`);
    expect(r.judgement.positive + r.judgement.negative).toBe(0);
    expect(r.judgement.vacuous).toMatch(/every execution blocks \(\d+ executions\): P1 line 4 waits for vcpu to handle its IPI/);
    expect(r.judgement.blocked).toEqual([expect.objectContaining({ thread: 1, waitsFor: expect.stringContaining('csd_lock_wait') })]);
  });
  it('without WAIT the same test has its executions', () => {
    const r = check(`C v\n{ vcpu->mode = IN_GUEST_MODE; }\nP0(struct kvm_vcpu *vcpu) { int r0; WRITE_ONCE(vcpu->mode, IN_GUEST_MODE); r0 = READ_ONCE(vcpu->mode); }\nP1(struct kvm *kvm) { kvm_make_all_cpus_request(kvm, KVM_REQ_TLB_FLUSH & ~KVM_REQUEST_WAIT); }\nexists (0:r0=1)`);
    expect(r.judgement.vacuous).toBeNull();
    expect(r.judgement.positive).toBeGreaterThan(0);
  });
});

describe('expectations per model', () => {
  const src = `C t
(* Result: Sometimes
 * Result(tso): Never
 * Result(SC): Never *)
{}
P0(int *x) { WRITE_ONCE(*x, 1); }
exists (x=1)`;
  it('Result(MODEL): lines override Result: for that model; herd7 reads them as comment text', () => {
    const parsed = parseLitmus(src, 't.litmus');
    if (!parsed.ok) throw new Error(parsed.diagnostics[0].message);
    expect(parsed.test.expected?.verdict).toBe('Sometimes');
    expect(expectationFromComment(parsed.test, 'lkmm')?.verdict).toBe('Sometimes');
    expect(expectationFromComment(parsed.test, 'tso')).toMatchObject({ verdict: 'Never', model: 'tso' });
    expect(expectationFromComment(parsed.test, 'sc')?.verdict).toBe('Never');
    expect(expectationFromComment(parsed.test)?.verdict).toBe('Sometimes');
  });
  it('a run compares with the line for its model', () => {
    // x=1 always holds: Always under every model, so each line is a mismatch of its own.
    expect(expectationMismatch(check(src, 'tso'))).toBe('expected Never, got Always');
    expect(expectationMismatch(check(src, 'lkmm'))).toBe('expected Sometimes, got Always');
  });
});

describe('KVM dialect errors carry a position', () => {
  it('rejects a request number computed at run time where the helper decides on its flags', () => {
    const l = lowerOne('int r0; r0 = 3; kvm_make_all_cpus_request(kvm, r0);', 'struct kvm *kvm, struct kvm_vcpu *vcpu');
    expect(l.ok).toBe(false);
    if (!l.ok) expect(l.diagnostics[0].message).toMatch(/needs the request number itself/);
  });
  it('rejects a mask naming a vCPU the VM does not have', () => {
    const l = lowerOne('int r0; kvm_make_vcpus_request_mask(kvm, KVM_REQ_EVENT, 4);', 'struct kvm *kvm, struct kvm_vcpu *vcpu');
    expect(l.ok).toBe(false);
    if (!l.ok) expect(l.diagnostics[0]).toMatchObject({ line: 5, message: expect.stringContaining('the VM does not have (it has 1: vcpu)') });
  });
  it('rejects a helper applied to something that is not a vCPU', () => {
    const l = lowerOne('int r0; kvm_make_request(KVM_REQ_EVENT, x);', 'int *x');
    expect(l.ok).toBe(false);
    if (!l.ok) expect(l.diagnostics[0]).toMatchObject({ line: 5, col: 9, message: expect.stringContaining('struct kvm_vcpu *') });
  });
  it('rejects a misspelt vCPU field, suggesting the right one', () => {
    const l = lowerOne('int r0;\nr0 = READ_ONCE(vcpu->mdoe);');
    expect(l.ok).toBe(false);
    if (!l.ok) expect(l.diagnostics[0]).toMatchObject({ line: 6, message: expect.stringContaining('did you mean mode?') });
  });
});

describe('protocol outcomes in conditions and reports', () => {
  const sb = (cond: string) => `C t
{}
P0(struct kvm_vcpu *vcpu) { int r0; WRITE_ONCE(vcpu->mode, IN_GUEST_MODE); r0 = kvm_request_pending(vcpu); }
P1(struct kvm_vcpu *vcpu) { kvm_make_request(KVM_REQ_EVENT, vcpu); kvm_vcpu_kick(vcpu); }
${cond}`;
  it('bad NAME (...) is exists with a protocol name, reported in those words', () => {
    const bad = check(sb('bad lost-request (0:r0=0 /\\ 1:ipi=0)'));
    const plain = check(sb('exists (0:r0=0 /\\ 1:ipi=0)'));
    expect(bad.program.outcome).toBe('lost-request');
    expect(verdictText(bad)).toBe('lost request: reachable');
    expect(verdictText(plain)).toBe('Sometimes');
    expect(summary(bad)).toEqual(summary(plain));
  });
  it('conditions may name modes and compare vCPU fields', () => {
    const r = check(sb('bad stale-state (vcpu->mode=IN_GUEST_MODE /\\ [vcpu->requests]=0)'));
    expect(verdictText(r)).toBe('stale state: never');
  });
});

// ---- The bundled suite --------------------------------------------------------------------
const SUITE = resolve(__dirname, '../litmus/kvm');
const suiteFiles = readdirSync(SUITE).filter((f) => f.endsWith('.litmus')).sort();
const suite = suiteFiles.map((f) => ({ file: f, source: readFileSync(join(SUITE, f), 'utf8') }));

/**
 * Derived by hand from the tests, not from a run: under SC only the protocol bugs that need no
 * reordering are reachable (a missing IPI, a missing or misplaced wake-up, a vCPU left out of
 * the mask, a request not waited for); under x86-TSO also those whose missing barrier is a W->R
 * one not covered by a locked instruction (set_bit is locked on x86, so the nVMX bug and the
 * waker without barrier cannot happen there; R->R order is kept, so stale-state peeks cannot
 * either). x86's entry relies on smp_mb__after_srcu_read_unlock() after srcu_read_unlock(), which
 * together act as a full fence; without them (release only) the mode store can pass the
 * requests load; likewise a vCPU entering with WRITE_ONCE() or blocking without
 * set_current_state()'s barrier.
 */
const SC_REACHABLE = new Set([
  'vcpu-halt+nmi.litmus',
  'kick+no-request.litmus',
  'ipi-reduction+wait-in-guest-only.litmus',
  'all-vcpus-flush+no-wait.litmus',
  'no-wakeup+blocked-vcpu.litmus',
  'outside-guest-mode+mask-misses-one.litmus',
  'vcpu-block+wake-before-request.litmus',
  'no-wakeup+flags-dropped.litmus',
  'custom-request+collision.litmus',
]);
const TSO_REACHABLE = new Set([
  ...SC_REACHABLE,
  'dekker+no-vcpu-mb.litmus',
  'arm64-entry+write-once.litmus',
  'shadow-walk+no-mb.litmus',
  'x86-entry+release-only.litmus',
  'two-vcpus-entry+one-write-once.litmus',
  'vcpu-block+no-sleeper-mb.litmus',
]);

describe('litmus/kvm', () => {
  it('has at least 34 tests, each bad outcome with a buggy and a fixed variant', () => {
    expect(suite.length).toBeGreaterThanOrEqual(34);
    const byOutcome = new Map<string, Set<string>>();
    for (const t of suite) {
      const p = parseLitmus(t.source, t.file);
      if (!p.ok) throw new Error(`${t.file}: ${p.diagnostics[0].message}`);
      expect(p.test.expected, `${t.file} has a Result: line`).not.toBeNull();
      expect(p.test.condition.outcome, `${t.file} names its bad outcome`).not.toBeNull();
      const o = p.test.condition.outcome!;
      if (!byOutcome.has(o)) byOutcome.set(o, new Set());
      byOutcome.get(o)!.add(p.test.expected!.verdict);
    }
    for (const [o, verdicts] of byOutcome) expect([...verdicts].sort(), o).toEqual(['Never', 'Sometimes']);
  });

  for (const t of suite) {
    it(`${t.file}: verdict as its Result: line, in protocol words`, () => {
      const r = check(t.source);
      const expected = r.test.expected!.verdict;
      expect(r.judgement.complete).toBe(true);
      expect(r.judgement.observation).toBe(expected);
      expect(r.judgement.flags).toEqual([]);
      const words = r.program.outcome!.replace(/-/g, ' ');
      expect(verdictText(r)).toBe(`${words}: ${expected === 'Never' ? 'never' : 'reachable'}`);
    });
  }

  it('Result(sc): and Result(tso): lines state the hand-derived verdicts', () => {
    for (const t of suite) {
      const p = parseLitmus(t.source, t.file);
      if (!p.ok) throw new Error(p.diagnostics[0].message);
      const lkmm = p.test.expected!.verdict;
      // A bug reachable under LKMM but not under the stronger model needs a line of its own.
      expect(expectationFromComment(p.test, 'sc')!.verdict, `${t.file} sc`).toBe(SC_REACHABLE.has(t.file) ? lkmm : 'Never');
      expect(expectationFromComment(p.test, 'tso')!.verdict, `${t.file} tso`).toBe(TSO_REACHABLE.has(t.file) ? lkmm : 'Never');
    }
  });

  it('under SC only the interleaving bugs are reachable', () => {
    for (const t of suite) expect(check(t.source, 'sc').judgement.positive > 0, t.file).toBe(SC_REACHABLE.has(t.file));
  });

  it('under x86-TSO the locked set_bit() and kept read order hide some bugs', () => {
    for (const t of suite) {
      expect(check(t.source, 'tso').judgement.positive > 0, t.file).toBe(TSO_REACHABLE.has(t.file));
    }
  });
});

// ---- explain and fences in the protocol's terms -------------------------------------------
describe('explain and fences speak of the protocol', () => {
  const explainFile = (file: string, witnesses = 1) => {
    const r = explainSource(readFileSync(join(SUITE, file), 'utf8'), file, { witnesses });
    if (!r.ok) throw new Error(r.diagnostics[0].message);
    return r.explanation;
  };
  const wmbDekker = readFileSync(join(SUITE, 'dekker+mbs.litmus'), 'utf8').replace('IN_GUEST_MODE);\n\tsmp_mb();', 'IN_GUEST_MODE);\n\tsmp_wmb();');

  it('names the smp_wmb() between the mode write and the requests read instead of saying there is no barrier', () => {
    const r = explainSource(wmbDekker, 'wmb.litmus');
    if (!r.ok || r.explanation.kind !== 'reachable') throw new Error('expected a witness');
    const failed = r.explanation.witnesses[0].failed.join('\n');
    expect(failed).toContain('the smp_wmb() at line 22 orders only writes against later writes, and this is a write before a read');
    expect(failed).not.toContain('there is none');
  });

  it("fences replaces that smp_wmb() with smp_mb() rather than adding one beside it", () => {
    const r = analyzeFences(wmbDekker, 'wmb.litmus');
    if (!r.ok) throw new Error(r.diagnostics[0].message);
    expect(r.report.fixes.map((f) => f.text)).toEqual(['P0: replace the smp_wmb() at line 22 with smp_mb()']);
  });

  it('fences judges the barriers of an all-vCPU request per vCPU', () => {
    const r = analyzeFences(readFileSync(join(SUITE, 'two-vcpus-entry+flush.litmus'), 'utf8'), 'two-vcpus-entry+flush.litmus');
    if (!r.ok) throw new Error(r.diagnostics[0].message);
    const verdicts = Object.fromEntries(r.report.primitives.map((p) => [p.label, p.verdict]));
    // Each vCPU's Dekker pairing needs the requester's smp_mb__before_atomic() for that vCPU.
    expect(verdicts['smp_mb__before_atomic() for vcpu0 in kvm_make_all_cpus_request']).toBe('necessary');
    expect(verdicts['smp_mb__before_atomic() for vcpu1 in kvm_make_all_cpus_request']).toBe('necessary');
    expect(verdicts['smp_wmb() for vcpu1 in kvm_make_all_cpus_request']).toBe('redundant');
    expect(r.report.primitives.find((p) => p.label.startsWith('smp_wmb() for vcpu1'))?.target).toBe('vcpu1');
  });

  it("a Never's explanation leaves out candidates where a set_bit() reads its own write", () => {
    const x = explainFile('dekker+mbs.litmus');
    if (x.kind !== 'never') throw new Error('expected never');
    // Two candidates end in the state; one is only coherence's (set_bit reading its own write).
    expect(x.ruledOut.map((r) => [r.check, r.candidates])).toEqual([['propagation', 1]]);
    expect(x.ownFuture).toBe(1);
  });

  it('tells the broken all-vCPU flush per vCPU: which IPI was not sent, which not waited for', () => {
    const x = explainFile('all-vcpus-flush+no-wait.litmus', 20);
    if (x.kind !== 'reachable') throw new Error('expected reachable');
    const stories = x.witnesses.map((w) => w.protocol.join('\n'));
    expect(stories[0]).toContain('KVM_REQ_TLB_FLUSH without KVM_REQUEST_WAIT (bit 0; flags NO_WAKEUP)');
    expect(stories.some((s) => /vcpu0: .*found vcpu0 READING_SHADOW_PAGE_TABLES .*sent NO IPI, because without KVM_REQUEST_WAIT/.test(s))).toBe(true);
    expect(stories.some((s) => /vcpu1: .*found vcpu1 IN_GUEST_MODE .*sent it an IPI, but did NOT wait for it/.test(s))).toBe(true);
  });

  it('names the vCPU that lost the request, and the sleeper nobody woke', () => {
    const entry = explainFile('two-vcpus-entry+one-write-once.litmus');
    if (entry.kind !== 'reachable') throw new Error('expected reachable');
    expect(entry.witnesses[0].protocol.join('\n')).toMatch(/vcpu1: .*vcpu1 LOST the request \(not seen, no IPI, not woken\)/);
    const blocked = explainFile('no-wakeup+blocked-vcpu.litmus');
    if (blocked.kind !== 'reachable') throw new Error('expected reachable');
    const story = blocked.witnesses[0].protocol.join('\n');
    expect(story).toContain('tried no wake-up (NO_WAKEUP)');
    // kvm_vcpu_block() itself: its checks and its sleep, told step by step.
    const kick = explainFile('vcpu-block+kick.litmus');
    if (kick.kind !== 'never') throw new Error('expected never');
    const sleep = kick.ruledOut.flatMap((r) => r.example.protocol).join('\n');
    expect(sleep).toMatch(/kvm_vcpu_check_block\(\) \(kvm_arch_vcpu_runnable\) read vcpu->requests = /);
  });
});
