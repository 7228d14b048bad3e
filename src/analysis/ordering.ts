// The ordering primitives of a lowered program, and the mutations that take their ordering away
// (remove a fence) or weaken it (smp_mb to smp_wmb, a release store to WRITE_ONCE, xchg to
// xchg_relaxed...). Works on the Program IR so the barriers inside composite helpers (the
// smp_wmb of kvm_make_request) can be mutated one by one, which source edits cannot do.
import { primitiveSpec } from '../lower/lower.js';
import type { Instr, Program } from '../lower/program.js';
import { FENCES, RMW_ANN, accessMeaning, fenceMeaning, lkmmAccessSet, lkmmFenceSet, type Ann } from '../lower/annotations.js';

/** smp_mb()'s weaker forms, strongest first (the other fences have none short of removal). */
const WEAKER_FENCES: ReadonlyArray<'wmb' | 'rmb'> = ['wmb', 'rmb'];


/** Identifies the instructions of one source-level call (or one part of a composite helper). */
export interface InstrKey {
  thread: number;
  site: number;
  /** null: every instruction of the call. */
  part: string | null;
  /** The vCPU, for the steps of a helper that serves several (kvm_make_all_cpus_request): each is judged on its own. */
  target?: string;
}

/** Helpers whose steps repeat per vCPU: their barriers are judged per vCPU. */
const PER_VCPU_HELPERS = new Set(['kvm_make_all_cpus_request', 'kvm_make_all_cpus_request_except', 'kvm_make_vcpus_request_mask']);
const targetOf = (i: Instr): string | undefined => (PER_VCPU_HELPERS.has(i.origin.primitive) ? i.origin.target : undefined);

export type InstrEdit = { key: InstrKey; action: 'remove' } | { key: InstrKey; action: 'annotate'; ann: Ann };

export interface Mutation {
  /** What the primitive becomes, as a kernel developer writes it: "smp_wmb()", "xchg_relaxed()". */
  label: string;
  edits: InstrEdit[];
}

export interface OrderingPrimitive {
  thread: number;
  site: number;
  part: string | null;
  /** The call as written, e.g. "kvm_make_request". */
  primitive: string;
  /** The vCPU a per-vCPU step of a request helper serves. */
  target?: string;
  /** "smp_mb()", or "smp_wmb() in kvm_make_request" for a helper's inner barrier. */
  label: string;
  line: number;
  col: number;
  /** Deleting it (fences only: an access cannot be deleted without changing the program). */
  removal: Mutation | null;
  /** Weaker forms, strongest first; the last one keeps no ordering at all for accesses. */
  weakenings: Mutation[];
  /** The mutation that takes all its ordering away: the removal, or the fully relaxed form. */
  strip: Mutation;
}

