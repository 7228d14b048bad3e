// Executions seen through the source: each event as the line and primitive that produced it,
// values in the protocol's names (IN_GUEST_MODE, KVM_REQ_TLB_FLUSH), reads with the write they
// read from. Shared by the witness and the "ruled out" explanations, and by the DOT output.
import type { OrderingRules } from '../models/model.js';
import type { Event, Skeleton } from '../execution/execution.js';
import { KVM_REQUEST_MASK, KVM_REQUEST_NO_ACTION } from '../lower/kvm.js';
import { fenceMeaning } from '../lower/annotations.js';
import type { CondProp, Program, Value } from '../lower/program.js';
import { Relation } from '../execution/relation.js';
import { propAtoms } from '../parse/ast.js';

/** An execution's graph: the skeleton and the choices of rf and co (consistent or not). */
export interface ExecutionGraph {
  skeleton: Skeleton;
  rf: Relation;
  co: Relation;
  regs: ReadonlyArray<ReadonlyMap<string, Value>>;
  memory: ReadonlyMap<string, Value>;
}

/** One source-level step of a thread: a fence, a read, a write, or an RMW's read and write. */
export interface StepView {
  thread: number;
  line: number;
  /** The primitive as written, and the part of a composite one (set_bit in kvm_make_request). */
  primitive: string;
  part: string | null;
  /** The vCPU a step of a KVM helper serving several acts on. */
  target?: string;
  /** The underlying events: one, or an RMW's read then write. */
  events: number[];
  /** What happened, e.g. "reads vcpu->mode = OUTSIDE_GUEST_MODE from the initial value". */
  text: string;
  /** Whether it is a fence (its text then says what the fence does). */
  fence: boolean;
}

export interface ThreadView {
  thread: number;
  steps: StepView[];
  /** Final values of the thread's own registers, as "r0=0". */
  registers: string[];
}

const MODE_NAMES = ['OUTSIDE_GUEST_MODE', 'IN_GUEST_MODE', 'EXITING_GUEST_MODE', 'READING_SHADOW_PAGE_TABLES'];

/** Names values the way the protocol does: modes by name, request bitmaps by request. */
export class ValueNamer {
  private readonly requestNames = new Map<number, string>();
  constructor(program: Program) {
    // A request number carries flags above its bit (KVM_REQUEST_MASK); NO_ACTION ones set none.
    for (const [name, v] of program.constants) {
      if (!name.startsWith('KVM_REQ_') || v & KVM_REQUEST_NO_ACTION) continue;
      const bit = v & KVM_REQUEST_MASK;
      if (!this.requestNames.has(bit)) this.requestNames.set(bit, name);
    }
  }

  value(loc: string | null, v: Value | null): string {
    if (v === null) return '?';
    if (typeof v === 'string') return `&${v}`;
    if (loc?.endsWith('->mode') && typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < MODE_NAMES.length) return MODE_NAMES[v];
    if (loc?.endsWith('->requests')) {
      if (v === 0) return '0 (no request)';
      // vcpu->requests is a u64: all 64 bits, printed unsigned.
      const bits = BigInt.asUintN(64, BigInt(v));
      const names: string[] = [];
      for (let bit = 0; bit < 64; bit++) if ((bits >> BigInt(bit)) & 1n) names.push(this.requestNames.get(bit) ?? `bit ${bit}`);
      return `0x${bits.toString(16)} (${names.join(' | ')})`;
    }
    return String(v);
  }
}

/** Everything a reader needs to name events and values of one execution. */
export class ExecutionView {
  readonly fr: Relation;
  readonly namer: ValueNamer;
  constructor(
    readonly program: Program,
    readonly graph: ExecutionGraph,
    /** The program-order rules of the model the execution was judged under. */
    readonly orderingRules: OrderingRules = 'lkmm',
  ) {
    this.fr = graph.rf.inverse().seq(graph.co);
    this.namer = new ValueNamer(program);
  }

  get events(): readonly Event[] {
    return this.graph.skeleton.events;
  }

  /** "P1 line 20" */
  where(e: Event): string {
    if (e.thread < 0) return 'the initial state';
    return `P${e.thread} line ${e.origin?.pos.line ?? '?'}`;
  }

