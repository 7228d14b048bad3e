// The KVM request paths of one execution told in the protocol's terms: for each vCPU a request
// helper served, whether the request was made, whether the vCPU was woken, what mode the
// requester found and so whether it sent an IPI, and whether it waited for it; and which vCPU
// thread missed the request, or went to sleep with nobody to wake it. Pure.
import type { Event } from '../execution/execution.js';
import { KVM_REQUEST_MASK, KVM_REQUEST_NO_ACTION, KVM_REQUEST_NO_WAKEUP, KVM_REQUEST_WAIT } from '../lower/kvm.js';
import { BLOCK_PART } from '../lower/kvm-block.js';
import { PART } from '../lower/kvm-requests.js';
import type { ExecutionView } from './views.js';

const REQUEST_HELPERS = new Set(['kvm_make_all_cpus_request', 'kvm_make_all_cpus_request_except', 'kvm_make_vcpus_request_mask']);
const OUTSIDE = 0;
const IN_GUEST = 1;

const flagNames = (req: number): string[] =>
  [req & KVM_REQUEST_WAIT ? 'WAIT' : null, req & KVM_REQUEST_NO_WAKEUP ? 'NO_WAKEUP' : null, req & KVM_REQUEST_NO_ACTION ? 'NO_ACTION' : null].filter((f): f is string => f !== null);

/** "KVM_REQ_TLB_FLUSH (bit 0; flags WAIT, NO_WAKEUP)", or how it differs from the named request with its bit. */
function requestWords(view: ExecutionView, req: number): string {
  const flags = flagNames(req);
  const flagText = flags.length ? `flags ${flags.join(', ')}` : 'no flags';
  const requests = [...view.program.constants].filter(([n]) => n.startsWith('KVM_REQ_'));
  const exact = requests.find(([, v]) => v === req)?.[0];
  if (req & KVM_REQUEST_NO_ACTION) return `${exact ?? 'a request'} (no request bit; ${flagText})`;
  const bit = req & KVM_REQUEST_MASK;
  if (exact) return `${exact} (bit ${bit}; ${flagText})`;
  const sameBit = requests.find(([, v]) => !(v & KVM_REQUEST_NO_ACTION) && (v & KVM_REQUEST_MASK) === bit);
  if (!sameBit) return `request bit ${bit} (${flagText})`;
  const own = flagNames(sameBit[1]);
  const dropped = own.filter((f) => !flags.includes(f));
  const added = flags.filter((f) => !own.includes(f));
  const diff = [...dropped.map((f) => `without KVM_REQUEST_${f}`), ...added.map((f) => `with KVM_REQUEST_${f}`)].join(', ');
  return `${sameBit[0]} ${diff} (bit ${bit}; ${flagText})`;
}

const at = (e: Event) => `line ${e.origin?.pos.line ?? '?'}`;

/** The story of every KVM request path, kvm_vcpu_block() and kvm_vcpu_wake_up() in the execution. */
export function protocolStory(view: ExecutionView): string[] {
  const out: string[] = [];
  const events = [...view.events].filter((e) => e.thread >= 0).sort((a, b) => a.thread - b.thread || a.poIndex - b.poIndex);
  const sites = new Map<string, Event[]>();
  for (const e of events) {
    const o = e.origin;
    if (!o || !(REQUEST_HELPERS.has(o.primitive) || ['kvm_vcpu_block', 'kvm_vcpu_wake_up', 'kvm_vcpu_kick'].includes(o.primitive))) continue;
    const key = `${e.thread}:${o.site}`;
    const list = sites.get(key);
    if (list) list.push(e);
    else sites.set(key, [e]);
  }
  for (const evs of sites.values()) {
    const first = evs[0];
    const o = first.origin!;
    const who = `P${first.thread} ${at(first)} ${o.primitive}()`;
    if (o.primitive === 'kvm_vcpu_block') out.push(...blockStory(view, who, evs));
    else if (o.primitive === 'kvm_vcpu_wake_up') out.push(...wakeStory(view, who, evs));
    else out.push(...requestStory(view, who, evs, events));
  }
  return out;
}

