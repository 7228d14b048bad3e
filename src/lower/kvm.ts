// The KVM vCPU-request dialect: kvm_host.h's helpers as primitives, with the barriers the
// kernel gives them (include/linux/kvm_host.h, virt/kvm/kvm_main.c).
import { StageError } from '../diagnostics.js';
import type { PrimitiveBuilder, PrimitiveSpec } from './primitives.js';
import type { PureExpr } from './program.js';

/** vcpu->mode values (include/linux/kvm_host.h). */
export const KVM_CONSTANTS: ReadonlyMap<string, number> = new Map([
  ['OUTSIDE_GUEST_MODE', 0],
  ['IN_GUEST_MODE', 1],
  ['EXITING_GUEST_MODE', 2],
  ['READING_SHADOW_PAGE_TABLES', 3],
]);

/** Generic request numbers from kvm_host.h; KVM_ARCH_REQ(n) is 8 + n. */
const KNOWN_REQUESTS: ReadonlyMap<string, number> = new Map([
  ['KVM_REQ_TLB_FLUSH', 0],
  ['KVM_REQ_VM_DEAD', 1],
  ['KVM_REQ_UNBLOCK', 2],
  ['KVM_REQ_DIRTY_RING_SOFT_FULL', 3],
  ['KVM_REQ_MIGRATE_TIMER', 8],
  ['KVM_REQ_REPORT_TPR_ACCESS', 9],
  ['KVM_REQ_TRIPLE_FAULT', 10],
  ['KVM_REQ_MMU_SYNC', 11],
  ['KVM_REQ_CLOCK_UPDATE', 12],
  ['KVM_REQ_LOAD_MMU_PGD', 13],
  ['KVM_REQ_EVENT', 14],
  ['KVM_REQ_APF_HALT', 15],
  ['KVM_REQ_STEAL_UPDATE', 16],
  ['KVM_REQ_NMI', 17],
  ['KVM_REQ_PMU', 18],
  ['KVM_REQ_PMI', 19],
  ['KVM_REQ_SMI', 20],
]);

/** Bits for request names the table does not know: allocated per test, from 24 up. */
export class RequestBits {
  private next = 24;
  private extra = new Map<string, number>();
  bit(name: string): number | undefined {
    const known = KNOWN_REQUESTS.get(name);
    if (known !== undefined) return known;
    if (!/^KVM_REQ_[A-Z0-9_]+$/.test(name)) return undefined;
    let b = this.extra.get(name);
    if (b === undefined) {
      if (this.next > 30) return undefined;
      b = this.next++;
      this.extra.set(name, b);
    }
    return b;
  }
}

/** Fields of the structs a litmus test may take pointers to; each field is its own location. */
export const KVM_STRUCT_FIELDS: ReadonlyMap<string, readonly string[]> = new Map([['struct kvm_vcpu', ['mode', 'requests']]]);

const num = (v: number): PureExpr => ({ k: 'const', v });
const bin = (op: string, a: PureExpr, b: PureExpr): PureExpr => ({ k: 'bin', op, a, b });
const reg = (r: string): PureExpr => ({ k: 'reg', r });

/** The location of a vcpu field: the argument must name a `struct kvm_vcpu *` parameter. */
function field(b: PrimitiveBuilder, vcpu: PureExpr, name: string): PureExpr {
  const pos = b.origin().pos;
  const type = vcpu.k === 'const' && typeof vcpu.v === 'string' ? b.structType?.(vcpu.v) : undefined;
  if (vcpu.k !== 'const' || typeof vcpu.v !== 'string' || (b.structType && type !== 'struct kvm_vcpu')) {
    throw new StageError(pos, `${b.origin().primitive} needs a struct kvm_vcpu * parameter (such as vcpu) as its vcpu argument`);
  }
  return { k: 'const', v: `${vcpu.v}->${name}` };
}

const IN_GUEST_MODE = 1;
const EXITING_GUEST_MODE = 2;

