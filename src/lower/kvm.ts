// The KVM vCPU-request dialect: kvm_host.h's helpers as primitives, with the barriers the
// kernel gives them (include/linux/kvm_host.h, virt/kvm/kvm_main.c).
import { StageError, type SourcePos } from '../diagnostics.js';
import type { PrimitiveBuilder, PrimitiveSpec } from './primitives.js';
import type { PureExpr } from './program.js';

/** The flags a request number carries above its bit (include/linux/kvm_host.h). */
export const KVM_REQUEST_MASK = 0xff;
export const KVM_REQUEST_NO_WAKEUP = 1 << 8;
export const KVM_REQUEST_WAIT = 1 << 9;
export const KVM_REQUEST_NO_ACTION = 1 << 10;
/** KVM_ARCH_REQ(n) is bit KVM_REQUEST_ARCH_BASE + n. */
export const KVM_REQUEST_ARCH_BASE = 8;

/** vcpu->mode values (include/linux/kvm_host.h) and the request flags. */
export const KVM_CONSTANTS: ReadonlyMap<string, number> = new Map([
  ['OUTSIDE_GUEST_MODE', 0],
  ['IN_GUEST_MODE', 1],
  ['EXITING_GUEST_MODE', 2],
  ['READING_SHADOW_PAGE_TABLES', 3],
  ['KVM_REQUEST_MASK', KVM_REQUEST_MASK],
  ['KVM_REQUEST_NO_WAKEUP', KVM_REQUEST_NO_WAKEUP],
  ['KVM_REQUEST_WAIT', KVM_REQUEST_WAIT],
  ['KVM_REQUEST_NO_ACTION', KVM_REQUEST_NO_ACTION],
  ['KVM_REQUEST_ARCH_BASE', KVM_REQUEST_ARCH_BASE],
]);

const WAIT_NO_WAKEUP = KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP;
const arch = (n: number, flags = 0): number => (n + KVM_REQUEST_ARCH_BASE) | flags;

/**
 * Request numbers as the kernel encodes them: the bit, plus the KVM_REQUEST_* flags. The
 * generic ones from include/linux/kvm_host.h; the x86 ones from arch/x86/include/asm/kvm_host.h
 * (KVM_ARCH_REQ(n) and KVM_ARCH_REQ_FLAGS(n, flags)) as far as bit 23.
 */
export const KNOWN_REQUESTS: ReadonlyMap<string, number> = new Map([
  ['KVM_REQ_TLB_FLUSH', 0 | WAIT_NO_WAKEUP],
  ['KVM_REQ_VM_DEAD', 1 | WAIT_NO_WAKEUP],
  ['KVM_REQ_UNBLOCK', 2],
  ['KVM_REQ_DIRTY_RING_SOFT_FULL', 3],
  ['KVM_REQ_OUTSIDE_GUEST_MODE', KVM_REQUEST_NO_ACTION | WAIT_NO_WAKEUP],
  ['KVM_REQ_MIGRATE_TIMER', arch(0)],
  ['KVM_REQ_REPORT_TPR_ACCESS', arch(1)],
  ['KVM_REQ_TRIPLE_FAULT', arch(2)],
  ['KVM_REQ_MMU_SYNC', arch(3)],
  ['KVM_REQ_CLOCK_UPDATE', arch(4)],
  ['KVM_REQ_LOAD_MMU_PGD', arch(5)],
  ['KVM_REQ_EVENT', arch(6)],
  ['KVM_REQ_APF_HALT', arch(7)],
  ['KVM_REQ_STEAL_UPDATE', arch(8)],
  ['KVM_REQ_NMI', arch(9)],
  ['KVM_REQ_PMU', arch(10)],
  ['KVM_REQ_PMI', arch(11)],
  ['KVM_REQ_SMI', arch(12)],
  ['KVM_REQ_MASTERCLOCK_UPDATE', arch(13)],
  ['KVM_REQ_MCLOCK_INPROGRESS', arch(14, WAIT_NO_WAKEUP)],
  ['KVM_REQ_SCAN_IOAPIC', arch(15, WAIT_NO_WAKEUP)],
]);

/**
 * Other request names the kernel defines (later x86 ones, other architectures, older kernels):
 * accepted without a warning, each with a fresh bit of its own and no flags.
 */
