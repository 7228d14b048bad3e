// KVM's request paths (virt/kvm/kvm_main.c): requests to every vCPU of a VM or to a subset,
// with their flags (KVM_REQUEST_NO_ACTION, _NO_WAKEUP, _WAIT), the IPIs they send and, for
// KVM_REQUEST_WAIT, the wait for each IPI'd vCPU's acknowledgement; and the blocking side,
// kvm_vcpu_block() against kvm_vcpu_wake_up(). See docs/kvm-dialect.md for what is modelled.
import { StageError } from '../diagnostics.js';
import type { PrimitiveBuilder, PrimitiveSpec } from './primitives.js';
import type { Instr, Origin, PureExpr } from './program.js';
import { KVM_ARCH_REQ_MAX } from './kvm-arch.js';
import {
  IN_GUEST_MODE,
  KVM_REQUEST_NO_ACTION,
  KVM_REQUEST_NO_WAKEUP,
  KVM_REQUEST_WAIT,
  KVM_REQUEST_ARCH_BASE,
  OUTSIDE_GUEST_MODE,
  bin,
  constantRequest as requestNumberOf,
  emitExiting,
  emitMakeRequest,
  field,
  fold,
  num,
  reg,
  vcpuName,
} from './kvm.js';

/** The registers a condition may name: IPIs sent in total and per vCPU, wake-ups per vCPU. */
export const ipiReg = (vcpu: string): string => `ipi_${vcpu}`;
export const wakeReg = (vcpu: string): string => `wake_${vcpu}`;

/** The parts of the helpers below, as explain and fences name them. */
export const PART = {
  needsIpi: 'kvm_request_needs_ipi',
  sendIpi: 'smp_call_function_many',
  waitAck: 'csd_lock_wait',
  ack: 'csd_unlock',
  wake: 'wake_up_process',
  wakeBarrier: 'smp_mb',
  readWaiter: 'rcu_dereference',
  prepare: 'prepare_to_rcuwait',
  setState: 'set_current_state',
  checkBlock: 'kvm_vcpu_check_block',
  finish: 'finish_rcuwait',
} as const;

/** Instructions emitted by fn, captured for a nested block (an if branch). */
function capture(b: PrimitiveBuilder, fn: (inner: PrimitiveBuilder) => void): Instr[] {
  const out: Instr[] = [];
  fn({ ...b, emit: (i) => void out.push(i) });
  return out;
}

const at = (b: PrimitiveBuilder, part: string, target?: string): Origin => ({ ...b.origin(part), target });
const inc = (b: PrimitiveBuilder, r: string, part: string, target?: string): Instr => ({ op: 'assign', dst: r, value: bin('+', reg(r), num(1)), origin: at(b, part, target) });

const FLAGS_WHEN_LOWERED = 'the model decides on its flags (NO_WAKEUP, WAIT, NO_ACTION) when the test is lowered';
const constantRequest = (b: PrimitiveBuilder, req: PureExpr): number => requestNumberOf(b, req, FLAGS_WHEN_LOWERED);

/** The vCPUs of the `struct kvm *` argument: the test's vCPU parameters, in order of first appearance. */
function vmVcpus(b: PrimitiveBuilder, kvm: PureExpr): readonly string[] {
  const name = kvm.k === 'const' && typeof kvm.v === 'string' ? kvm.v : null;
  if (name === null || (b.structType && b.structType(name) !== 'struct kvm')) {
    throw new StageError(b.origin().pos, `${b.origin().primitive} needs a struct kvm * parameter (such as kvm) as its first argument`);
  }
  // A builder without vcpus() probes what a helper accesses (fences): one vCPU stands for all.
  if (!b.vcpus) return [name];
  const vcpus = b.vcpus();
  if (vcpus.length === 0) throw new StageError(b.origin().pos, `${b.origin().primitive}: the VM has no vCPUs (its vCPUs are the test's struct kvm_vcpu * parameters)`);
  return vcpus;
}

/**
 * kvm_vcpu_wake_up() -> rcuwait_wake_up(&vcpu->wait): rcu_read_lock(); smp_mb() (barrier B,
 * pairing with set_current_state()'s in kvm_vcpu_block()); task = rcu_dereference(w->task);
 * wake_up_process(task) if there is one. Returns whether it woke the vCPU.
 */
