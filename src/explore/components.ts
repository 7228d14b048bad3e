// Independent components: parts of a test that share no location. A KVM requester making a
// request of every vCPU (kvm_make_all_cpus_request) touches vCPU i's locations only in its i-th
// part, and vCPU i's thread touches no other vCPU's: the test is N small tests side by side, and
// its executions are every combination of theirs. Searching them apart turns a product of
// 6^N requester paths and 3^N executions into N searches of a few each.
//
// A component is a set of locations with the instructions that access them; a thread may take
// part in several, as one contiguous block of top-level instructions each. Registers tie
// instructions together (an instruction that reads or writes a register is in the component of
// every other that does), except counters: a register only ever changed by `r = r ± constant`
// and never observed (the `ipi` total of the KVM helpers), whose final value is its initial
// value plus each block's change. Why the executions combine exactly, for a model that says so
// (MemoryModel.decomposes): the only relations between events of different components are
// program-order edges from one block of a thread to a later block, and the components are
// ordered so that every such edge goes forward (threads that order two components both ways
// merge them), so no cycle and no path from a component back to itself leaves it; see
// docs/performance-verdict.md.
import { rcuNesting } from '../lower/annotations.js';
import type { Instr, Program, PureExpr, ThreadProgram } from '../lower/program.js';
import type { Observable } from '../parse/ast.js';
import { propAtoms } from '../parse/ast.js';

/** A thread's share of a component: the top-level instructions [from, to) of its body. */
export interface Block {
  thread: number;
  from: number;
  to: number;
}

export interface Component {
  /** The component as a test of its own: its blocks are its threads, in thread order. */
  program: Program;
  blocks: Block[];
  locations: Set<string>;
}

export interface Split {
  components: Component[];
  /** Per thread, its blocks in program order, as [component, sub-thread of that component]. */
  blocksOf: Array<Array<[number, number]>>;
  /** Per thread, the counters (registers whose final value sums every block's change). */
  counters: Array<Set<string>>;
  /** Per thread, the block (index into blocksOf[t]) that owns each other register it uses. */
  owner: Array<Map<string, number>>;
}

/** What one top-level instruction touches. */
interface Touch {
  locs: Set<string>;
  regs: Set<string>;
  /** rcu_read_lock() minus rcu_read_unlock() across it (null: its branches differ). */
  rcu: number | null;
  assume: boolean;
}

class Unsplittable extends Error {}

/** The components of a program, or null when it has one (or cannot be split safely). */
export function splitProgram(program: Program): Split | null {
  if ([...program.locations.values()].some((v) => typeof v !== 'number')) return null;
  // Verdict mode explores one program up to three times: split it once.
  const known = splits.get(program);
  if (known !== undefined) return known;
  let out: Split | null = null;
  try {
    out = split(program);
  } catch (e) {
    if (!(e instanceof Unsplittable)) throw e;
  }
  splits.set(program, out);
  return out;
}

const splits = new WeakMap<Program, Split | null>();

