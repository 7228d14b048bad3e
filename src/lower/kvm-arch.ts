// KVM's vCPU requests per architecture, as a named mainline release defines them: the generic
// ones (include/linux/kvm_host.h) and each architecture's (arch/*/include/asm/kvm_host.h).
// A test picks its architecture with a `KvmArch=NAME` header line or `--kvm-arch NAME`.

/** The architectures whose request tables the dialect knows. */
export type KvmArch = 'x86' | 'arm64' | 'riscv';
export const KVM_ARCHES: readonly KvmArch[] = ['x86', 'arm64', 'riscv'];
/** A test that names no architecture is an x86 test (the vcpu-requests.rst examples are x86's). */
export const DEFAULT_KVM_ARCH: KvmArch = 'x86';
/** The kernel release the tables below follow, as the docs and `--help` name it. */
export const KVM_KERNEL_RELEASE = 'Linux 7.3';

/** The flags a request number carries above its bit (include/linux/kvm_host.h). */
export const KVM_REQUEST_MASK = 0xff;
export const KVM_REQUEST_NO_WAKEUP = 1 << 8;
export const KVM_REQUEST_WAIT = 1 << 9;
export const KVM_REQUEST_NO_ACTION = 1 << 10;
/** KVM_ARCH_REQ(n) is bit KVM_REQUEST_ARCH_BASE + n. */
export const KVM_REQUEST_ARCH_BASE = 8;
/** vcpu->requests is a u64: KVM_ARCH_REQ_FLAGS(nr, ...) refuses nr >= 64 - KVM_REQUEST_ARCH_BASE. */
export const KVM_REQUEST_BITS = 64;
export const KVM_ARCH_REQ_MAX = KVM_REQUEST_BITS - KVM_REQUEST_ARCH_BASE;

const WN = KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP;

/** One request as the kernel defines it: its number is `bit | flags`. */
export interface KvmRequest {
  name: string;
  bit: number;
  flags: number;
  /** Another name of the same request (riscv's KVM_REQ_HFENCE_GVMA_VMID_ALL is KVM_REQ_TLB_FLUSH). */
  aliasOf?: string;
  /** Why the entry is there when the release itself lacks it (a name an older release had). */
  note?: string;
}

const generic = (name: string, bit: number, flags = 0): KvmRequest => ({ name: `KVM_REQ_${name}`, bit, flags });
/** KVM_ARCH_REQ_FLAGS(nr, flags). */
const arch = (name: string, nr: number, flags = 0): KvmRequest => ({ name: `KVM_REQ_${name}`, bit: KVM_REQUEST_ARCH_BASE + nr, flags });

/**
 * The architecture-independent requests. KVM_REQ_OUTSIDE_GUEST_MODE sets no bit (NO_ACTION):
 * its number is the flags alone, so its bit field reads 0.
 */
export const GENERIC_REQUESTS: readonly KvmRequest[] = [
  generic('TLB_FLUSH', 0, WN),
  generic('VM_DEAD', 1, WN),
  generic('UNBLOCK', 2),
  generic('DIRTY_RING_SOFT_FULL', 3),
  generic('OUTSIDE_GUEST_MODE', 0, KVM_REQUEST_NO_ACTION | WN),
];

/** arch/x86/include/asm/kvm_host.h ("x86-specific vcpu->requests bit members"). */
const X86: readonly KvmRequest[] = [
  arch('MIGRATE_TIMER', 0),
  arch('REPORT_TPR_ACCESS', 1),
  arch('TRIPLE_FAULT', 2),
  arch('MMU_SYNC', 3),
  arch('CLOCK_UPDATE', 4),
  arch('LOAD_MMU_PGD', 5),
  arch('EVENT', 6),
  arch('APF_HALT', 7),
  arch('STEAL_UPDATE', 8),
  arch('NMI', 9),
  arch('PMU', 10),
  arch('PMI', 11),
  arch('SMI', 12), // #ifdef CONFIG_KVM_SMM
  arch('MASTERCLOCK_UPDATE', 13),
  arch('MCLOCK_INPROGRESS', 14, WN),
  arch('SCAN_IOAPIC', 15, WN),
  arch('GLOBAL_CLOCK_UPDATE', 16),
  arch('APIC_PAGE_RELOAD', 17, WN),
  arch('HV_CRASH', 18),
  arch('IOAPIC_EOI_EXIT', 19),
  arch('HV_RESET', 20),
  arch('HV_EXIT', 21),
  arch('HV_STIMER', 22),
  arch('LOAD_EOI_EXITMAP', 23),
  arch('GET_NESTED_STATE_PAGES', 24),
  arch('APICV_UPDATE', 25, WN),
  arch('TLB_FLUSH_CURRENT', 26),
  arch('TLB_FLUSH_GUEST', 27, WN),
  arch('APF_READY', 28),
  arch('RECALC_INTERCEPTS', 29),
  arch('UPDATE_CPU_DIRTY_LOGGING', 30, WN),
  arch('MMU_FREE_OBSOLETE_ROOTS', 31, WN),
  arch('HV_TLB_FLUSH', 32, WN),
  arch('VMSA_PAGE_RELOAD', 33, WN),
  arch('UPDATE_PROTECTED_GUEST_STATE', 34, KVM_REQUEST_WAIT),
  { ...arch('MSR_FILTER_CHANGED', 29), aliasOf: 'KVM_REQ_RECALC_INTERCEPTS', note: '6.12 names KVM_ARCH_REQ(29) so; 7.3 renamed it KVM_REQ_RECALC_INTERCEPTS' },
];

