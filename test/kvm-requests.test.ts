// KVM request numbers as the kernel has them: per-architecture tables (Linux 7.3's
// arch/*/include/asm/kvm_host.h), 64-bit request bitmaps, the flags each request carries, and
// the refusals where the kernel refuses to build. Plain-C twins check the helpers whose request
// handling changed against the kernel's own expansion written out by hand.
import { describe, expect, it } from 'vitest';
import { decideSource, lowerTest, parseLitmus, type TestResult } from '../src/api.js';
import { formatValue } from '../src/execution/condition.js';
import { ARCH_REQUESTS, GENERIC_REQUESTS, KVM_ARCHES, kvmRequest, requestNumber, type KvmArch } from '../src/lower/kvm-arch.js';
import { intBinary, normInt } from '../src/lower/int64.js';

function run(source: string, kvmArch?: KvmArch): TestResult {
  const res = decideSource(source, 't.litmus', { lower: { kvmArch } });
  if (!res.ok) throw new Error(res.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`).join('\n'));
  return res.result;
}

function lowerError(source: string, kvmArch?: KvmArch): { line: number; col: number; message: string } {
  const parsed = parseLitmus(source, 't.litmus');
  if (!parsed.ok) return parsed.diagnostics[0];
  const l = lowerTest(parsed.test, { kvmArch });
  if (l.ok) throw new Error('lowered without an error');
  return l.diagnostics[0];
}

const states = (r: TestResult): string[] => {
  const labels = r.program.observed.map((o) => o.label);
  return r.judgement.states.map((s) => s.values.map((v, i) => `${labels[i]}=${formatValue(v)}`).join(' '));
};

/** One vCPU thread P0 and a requester P1, with a condition. */
const pair = (p0: string, p1: string, cond: string, head = '') => `C t
${head}
{}
P0(struct kvm_vcpu *vcpu) { int r0; int r1; ${p0} }
P1(struct kvm_vcpu *vcpu) { ${p1} }
${cond}`;

describe('request tables (Linux 7.3)', () => {
  it('every architecture: bits below 64, flags among NO_WAKEUP|WAIT|NO_ACTION, one bit per name except declared aliases', () => {
    for (const a of KVM_ARCHES) {
      const all = [...GENERIC_REQUESTS, ...(ARCH_REQUESTS.get(a) ?? [])];
      const byBit = new Map<number, string>();
      for (const r of all) {
        expect(r.bit, r.name).toBeLessThan(64);
        expect(r.flags & ~0x700, r.name).toBe(0);
        if (r.flags & 0x400) continue; // NO_ACTION: no bit
        const other = byBit.get(r.bit);
        if (other !== undefined) expect(r.aliasOf, `${a}: ${r.name} and ${other} share bit ${r.bit}`).toBe(other);
        else byBit.set(r.bit, r.name);
      }
    }
  });
  it('the flags the kernel gives (the issue names them): x86 WAIT|NO_WAKEUP requests, WAIT-only UPDATE_PROTECTED_GUEST_STATE', () => {
    const WN = 0x300;
    for (const n of ['APIC_PAGE_RELOAD', 'APICV_UPDATE', 'TLB_FLUSH_GUEST', 'UPDATE_CPU_DIRTY_LOGGING', 'MMU_FREE_OBSOLETE_ROOTS', 'HV_TLB_FLUSH', 'MCLOCK_INPROGRESS', 'SCAN_IOAPIC', 'VMSA_PAGE_RELOAD']) {
      expect(kvmRequest('x86', `KVM_REQ_${n}`)?.flags, n).toBe(WN);
    }
    expect(requestNumber(kvmRequest('x86', 'KVM_REQ_UPDATE_PROTECTED_GUEST_STATE')!)).toBe((34 + 8) | 0x200);
    expect(requestNumber(kvmRequest('x86', 'KVM_REQ_HV_TLB_FLUSH')!)).toBe(40 | WN);
    for (const a of ['arm64', 'riscv'] as const) expect(requestNumber(kvmRequest(a, 'KVM_REQ_SLEEP')!)).toBe(8 | WN);
    for (const n of ['FENCE_I', 'HFENCE_VVMA_ALL', 'HFENCE']) expect(kvmRequest('riscv', `KVM_REQ_${n}`)?.flags, n).toBe(WN);
    expect(requestNumber(kvmRequest('riscv', 'KVM_REQ_HFENCE_GVMA_VMID_ALL')!)).toBe(requestNumber(kvmRequest('riscv', 'KVM_REQ_TLB_FLUSH')!));
    expect(requestNumber(kvmRequest('x86', 'KVM_REQ_OUTSIDE_GUEST_MODE')!)).toBe(0x700);
  });
});

describe('64-bit request bitmaps (cause 2)', () => {
  // Each request bit b as the kernel spells it; bits 4..7 are reserved, so the generic ones only.
  const spelled = (b: number) => (b < 8 ? ['KVM_REQ_TLB_FLUSH', 'KVM_REQ_VM_DEAD', 'KVM_REQ_UNBLOCK', 'KVM_REQ_DIRTY_RING_SOFT_FULL'][b] : `KVM_ARCH_REQ(${b - 8})`);
  it('a request sets its own bit and no other, for every bit 0..63 (read back through [vcpu->requests])', () => {
    for (let b = 0; b < 64; b++) {
      if (b >= 4 && b < 8) continue;
      const mask = `0x${(1n << BigInt(b)).toString(16)}`;
      const r = run(pair('r0 = kvm_test_request(' + spelled(b) + ', vcpu);', `kvm_make_request(${spelled(b)}, vcpu);`, `forall ([vcpu->requests]=${mask})`));
      expect(r.judgement.observation, `bit ${b}`).toBe('Always');
    }
  });
  it('KVM_ARCH_REQ(24) is bit 32, not KVM_REQ_TLB_FLUSH\'s bit 0 (1 << 32 is 1 in 32-bit arithmetic)', () => {
    const r = run(pair('r0 = kvm_check_request(KVM_REQ_TLB_FLUSH, vcpu);', 'kvm_make_request(KVM_ARCH_REQ(24), vcpu);', 'exists (0:r0=1)'));
    expect(r.judgement.observation).toBe('Never');
  });
  it('bit 63 and its neighbours stay apart through set_bit, clear_bit and test_bit', () => {
    const r = run(
      pair(
        'r0 = kvm_check_request(KVM_ARCH_REQ(55), vcpu); r1 = kvm_test_request(KVM_ARCH_REQ(54), vcpu);',
        'kvm_make_request(KVM_ARCH_REQ(55), vcpu); kvm_make_request(KVM_ARCH_REQ(54), vcpu); kvm_make_request(KVM_REQ_EVENT, vcpu);',
        'exists (0:r0=1 /\\ 0:r1=1)',
      ),
    );
    expect(r.judgement.observation).toBe('Sometimes');
    // Bit 55 cleared by the check; 54 and KVM_REQ_EVENT (bit 14) left: 2^62 + 2^14, exact.
    expect(states(r)).toContain('0:r0=1 0:r1=1');
    const final = run(pair('r0 = kvm_check_request(KVM_ARCH_REQ(55), vcpu);', 'kvm_make_request(KVM_ARCH_REQ(55), vcpu); kvm_make_request(KVM_ARCH_REQ(54), vcpu);', 'exists (0:r0=1 /\\ [vcpu->requests]=0x4000000000000000)'));
    expect(final.judgement.observation).toBe('Sometimes');
  });
  it('values are 64-bit two\'s complement, one representation each: a number while safe, a bigint beyond', () => {
    expect(normInt(1n << 40n)).toBe(2 ** 40);
    expect(normInt(1n << 63n)).toBe(-(1n << 63n));
    expect(normInt((1n << 64n) - 1n)).toBe(-1);
    expect(intBinary('<<', 1, 63)).toBe(-(1n << 63n));
    expect(intBinary('>>', 2 ** 40, 40)).toBe(1);
    expect(intBinary('|', 2 ** 53, 1)).toBe(2n ** 53n + 1n);
    expect(intBinary('&~', -1, 1)).toBe(-2);
    const r = run(`C t\n{ x = 0xFFFFFFFFFFFFFFFF; }\nP0(int *x) { int r0; r0 = READ_ONCE(*x); }\nexists (0:r0=-1)`);
    expect(r.judgement.observation).toBe('Always');
    expect(lowerError(`C t\n{ x = 0x10000000000000000; }\nP0(int *x) { int r0; r0 = READ_ONCE(*x); }\nexists (0:r0=0)`).message).toMatch(/too large/);
  });
});

describe('request flags from the tables (cause 3)', () => {
  const allCpus = (req: string, init = '{ vcpu->wait = 1; vcpu->state = TASK_INTERRUPTIBLE; }') => `C t
${init}
P0(struct kvm_vcpu *vcpu) { WRITE_ONCE(vcpu->wait, 0); }
P1(struct kvm *kvm) { kvm_make_all_cpus_request(kvm, ${req}); }
exists (1:wake_vcpu=1)`;
  it('x86 KVM_REQ_APICV_UPDATE is NO_WAKEUP: it never wakes a sleeping vCPU (without the flag it does)', () => {
    expect(run(allCpus('KVM_REQ_APICV_UPDATE')).judgement.observation).toBe('Never');
    expect(run(allCpus('KVM_REQ_APICV_UPDATE & ~KVM_REQUEST_NO_WAKEUP')).judgement.observation).toBe('Sometimes');
  });
  it('x86 KVM_REQ_UPDATE_PROTECTED_GUEST_STATE is WAIT: a vCPU found EXITING_GUEST_MODE still needs the IPI', () => {
    const t = (req: string) => `C t\n{ vcpu->mode = EXITING_GUEST_MODE; }\nP0(struct kvm_vcpu *vcpu) { int r0; r0 = kvm_request_needs_ipi(vcpu, ${req}); }\nexists (0:r0=1)`;
    expect(run(t('KVM_REQ_UPDATE_PROTECTED_GUEST_STATE')).judgement.observation).toBe('Always');
    expect(run(t('KVM_REQ_EVENT')).judgement.observation).toBe('Never');
  });
});

describe('architectures', () => {
  const sleep = pair('r0 = kvm_check_request(KVM_REQ_SLEEP, vcpu);', 'kvm_make_request(KVM_REQ_SLEEP, vcpu);', 'exists (0:r0=1)');
  it('x86 is the default; KVM_REQ_SLEEP is arm64\'s and riscv\'s, an error on x86 that says whose it is', () => {
    const e = lowerError(sleep);
    expect(e).toMatchObject({ line: 4 });
    expect(e.message).toMatch(/KVM_REQ_SLEEP is not an x86 request in Linux 7\.3: it is arm64 and riscv's \(give the test a KvmArch=arm64 header line, or run with --kvm-arch arm64\)/);
    expect(run(sleep, 'arm64').judgement.observation).toBe('Sometimes');
    expect(run(sleep, 'riscv').judgement.observation).toBe('Sometimes');
  });
  it('a KvmArch= header line chooses the table, and wins over the option', () => {
    const withHeader = pair('r0 = kvm_check_request(KVM_REQ_SLEEP, vcpu);', 'kvm_make_request(KVM_REQ_SLEEP, vcpu);', 'exists (0:r0=1)', 'KvmArch=riscv');
    expect(run(withHeader).program.kvmArch).toBe('riscv');
    expect(run(withHeader, 'x86').program.kvmArch).toBe('riscv');
    expect(lowerError(pair('', '', 'exists (0:r0=0)', 'KvmArch=arm46'))).toMatchObject({ line: 2, message: expect.stringMatching(/unknown KVM architecture 'arm46'.*did you mean arm64\?/) });
  });
  it('the same name, another bit: KVM_REQ_STEAL_UPDATE is KVM_ARCH_REQ(8) on x86, KVM_ARCH_REQ(6) on riscv, absent on arm64', () => {
    const t = pair('', 'kvm_make_request(KVM_REQ_STEAL_UPDATE, vcpu);', 'forall ([vcpu->requests]=0)');
    expect(states(run(t, 'x86'))).toEqual(['[vcpu->requests]=65536']);
    expect(states(run(t, 'riscv'))).toEqual(['[vcpu->requests]=16384']);
    expect(lowerError(t, 'arm64').message).toMatch(/not an arm64 request.*it is x86 and riscv's/);
  });
  it('riscv KVM_REQ_HFENCE_GVMA_VMID_ALL is KVM_REQ_TLB_FLUSH: checking one consumes the other', () => {
    const t = pair('r0 = kvm_check_request(KVM_REQ_TLB_FLUSH, vcpu);', 'kvm_make_request(KVM_REQ_HFENCE_GVMA_VMID_ALL, vcpu);', 'exists (0:r0=1 /\\ ~[vcpu->requests]=0)');
    expect(run(t, 'riscv').judgement.observation).toBe('Never');
    expect(run(pair('r0 = kvm_check_request(KVM_REQ_TLB_FLUSH, vcpu);', 'kvm_make_request(KVM_REQ_HFENCE_GVMA_VMID_ALL, vcpu);', 'exists (0:r0=1)'), 'riscv').judgement.observation).toBe('Sometimes');
  });
});

describe('refusals where the kernel refuses (and names the dialect does not know)', () => {
  const one = (body: string, init = '') => `C t\n{ ${init} }\nP0(struct kvm_vcpu *vcpu) { int r0; ${body} }\nexists (0:r0=0)`;
  it('an unknown KVM_REQ_* name: an error with the nearest names, never a fresh bit', () => {
    expect(lowerError(one('kvm_make_request(KVM_REQ_EVNET, vcpu);'))).toMatchObject({ line: 3, col: 54, message: expect.stringMatching(/^KVM_REQ_EVNET is not an x86 request in Linux 7\.3 \(did you mean KVM_REQ_EVENT[,?]/) });
    expect(lowerError(one('', 'vcpu->requests = KVM_REQ_NOPE;')).message).toMatch(/KVM_REQ_NOPE is not an x86 request/);
    expect(lowerError('C t\n{}\nP0(struct kvm_vcpu *vcpu) { int r0; r0 = 1; }\nexists (0:r0=KVM_REQ_NOPE)').message).toMatch(/KVM_REQ_NOPE is not an x86 request/);
  });
  it('kvm_make_request() of a KVM_REQUEST_NO_ACTION request (the kernel\'s BUILD_BUG_ON)', () => {
    expect(lowerError(one('kvm_make_request(KVM_REQ_OUTSIDE_GUEST_MODE, vcpu);')).message).toMatch(/KVM_REQUEST_NO_ACTION request does not build in the kernel/);
    expect(lowerError(one('kvm_make_request(KVM_ARCH_REQ_FLAGS(3, KVM_REQUEST_NO_ACTION), vcpu);')).message).toMatch(/NO_ACTION/);
  });
  it('a request number held in a register, for the helpers whose BUILD_BUG_ON needs a constant; kvm_test_request() takes any', () => {
    for (const h of ['kvm_make_request(r0, vcpu);', 'kvm_clear_request(r0, vcpu);', 'r0 = kvm_check_request(r0, vcpu);']) {
      expect(lowerError(one(`r0 = 14; ${h}`)).message, h).toMatch(/needs the request number itself .* not a value computed at run time/);
    }
    expect(run(one('r0 = 14; r0 = kvm_test_request(r0, vcpu);')).judgement.observation).toBe('Always');
  });
  it('KVM_REQ_VM_DEAD in kvm_clear_request()/kvm_check_request(), and KVM_ARCH_REQ(n) with n >= 56', () => {
    expect(lowerError(one('kvm_clear_request(KVM_REQ_VM_DEAD, vcpu);')).message).toMatch(/BUILD_BUG_ON\(req == KVM_REQ_VM_DEAD\)/);
    expect(lowerError(one('r0 = kvm_check_request(KVM_REQ_VM_DEAD, vcpu);')).message).toMatch(/once a VM is dead/);
    expect(lowerError(one('kvm_make_request(KVM_ARCH_REQ(56), vcpu);')).message).toMatch(/^KVM_ARCH_REQ\(56\) does not build in the kernel: nr must be 0\.\.55/);
    expect(lowerError(one('kvm_make_request(KVM_ARCH_REQ_FLAGS(r0, 0), vcpu);')).message).toMatch(/needs a constant request number nr/);
  });
  it('swapped arguments: a message that gives the order, not "cannot dereference"', () => {
    expect(lowerError(one('kvm_make_request(vcpu, KVM_REQ_EVENT);'))).toMatchObject({
      line: 3,
      message: 'the arguments of kvm_make_request(req, vcpu) are swapped: it takes the request first, then the vCPU; write kvm_make_request(KVM_REQ_EVENT, vcpu)',
    });
    expect(lowerError(one('r0 = kvm_request_needs_ipi(KVM_REQ_TLB_FLUSH, vcpu);')).message).toMatch(/takes the vCPU first, then the request; write kvm_request_needs_ipi\(vcpu, KVM_REQ_TLB_FLUSH\)/);
  });
  it('did you mean, for every KVM constant: in code, in the initial state, in the condition', () => {
    expect(lowerError(one('WRITE_ONCE(vcpu->mode, IN_GEUST_MODE);')).message).toMatch(/did you mean IN_GUEST_MODE\?/);
    expect(lowerError(one('', 'vcpu->mode = EXITNG_GUEST_MODE;')).message).toBe('unknown constant EXITNG_GUEST_MODE (did you mean EXITING_GUEST_MODE?)');
    expect(lowerError('C t\n{}\nP0(struct kvm_vcpu *vcpu) { int r0; r0 = READ_ONCE(vcpu->mode); }\nexists (0:r0=OUTSIDE_GUEST_MOD)').message).toMatch(/did you mean OUTSIDE_GUEST_MODE\?/);
    expect(lowerError(one('r0 = KVM_REQUEST_NO_WAKUP;')).message).toMatch(/did you mean KVM_REQUEST_NO_WAKEUP\?/);
  });
});

// Twins: the helper's result equals that of the same test written with the expanded primitives
// by hand, from include/linux/kvm_host.h (Linux 7.3): __kvm_make_request() is smp_wmb();
// set_bit(req & KVM_REQUEST_MASK, &vcpu->requests), kvm_test_request() test_bit(),
// kvm_clear_request() clear_bit(), kvm_check_request() test, clear, smp_mb__after_atomic().
// set_bit(n, p) is atomic_or(1 << n, p) on an unsigned long: here a 64-bit mask.
describe('helpers with 64-bit requests against plain-C twins', () => {
  const summary = (r: TestResult) => ({ observation: r.judgement.observation, positive: r.judgement.positive, negative: r.judgement.negative, states: states(r) });
  const twins: Array<{ name: string; kvm: string; plain: string; expected: string; arch?: KvmArch }> = [
    {
      name: 'kvm_make_request + kvm_check_request of bit 42 (x86 UPDATE_PROTECTED_GUEST_STATE) with its payload',
      expected: 'Never',
      kvm: `C k\n{}\nP0(struct kvm_vcpu *vcpu, int *x) { int r0; int r1; r0 = kvm_check_request(KVM_REQ_UPDATE_PROTECTED_GUEST_STATE, vcpu); r1 = READ_ONCE(*x); }\nP1(struct kvm_vcpu *vcpu, int *x) { WRITE_ONCE(*x, 1); kvm_make_request(KVM_REQ_UPDATE_PROTECTED_GUEST_STATE, vcpu); }\nexists (0:r0=1 /\\ 0:r1=0)`,
      plain: `C p\n{}\nP0(unsigned long *requests, int *x) { int r0; int r1; int t; t = READ_ONCE(*requests); r0 = (t >> 42) & 1; if (r0) { atomic_andnot(0x40000000000, requests); smp_mb__after_atomic(); } r1 = READ_ONCE(*x); }\nP1(unsigned long *requests, int *x) { WRITE_ONCE(*x, 1); smp_wmb(); atomic_or(0x40000000000, requests); }\nexists (0:r0=1 /\\ 0:r1=0)`,
    },
    {
      name: 'kvm_test_request of bit 63 without a barrier (stale state reachable)',
      expected: 'Sometimes',
      kvm: `C k\n{}\nP0(struct kvm_vcpu *vcpu, int *x) { int r0; int r1; r0 = kvm_test_request(KVM_ARCH_REQ(55), vcpu); r1 = READ_ONCE(*x); }\nP1(struct kvm_vcpu *vcpu, int *x) { WRITE_ONCE(*x, 1); kvm_make_request(KVM_ARCH_REQ(55), vcpu); }\nexists (0:r0=1 /\\ 0:r1=0)`,
      plain: `C p\n{}\nP0(unsigned long *requests, int *x) { int r0; int r1; int t; t = READ_ONCE(*requests); r0 = (t >> 63) & 1; r1 = READ_ONCE(*x); }\nP1(unsigned long *requests, int *x) { WRITE_ONCE(*x, 1); smp_wmb(); atomic_or(0x8000000000000000, requests); }\nexists (0:r0=1 /\\ 0:r1=0)`,
    },
    {
      name: 'kvm_clear_request of bit 40 racing kvm_make_request of bit 41 (x86 HV_TLB_FLUSH, VMSA_PAGE_RELOAD)',
      expected: 'Sometimes',
      kvm: `C k\n{ vcpu->requests = 0x10000000000; }\nP0(struct kvm_vcpu *vcpu) { int r0; kvm_clear_request(KVM_REQ_HV_TLB_FLUSH, vcpu); r0 = kvm_test_request(KVM_REQ_VMSA_PAGE_RELOAD, vcpu); }\nP1(struct kvm_vcpu *vcpu) { kvm_make_request(KVM_REQ_VMSA_PAGE_RELOAD, vcpu); }\nexists (0:r0=1)`,
      plain: `C p\n{ requests = 0x10000000000; }\nP0(unsigned long *requests) { int r0; int t; atomic_andnot(0x10000000000, requests); t = READ_ONCE(*requests); r0 = (t >> 41) & 1; }\nP1(unsigned long *requests) { smp_wmb(); atomic_or(0x20000000000, requests); }\nexists (0:r0=1)`,
    },
    {
      name: 'kvm_request_needs_ipi with arm64 KVM_REQ_SLEEP (WAIT): an EXITING_GUEST_MODE vCPU needs the IPI',
      expected: 'Always',
      arch: 'arm64',
      kvm: `C k\n{ vcpu->mode = EXITING_GUEST_MODE; }\nP0(struct kvm_vcpu *vcpu) { int r0; r0 = kvm_request_needs_ipi(vcpu, KVM_REQ_SLEEP); }\nexists (0:r0=1)`,
      plain: `C p\n{ mode = 2; }\nP0(int *mode) { int r0; int m; smp_mb__before_atomic(); m = cmpxchg(mode, 1, 2); r0 = (m != 0); }\nexists (0:r0=1)`,
    },
  ];
  for (const t of twins) {
    it(t.name, () => {
      const k = summary(run(t.kvm, t.arch));
      const p = summary(run(t.plain));
      expect(k.observation).toBe(t.expected);
      expect(k.positive + k.negative).toBeGreaterThan(0);
      expect(k).toEqual(p);
    });
  }
  it('the clear/make race leaves both bits right in every final state', () => {
    const r = run(`C k\n{ vcpu->requests = 0x10000000000; }\nP0(struct kvm_vcpu *vcpu) { kvm_clear_request(KVM_REQ_HV_TLB_FLUSH, vcpu); }\nP1(struct kvm_vcpu *vcpu) { kvm_make_request(KVM_REQ_VMSA_PAGE_RELOAD, vcpu); }\nforall ([vcpu->requests]=0x20000000000)`);
    expect(r.judgement.observation).toBe('Always');
  });
});