const OTHER_KERNEL_REQUESTS: ReadonlySet<string> = new Set([
  // x86, KVM_ARCH_REQ(16) and up
  'GLOBAL_CLOCK_UPDATE', 'APIC_PAGE_RELOAD', 'HV_CRASH', 'IOAPIC_EOI_EXIT', 'HV_RESET', 'HV_EXIT', 'HV_STIMER',
  'LOAD_EOI_EXITMAP', 'GET_NESTED_STATE_PAGES', 'APICV_UPDATE', 'TLB_FLUSH_CURRENT', 'TLB_FLUSH_GUEST', 'APF_READY',
  'MSR_FILTER_CHANGED', 'UPDATE_CPU_DIRTY_LOGGING', 'MMU_FREE_OBSOLETE_ROOTS', 'HV_TLB_FLUSH', 'UPDATE_PROTECTED_GUEST_STATE',
  'RECALC_INTERCEPTS',
  // arm64, riscv, s390, powerpc, loongarch
  'SLEEP', 'IRQ_PENDING', 'VCPU_RESET', 'RECORD_STEAL', 'RELOAD_GICv4', 'RELOAD_PMU', 'RESYNC_PMU_EL0', 'NESTED_S2_UNMAP',
  'GUEST_HYP_IRQ_PENDING', 'MAP_L1_VNCR_EL2', 'RELOAD_TLBI_NEWS', 'UPDATE_HGATP', 'FENCE_I', 'HFENCE_GVMA_VMID_ALL',
  'HFENCE_VVMA_ALL', 'HFENCE', 'ENABLE_IBS', 'DISABLE_IBS', 'ICPT_OPEREXC', 'START_MIGRATION', 'STOP_MIGRATION',
  'VSIE_RESTART', 'REFRESH_GUEST_PREFIX', 'WATCHDOG', 'EPR_EXIT', 'TLB_FLUSH_GPA', 'AUX_LOAD', 'PMU',
  // older kernels
  'MMU_RELOAD', 'UNHALT', 'PENDING_TIMER', 'KICK', 'TLB_FLUSH_CURRENT',
].map((n) => `KVM_REQ_${n}`));

/** A request name the kernel does not define, as a test used it. */
export interface UnknownRequest {
  name: string;
  bit: number;
  /** Threads that use it (-1: the initial state or the condition). */
  threads: Set<number>;
  pos: SourcePos | null;
}

/** Bits for request names the table does not know: allocated per test, from 24 up. */
export class RequestBits {
  private next = 24;
  private extra = new Map<string, UnknownRequest>();
  /** The request number (bit and flags) a name stands for; `thread` records who uses it. */
  bit(name: string, thread = -1, pos: SourcePos | null = null): number | undefined {
    const known = KNOWN_REQUESTS.get(name);
    if (known !== undefined) return known;
    if (!/^KVM_REQ_[A-Za-z0-9_]+$/.test(name)) return undefined;
    let u = this.extra.get(name);
    if (u === undefined) {
      if (this.next > 30) return undefined;
      u = { name, bit: this.next++, threads: new Set(), pos };
      this.extra.set(name, u);
    }
    u.threads.add(thread);
    if (u.pos === null) u.pos = pos;
    return u.bit;
  }

  /**
   * Warnings for likely typos: a name the kernel does not define that is one edit away from one
   * it does (KVM_REQ_PMUX), or that only one thread uses (so no other thread can see it).
   */
  typos(): { pos: SourcePos | null; message: string }[] {
    const out: { pos: SourcePos | null; message: string }[] = [];
    for (const u of this.extra.values()) {
      if (OTHER_KERNEL_REQUESTS.has(u.name)) continue;
      const near = nearestRequest(u.name);
      const users = [...u.threads].filter((t) => t >= 0);
      const fresh = `it gets a fresh bit of its own (${u.bit})`;
      if (near && near.distance <= 1) out.push({ pos: u.pos, message: `${u.name} is not a kernel request name (did you mean ${near.name}?): ${fresh}` });
      else if (users.length <= 1) {
        const hint = near ? ` (the nearest kernel name is ${near.name})` : '';
        const who = users.length === 1 ? `only P${users[0]} uses it` : 'no thread uses it';
        out.push({ pos: u.pos, message: `${u.name} is not a kernel request name and ${who}${hint}: ${fresh}, so no other thread can see that request` });
      }
    }
    return out;
  }
}