function split(program: Program): Split | null {
  const observed = observedRegs(program);
  const counters = program.threads.map((t) => counterRegs(t, observed.get(t.index) ?? new Set()));
  const touches = program.threads.map((t, ti) => t.body.map((i) => touch(i, counters[ti])));
  const uf = new UnionFind();
  touches.forEach((ts, t) =>
    ts.forEach((x, k) => {
      const me = `i${t}:${k}`;
      uf.find(me);
      for (const l of x.locs) uf.union(me, `l${l}`);
      for (const r of x.regs) uf.union(me, `r${t}:${r}`);
    }),
  );
  const floating = (t: number, k: number) => touches[t][k].locs.size === 0 && touches[t][k].regs.size === 0;
  // Each thread's instructions, by component: a floating one (a fence, a counter) joins the next.
  const runsOf = (t: number): Run[] => {
    const roots: Array<string | null> = touches[t].map((_, k) => (floating(t, k) ? null : uf.find(`i${t}:${k}`)));
    let next: string | null = null;
    for (let k = roots.length - 1; k >= 0; k--) roots[k] = next = roots[k] ?? next;
    const last = [...roots].reverse().find((r) => r !== null) ?? null;
    const runs: Run[] = [];
    roots.forEach((r, k) => {
      const root = r ?? last;
      if (root === null) return;
      if (runs.length > 0 && runs[runs.length - 1].root === root) runs[runs.length - 1].to = k + 1;
      else runs.push({ root, from: k, to: k + 1 });
    });
    return runs;
  };
  // A thread's share of a component must be contiguous, and no boundary may cut an RCU read-side
  // section or follow an assume (its control dependency reaches every later event): merge until so.
  for (let changed = true; changed; ) {
    changed = false;
    const orders: string[][] = [];
    program.threads.forEach((_, t) => {
      const runs = runsOf(t);
      orders.push(runs.map((r) => r.root));
      const seen = new Map<string, number>();
      let depth = 0;
      runs.forEach((run, j) => {
        // A component met again: it and every one in between become one.
        const first = seen.get(run.root);
        if (first !== undefined) changed = mergeAll(uf, runs.slice(first, j + 1).map((r) => r.root)) || changed;
        else seen.set(run.root, j);
        let assume = false;
        for (let k = run.from; k < run.to; k++) {
          const d = touches[t][k].rcu;
          if (d === null) throw new Unsplittable();
          depth += d;
          assume ||= touches[t][k].assume;
        }
        if (j + 1 < runs.length && (depth !== 0 || assume)) changed = mergeAll(uf, [run.root, runs[j + 1].root]) || changed;
      });
    });
    // Blocks order the components (a thread's earlier block before its later one); where two
    // threads order them both ways (store buffering: x then y, and y then x), they are one.
    if (new Set(orders.flat()).size < 2) return null; // one component (merges only make fewer)
    if (!changed) changed = mergeCycles(uf, orders);
  }
  return assemble(program, program.threads.map((_, t) => runsOf(t)), touches, counters);
}

interface Run {
  root: string;
  from: number;
  to: number;
}

/** The components, once every thread's runs are final: their blocks, locations and sub-programs. */
function assemble(program: Program, allRuns: Run[][], touches: Touch[][], counters: Array<Set<string>>): Split | null {
  const index = new Map<string, number>();
  for (const runs of allRuns) for (const r of runs) if (!index.has(r.root)) index.set(r.root, index.size);
  if (index.size < 2) return null;
  const blocks: Block[][] = [...index.keys()].map(() => []);
  const blocksOf: Array<Array<[number, number]>> = program.threads.map(() => []);
  const owner = program.threads.map(() => new Map<string, number>());
  program.threads.forEach((thread, t) => {
    // A thread with no location and no register of its own: a whole block of the first component.
    const runs = allRuns[t].length > 0 ? allRuns[t] : [{ root: [...index.keys()][0], from: 0, to: thread.body.length }];
    runs.forEach((run, j) => {
      const c = index.get(run.root)!;
      blocksOf[t].push([c, blocks[c].length]);
      blocks[c].push({ thread: t, from: run.from, to: run.to });
      for (let k = run.from; k < run.to; k++) for (const r of touches[t][k].regs) owner[t].set(r, j);
    });
  });
  const locs = [...index.keys()].map(() => new Set<string>());
  touches.forEach((ts, t) => allRuns[t].forEach((run) => {
    for (let k = run.from; k < run.to; k++) for (const l of ts[k].locs) locs[index.get(run.root)!].add(l);
  }));
  const components = blocks.map((bs, c) => ({ program: subProgram(program, bs, locs[c]), blocks: bs, locations: locs[c] }));
  return { components, blocksOf, counters, owner };
}

