// KVM-shaped protocols: a vCPU entering the guest and one or two requesters, with a random choice
// among the KVM helpers and random barrier placement. The bad outcome is a lost request: the vCPU
// entered the guest without seeing the request, and no requester saw it in guest mode (no IPI).
import fc from 'fast-check';
import type { LitmusTest, Prop, Stmt } from '../parse/ast.js';
import { addrOf, arrow, assign, call, conjunction, declInt, eq, exprStmt, ident, litmusTest, param, regObs, thread, NOWHERE } from './ast-build.js';

/** Barriers a developer might put between the two halves of either side. */
export const KVM_BARRIERS = ['none', 'smp_mb', 'smp_wmb', 'smp_rmb', 'smp_mb__after_atomic', 'smp_mb__before_atomic'] as const;
export type KvmBarrier = (typeof KVM_BARRIERS)[number];

export type ModeWrite = 'WRITE_ONCE' | 'smp_store_mb' | 'smp_store_release' | 'xchg';
export type RequestCheck = 'kvm_request_pending' | 'kvm_test_request' | 'kvm_check_request';
export type MakeRequest = 'kvm_make_request' | 'set_bit' | 'test_and_set_bit';
export type Notify = 'READ_ONCE' | 'kvm_vcpu_kick' | 'kvm_vcpu_exiting_guest_mode';

export interface KvmSpec {
  vcpu: { write: ModeWrite; barrier: KvmBarrier; check: RequestCheck };
  requesters: Array<{ make: MakeRequest; barrier: KvmBarrier; notify: Notify }>;
}

export const kvmSpecArb = (maxRequesters = 2): fc.Arbitrary<KvmSpec> => fc.record({
  vcpu: fc.record({
    write: fc.constantFrom<ModeWrite>('WRITE_ONCE', 'smp_store_mb', 'smp_store_release', 'xchg'),
    barrier: fc.constantFrom(...KVM_BARRIERS),
    check: fc.constantFrom<RequestCheck>('kvm_request_pending', 'kvm_test_request', 'kvm_check_request'),
  }),
  requesters: fc.array(
    fc.record({
      make: fc.constantFrom<MakeRequest>('kvm_make_request', 'set_bit', 'test_and_set_bit'),
      barrier: fc.constantFrom(...KVM_BARRIERS),
      notify: fc.constantFrom<Notify>('READ_ONCE', 'kvm_vcpu_kick', 'kvm_vcpu_exiting_guest_mode'),
    }),
    { minLength: 1, maxLength: Math.max(1, Math.min(2, maxRequesters)) },
  ),
});

const REQ = 'KVM_REQ_EVENT';

function barrier(b: KvmBarrier): Stmt[] {
  return b === 'none' ? [] : [exprStmt(call(b))];
}

/** P0 is the vCPU; the requesters are P1, P2. */
export function kvmThreadName(thread: number): string {
  return thread === 0 ? 'vCPU' : `P${thread}`;
}

/**
 * The whole protocol on one line, each thread's helpers and barrier: the campaign's report has a
 * row per protocol, since the helpers carry barriers of their own (kvm_make_request's smp_wmb,
 * xchg and test_and_set_bit fully ordered), so the barrier placement alone does not decide.
 */
export function kvmDescription(spec: KvmSpec): string {
  const v = spec.vcpu;
  const parts = [`vCPU: ${v.write}(mode); ${v.barrier}; ${v.check}`];
  spec.requesters.forEach((r, i) => parts.push(`P${i + 1}: ${r.make}; ${r.barrier}; ${r.notify === 'READ_ONCE' ? 'READ_ONCE(mode)' : r.notify}`));
  return parts.join(' | ');
}

export function buildKvmTest(spec: KvmSpec, name = 'kvm-fuzz'): LitmusTest {
  const vcpuParam = [param('struct kvm_vcpu', 'vcpu')];
  const mode = arrow('vcpu', 'mode');
  const v = spec.vcpu;
  const entry: Stmt[] = [declInt('r0'), exprStmt(call('local_irq_disable'))];
  if (v.write === 'xchg') entry.push(declInt('r1'), assign('r1', call('xchg', addrOf(mode), ident('IN_GUEST_MODE'))));
  else if (v.write === 'smp_store_release') entry.push(exprStmt(call('smp_store_release', addrOf(mode), ident('IN_GUEST_MODE'))));
  else entry.push(exprStmt(call(v.write, mode, ident('IN_GUEST_MODE'))));
  entry.push(...barrier(v.barrier));
  const vcpuArg = ident('vcpu');
  if (v.check === 'kvm_request_pending') entry.push(assign('r0', call('kvm_request_pending', vcpuArg)));
  else entry.push(assign('r0', call(v.check, ident(REQ), vcpuArg)));

  const threads = [thread(0, vcpuParam, entry)];
  const missed: Prop[] = [eq(regObs(0, 'r0'), 0)];
  spec.requesters.forEach((r, i) => {
    const t = i + 1;
    const body: Stmt[] = [declInt('r0')];
    const bits = addrOf(arrow('vcpu', 'requests'));
    if (r.make === 'kvm_make_request') body.push(exprStmt(call('kvm_make_request', ident(REQ), vcpuArg)));
    else if (r.make === 'set_bit') body.push(exprStmt(call('set_bit', ident(REQ), bits)));
    else body.push(declInt('r1'), assign('r1', call('test_and_set_bit', ident(REQ), bits)));
    body.push(...barrier(r.barrier));
    if (r.notify === 'kvm_vcpu_kick') {
      body.push(exprStmt(call('kvm_vcpu_kick', vcpuArg)));
      missed.push(eq(regObs(t, 'ipi'), 0));
    } else {
      body.push(assign('r0', r.notify === 'READ_ONCE' ? call('READ_ONCE', mode) : call('kvm_vcpu_exiting_guest_mode', vcpuArg)));
      missed.push(eq(regObs(t, 'r0'), 'IN_GUEST_MODE', true));
    }
    threads.push(thread(t, vcpuParam, body));
  });
  return litmusTest(name, {
    init: [],
    threads,
    condition: { quantifier: 'exists', prop: conjunction(missed), outcome: 'lost-request', pos: NOWHERE },
  });
}
