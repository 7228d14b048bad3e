// KVM's request paths (virt/kvm/kvm_main.c): requests to every vCPU of a VM or to a subset,
// with their flags (KVM_REQUEST_NO_ACTION, _NO_WAKEUP, _WAIT), the IPIs they send and, for
// KVM_REQUEST_WAIT, the wait for each IPI'd vCPU's acknowledgement; and the blocking side,
// kvm_vcpu_block() against kvm_vcpu_wake_up(). See docs/kvm-dialect.md for what is modelled.
import { StageError } from '../diagnostics.js';
import type { PrimitiveBuilder, PrimitiveSpec } from './primitives.js';
import type { Instr, Origin, PureExpr } from './program.js';
import { KVM_ARCH_REQ_MAX } from './kvm-arch.js';
import {
  EXITING_GUEST_MODE,
  IN_GUEST_MODE,
  KVM_REQUEST_NO_ACTION,
  KVM_REQUEST_NO_WAKEUP,
  KVM_REQUEST_WAIT,
  KVM_REQUEST_ARCH_BASE,
  OUTSIDE_GUEST_MODE,
  bin,
  capture,
  constantRequest as requestNumberOf,
  emitExiting,
  emitMakeRequest,
  field,
  fold,
  num,
  reg,
  vcpuName,
  requestMask,
} from './kvm.js';
import { DEFAULT_KVM_ARCH, kvmRequest } from './kvm-arch.js';
import { emitBlock, emitWake, runnableRequests } from './kvm-block.js';

/** The registers a condition may name: IPIs sent in total and per vCPU, wake-ups per vCPU. */
export const ipiReg = (vcpu: string): string => `ipi_${vcpu}`;
export const wakeReg = (vcpu: string): string => `wake_${vcpu}`;

/** The parts of the helpers below, as explain and fences name them. */
export const PART = {
  needsIpi: 'kvm_request_needs_ipi',
  sendIpi: 'smp_call_function_many',
  waitAck: 'csd_lock_wait',
  queue: 'llist_add',
  takeIpis: 'llist_del_all',
  ack: 'csd_unlock',
  wake: 'wake_up_process',
  wakeBarrier: 'smp_mb',
  readWaiter: 'rcu_dereference',
  prepare: 'prepare_to_rcuwait',
  setState: 'set_current_state',
  checkBlock: 'kvm_vcpu_check_block',
  finish: 'finish_rcuwait',
} as const;

const at = (b: PrimitiveBuilder, part: string, target?: string): Origin => ({ ...b.origin(part), target });
const inc = (b: PrimitiveBuilder, r: string, part: string, target?: string): Instr => ({ op: 'assign', dst: r, value: bin('+', reg(r), num(1)), origin: at(b, part, target) });

const FLAGS_WHEN_LOWERED = 'the model decides on its flags (NO_WAKEUP, WAIT, NO_ACTION) when the test is lowered';
const constantRequest = (b: PrimitiveBuilder, req: PureExpr): number => requestNumberOf(b, req, FLAGS_WHEN_LOWERED);

/** The bit of a request of the test's architecture (the generic ones on any). */
function requestBitOf(b: PrimitiveBuilder, name: string): number | undefined {
  const r = kvmRequest(b.kvmArch ?? DEFAULT_KVM_ARCH, name);
  return r === undefined ? undefined : r.bit;
}

/** The mask of the requests kvm_arch_vcpu_runnable() reads on the test's architecture, or null if none. */
function runnableMask(b: PrimitiveBuilder): PureExpr | null {
  const bits = runnableRequests(b.kvmArch ?? DEFAULT_KVM_ARCH).map((n) => requestBitOf(b, n)).filter((x): x is number => x !== undefined);
  if (bits.length === 0) return null;
  return bits.map((bit) => requestMask(num(bit))).reduce((x, y) => bin('|', x, y));
}

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