function requestStory(view: ExecutionView, who: string, evs: Event[], all: Event[]): string[] {
  // A kick is a request path without a request: wake-up, then an IPI only for IN_GUEST_MODE.
  const kick = evs[0].origin?.primitive === 'kvm_vcpu_kick';
  const req = evs.find((e) => e.origin?.request !== undefined)?.origin?.request ?? 0;
  const wait = (req & KVM_REQUEST_WAIT) !== 0;
  const out = [`${who}: ${kick ? 'a kick (wake-up, else an IPI if IN_GUEST_MODE; never waited for)' : requestWords(view, req)}`];
  const targets: string[] = [];
  for (const e of evs) if (e.origin?.target && !targets.includes(e.origin.target)) targets.push(e.origin.target);
  for (const v of targets) {
    const mine = evs.filter((e) => e.origin?.target === v);
    const said: string[] = [];
    const setBit = mine.find((e) => e.kind === 'W' && e.loc === `${v}->requests`);
    if (setBit) said.push('made the request (set_bit)');
    else if (req & KVM_REQUEST_NO_ACTION && !kick) said.push('set no request bit (NO_ACTION)');
    const waiter = mine.find((e) => e.kind === 'R' && e.origin?.part === PART.readWaiter);
    let woken = false;
    if (waiter) {
      woken = waiter.value !== 0;
      said.push(woken ? `woke ${v}, which was waiting in kvm_vcpu_block() (so no IPI)` : `found nobody waiting in ${v}->wait (from ${view.sourceText(waiter)}), so woke nobody`);
    } else if (req & KVM_REQUEST_NO_WAKEUP && !kick) said.push('tried no wake-up (NO_WAKEUP)');
    const mode = mine.find((e) => e.kind === 'R' && e.loc === `${v}->mode`);
    let ipi = false;
    if (mode) {
      const m = typeof mode.value === 'number' ? mode.value : -1;
      const name = view.val(mode);
      ipi = wait ? m !== OUTSIDE : m === IN_GUEST;
      const from = `found ${v} ${name} (from ${view.sourceText(mode)})`;
      if (ipi) {
        const ack = mine.find((e) => e.kind === 'R' && e.origin?.part === PART.waitAck);
        if (ack) said.push(`${from}, so sent it an IPI and waited for its acknowledgement, which came from ${view.sourceText(ack)}`);
        else if (kick) said.push(`${from}, so sent it an IPI`);
        else said.push(`${from}, so sent it an IPI, but did NOT wait for it (no KVM_REQUEST_WAIT): it returned while ${v} may still be ${name}`);
      } else if (!wait && !kick && m !== OUTSIDE && m >= 0) {
        said.push(`${from}: sent NO IPI, because without KVM_REQUEST_WAIT kvm_request_needs_ipi() IPIs only IN_GUEST_MODE; it did not wait for ${v} to leave ${name}`);
      } else said.push(`${from}: sent no IPI`);
    }
    // The vCPU's own look at its requests, if it missed this one.
    const bit = req & KVM_REQUEST_MASK;
    const missed = setBit
      ? all.find((e) => e.thread !== setBit.thread && e.kind === 'R' && e.loc === `${v}->requests` && typeof e.value === 'number' && ((e.value >> bit) & 1) === 0)
      : undefined;
    let tail = '';
    if (missed) {
      const lost = !woken && !ipi;
      tail = `; P${missed.thread} ${at(missed)} read ${v}->requests = ${view.val(missed)} without it${lost ? `: ${v} LOST the request (not seen, no IPI, not woken)` : ''}`;
    }
    out.push(`  ${v}: ${said.join('; ')}${tail}`);
  }
  return out;
}

function blockStory(view: ExecutionView, who: string, evs: Event[]): string[] {
  const checks = new Set<string>([BLOCK_PART.runnable, BLOCK_PART.timer, BLOCK_PART.signal, BLOCK_PART.unblock]);
  const out: string[] = [];
  for (const e of evs) {
    if (e.kind !== 'R' || !e.origin?.part) continue;
    if (checks.has(e.origin.part)) out.push(`${who}: kvm_vcpu_check_block() (${e.origin.part}) read ${e.loc} = ${view.val(e)} from ${view.sourceText(e)}`);
    else if (e.origin.part === BLOCK_PART.schedule) out.push(`${who}: slept in schedule() until ${e.loc} = ${view.val(e)} (from ${view.sourceText(e)}): ${e.value === 0 ? 'woken, it checks again' : 'nobody has woken it'}`);
  }
  return out;
}

function wakeStory(view: ExecutionView, who: string, evs: Event[]): string[] {
  const read = evs.find((e) => e.kind === 'R' && e.origin?.part === PART.readWaiter);
  if (!read) return [];
  const v = read.loc?.replace(/->wait$/, '') ?? 'the vCPU';
  return [`${who}: read ${v}->wait = ${view.val(read)} from ${view.sourceText(read)}: ${read.value !== 0 ? `woke ${v}` : `nobody to wake: if ${v} sleeps now, its wake-up is lost`}`];
}
