// The KVM vCPU-request dialect: each helper against a twin test written with herd7's own LKMM
// primitives (the expansion kvm_host.h gives it), the helpers' events, the dialect's errors, and
// the bundled litmus/kvm suite against its Result: lines and hand-derived SC/TSO verdicts.
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decideSource, lowerTest, parseLitmus, type TestResult } from '../src/api.js';
import { formatValue } from '../src/execution/condition.js';
import type { Instr } from '../src/lower/program.js';
import { verdictText } from '../src/check/verdict.js';

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
    name: 'kvm_vcpu_kick: an IPI iff the cmpxchg found IN_GUEST_MODE, on two vCPUs',
    expected: 'Sometimes',
    kvm: `C k
{ vcpu0->mode = IN_GUEST_MODE; }
P0(struct kvm_vcpu *vcpu0, struct kvm_vcpu *vcpu1) { kvm_vcpu_kick(vcpu0); kvm_vcpu_kick(vcpu1); }
P1(struct kvm_vcpu *vcpu0) { kvm_vcpu_kick(vcpu0); }
P2(struct kvm_vcpu *vcpu1) { int r2; local_irq_disable(); WRITE_ONCE(vcpu1->mode, IN_GUEST_MODE); local_irq_enable(); r2 = READ_ONCE(vcpu1->mode); }
exists (0:ipi=2 /\\ 1:ipi=0 /\\ 2:r2=1)`,
    plain: `C p
{ mode0 = 1; }
P0(int *mode0, int *mode1) { int ipi; int a; int b; smp_mb__before_atomic(); a = cmpxchg(mode0, 1, 2); if (a == 1) ipi = ipi + 1; smp_mb__before_atomic(); b = cmpxchg(mode1, 1, 2); if (b == 1) ipi = ipi + 1; }
P1(int *mode0) { int ipi; int c; smp_mb__before_atomic(); c = cmpxchg(mode0, 1, 2); if (c == 1) ipi = ipi + 1; }
P2(int *mode1) { int r2; WRITE_ONCE(*mode1, 1); r2 = READ_ONCE(*mode1); }
exists (0:ipi=2 /\\ 1:ipi=0 /\\ 2:r2=1)`,
  },
];

describe('KVM helpers against plain-LKMM twins', () => {
  for (const t of TWINS) {
    it(t.name, () => {
      const k = summary(check(t.kvm));
      const p = summary(check(t.plain));
      expect(k.observation).toBe(t.expected);
      expect(k).toEqual(p);
    });
  }
});

/** The operations a helper call lowers to, flattened, with the part of the helper each is. */
function opsOf(body: Instr[]): string[] {
  const out: string[] = [];
  for (const i of body) {
    if (i.op === 'if') {
      out.push(`if{${opsOf(i.then).join(',')}}`);
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
    ['int r0; kvm_vcpu_kick(vcpu);', ['smp_mb__before_atomic:fence[before-atomic]', 'cmpxchg:cmpxchg[MB] vcpu->mode', 'if{}']],
    ['int r0; local_irq_disable(); local_irq_enable();', []],
  ];
  for (const [body, ops] of cases) {
    it(body, () => {
      const l = lowerOne(body);
      if (!l.ok) throw new Error(l.diagnostics[0].message);
      expect(opsOf(l.program.threads[0].body)).toEqual(ops);
    });
  }

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

describe('KVM dialect errors carry a position', () => {
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
 * Derived by hand from the tests, not from a run: under SC only the two protocol bugs that need
 * no reordering are reachable; under x86-TSO also those whose missing barrier is a W->R one not
 * covered by a locked instruction (set_bit is locked on x86, so the nVMX bug cannot happen there;
 * R->R order is kept). x86's entry relies on smp_mb__after_srcu_read_unlock() after
 * srcu_read_unlock(), which together act as a full fence; without them (release only) the mode
 * store can pass the requests load.
 */
const SC_REACHABLE = new Set(['kick+no-request.litmus', 'ipi-reduction+wait-in-guest-only.litmus']);
const TSO_REACHABLE = new Set([...SC_REACHABLE, 'dekker+no-vcpu-mb.litmus', 'arm64-entry+write-once.litmus', 'shadow-walk+no-mb.litmus', 'x86-entry+release-only.litmus']);

describe('litmus/kvm', () => {
  it('has at least 16 tests, each bad outcome with a buggy and a fixed variant', () => {
    expect(suite.length).toBeGreaterThanOrEqual(16);
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

  it('under SC only the interleaving bugs are reachable', () => {
    for (const t of suite) expect(check(t.source, 'sc').judgement.positive > 0, t.file).toBe(SC_REACHABLE.has(t.file));
  });

  it('under x86-TSO the locked set_bit() and kept read order hide some bugs', () => {
    for (const t of suite) {
      expect(check(t.source, 'tso').judgement.positive > 0, t.file).toBe(TSO_REACHABLE.has(t.file));
    }
  });
});