function buildKvm(): Map<string, PrimitiveSpec> {
  const t = new Map<string, PrimitiveSpec>();
  t.set('kvm_make_request', {
    args: ['val', 'ptr'],
    doc: 'smp_wmb(); set_bit(req, &vcpu->requests)',
    expand(b, [req, vcpu]) {
      const requests = field(b, vcpu, 'requests');
      b.emit({ op: 'fence', ann: 'wmb', origin: b.origin('smp_wmb') });
      b.emit({ op: 'atomic', alu: '|', dst: null, returns: 'none', addr: requests, operand: bin('<<', num(1), req), unless: null, ann: 'NORETURN', origin: b.origin('set_bit') });
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
      return bin('&', bin('>>', reg(r), req), num(1));
    },
  });
  t.set('kvm_clear_request', {
    args: ['val', 'ptr'],
    doc: 'clear_bit(req, &vcpu->requests)',
    expand(b, [req, vcpu]) {
      b.emit({ op: 'atomic', alu: '&~', dst: null, returns: 'none', addr: field(b, vcpu, 'requests'), operand: bin('<<', num(1), req), unless: null, ann: 'NORETURN', origin: b.origin('clear_bit') });
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
      b.emit({ op: 'assign', dst: res, value: bin('&', bin('>>', reg(r), req), num(1)), origin: b.origin() });
      b.emit({
        op: 'if',
        cond: reg(res),
        then: [
          { op: 'atomic', alu: '&~', dst: null, returns: 'none', addr: requests, operand: bin('<<', num(1), req), unless: null, ann: 'NORETURN', origin: b.origin('clear_bit') },
          { op: 'fence', ann: 'after-atomic', origin: b.origin('smp_mb__after_atomic') },
        ],
        else: [],
        origin: b.origin(),
      });
      return reg(res);
    },
  });
  const exiting = (b: PrimitiveBuilder, vcpu: PureExpr, dst: string): void => {
    b.emit({ op: 'fence', ann: 'before-atomic', origin: b.origin('smp_mb__before_atomic') });
    b.emit({ op: 'cmpxchg', dst, addr: field(b, vcpu, 'mode'), expected: num(IN_GUEST_MODE), value: num(EXITING_GUEST_MODE), ann: 'MB', origin: b.origin('cmpxchg') });
  };
  t.set('kvm_vcpu_exiting_guest_mode', {
    args: ['ptr'],
    doc: 'smp_mb__before_atomic(); cmpxchg(&vcpu->mode, IN_GUEST_MODE, EXITING_GUEST_MODE)',
    expand(b, [vcpu], dst) {
      const r = dst ?? b.temp();
      exiting(b, vcpu, r);
      return reg(r);
    },
  });
  t.set('kvm_vcpu_kick', {
    args: ['ptr'],
    doc: 'sends an IPI (counted in the thread register ipi) iff kvm_vcpu_exiting_guest_mode(vcpu) == IN_GUEST_MODE',
    expand(b, [vcpu]) {
      b.declareReg('ipi', 0);
      const r = b.temp();
      exiting(b, vcpu, r);
      b.emit({
        op: 'if',
        cond: bin('==', reg(r), num(IN_GUEST_MODE)),
        then: [{ op: 'assign', dst: 'ipi', value: bin('+', reg('ipi'), num(1)), origin: b.origin('smp_send_reschedule') }],
        else: [],
        origin: b.origin(),
      });
      return null;
    },
  });
  const noop = (doc: string): PrimitiveSpec => ({ args: [], doc, expand: () => null });
  t.set('local_irq_disable', noop('no memory effect (interrupt masking is not modelled)'));
  t.set('local_irq_enable', noop('no memory effect (interrupt masking is not modelled)'));
  return t;
}

export const KVM_PRIMITIVES: ReadonlyMap<string, PrimitiveSpec> = buildKvm();