function nearestRequest(name: string): { name: string; distance: number } | null {
  let best: { name: string; distance: number } | null = null;
  for (const c of [...KNOWN_REQUESTS.keys(), ...OTHER_KERNEL_REQUESTS]) {
    const d = editDistance(name, c);
    if (!best || d < best.distance) best = { name: c, distance: d };
  }
  return best && best.distance <= 3 ? best : null;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) dp[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) dp[i][j] = Math.min(dp[i - 1][j] + 1, dp[i][j - 1] + 1, dp[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return dp[a.length][b.length];
}

/**
 * Fields of the structs a litmus test may take pointers to; each field is its own location.
 * `wait` is the vCPU's rcuwait (its task pointer: 1 while the vCPU thread waits in
 * kvm_vcpu_block()); `ack` stands for the IPI's acknowledgement (see kvm-requests.ts).
 */
export const KVM_STRUCT_FIELDS: ReadonlyMap<string, readonly string[]> = new Map([
  ['struct kvm_vcpu', ['mode', 'requests', 'wait', 'ack', 'ipis']],
  ['struct kvm', []],
]);
/** The fields every vCPU parameter has as locations from the start; the others appear when used. */
export const KVM_EAGER_FIELDS: ReadonlyMap<string, readonly string[]> = new Map([['struct kvm_vcpu', ['mode', 'requests']]]);

export const num = (v: number): PureExpr => ({ k: 'const', v });
export const bin = (op: string, a: PureExpr, b: PureExpr): PureExpr => ({ k: 'bin', op, a, b });
export const reg = (r: string): PureExpr => ({ k: 'reg', r });

/** The value of a constant expression (a request number such as KVM_ARCH_REQ_FLAGS(3, ...)). */
export function fold(e: PureExpr): number | null {
  if (e.k === 'const') return typeof e.v === 'number' ? e.v : null;
  if (e.k === 'un') {
    const a = fold(e.a);
    if (a === null) return null;
    return e.op === '-' ? -a : e.op === '~' ? ~a : a === 0 ? 1 : 0;
  }
  if (e.k !== 'bin') return null;
  const a = fold(e.a);
  const b = fold(e.b);
  if (a === null || b === null) return null;
  switch (e.op) {
    case '|': return a | b;
    case '&': return a & b;
    case '+': return a + b;
    case '-': return a - b;
    case '<<': return a << b;
    case '>>': return a >> b;
    case '^': return a ^ b;
    default: return null;
  }
}

/** `req & KVM_REQUEST_MASK`: the bit a request number sets, folded when it is a constant. */
export function requestBit(req: PureExpr): PureExpr {
  const c = fold(req);
  return c !== null ? num(c & KVM_REQUEST_MASK) : bin('&', req, num(KVM_REQUEST_MASK));
}

/** `1 << (req & KVM_REQUEST_MASK)`: the mask of a request's bit in vcpu->requests. */
export function requestMask(req: PureExpr): PureExpr {
  const c = fold(req);
  return c !== null ? num(1 << (c & KVM_REQUEST_MASK)) : bin('<<', num(1), requestBit(req));
}

/** The vCPU a helper's argument names: it must be a `struct kvm_vcpu *` parameter. */
export function vcpuName(b: PrimitiveBuilder, vcpu: PureExpr): string {
  const pos = b.origin().pos;
  const type = vcpu.k === 'const' && typeof vcpu.v === 'string' ? b.structType?.(vcpu.v) : undefined;
  if (vcpu.k !== 'const' || typeof vcpu.v !== 'string' || (b.structType && type !== 'struct kvm_vcpu')) {
    throw new StageError(pos, `${b.origin().primitive} needs a struct kvm_vcpu * parameter (such as vcpu) as its vcpu argument`);
  }
  return vcpu.v;
}

/** The location of a vcpu field: the argument must name a `struct kvm_vcpu *` parameter. */
export function field(b: PrimitiveBuilder, vcpu: PureExpr | string, name: string): PureExpr {
  const v = typeof vcpu === 'string' ? vcpu : vcpuName(b, vcpu);
  b.ensureLocation?.(`${v}->${name}`);
  return { k: 'const', v: `${v}->${name}` };
}

export const OUTSIDE_GUEST_MODE = 0;
export const IN_GUEST_MODE = 1;
export const EXITING_GUEST_MODE = 2;

/** __kvm_make_request(): smp_wmb(); set_bit(req & KVM_REQUEST_MASK, &vcpu->requests). */
export function emitMakeRequest(b: PrimitiveBuilder, req: PureExpr, vcpu: PureExpr | string, target?: string): void {
  const requests = field(b, vcpu, 'requests');
  b.emit({ op: 'fence', ann: 'wmb', origin: { ...b.origin('smp_wmb'), target } });
  b.emit({ op: 'atomic', alu: '|', dst: null, returns: 'none', addr: requests, operand: requestMask(req), unless: null, ann: 'NORETURN', origin: { ...b.origin('set_bit'), target } });
}

/** kvm_vcpu_exiting_guest_mode(): smp_mb__before_atomic(); dst = cmpxchg(&vcpu->mode, IN_GUEST_MODE, EXITING_GUEST_MODE). */
export function emitExiting(b: PrimitiveBuilder, vcpu: PureExpr | string, dst: string, target?: string): void {
  const mode = field(b, vcpu, 'mode');
  b.emit({ op: 'fence', ann: 'before-atomic', origin: { ...b.origin('smp_mb__before_atomic'), target } });
  b.emit({ op: 'cmpxchg', dst, addr: mode, expected: num(IN_GUEST_MODE), value: num(EXITING_GUEST_MODE), ann: 'MB', origin: { ...b.origin('cmpxchg'), target } });
}

function buildKvm(): Map<string, PrimitiveSpec> {
  const t = new Map<string, PrimitiveSpec>();
  t.set('kvm_make_request', {
    args: ['val', 'ptr'],
    doc: 'smp_wmb(); set_bit(req & KVM_REQUEST_MASK, &vcpu->requests)',
    expand(b, [req, vcpu]) {
      emitMakeRequest(b, req, vcpu);
      return null;
    },
  });
  t.set('kvm_request_pending', {
    args: ['ptr'],
    doc: 'READ_ONCE(vcpu->requests) != 0',
    expand(b, [vcpu]) {
      const r = b.temp();
      b.emit({ op: 'load', dst: r, addr: field(b, vcpu, 'requests'), ann: 'ONCE', origin: b.origin('READ_ONCE') });
      return bin('!=', reg(r), num(0));
    },
  });
  t.set('kvm_test_request', {
    args: ['val', 'ptr'],
    doc: 'test_bit(req, &vcpu->requests)',
    expand(b, [req, vcpu]) {
      const r = b.temp();
      b.emit({ op: 'load', dst: r, addr: field(b, vcpu, 'requests'), ann: 'ONCE', origin: b.origin('test_bit') });
      return bin('&', bin('>>', reg(r), requestBit(req)), num(1));
    },
  });
  t.set('kvm_clear_request', {
    args: ['val', 'ptr'],
    doc: 'clear_bit(req, &vcpu->requests)',
    expand(b, [req, vcpu]) {
      b.emit({ op: 'atomic', alu: '&~', dst: null, returns: 'none', addr: field(b, vcpu, 'requests'), operand: requestMask(req), unless: null, ann: 'NORETURN', origin: b.origin('clear_bit') });
      return null;
    },
  });
  t.set('kvm_check_request', {
    args: ['val', 'ptr'],
    doc: 'if test_bit: clear_bit; smp_mb__after_atomic(); true. Else false',
    expand(b, [req, vcpu]) {
      const requests = field(b, vcpu, 'requests');
      const r = b.temp();
      const res = b.temp();
      b.emit({ op: 'load', dst: r, addr: requests, ann: 'ONCE', origin: b.origin('test_bit') });
      b.emit({ op: 'assign', dst: res, value: bin('&', bin('>>', reg(r), requestBit(req)), num(1)), origin: b.origin() });
      b.emit({
        op: 'if',
        cond: reg(res),
        then: [
          { op: 'atomic', alu: '&~', dst: null, returns: 'none', addr: requests, operand: requestMask(req), unless: null, ann: 'NORETURN', origin: b.origin('clear_bit') },
          { op: 'fence', ann: 'after-atomic', origin: b.origin('smp_mb__after_atomic') },
        ],
        else: [],
        origin: b.origin(),
      });
      return reg(res);
    },
  });
  const exiting = (b: PrimitiveBuilder, vcpu: PureExpr, dst: string): void => emitExiting(b, vcpu, dst);
  t.set('kvm_vcpu_exiting_guest_mode', {
    args: ['ptr'],
    doc: 'smp_mb__before_atomic(); cmpxchg(&vcpu->mode, IN_GUEST_MODE, EXITING_GUEST_MODE)',
    expand(b, [vcpu], dst) {
      const r = dst ?? b.temp();
      exiting(b, vcpu, r);
      return reg(r);
    },
  });
  // kvm_vcpu_kick(): in kvm-requests.ts, with its wake-up half.
  t.set('local_irq_disable', {
    args: [],
    doc: 'no memory effect: interrupts stay off until local_irq_enable(), where IPIs are taken',
    expand(b) {
      b.irqWindow?.(false);
      return null;
    },
  });
  return t;
}

export const KVM_PRIMITIVES: ReadonlyMap<string, PrimitiveSpec> = buildKvm();
