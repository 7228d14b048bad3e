// The KVM vCPU-request dialect: kvm_host.h's helpers as primitives, with the barriers the
// kernel gives them (include/linux/kvm_host.h, virt/kvm/kvm_main.c).
import { StageError, nearestNames, type SourcePos } from '../diagnostics.js';
import type { PrimitiveBuilder, PrimitiveSpec } from './primitives.js';
import type { Instr, PureExpr } from './program.js';
import type { Expr } from '../parse/ast.js';
import { intBinary, intUnary, type Int } from './int64.js';
import {
  KVM_ARCH_REQ_MAX,
  KVM_KERNEL_RELEASE,
  KVM_REQUEST_BITS,
  KVM_REQUEST_ARCH_BASE,
  KVM_REQUEST_MASK,
  KVM_REQUEST_NO_ACTION,
  KVM_REQUEST_NO_WAKEUP,
  KVM_REQUEST_WAIT,
  DEFAULT_KVM_ARCH,
  KVM_ARCHES,
  archesDefining,
  isKvmArch,
  kvmRequest,
  requestNumber,
  requestTable,
  type KvmArch,
} from './kvm-arch.js';

export { KVM_REQUEST_MASK, KVM_REQUEST_NO_WAKEUP, KVM_REQUEST_WAIT, KVM_REQUEST_NO_ACTION, KVM_REQUEST_ARCH_BASE } from './kvm-arch.js';

/** vcpu->mode values (include/linux/kvm_host.h) and the request flags. */
export const KVM_CONSTANTS: ReadonlyMap<string, number> = new Map([
  ['OUTSIDE_GUEST_MODE', 0],
  ['IN_GUEST_MODE', 1],
  ['EXITING_GUEST_MODE', 2],
  ['READING_SHADOW_PAGE_TABLES', 3],
  // The vCPU task's state (vcpu->state, see kvm-block.ts), for tests that spell kvm_vcpu_block() out.
  ['TASK_RUNNING', 0],
  ['TASK_INTERRUPTIBLE', 1],
  ['KVM_REQUEST_MASK', KVM_REQUEST_MASK],
  ['KVM_REQUEST_NO_WAKEUP', KVM_REQUEST_NO_WAKEUP],
  ['KVM_REQUEST_WAIT', KVM_REQUEST_WAIT],
  ['KVM_REQUEST_NO_ACTION', KVM_REQUEST_NO_ACTION],
  ['KVM_REQUEST_ARCH_BASE', KVM_REQUEST_ARCH_BASE],
]);

/**
 * The request names of one test: its architecture's table (kvm-arch.ts). A `KVM_REQ_*` name the
 * architecture does not define is an error naming the nearest ones, never a fresh bit.
 */
export class RequestNames {
  constructor(readonly arch: KvmArch) {}

  /** The request number (bit and flags) a name stands for; undefined if it is no request name. */
  value(name: string): number | undefined {
    const r = kvmRequest(this.arch, name);
    return r === undefined ? undefined : requestNumber(r);
  }

  /** Why `name` (shaped like a request name) is not one here, with the nearest names; null if it is one or is not shaped so. */
  unknown(name: string): string | null {
    if (!/^KVM_REQ_[A-Za-z0-9_]+$/.test(name) || kvmRequest(this.arch, name)) return null;
    const elsewhere = archesDefining(name);
    const where = elsewhere.length > 0 ? `: it is ${elsewhere.join(' and ')}'s (give the test a KvmArch=${elsewhere[0]} header line, or run with --kvm-arch ${elsewhere[0]})` : '';
    const near = nearestNames(name, requestTable(this.arch).keys(), 3);
    const hint = near.length > 0 && elsewhere.length === 0 ? ` (did you mean ${near.join(', ')}?)` : '';
    return `${name} is not ${this.arch === 'riscv' ? 'a' : 'an'} ${this.arch} request in ${KVM_KERNEL_RELEASE}${where}${hint}; a request of your own is spelled KVM_ARCH_REQ(n) or KVM_ARCH_REQ_FLAGS(n, flags), n < ${KVM_ARCH_REQ_MAX}`;
  }
}

/** The argument names of the helpers that take a request beside a pointer, as the kernel declares them. */
const REQUEST_SIGNATURES: ReadonlyMap<string, readonly string[]> = new Map([
  ['kvm_make_request', ['req', 'vcpu']],
  ['kvm_test_request', ['req', 'vcpu']],
  ['kvm_clear_request', ['req', 'vcpu']],
  ['kvm_check_request', ['req', 'vcpu']],
  ['kvm_make_request_and_kick', ['req', 'vcpu']],
  ['kvm_request_needs_ipi', ['vcpu', 'req']],
  ['kvm_make_all_cpus_request', ['kvm', 'req']],
  ['kvm_make_all_cpus_request_except', ['kvm', 'req', 'vcpu']],
  ['kvm_make_vcpus_request_mask', ['kvm', 'req', 'mask']],
]);