/** kvm_vcpu_wake_up(vcpu) for the helpers here: see emitWake (kvm-block.ts). Returns whether it woke the vCPU. */
export function emitWakeUp(b: PrimitiveBuilder, v: string): PureExpr {
  b.declareReg(wakeReg(v), 0);
  return emitWake(b, v, (part) => at(b, part, v), wakeReg(v));
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
function vcpuRequest(b: PrimitiveBuilder, v: string, req: number, sent: string, seq: number | null): void {
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
      then: [
        ...(seq !== null ? [queueIpi(inner, v, seq)] : []),
        inc(inner, ipiReg(v), PART.sendIpi, v),
        inc(inner, 'ipi', PART.sendIpi, v),
        { op: 'assign', dst: sent, value: num(1), origin: at(inner, PART.sendIpi, v) },
      ],
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
 * The requests and IPIs to `targets`, then kvm_kick_many_cpus(): with KVM_REQUEST_WAIT, each
 * IPI is queued (llist_add() onto the target's call-single queue: a fully ordered RMW setting
 * this IPI's own bit in the vCPU's `ipis`, a bit no other IPI of the test uses) and the
 * requester returns only once every IPI'd vCPU has handled *that* IPI: csd_lock_wait() spins,
 * with acquire, until the bit is set in the vCPU's `ack` (the IPIs it has handled, written with
 * release where it takes interrupts). An execution in which it never is is blocked, and reported
 * as such. Returns whether any IPI was sent.
 */
function requestMany(outer: PrimitiveBuilder, req: number, targets: readonly string[]): PureExpr {
  // Every step names the request it serves, so explanations can tell its flags.
  const b: PrimitiveBuilder = { ...outer, origin: (part) => ({ ...outer.origin(part), request: req }) };
  const waits = (req & KVM_REQUEST_WAIT) !== 0;
  const sent = targets.map((v) => {
    const s = b.temp();
    const seq = waits ? (b.ipiBit?.() ?? 0) : null;
    vcpuRequest(b, v, req, s, seq);
    return { v, s, seq };
  });
  for (const { v, s, seq } of sent) {
    if (seq === null) continue;
    b.emit({ op: 'if', cond: reg(s), then: [waitForAck(b, v, seq)], else: [], origin: at(b, PART.waitAck, v) });
  }
  return sent.map(({ s }) => reg(s)).reduce((x, y) => bin('|', x, y));
}

/** The queueing of a waited-for IPI (llist_add(): a fully ordered RMW) as bit `bit` of the vCPU's `ipis`. */
function queueIpi(b: PrimitiveBuilder, v: string, bit: number): Instr {
  return { op: 'atomic', alu: '|', dst: b.temp(), returns: 'old', addr: field(b, v, 'ipis'), operand: num(1 << bit), unless: null, ann: 'MB', origin: at(b, PART.queue, v) };
}

/** csd_lock_wait(): smp_cond_load_acquire() until the vCPU has acknowledged IPI `bit`. */
function waitForAck(b: PrimitiveBuilder, v: string, bit: number): Instr {
  const a = b.temp();
  return { op: 'await', dst: a, addr: field(b, v, 'ack'), ann: 'ACQUIRE', until: bin('&', reg(a), num(1 << bit)), waitsFor: `${v} to handle its IPI (KVM_REQUEST_WAIT: csd_lock_wait)`, origin: at(b, PART.waitAck, v) };
}

/**
 * Where a vCPU thread takes interrupts (local_irq_enable(), and the end of the thread when it
 * ends with interrupts on): for each vCPU it runs, the IPIs queued by then
 * (flush_smp_call_function_queue()'s llist_del_all(): a read of `ipis`) are handled, and
 * csd_unlock() releases them (a release of `ack`), unless no new one arrived. `acked` is the
 * thread's register for the last number it acknowledged. `idle`: the thread idles to the end
 * with interrupts on, so it takes every IPI ever queued: its read is the last value.
 */
export function emitAcks(b: PrimitiveBuilder, vcpus: readonly string[], acked: (v: string) => string, idle = false): void {
  for (const v of vcpus) {
    const a = b.temp();
    const read: Instr = idle
      ? { op: 'await', dst: a, addr: field(b, v, 'ipis'), ann: 'ONCE', until: num(1), waitsFor: 'IPIs', idle: true, origin: at(b, PART.takeIpis, v) }
      : { op: 'load', dst: a, addr: field(b, v, 'ipis'), ann: 'ONCE', origin: at(b, PART.takeIpis, v) };
    b.emit(read);
    b.emit({
      op: 'if',
      cond: bin('!=', reg(a), reg(acked(v))),
      then: [
        { op: 'store', addr: field(b, v, 'ack'), value: reg(a), ann: 'RELEASE', origin: at(b, PART.ack, v) },
        { op: 'assign', dst: acked(v), value: reg(a), origin: at(b, PART.ack, v) },
      ],
      else: [],
      origin: at(b, PART.ack, v),
    });
  }
}

/**
 * __kvm_vcpu_kick(vcpu, wait) (virt/kvm/kvm_main.c): kvm_vcpu_wake_up() first; if it woke
 * nobody: a kick from the vCPU's own thread (one that wrote its mode: kvm_running_vcpu) turns
 * IN_GUEST_MODE into EXITING_GUEST_MODE with a plain read and WRITE_ONCE, and sends nothing;
 * otherwise kvm_arch_vcpu_should_kick() (x86: kvm_vcpu_exiting_guest_mode() == IN_GUEST_MODE)
 * and READ_ONCE(vcpu->cpu) != -1 (a vCPU not loaded on any pCPU gets no IPI) send an IPI:
 * smp_send_reschedule(), or with `wait` smp_call_function_single(..., wait), queued and waited
 * for as KVM_REQUEST_WAIT's are.
 */
function emitKick(b: PrimitiveBuilder, v: string, wait: boolean): void {
  b.declareReg('ipi', 0);
  b.declareReg(ipiReg(v), 0);
  const woke = emitWakeUp(b, v);
  const self = (b.enteredVcpus?.() ?? []).includes(v);
  const rest = capture(b, (inner) => {
    const mode = inner.temp();
    if (self) {
      inner.emit({ op: 'load', dst: mode, addr: field(inner, v, 'mode'), ann: 'ONCE', origin: at(inner, 'kvm_running_vcpu', v) });
      inner.emit({ op: 'if', cond: bin('==', reg(mode), num(IN_GUEST_MODE)), then: [{ op: 'store', addr: field(inner, v, 'mode'), value: num(EXITING_GUEST_MODE), ann: 'ONCE', origin: at(inner, 'kvm_running_vcpu', v) }], else: [], origin: at(inner, 'kvm_running_vcpu', v) });
      return;
    }
    emitExiting(inner, v, mode, v);
    const cpu = inner.temp();
    const part = wait ? 'smp_call_function_single' : 'smp_send_reschedule';
    const bit = wait ? (inner.ipiBit?.() ?? 0) : null;
    const sent = [inc(inner, 'ipi', part, v), inc(inner, ipiReg(v), part, v), ...(bit !== null ? [queueIpi(inner, v, bit), waitForAck(inner, v, bit)] : [])];
    inner.emit({
      op: 'if',
      cond: bin('==', reg(mode), num(IN_GUEST_MODE)),
      then: [
        { op: 'load', dst: cpu, addr: field(inner, v, 'cpu'), ann: 'ONCE', origin: at(inner, 'READ_ONCE', v) },
        { op: 'if', cond: bin('!=', reg(cpu), num(-1)), then: sent, else: [], origin: at(inner, part, v) },
      ],
      else: [],
      origin: at(inner, 'kvm_arch_vcpu_should_kick', v),
    });
  });
  b.emit({ op: 'if', cond: woke, then: [], else: rest, origin: at(b, PART.wake, v) });
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

type Table = Map<string, PrimitiveSpec>;

/** The architecture's request numbers. */
function requestNumbers(t: Table): void {
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
}

/** A request made to many vCPUs of a VM at once, then the IPIs. */
function broadcasts(t: Table): void {
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
}

/** The requester's side of a kick: whether an IPI is needed, the wake-up, the kick itself. */
function kicks(t: Table): void {
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
    doc: '__kvm_vcpu_kick(vcpu, false)',
    expand(b, [vcpu]) {
      emitKick(b, vcpuName(b, vcpu), false);
      return null;
    },
  });
  t.set('__kvm_vcpu_kick', {
    args: ['ptr', 'val'],
    doc: 'kvm_vcpu_wake_up(vcpu); if it woke nobody: from the vCPU\'s own thread, IN_GUEST_MODE becomes EXITING_GUEST_MODE (no IPI); else if kvm_vcpu_exiting_guest_mode() == IN_GUEST_MODE and vcpu->cpu != -1, an IPI (counted in ipi and ipi_VCPU), waited for when `wait` is non-zero',
    expand(b, [vcpu, wait]) {
      const w = fold(wait);
      if (w === null) throw new StageError(b.origin().pos, '__kvm_vcpu_kick needs a constant wait argument (0 or 1)');
      emitKick(b, vcpuName(b, vcpu), w !== 0);
      return null;
    },
  });
  t.set('kvm_make_request_and_kick', {
    args: ['val', 'ptr'],
    doc: 'kvm_make_request(req, vcpu); __kvm_vcpu_kick(vcpu, req & KVM_REQUEST_WAIT)',
    expand(outer, [req, vcpu]) {
      const r = constantRequest(outer, req);
      const b: PrimitiveBuilder = { ...outer, origin: (part) => ({ ...outer.origin(part), request: r }) };
      const v = vcpuName(b, vcpu);
      emitMakeRequest(b, num(r), v);
      emitKick(b, v, (r & KVM_REQUEST_WAIT) !== 0);
      return null;
    },
  });
}

