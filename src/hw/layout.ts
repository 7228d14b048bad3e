// Where everything of a test lives in the generated C program, and what its output lists: the
// locations (a cell each per instance, in this order) and the observables of a final state.
// Pure, and shared by the generator (generate.ts), the tally (tally.ts) and the report.
import { propAtoms, sameObservable, type Observable } from '../parse/ast.js';
import type { Instr, Program, PureExpr } from '../lower/program.js';

/** Something a final state records: the test's observed items, then filter-only ones. */
export interface HwObservable {
  obs: Observable;
  /** "0:r0" or "[x]", as herd7 prints it. */
  label: string;
}

/** Where everything lives in the generated program (what its output refers to). */
export interface HwLayout {
  /** Location names; index k is cell k of an instance. Output `&k` means this location's address. */
  locations: string[];
  /** What each state line lists, in order. */
  observables: HwObservable[];
  /** The first `shown` observables are the test's (the histogram shows them); the rest are filter-only. */
  shown: number;
  threads: number;
  /** Whether a thread waits for a KVM_REQUEST_WAIT acknowledgement (see thread-c.ts, waitLoop). */
  waits: boolean;
}

function exprAddresses(e: PureExpr, out: Set<string>): void {
  switch (e.k) {
    case 'const':
      if (typeof e.v === 'string') out.add(e.v);
      return;
    case 'reg':
      return;
    case 'un':
      exprAddresses(e.a, out);
      return;
    case 'bin':
      exprAddresses(e.a, out);
      exprAddresses(e.b, out);
      return;
    case 'cond':
      exprAddresses(e.c, out);
      exprAddresses(e.a, out);
      exprAddresses(e.b, out);
  }
}

function instrExprs(i: Instr): PureExpr[] {
  switch (i.op) {
    case 'load':
      return [i.addr];
    case 'store':
      return [i.addr, i.value];
    case 'xchg':
      return [i.addr, i.value];
    case 'cmpxchg':
      return [i.addr, i.expected, i.value];
    case 'atomic':
      return i.unless ? [i.addr, i.operand, i.unless] : [i.addr, i.operand];
    case 'lock':
    case 'unlock':
    case 'trylock':
    case 'islocked':
    case 'srcu-sync':
      return [i.addr];
    case 'assign':
      return [i.value];
    case 'if':
    case 'assume':
      return [i.cond];
    case 'await':
      return [i.addr, i.until];
    case 'fence':
    case 'cut':
      return [];
  }
}

function walkInstrs(is: readonly Instr[], f: (i: Instr) => void): void {
  for (const i of is) {
    f(i);
    if (i.op === 'if') {
      walkInstrs(i.then, f);
      walkInstrs(i.else, f);
    }
  }
}

/** The locations, and what a final state records: pure, shared by the generator and the tally. */
export function hwLayout(program: Program): HwLayout {
  const locs = new Set<string>(program.locations.keys());
  for (const v of program.locations.values()) if (typeof v === 'string') locs.add(v);
  for (const t of program.threads) {
    for (const v of t.initRegs.values()) if (typeof v === 'string') locs.add(v);
    walkInstrs(t.body, (i) => instrExprs(i).forEach((e) => exprAddresses(e, locs)));
  }
  const observables: HwObservable[] = program.observed.map((o) => ({ obs: o.obs, label: o.label }));
  const shown = observables.length;
  if (program.filter) {
    for (const a of propAtoms(program.filter)) {
      if (!observables.some((o) => sameObservable(o.obs, a.lhs))) observables.push({ obs: a.lhs, label: a.lhs.k === 'reg' ? `${a.lhs.thread}:${a.lhs.reg}` : `[${a.lhs.name}]` });
    }
  }
  for (const o of observables) if (o.obs.k === 'mem') locs.add(o.obs.name);
  let waits = false;
  for (const t of program.threads) walkInstrs(t.body, (i) => (waits ||= i.op === 'await'));
  return { locations: [...locs], observables, shown, threads: program.threads.length, waits };
}

/** The 128-byte (or lineBytes) cells one instance takes: locations, start barrier, scratch, and the done flags of a test that waits. */
export function instanceCells(layout: HwLayout): number {
  return Math.max(1, layout.locations.length) + 1 + layout.threads * (layout.waits ? 2 : 1);
}

