// x86 VMX posted interrupts and the wake-up of a blocked vCPU, as mainline (Linux 7.3) has them:
// __vmx_deliver_posted_interrupt() (arch/x86/kvm/vmx/vmx.c) with kvm_vcpu_trigger_posted_interrupt()
// (arch/x86/kvm/vmx/common.h), and pi_wakeup_handler() (arch/x86/kvm/vmx/posted_intr.c), the
// handler of POSTED_INTR_WAKEUP_VECTOR. The descriptor's ON bit is the vCPU's `irq` input (what
// kvm_vcpu_check_block() reads: kvm_arch_vcpu_runnable() -> ->sync_pir_to_irr() tests ON first);
// the PIR is vcpu->pir. See docs/kvm-dialect.md, "Posted interrupts".
import { StageError } from '../diagnostics.js';
import type { PrimitiveBuilder, PrimitiveSpec } from './primitives.js';
import type { Instr, Origin, PureExpr } from './program.js';
import { IN_GUEST_MODE, bin, capture, field, fold, num, reg, vcpuName } from './kvm.js';
import { emitWakeUp, ipiReg } from './kvm-requests.js';

const at = (b: PrimitiveBuilder, part: string, target?: string): Origin => ({ ...b.origin(part), target });

/** test_and_set_bit(bit, addr): a fully ordered value-returning RMW; returns whether the bit was set. */
function testAndSetBit(b: PrimitiveBuilder, addr: PureExpr, bit: number, part: string, v: string): PureExpr {
  const old = b.temp();
  b.emit({ op: 'atomic', alu: '|', dst: old, returns: 'old', addr, operand: num(2 ** bit), unless: null, ann: 'MB', origin: at(b, part, v) });
  return bin('!=', bin('&', reg(old), num(2 ** bit)), num(0));
}

/**
 * kvm_vcpu_trigger_posted_interrupt(): if vcpu->mode == IN_GUEST_MODE (a plain read), the
 * notification IPI (counted in ipi and ipi_VCPU) unless the sender is the vCPU's own thread
 * (kvm_get_running_vcpu(): the PIR is synced before re-entry); otherwise kvm_vcpu_wake_up().
 */
function emitTrigger(b: PrimitiveBuilder, v: string): void {
  b.declareReg('ipi', 0);
  b.declareReg(ipiReg(v), 0);
  const mode = b.temp();
  const self = (b.enteredVcpus?.() ?? []).includes(v);
  b.emit({ op: 'load', dst: mode, addr: field(b, v, 'mode'), ann: 'ONCE', origin: at(b, 'kvm_vcpu_trigger_posted_interrupt', v) });
  const ipi: Instr[] = self
    ? []
    : (['ipi', ipiReg(v)] as const).map((r) => ({ op: 'assign', dst: r, value: bin('+', reg(r), num(1)), origin: at(b, '__apic_send_IPI_mask', v) }) as Instr);
  const wake = capture(b, (inner) => void emitWakeUp(inner, v));
  b.emit({ op: 'if', cond: bin('==', reg(mode), num(IN_GUEST_MODE)), then: ipi, else: wake, origin: at(b, 'kvm_vcpu_trigger_posted_interrupt', v) });
}

/**
 * __vmx_deliver_posted_interrupt(vcpu, vector): pi_test_and_set_pir(vector) (return if it was
 * set), pi_test_and_set_on() (return if it was set: a notification is on its way), then
 * kvm_vcpu_trigger_posted_interrupt(vcpu, POSTED_INTR_VECTOR).
 */
function emitDeliver(b: PrimitiveBuilder, v: string, vector: number): void {
  const pirWasSet = testAndSetBit(b, field(b, v, 'pir'), vector, 'pi_test_and_set_pir', v);
  const rest = capture(b, (inner) => {
    const onWasSet = testAndSetBit(inner, field(inner, v, 'irq'), 0, 'pi_test_and_set_on', v);
    const trigger = capture(inner, (t) => emitTrigger(t, v));
    inner.emit({ op: 'if', cond: onWasSet, then: [], else: trigger, origin: at(inner, 'pi_test_and_set_on', v) });
  });
  b.emit({ op: 'if', cond: pirWasSet, then: [], else: rest, origin: at(b, 'pi_test_and_set_pir', v) });
}

/**
 * pi_wakeup_handler() for the vCPU given (the one on this CPU's wakeup_vcpus_on_cpu list):
 * pi_test_on() (test_bit(): a plain read of ON) and, if set, kvm_vcpu_wake_up(). The list's raw
 * spinlock orders the list, not ON, and is left out. Returns whether it woke the vCPU.
 */
function emitWakeupHandler(b: PrimitiveBuilder, v: string, dst: string | null): PureExpr {
  const on = b.temp();
  const woke = dst ?? b.temp();
  b.emit({ op: 'assign', dst: woke, value: num(0), origin: at(b, 'pi_wakeup_handler', v) });
  b.emit({ op: 'load', dst: on, addr: field(b, v, 'irq'), ann: 'ONCE', origin: at(b, 'pi_test_on', v) });
  const wake = capture(b, (inner) => {
    const w = emitWakeUp(inner, v);
    inner.emit({ op: 'assign', dst: woke, value: w, origin: at(inner, 'kvm_vcpu_wake_up', v) });
  });
  b.emit({ op: 'if', cond: bin('!=', reg(on), num(0)), then: wake, else: [], origin: at(b, 'pi_test_on', v) });
  return reg(woke);
}

function buildPostedIntr(): Map<string, PrimitiveSpec> {
  const t = new Map<string, PrimitiveSpec>();
  t.set('__vmx_deliver_posted_interrupt', {
    args: ['ptr', 'val'],
    doc: 'x86 VMX: pi_test_and_set_pir(vector) and pi_test_and_set_on() (fully ordered test_and_set_bit()s of vcpu->pir and of ON, the vCPU\'s irq), each returning early if the bit was set; then kvm_vcpu_trigger_posted_interrupt(): vcpu->mode == IN_GUEST_MODE sends the notification IPI (counted in ipi and ipi_VCPU; none from the vCPU\'s own thread), otherwise kvm_vcpu_wake_up()',
    expand(b, [vcpu, vector]) {
      const n = fold(vector);
      if (typeof n !== 'number' || n < 0 || n > 62) throw new StageError(b.origin().pos, '__vmx_deliver_posted_interrupt needs a constant vector 0..62 (its bit in vcpu->pir)');
      emitDeliver(b, vcpuName(b, vcpu), n);
      return null;
    },
  });
  t.set('pi_wakeup_handler', {
    args: ['ptr'],
    doc: 'x86 VMX, the handler of POSTED_INTR_WAKEUP_VECTOR for the vCPU given (on its CPU\'s wake-up list): pi_test_on() (a plain read of ON, the vCPU\'s irq) and if set kvm_vcpu_wake_up(); returns whether it woke the vCPU',
    expand(b, [vcpu], dst) {
      return emitWakeupHandler(b, vcpuName(b, vcpu), dst);
    },
  });
  return t;
}

export const KVM_POSTED_INTR_PRIMITIVES: ReadonlyMap<string, PrimitiveSpec> = buildPostedIntr();