/** The vCPU's side: whether to leave guest mode, blocking, taking IPIs with interrupts on. */
function vcpuSide(t: Table): void {
  t.set('kvm_vcpu_exit_request', {
    args: ['ptr'],
    doc: "x86's kvm_vcpu_exit_request(): READ_ONCE(vcpu->mode) == EXITING_GUEST_MODE || kvm_request_pending(vcpu) (the second read only when the first is false)",
    expand(b, [vcpu], dst) {
      const v = vcpuName(b, vcpu);
      const m = b.temp();
      const r = dst ?? b.temp();
      const q = b.temp();
      b.emit({ op: 'load', dst: m, addr: field(b, v, 'mode'), ann: 'ONCE', origin: at(b, 'READ_ONCE') });
      b.emit({
        op: 'if',
        cond: bin('==', reg(m), num(EXITING_GUEST_MODE)),
        then: [{ op: 'assign', dst: r, value: num(1), origin: at(b, 'kvm_vcpu_exit_request') }],
        else: [
          { op: 'load', dst: q, addr: field(b, v, 'requests'), ann: 'ONCE', origin: at(b, 'kvm_request_pending') },
          { op: 'assign', dst: r, value: bin('!=', reg(q), num(0)), origin: at(b, 'kvm_request_pending') },
        ],
        origin: at(b, 'kvm_vcpu_exit_request'),
      });
      return reg(r);
    },
  });
  t.set('kvm_vcpu_block', {
    args: ['ptr'],
    doc: "prepare_to_rcuwait(); then until kvm_vcpu_check_block() says run (a runnable request of the test's architecture, the vCPU's irq, timer or signal input, or KVM_REQ_UNBLOCK, which it clears): set_current_state() (smp_store_mb()), and schedule() until woken; finish_rcuwait(). Returns whether it slept",
    expand(b, [vcpu]) {
      const v = vcpuName(b, vcpu);
      return emitBlock(b, v, runnableMask(b), requestBitOf(b, 'KVM_REQ_UNBLOCK') ?? 2);
    },
  });
  t.set('local_irq_enable', {
    args: [],
    doc: "interrupts on: the vCPU thread takes the IPIs queued by now for each vCPU whose mode it wrote before, acknowledging them (a release of vcpu->ack: the number handled)",
    expand(b) {
      const vcpus = b.enteredVcpus?.() ?? [];
      b.irqWindow?.(true);
      if (b.ackedReg) emitAcks(b, vcpus, b.ackedReg);
      return null;
    },
  });
}

function buildRequestPaths(): Table {
  const t: Table = new Map();
  requestNumbers(t);
  broadcasts(t);
  kicks(t);
  vcpuSide(t);
  return t;
}

export const KVM_REQUEST_PRIMITIVES: ReadonlyMap<string, PrimitiveSpec> = buildRequestPaths();