/** Merge the components on a cycle of the order the threads' blocks give them. */
function mergeCycles(uf: UnionFind, orders: string[][]): boolean {
  const next = new Map<string, Set<string>>();
  for (const o of orders) for (let j = 0; j + 1 < o.length; j++) {
    if (!next.has(o[j])) next.set(o[j], new Set());
    next.get(o[j])!.add(o[j + 1]);
  }
  const reach = (from: string): Set<string> => {
    const seen = new Set<string>();
    const todo = [from];
    while (todo.length > 0) {
      for (const n of next.get(todo.pop()!) ?? []) {
        if (seen.has(n)) continue;
        seen.add(n);
        todo.push(n);
      }
    }
    return seen;
  };
  for (const a of next.keys()) {
    const r = reach(a);
    if (r.has(a)) return mergeAll(uf, [a, ...[...r].filter((b) => reach(b).has(a))]);
  }
  return false;
}

function mergeAll(uf: UnionFind, roots: string[]): boolean {
  let changed = false;
  for (const r of roots) changed = uf.union(roots[0], r) || changed;
  return changed;
}

function subProgram(program: Program, blocks: Block[], locations: Set<string>): Program {
  const threads: ThreadProgram[] = blocks.map((b, i) => {
    const t = program.threads[b.thread];
    return { index: i, body: t.body.slice(b.from, b.to), initRegs: t.initRegs, userRegs: t.userRegs };
  });
  const inLocs = <T>(m: Map<string, T>) => new Map([...m].filter(([l]) => locations.has(l)));
  return {
    ...program,
    threads,
    locations: inLocs(program.locations),
    lockLocations: new Set([...program.lockLocations].filter((l) => locations.has(l))),
    condition: { k: 'true' },
    filter: null,
    outcome: null,
    observed: program.observed.filter((o) => o.obs.k === 'mem' && locations.has(o.obs.name)),
    warnings: [],
  };
}

/** The registers the condition, the filter and the listed locations name, per thread. */
function observedRegs(program: Program): Map<number, Set<string>> {
  const out = new Map<number, Set<string>>();
  const note = (o: Observable) => {
    if (o.k !== 'reg') return;
    if (!out.has(o.thread)) out.set(o.thread, new Set());
    out.get(o.thread)!.add(o.reg);
  };
  for (const o of program.observed) note(o.obs);
  for (const p of [program.condition, program.filter]) {
    if (!p) continue;
    for (const a of propAtoms(p)) {
      note(a.lhs);
      if (a.rhs.k === 'obs') note(a.rhs.obs);
    }
  }
  return out;
}

/** `r = r + c` or `r = r - c` (c a number): the register it counts in, else null. */
function countStep(i: Instr): string | null {
  if (i.op !== 'assign' || i.value.k !== 'bin' || (i.value.op !== '+' && i.value.op !== '-')) return null;
  const { a, b } = i.value;
  if (a.k === 'reg' && a.r === i.dst && b.k === 'const' && typeof b.v === 'number') return i.dst;
  if (i.value.op === '+' && b.k === 'reg' && b.r === i.dst && a.k === 'const' && typeof a.v === 'number') return i.dst;
  return null;
}

/** Registers changed only by count steps, never read otherwise, never observed, starting at a number. */
function counterRegs(thread: ThreadProgram, observed: Set<string>): Set<string> {
  const steps = new Set<string>();
  const other = new Set<string>(observed);
  const walk = (is: readonly Instr[]) => {
    for (const i of is) {
      const c = countStep(i);
      if (c !== null) steps.add(c);
      else for (const r of instrRegs(i)) other.add(r);
      if (i.op === 'if') {
        walk(i.then);
        walk(i.else);
      }
    }
  };
  walk(thread.body);
  return new Set([...steps].filter((r) => !other.has(r) && typeof (thread.initRegs.get(r) ?? 0) === 'number'));
}