/** arch/arm64/include/asm/kvm_host.h. */
const ARM64: readonly KvmRequest[] = [
  arch('SLEEP', 0, WN),
  arch('IRQ_PENDING', 1),
  arch('VCPU_RESET', 2),
  arch('RECORD_STEAL', 3),
  arch('RELOAD_GICv4', 4),
  arch('RELOAD_PMU', 5),
  arch('SUSPEND', 6),
  arch('RESYNC_PMU_EL0', 7),
  arch('NESTED_S2_UNMAP', 8),
  arch('GUEST_HYP_IRQ_PENDING', 9),
  arch('MAP_L1_VNCR_EL2', 10),
  arch('VGIC_PROCESS_UPDATE', 11),
];

/** arch/riscv/include/asm/kvm_host.h. */
const RISCV: readonly KvmRequest[] = [
  arch('SLEEP', 0, WN),
  arch('VCPU_RESET', 1),
  arch('UPDATE_HGATP', 2),
  arch('FENCE_I', 3, WN),
  arch('HFENCE_VVMA_ALL', 4, WN),
  arch('HFENCE', 5, WN),
  arch('STEAL_UPDATE', 6),
  { ...generic('HFENCE_GVMA_VMID_ALL', 0, WN), aliasOf: 'KVM_REQ_TLB_FLUSH', note: '6.12 has #define KVM_REQ_HFENCE_GVMA_VMID_ALL KVM_REQ_TLB_FLUSH; 7.3 uses KVM_REQ_TLB_FLUSH itself' },
];

export const ARCH_REQUESTS: ReadonlyMap<KvmArch, readonly KvmRequest[]> = new Map([
  ['x86', X86],
  ['arm64', ARM64],
  ['riscv', RISCV],
]);

/** The request number (`bit | flags`) the kernel gives a request. */
export const requestNumber = (r: KvmRequest): number => r.bit | r.flags;

const TABLES = new Map<KvmArch, ReadonlyMap<string, KvmRequest>>(
  KVM_ARCHES.map((a) => [a, new Map([...GENERIC_REQUESTS, ...(ARCH_REQUESTS.get(a) ?? [])].map((r) => [r.name, r]))]),
);

/** Every request name an architecture defines (generic ones included), with its definition. */
export function requestTable(a: KvmArch): ReadonlyMap<string, KvmRequest> {
  return TABLES.get(a) ?? new Map();
}

/** The request `name` on architecture `a`, or undefined if that architecture does not define it. */
export function kvmRequest(a: KvmArch, name: string): KvmRequest | undefined {
  return requestTable(a).get(name);
}

/** The architectures (other than `a`) that define `name`: for "KVM_REQ_SLEEP is an arm64 request". */
export function archesDefining(name: string): KvmArch[] {
  return KVM_ARCHES.filter((x) => requestTable(x).has(name));
}

export function isKvmArch(s: string): s is KvmArch {
  return (KVM_ARCHES as readonly string[]).includes(s);
}

/** The names of the KVM_REQUEST_* flags set in a request number, for messages and explanations. */
export function requestFlagNames(req: number): string[] {
  const out: string[] = [];
  if (req & KVM_REQUEST_NO_WAKEUP) out.push('NO_WAKEUP');
  if (req & KVM_REQUEST_WAIT) out.push('WAIT');
  if (req & KVM_REQUEST_NO_ACTION) out.push('NO_ACTION');
  return out;
}