  /**
   * The name a developer knows the access by: the primitive when it is a single access
   * (kvm_request_pending), the part inside a composite one (the set_bit of kvm_make_request).
   */
  label(e: Event): string {
    const o = e.origin;
    if (!o) return e.thread < 0 ? 'initial value' : e.kind;
    const siblings = this.events.filter((x) => x.thread === e.thread && x.origin?.site === o.site && x.origin?.primitive === o.primitive);
    const single = siblings.every((x) => x.kind !== 'F' && (x.origin?.part ?? null) === (o.part ?? null));
    const name = single ? o.primitive : (o.part ?? o.primitive);
    if (name === 'load') return 'plain read';
    if (name === 'store') return 'plain write';
    if (name === '=') return 'assignment';
    return name;
  }

  val(e: Event): string {
    return this.namer.value(e.loc, e.value);
  }

  /** The write a read took its value from. */
  source(r: Event): Event | null {
    for (const w of this.events) if (this.graph.rf.has(w.id, r.id)) return w;
    return null;
  }

  /** Where a read's value came from: "the initial value", "P1 line 20 (set_bit)". */
  sourceText(r: Event): string {
    const w = this.source(r);
    if (!w) return 'no write';
    if (w.thread < 0) return 'the initial value';
    if (w.thread === r.thread) return `its own write at line ${w.origin?.pos.line ?? '?'}`;
    return `${this.where(w)} (${this.label(w)})`;
  }

  /** The RMW write paired with a read, if the RMW succeeded. */
  rmwWrite(r: Event): Event | null {
    for (const w of this.events) if (this.graph.skeleton.rmw.has(r.id, w.id)) return w;
    return null;
  }

  threadViews(): ThreadView[] {
    const sk = this.graph.skeleton;
    const out: ThreadView[] = [];
    for (let t = 0; t < sk.threads; t++) {
      const evs = this.events.filter((e) => e.thread === t).sort((a, b) => a.poIndex - b.poIndex);
      const steps: StepView[] = [];
      const merged = new Set<number>();
      for (const e of evs) {
        if (merged.has(e.id)) continue;
        steps.push(this.step(e, merged));
      }
      const regs = this.graph.regs[t] ?? new Map<string, Value>();
      const registers = [...regs.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([r, v]) => `${r}=${typeof v === 'string' ? `&${v}` : v}`);
      out.push({ thread: t, steps, registers });
    }
    return out;
  }

  private step(e: Event, merged: Set<number>): StepView {
    const o = e.origin;
    const base = { thread: e.thread, line: o?.pos.line ?? 0, primitive: o?.primitive ?? '?', part: o?.part ?? null, target: o?.target, fence: e.kind === 'F' };
    const loc = e.loc ?? '?';
    if (e.kind === 'F') {
      if (e.srcuSync) return { ...base, events: [e.id], text: `waits for the SRCU readers of ${loc}` };
      return { ...base, events: [e.id], text: fenceMeaning(e.ann)?.words ?? 'a fence' };
    }
    if (e.kind === 'R') {
      const w = e.rmwInstr ? this.rmwWrite(e) : null;
      const read = `reads ${loc} = ${this.val(e)} from ${this.sourceText(e)}`;
      if (w) {
        merged.add(w.id);
        return { ...base, events: [e.id, w.id], text: `${read}, writes ${this.val(w)}` };
      }
      if (e.rmwInstr) return { ...base, events: [e.id], text: `${read}; no write (the comparison failed)` };
      return { ...base, events: [e.id], text: `${read}` };
    }
    return { ...base, events: [e.id], text: `writes ${loc} = ${this.val(e)}` };
  }
}

/** Observable label -> the constant names the condition compares it with, for display. */
export function conditionNames(prop: CondProp): Map<string, Map<Value, string>> {
  const out = new Map<string, Map<Value, string>>();
  for (const p of propAtoms(prop)) {
    if (p.rhs.k !== 'value' || p.rhs.constant === null) continue;
    const v = p.rhs.value;
    const label = p.lhs.k === 'reg' ? `${p.lhs.thread}:${p.lhs.reg}` : `[${p.lhs.name}]`;
    let m = out.get(label);
    if (!m) out.set(label, (m = new Map()));
    m.set(v, p.rhs.constant);
  }
  return out;
}