/** The registers one instruction reads or writes (not those of its branches). */
function instrRegs(i: Instr): string[] {
  const out: string[] = [];
  const e = (x: PureExpr | null) => x && exprRegs(x, out);
  if ('dst' in i && i.dst !== null) out.push(i.dst);
  switch (i.op) {
    case 'load': case 'lock': case 'unlock': case 'trylock': case 'islocked': case 'srcu-sync':
      e(i.addr);
      break;
    case 'store': case 'xchg':
      e(i.addr);
      e(i.value);
      break;
    case 'cmpxchg':
      e(i.addr);
      e(i.expected);
      e(i.value);
      break;
    case 'atomic':
      e(i.addr);
      e(i.operand);
      e(i.unless);
      break;
    case 'assign':
      e(i.value);
      break;
    case 'if': case 'assume':
      e(i.cond);
      break;
  }
  return out;
}

function exprRegs(x: PureExpr, out: string[]): void {
  switch (x.k) {
    case 'const':
      return;
    case 'reg':
      out.push(x.r);
      return;
    case 'un':
      exprRegs(x.a, out);
      return;
    case 'bin':
      // Division can stop a path (undefined behaviour), which would end the thread's later blocks too.
      if (x.op === '/' || x.op === '%') throw new Unsplittable();
      exprRegs(x.a, out);
      exprRegs(x.b, out);
      return;
    case 'cond':
      exprRegs(x.c, out);
      exprRegs(x.a, out);
      exprRegs(x.b, out);
  }
}

/** An address the test names: a location. Computed addresses (pointers) are not split. */
function location(x: PureExpr): string {
  if (x.k === 'const' && typeof x.v === 'string') return x.v;
  throw new Unsplittable();
}

/** A value that is an address could be stored and followed: such tests are not split. */
function noAddresses(x: PureExpr | null): void {
  if (x === null) return;
  if (x.k === 'const') {
    if (typeof x.v === 'string') throw new Unsplittable();
  } else if (x.k === 'un') noAddresses(x.a);
  else if (x.k === 'bin') {
    noAddresses(x.a);
    noAddresses(x.b);
  } else if (x.k === 'cond') {
    noAddresses(x.c);
    noAddresses(x.a);
    noAddresses(x.b);
  }
}

function touch(top: Instr, counters: Set<string>): Touch {
  const t: Touch = { locs: new Set(), regs: new Set(), rcu: 0, assume: false };
  const rcuOf = (is: readonly Instr[]): number | null => {
    let d = 0;
    for (const i of is) {
      if (countStep(i) === null || !counters.has(countStep(i)!)) for (const r of instrRegs(i)) if (!counters.has(r)) t.regs.add(r);
      if ('addr' in i) t.locs.add(location(i.addr));
      if (i.op === 'store' || i.op === 'xchg' || i.op === 'cmpxchg') noAddresses(i.value);
      if (i.op === 'cmpxchg') noAddresses(i.expected);
      if (i.op === 'atomic') {
        noAddresses(i.operand);
        noAddresses(i.unless);
      }
      if (i.op === 'assign') noAddresses(i.value);
      if (i.op === 'if' || i.op === 'assume') noAddresses(i.cond);
      if (i.op === 'assume') t.assume = true;
      // A wait that may block, or a cut loop (kvm_vcpu_block()'s, or an --unroll bound's), ends
      // its execution early: its blocked threads and its cuts are per execution, which combining
      // parts does not carry; search it whole.
      if (i.op === 'await' || i.op === 'cut' || i.op === 'assume') throw new Unsplittable();
      if (i.op === 'fence') d += rcuNesting(i.ann);
      if (i.op === 'if') {
        const a = rcuOf(i.then);
        const b = rcuOf(i.else);
        if (a === null || a !== b) return null;
        d += a;
      }
    }
    return d;
  };
  t.rcu = rcuOf([top]);
  return t;
}

class UnionFind {
  private readonly parent = new Map<string, string>();
  find(x: string): string {
    for (;;) {
      const p = this.parent.get(x);
      if (p === undefined) this.parent.set(x, x);
      if (p === undefined || p === x) return x;
      x = p;
    }
  }
  union(a: string, b: string): boolean {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return false;
    this.parent.set(ra, rb);
    return true;
  }
}