/**
 * A request helper called with its request and pointer swapped (`kvm_make_request(vcpu,
 * KVM_REQ_EVENT)`): the message saying the order, with the call written right; else null.
 */
export function swappedRequestArguments(callee: string, args: readonly Expr[], isStruct: (name: string) => boolean): string | null {
  const sig = REQUEST_SIGNATURES.get(callee);
  if (!sig || args.length !== sig.length) return null;
  const r = sig.indexOf('req');
  const p = r === 0 ? 1 : 0;
  const isPtr = (e: Expr) => (e.k === 'ident' && isStruct(e.name)) || (e.k === 'unary' && e.op === '&');
  if (!isPtr(args[r]) || isPtr(args[p])) return null;
  const text = (e: Expr): string => (e.k === 'ident' ? e.name : e.k === 'num' ? String(e.value) : e.k === 'call' ? `${e.callee}(...)` : '...');
  const fixed = args.map((a, i) => text(i === r ? args[p] : i === p ? args[r] : a));
  const order = r === 0 ? 'the request first, then the vCPU' : `the ${sig[0] === 'kvm' ? 'VM' : 'vCPU'} first, then the request`;
  return `the arguments of ${callee}(${sig.join(', ')}) are swapped: it takes ${order}; write ${callee}(${fixed.join(', ')})`;
}

/** A test's architecture: its `KvmArch=NAME` header line wins over the option, then x86; an unknown name is an error. */
export function testKvmArch(header: { name: string; pos: SourcePos } | undefined, option: KvmArch | undefined): KvmArch {
  if (!header) return option ?? DEFAULT_KVM_ARCH;
  if (isKvmArch(header.name)) return header.name;
  const near = nearestNames(header.name, KVM_ARCHES, 1);
  throw new StageError(header.pos, `unknown KVM architecture '${header.name}' in KvmArch=${header.name}${near.length > 0 ? ` (did you mean ${near[0]}?)` : ''}: the architectures are ${KVM_ARCHES.join(', ')}`);
}

/**
 * Fields of the structs a litmus test may take pointers to; each field is its own location.
 * `wait` is the vCPU's rcuwait (its task pointer: 1 while the vCPU thread waits in
 * kvm_vcpu_block()); `ack` stands for the IPI's acknowledgement (see kvm-requests.ts).
 */
export const KVM_STRUCT_FIELDS: ReadonlyMap<string, readonly string[]> = new Map([
  ['struct kvm_vcpu', ['mode', 'requests', 'wait', 'ack', 'ipis', 'state', 'irq', 'timer', 'signal', 'cpu', 'pir']],
  ['struct kvm', []],
]);
/** The fields every vCPU parameter has as locations from the start; the others appear when used. */
export const KVM_EAGER_FIELDS: ReadonlyMap<string, readonly string[]> = new Map([['struct kvm_vcpu', ['mode', 'requests']]]);

export const num = (v: Int): PureExpr => ({ k: 'const', v });
export const bin = (op: string, a: PureExpr, b: PureExpr): PureExpr => ({ k: 'bin', op, a, b });
export const reg = (r: string): PureExpr => ({ k: 'reg', r });

/** Instructions emitted by fn, captured for a nested block (an if branch). */
export function capture(b: PrimitiveBuilder, fn: (inner: PrimitiveBuilder) => void): Instr[] {
  const out: Instr[] = [];
  fn({ ...b, emit: (i) => void out.push(i) });
  return out;
}

/** The value of a constant expression (a request number such as KVM_ARCH_REQ_FLAGS(3, ...)), in 64 bits. */
export function fold(e: PureExpr): Int | null {
  if (e.k === 'const') return typeof e.v === 'string' ? null : e.v;
  if (e.k === 'un') {
    const a = fold(e.a);
    if (a === null) return null;
    return e.op === '!' ? (a === 0 ? 1 : 0) : intUnary(e.op, a);
  }
  if (e.k !== 'bin' || !['|', '&', '+', '-', '<<', '>>', '^'].includes(e.op)) return null;
  const a = fold(e.a);
  const b = fold(e.b);
  if (a === null || b === null) return null;
  return intBinary(e.op, a, b);
}

/** `req & KVM_REQUEST_MASK`: the bit a request number sets, folded when it is a constant. */
export function requestBit(req: PureExpr): PureExpr {
  const c = fold(req);
  return c !== null ? num(Number(BigInt.asUintN(8, BigInt(c)))) : bin('&', req, num(KVM_REQUEST_MASK));
}

/** `1 << (req & KVM_REQUEST_MASK)`: the mask of a request's bit in the u64 vcpu->requests. */
export function requestMask(req: PureExpr): PureExpr {
  const bit = requestBit(req);
  return bit.k === 'const' ? { k: 'const', v: intBinary('<<', 1, bit.v as number) ?? 0 } : bin('<<', num(1), bit);
}