/** Every ordering primitive of the program, in thread then program order. */
export function orderingPrimitives(program: Program): OrderingPrimitive[] {
  const out: OrderingPrimitive[] = [];
  for (const t of program.threads) {
    const seen = new Set<string>();
    walk(t.body, (i) => {
      const o = i.origin;
      const part = o.part ?? null;
      const target = targetOf(i);
      const key = `${o.site}/${part ?? ''}/${target ?? ''}`;
      if (seen.has(key)) return;
      const base = { thread: t.index, site: o.site, part, primitive: o.primitive, line: o.pos.line, col: o.pos.col, ...(target ? { target } : {}) };
      const k: InstrKey = { thread: t.index, site: o.site, part, ...(target ? { target } : {}) };
      // smp_store_mb is one call: WRITE_ONCE plus smp_mb. Weakening it drops the smp_mb part.
      if (o.primitive === 'smp_store_mb') {
        if (seen.has(`${o.site}/*`)) return;
        seen.add(`${o.site}/*`);
        const w: Mutation = { label: 'WRITE_ONCE()', edits: [{ key: { thread: t.index, site: o.site, part: 'smp_mb' }, action: 'remove' }] };
        out.push({ ...base, part: null, label: 'smp_store_mb()', removal: null, weakenings: [w], strip: w });
        return;
      }
      const name = part ?? o.primitive;
      const label = part ? `${part}()${target ? ` for ${target}` : ''} in ${o.primitive}` : `${o.primitive}()`;
      // Fences that order memory accesses (RCU/SRCU markers and grace periods are protocol, not barriers).
      if (i.op === 'fence' && fenceMeaning(i.ann)?.orders) {
        seen.add(key);
        const removal: Mutation = { label: 'removed', edits: [{ key: k, action: 'remove' }] };
        const weakenings: Mutation[] =
          lkmmFenceSet(i.ann) === 'Mb' ? WEAKER_FENCES.map((ann): Mutation => ({ label: `${FENCES[ann].call}()`, edits: [{ key: k, action: 'annotate', ann }] })) : [];
        out.push({ ...base, label, removal, weakenings, strip: removal });
        return;
      }
      if ((i.op === 'load' && lkmmAccessSet(i.ann) === 'Acquire') || (i.op === 'store' && lkmmAccessSet(i.ann) === 'Release')) {
        seen.add(key);
        const to = i.op === 'load' ? relaxedAccessName(name, 'READ_ONCE') : relaxedAccessName(name, 'WRITE_ONCE');
        const w: Mutation = { label: `${to}()`, edits: [{ key: k, action: 'annotate', ann: 'ONCE' }] };
        out.push({ ...base, label, removal: null, weakenings: [w], strip: w });
        return;
      }
      const order = i.op === 'xchg' || i.op === 'cmpxchg' || i.op === 'atomic' ? accessMeaning(i.ann)?.rmwOrder : null;
      if (order && order !== 'relaxed') {
        seen.add(key);
        const orders = order === 'full' ? (['acquire', 'release', 'relaxed'] as const) : (['relaxed'] as const);
        const weakenings = orders.map((order): Mutation => ({ label: rmwVariantName(name, order), edits: [{ key: k, action: 'annotate', ann: RMW_ANN[order] }] }));
        out.push({ ...base, label, removal: null, weakenings, strip: weakenings[weakenings.length - 1] });
      }
    });
  }
  return out;
}

/** smp_load_acquire -> READ_ONCE, atomic_read_acquire -> atomic_read, atomic_set_release -> atomic_set. */
function relaxedAccessName(name: string, generic: string): string {
  const stripped = name.replace(/_(acquire|release)$/, '');
  return stripped !== name && primitiveSpec(stripped) ? stripped : generic;
}

/** xchg + relaxed -> xchg_relaxed; names without such a variant get the ordering in words. */
function rmwVariantName(name: string, suffix: string): string {
  const base = name.replace(/_(acquire|release|relaxed)$/, '');
  const candidate = `${base}_${suffix}`;
  return primitiveSpec(candidate) ? `${candidate}()` : `${base}() made ${suffix}`;
}

function walk(body: Instr[], visit: (i: Instr) => void): void {
  for (const i of body) {
    visit(i);
    if (i.op === 'if') {
      walk(i.then, visit);
      walk(i.else, visit);
    }
  }
}

function matches(key: InstrKey, thread: number, i: Instr): boolean {
  return key.thread === thread && key.site === i.origin.site && (key.part === null || key.part === (i.origin.part ?? null)) && (key.target === undefined || key.target === targetOf(i));
}

/** A copy of the program with the edits applied; the original is left untouched. */
export function applyMutation(program: Program, m: Mutation): Program {
  const rewrite = (thread: number, body: Instr[]): Instr[] => {
    const out: Instr[] = [];
    for (const i of body) {
      const edit = m.edits.find((e) => matches(e.key, thread, i) && i.op !== 'if');
      if (edit?.action === 'remove') continue;
      let next: Instr = i;
      if (edit?.action === 'annotate' && 'ann' in i) next = { ...i, ann: edit.ann };
      if (next.op === 'if') next = { ...next, then: rewrite(thread, next.then), else: rewrite(thread, next.else) };
      out.push(next);
    }
    return out;
  };
  return { ...program, threads: program.threads.map((t) => ({ ...t, body: rewrite(t.index, t.body) })) };
}

/** Stable identity of a primitive across two lowerings of (nearly) the same source. */
export function primitiveIdentity(p: OrderingPrimitive): string {
  return `${p.thread}:${p.line}:${p.col}:${p.primitive}:${p.part ?? ''}${p.target ? `:${p.target}` : ''}`;
}