export function emitWakeUp(b: PrimitiveBuilder, v: string): PureExpr {
  b.declareReg(wakeReg(v), 0);
  const t = b.temp();
  b.emit({ op: 'fence', ann: 'rcu-lock', origin: at(b, 'rcu_read_lock', v) });
  b.emit({ op: 'fence', ann: 'MB', origin: at(b, PART.wakeBarrier, v) });
  b.emit({ op: 'load', dst: t, addr: field(b, v, 'wait'), ann: 'ONCE', origin: at(b, PART.readWaiter, v) });
  b.emit({ op: 'if', cond: bin('!=', reg(t), num(0)), then: [inc(b, wakeReg(v), PART.wake, v)], else: [], origin: at(b, PART.wake, v) });
  b.emit({ op: 'fence', ann: 'rcu-unlock', origin: at(b, 'rcu_read_unlock', v) });
  return bin('!=', reg(t), num(0));
}

/**
 * kvm_request_needs_ipi(): mode = kvm_vcpu_exiting_guest_mode(vcpu); with KVM_REQUEST_WAIT an
 * IPI is needed unless the vCPU is OUTSIDE_GUEST_MODE, otherwise only when IN_GUEST_MODE.
 */
function needsIpi(b: PrimitiveBuilder, v: string, req: number): PureExpr {
  const mode = b.temp();
  emitExiting(b, v, mode, v);
  return req & KVM_REQUEST_WAIT ? bin('!=', reg(mode), num(OUTSIDE_GUEST_MODE)) : bin('==', reg(mode), num(IN_GUEST_MODE));
}

/**
 * kvm_make_vcpu_request() for one vCPU: the request unless NO_ACTION; a wake-up unless
 * NO_WAKEUP (a vCPU it wakes needs no IPI); then, if kvm_request_needs_ipi(), the vCPU joins the
 * IPI mask. `sent` (a temporary) becomes 1 when it does.
 */
function vcpuRequest(b: PrimitiveBuilder, v: string, req: number, sent: string): void {
  b.declareReg('ipi', 0);
  b.declareReg(ipiReg(v), 0);
  b.declareReg(wakeReg(v), 0);
  b.emit({ op: 'assign', dst: sent, value: num(0), origin: at(b, PART.needsIpi, v) });
  if (!(req & KVM_REQUEST_NO_ACTION)) emitMakeRequest(b, num(req), v, v);
  const ipiPath = (inner: PrimitiveBuilder) => {
    const needed = needsIpi(inner, v, req);
    inner.emit({
      op: 'if',
      cond: needed,
      then: [inc(inner, ipiReg(v), PART.sendIpi, v), inc(inner, 'ipi', PART.sendIpi, v), { op: 'assign', dst: sent, value: num(1), origin: at(inner, PART.sendIpi, v) }],
      else: [],
      origin: at(inner, PART.needsIpi, v),
    });
  };
  if (req & KVM_REQUEST_NO_WAKEUP) ipiPath(b);
  else {
    const woke = emitWakeUp(b, v);
    b.emit({ op: 'if', cond: woke, then: [], else: capture(b, ipiPath), origin: at(b, PART.wake, v) });
  }
}

/**
 * The requests and IPIs to `targets`, then kvm_kick_many_cpus(): with KVM_REQUEST_WAIT, the
 * requester returns only once every IPI'd vCPU has acknowledged (an acquire read of its `ack`
 * that must see the release the vCPU thread writes where it enables interrupts; an execution in
 * which it does not is one where the call has not returned, and is not explored). Returns
 * whether any IPI was sent.
 */
function requestMany(outer: PrimitiveBuilder, req: number, targets: readonly string[]): PureExpr {
  // Every step names the request it serves, so explanations can tell its flags.
  const b: PrimitiveBuilder = { ...outer, origin: (part) => ({ ...outer.origin(part), request: req }) };
  const sent = targets.map((v) => {
    const s = b.temp();
    vcpuRequest(b, v, req, s);
    return s;
  });
  if (req & KVM_REQUEST_WAIT) {
    targets.forEach((v, i) => {
      const a = b.temp();
      b.emit({
        op: 'if',
        cond: reg(sent[i]),
        then: [
          { op: 'load', dst: a, addr: field(b, v, 'ack'), ann: 'ACQUIRE', origin: at(b, PART.waitAck, v) },
          { op: 'assume', cond: bin('!=', reg(a), num(0)), origin: at(b, PART.waitAck, v) },
        ],
        else: [],
        origin: at(b, PART.waitAck, v),
      });
    });
  }
  return sent.map((s) => reg(s)).reduce((x, y) => bin('|', x, y));
}