/**
 * A request number known when the test is lowered, as the kernel needs it: kvm_make_request()
 * has BUILD_BUG_ON(!__builtin_constant_p(req)), kvm_clear_request() and kvm_check_request() a
 * BUILD_BUG_ON() on it, and the request paths here decide on its flags while lowering. `why`
 * says which, for the message.
 */
export function constantRequest(b: PrimitiveBuilder, req: PureExpr, why: string): number {
  const v = fold(req);
  const { pos, primitive } = b.origin();
  if (v === null) throw new StageError(pos, `${primitive} needs the request number itself (a KVM_REQ_* name or KVM_ARCH_REQ_FLAGS(n, flags)), not a value computed at run time: ${why}`);
  if (typeof v !== 'number' || v < 0 || (v & ~ALL_FLAGS & ~KVM_REQUEST_MASK) !== 0 || (v & KVM_REQUEST_MASK) >= KVM_REQUEST_BITS) {
    throw new StageError(pos, `${primitive}: ${String(v)} is not a request number (a bit 0..${KVM_REQUEST_BITS - 1} in bits 0-7, KVM_REQUEST_* flags in bits 8-10)`);
  }
  return v;
}

const ALL_FLAGS = KVM_REQUEST_NO_WAKEUP | KVM_REQUEST_WAIT | KVM_REQUEST_NO_ACTION;
const BUILD_CONSTANT = 'the kernel\'s helper is __always_inline with a BUILD_BUG_ON() on it, which does not build unless the request is a constant';

/** The kernel's BUILD_BUG_ON(req == KVM_REQ_VM_DEAD) in kvm_clear_request() and kvm_check_request(). */
function refuseVmDead(b: PrimitiveBuilder, req: number): void {
  if (req === (1 | KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP)) {
    throw new StageError(b.origin().pos, `${b.origin().primitive}(KVM_REQ_VM_DEAD, ...) does not build in the kernel (BUILD_BUG_ON(req == KVM_REQ_VM_DEAD): once a VM is dead, it stays dead)`);
  }
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

/** kvm_check_request(): test_bit; if set, clear_bit and smp_mb__after_atomic(); whether it was set. */
function emitCheckRequest(b: PrimitiveBuilder, req: PureExpr, vcpu: PureExpr): PureExpr {
  refuseVmDead(b, constantRequest(b, req, BUILD_CONSTANT));
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
}

function buildKvm(): Map<string, PrimitiveSpec> {
  const t = new Map<string, PrimitiveSpec>();
  t.set('kvm_make_request', {
    args: ['val', 'ptr'],
    doc: 'smp_wmb(); set_bit(req & KVM_REQUEST_MASK, &vcpu->requests); req must be a constant without KVM_REQUEST_NO_ACTION (BUILD_BUG_ON)',
    expand(b, [req, vcpu]) {
      const r = constantRequest(b, req, BUILD_CONSTANT);
      if (r & KVM_REQUEST_NO_ACTION) {
        throw new StageError(b.origin().pos, `kvm_make_request() of a KVM_REQUEST_NO_ACTION request does not build in the kernel (BUILD_BUG_ON(req & KVM_REQUEST_NO_ACTION): the vCPU would never clear the bit); such a request is for kvm_make_all_cpus_request() and its kin`);
      }
      emitMakeRequest(b, num(r), vcpu);
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
    doc: 'test_bit(req & KVM_REQUEST_MASK, &vcpu->requests)',
    expand(b, [req, vcpu]) {
      const r = b.temp();
      b.emit({ op: 'load', dst: r, addr: field(b, vcpu, 'requests'), ann: 'ONCE', origin: b.origin('test_bit') });
      return bin('&', bin('>>', reg(r), requestBit(req)), num(1));
    },
  });
  t.set('kvm_clear_request', {
    args: ['val', 'ptr'],
    doc: 'clear_bit(req & KVM_REQUEST_MASK, &vcpu->requests); req must be a constant other than KVM_REQ_VM_DEAD (BUILD_BUG_ON)',
    expand(b, [req, vcpu]) {
      refuseVmDead(b, constantRequest(b, req, BUILD_CONSTANT));
      b.emit({ op: 'atomic', alu: '&~', dst: null, returns: 'none', addr: field(b, vcpu, 'requests'), operand: requestMask(req), unless: null, ann: 'NORETURN', origin: b.origin('clear_bit') });
      return null;
    },
  });
  t.set('kvm_check_request', {
    args: ['val', 'ptr'],
    doc: 'if test_bit: clear_bit; smp_mb__after_atomic(); true. Else false; req must be a constant other than KVM_REQ_VM_DEAD (BUILD_BUG_ON)',
    expand: (b, [req, vcpu]) => emitCheckRequest(b, req, vcpu),
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