/**
 * KVM_ARCH_REQ_FLAGS()'s bit, nr + KVM_REQUEST_ARCH_BASE, with the kernel's
 * BUILD_BUG_ON((unsigned)(nr) >= 64 - KVM_REQUEST_ARCH_BASE): vcpu->requests is a u64.
 */
function archRequestNr(b: PrimitiveBuilder, nr: PureExpr): number {
  const n = fold(nr);
  const { pos, primitive } = b.origin();
  if (n === null) throw new StageError(pos, `${primitive} needs a constant request number nr (the kernel's BUILD_BUG_ON() on it does not build otherwise)`);
  if (typeof n !== 'number' || n < 0 || n >= KVM_ARCH_REQ_MAX) {
    throw new StageError(pos, `${primitive}(${String(n)}${primitive === 'KVM_ARCH_REQ' ? '' : ', ...'}) does not build in the kernel: nr must be 0..${KVM_ARCH_REQ_MAX - 1} (BUILD_BUG_ON((unsigned)(nr) >= 64 - KVM_REQUEST_ARCH_BASE): vcpu->requests is a u64)`);
  }
  return n + KVM_REQUEST_ARCH_BASE;
}

function buildRequestPaths(): Map<string, PrimitiveSpec> {
  const t = new Map<string, PrimitiveSpec>();
  t.set('KVM_ARCH_REQ_FLAGS', {
    args: ['val', 'val'],
    doc: 'an architecture request number: bit KVM_REQUEST_ARCH_BASE + nr, with the KVM_REQUEST_* flags',
    expand: (b, [nr, flags]) => bin('|', num(archRequestNr(b, nr)), flags),
  });
  t.set('KVM_ARCH_REQ', {
    args: ['val'],
    doc: 'KVM_ARCH_REQ_FLAGS(nr, 0)',
    expand: (b, [nr]) => num(archRequestNr(b, nr)),
  });
  t.set('kvm_make_all_cpus_request', {
    args: ['ptr', 'val'],
    doc: "kvm_make_vcpu_request() for each of the VM's vCPUs, then the IPIs (waited for with KVM_REQUEST_WAIT); returns whether any IPI was sent",
    expand(b, [kvm, req], dst) {
      const targets = vmVcpus(b, kvm);
      const called = requestMany(b, constantRequest(b, req), targets);
      if (dst === null) return called;
      b.emit({ op: 'assign', dst, value: called, origin: b.origin() });
      return reg(dst);
    },
  });
  t.set('kvm_make_all_cpus_request_except', {
    args: ['ptr', 'val', 'ptr'],
    doc: 'kvm_make_all_cpus_request() for every vCPU but the one given',
    expand(b, [kvm, req, except]) {
      const skip = vcpuName(b, except);
      return requestMany(b, constantRequest(b, req), vmVcpus(b, kvm).filter((v) => v !== skip));
    },
  });
  t.set('kvm_make_vcpus_request_mask', {
    args: ['ptr', 'val', 'val'],
    doc: "kvm_make_all_cpus_request() for the vCPUs whose bit is set in the mask (bit i: the VM's i-th vCPU)",
    expand(b, [kvm, req, mask]) {
      const vcpus = vmVcpus(b, kvm);
      const m = b.vcpus ? fold(mask) : 1;
      if (m === null || m < 0) throw new StageError(b.origin().pos, 'kvm_make_vcpus_request_mask needs a constant vCPU mask (bit i: the VM\'s i-th vCPU)');
      const bits = BigInt(m);
      if (bits >> BigInt(vcpus.length) !== 0n) throw new StageError(b.origin().pos, `kvm_make_vcpus_request_mask: mask 0x${bits.toString(16)} names a vCPU the VM does not have (it has ${vcpus.length}: ${vcpus.join(', ')})`);
      const targets = vcpus.filter((_, i) => ((bits >> BigInt(i)) & 1n) === 1n);
      if (targets.length === 0) return num(0);
      return requestMany(b, constantRequest(b, req), targets);
    },
  });
  t.set('kvm_request_needs_ipi', {
    args: ['ptr', 'val'],
    doc: 'kvm_vcpu_exiting_guest_mode(vcpu), then: with KVM_REQUEST_WAIT, mode != OUTSIDE_GUEST_MODE; otherwise mode == IN_GUEST_MODE',
    expand(outer, [vcpu, req]) {
      const r = constantRequest(outer, req);
      const b: PrimitiveBuilder = { ...outer, origin: (part) => ({ ...outer.origin(part), request: r }) };
      return needsIpi(b, vcpuName(b, vcpu), r);
    },
  });
  t.set('kvm_vcpu_wake_up', {
    args: ['ptr'],
    doc: 'rcuwait_wake_up(&vcpu->wait): rcu_read_lock(); smp_mb(); wake the task rcu_dereference(vcpu->wait) if any (counted in wake_VCPU); returns whether it woke one',
    expand(b, [vcpu]) {
      return emitWakeUp(b, vcpuName(b, vcpu));
    },
  });
  t.set('kvm_vcpu_kick', {
    args: ['ptr'],
    doc: 'kvm_vcpu_wake_up(vcpu) (its smp_mb() included); if it woke nobody, an IPI (counted in ipi and ipi_VCPU) iff kvm_vcpu_exiting_guest_mode(vcpu) == IN_GUEST_MODE',
    expand(b, [vcpu]) {
      const v = vcpuName(b, vcpu);
      b.declareReg('ipi', 0);
      b.declareReg(ipiReg(v), 0);
      const woke = emitWakeUp(b, v);
      const ipiHalf = capture(b, (inner) => {
        const mode = inner.temp();
        emitExiting(inner, v, mode, v);
        inner.emit({
          op: 'if',
          cond: bin('==', reg(mode), num(IN_GUEST_MODE)),
          then: [inc(inner, 'ipi', 'smp_send_reschedule', v), inc(inner, ipiReg(v), 'smp_send_reschedule', v)],
          else: [],
          origin: at(inner, 'kvm_arch_vcpu_should_kick', v),
        });
      });
      b.emit({ op: 'if', cond: woke, then: [], else: ipiHalf, origin: b.origin(PART.wake) });
      return null;
    },
  });
  t.set('kvm_vcpu_block', {
    args: ['ptr'],
    doc: 'prepare_to_rcuwait() (rcu_assign_pointer(vcpu->wait, task)); set_current_state() (smp_mb()); kvm_vcpu_check_block() (any pending request); returns 1 when it goes to sleep in schedule()',
    expand(b, [vcpu]) {
      const v = vcpuName(b, vcpu);
      const wait = field(b, v, 'wait');
      const r = b.temp();
      b.emit({ op: 'store', addr: wait, value: num(1), ann: 'RELEASE', origin: at(b, PART.prepare) });
      b.emit({ op: 'fence', ann: 'MB', origin: at(b, PART.setState) });
      b.emit({ op: 'load', dst: r, addr: field(b, v, 'requests'), ann: 'ONCE', origin: at(b, PART.checkBlock) });
      // finish_rcuwait(): rcu_assign_pointer(w->task, NULL), which the kernel's macro makes a
      // WRITE_ONCE for a constant NULL (no release: nothing is published).
      b.emit({ op: 'if', cond: bin('!=', reg(r), num(0)), then: [{ op: 'store', addr: wait, value: num(0), ann: 'ONCE', origin: at(b, PART.finish) }], else: [], origin: at(b, PART.checkBlock) });
      return bin('==', reg(r), num(0));
    },
  });
  t.set('local_irq_enable', {
    args: [],
    doc: "interrupts on: the vCPU thread takes pending IPIs here, acknowledging them (a release of vcpu->ack for each vCPU whose mode the thread wrote before)",
    expand(b) {
      for (const v of b.enteredVcpus?.() ?? []) b.emit({ op: 'store', addr: field(b, v, 'ack'), value: num(1), ann: 'RELEASE', origin: at(b, PART.ack, v) });
      return null;
    },
  });
  return t;
}

export const KVM_REQUEST_PRIMITIVES: ReadonlyMap<string, PrimitiveSpec> = buildRequestPaths();
