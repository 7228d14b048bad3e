// Where a read's value can flow to a write, per location, over the whole program (flow-insensitive,
// so an over-approximation): it tells which tests can have a value that depends on itself through
// rf (the check in symbols.ts) and where a self-justified value (SYMBOL) may appear at all. Most
// tests store constants, or registers that no read fills, and pay nothing for either.
import type { Instr, Program, PureExpr } from '../lower/program.js';

const ANY = '*';

export interface ValueFlow {
  /** Whether some location's value may depend on itself (a cycle of reads feeding writes). */
  dataCycles: boolean;
  /** The locations a self-justified value may reach: copy cycles and what they copy on to. */
  symbolLocations: Set<string> | 'all';
}

export function valueFlow(program: Program): ValueFlow {
  const data = new Map<string, Set<string>>();
  const copy = new Map<string, Set<string>>();
  const edge = (g: Map<string, Set<string>>, from: string, to: string) => {
    let s = g.get(from);
    if (!s) g.set(from, (s = new Set()));
    s.add(to);
  };
  for (const t of program.threads) {
    const { feeds, copies } = registerSources(t.body);
    const sourcesOf = (e: PureExpr, onlyCopies: boolean): Set<string> => {
      const out = new Set<string>();
      regsOf(e, onlyCopies ? copies : feeds, onlyCopies, out);
      return out;
    };
    forEachInstr(t.body, (i) => {
      if (i.op !== 'store' && i.op !== 'xchg' && i.op !== 'cmpxchg' && i.op !== 'atomic') return;
      const target = i.addr.k === 'const' && typeof i.addr.v === 'string' ? i.addr.v : ANY;
      const value = i.op === 'atomic' ? i.operand : i.value;
      for (const l of sourcesOf(value, false)) edge(data, l, target);
      if (i.op !== 'atomic') for (const l of sourcesOf(value, true)) edge(copy, l, target);
    });
  }
  const onCycles = cyclic(data);
  if (onCycles.size === 0) return { dataCycles: false, symbolLocations: new Set() };
  const copyCycles = cyclic(copy);
  if (copyCycles.has(ANY)) return { dataCycles: true, symbolLocations: 'all' };
  // Downstream of a copy cycle, a copy of its value is a self-justified value too.
  const reached = new Set(copyCycles);
  const work = [...copyCycles];
  while (work.length > 0) {
    for (const n of copy.get(work.pop()!) ?? []) {
      if (n === ANY) return { dataCycles: true, symbolLocations: 'all' };
      if (!reached.has(n)) {
        reached.add(n);
        work.push(n);
      }
    }
  }
  return { dataCycles: true, symbolLocations: reached };
}

/** Per register, the locations whose read may feed it (any expression) or be copied into it. */
function registerSources(body: readonly Instr[]): { feeds: Map<string, Set<string>>; copies: Map<string, Set<string>> } {
  const feeds = new Map<string, Set<string>>();
  const copies = new Map<string, Set<string>>();
  const add = (m: Map<string, Set<string>>, r: string, ls: Iterable<string>): boolean => {
    let s = m.get(r);
    if (!s) m.set(r, (s = new Set()));
    const before = s.size;
    for (const l of ls) s.add(l);
    return s.size > before;
  };
  const regs = regsOf;
  for (let changed = true; changed; ) {
    changed = false;
    forEachInstr(body, (i) => {
      if ((i.op === 'load' || i.op === 'xchg' || i.op === 'cmpxchg' || i.op === 'atomic') && i.dst !== null) {
        const at = i.addr.k === 'const' && typeof i.addr.v === 'string' ? i.addr.v : ANY;
        changed = add(feeds, i.dst, [at]) || changed;
        changed = add(copies, i.dst, [at]) || changed;
        // An atomic's result is computed from its operand, an xchg's old value does not copy it.
        if (i.op === 'atomic') {
          const f = new Set<string>();
          regs(i.operand, feeds, false, f);
          changed = add(feeds, i.dst, f) || changed;
        }
      } else if (i.op === 'assign') {
        const f = new Set<string>();
        regs(i.value, feeds, false, f);
        const c = new Set<string>();
        regs(i.value, copies, true, c);
        changed = add(feeds, i.dst, f) || changed;
        changed = add(copies, i.dst, c) || changed;
      }
    });
  }
  return { feeds, copies };
}

/** The locations whose reads reach e's registers; with `copying`, only as plain copies (x, x + 0, c ? x : y). */
function regsOf(e: PureExpr, m: ReadonlyMap<string, Set<string>>, copying: boolean, out: Set<string>): void {
  if (e.k === 'reg') for (const l of m.get(e.r) ?? []) out.add(l);
  else if (e.k === 'un') {
    if (!copying) regsOf(e.a, m, false, out);
  } else if (e.k === 'bin') {
    if (!copying || e.op === '+' || e.op === '|') {
      regsOf(e.a, m, copying, out);
      regsOf(e.b, m, copying, out);
    }
  } else if (e.k === 'cond') {
    if (!copying) regsOf(e.c, m, false, out);
    regsOf(e.a, m, copying, out);
    regsOf(e.b, m, copying, out);
  }
}

function forEachInstr(body: readonly Instr[], f: (i: Instr) => void): void {
  for (const i of body) {
    f(i);
    if (i.op === 'if') {
      forEachInstr(i.then, f);
      forEachInstr(i.else, f);
    }
  }
}

/** The nodes on some cycle of the graph (a computed address, ANY, reaches and is reached by every node). */
function cyclic(g: Map<string, Set<string>>): Set<string> {
  const nodes = new Set<string>();
  for (const [a, bs] of g) {
    nodes.add(a);
    for (const b of bs) nodes.add(b);
  }
  const succ = (n: string): Iterable<string> => (n === ANY ? nodes : [...(g.get(n) ?? []), ...(g.get(ANY) ?? [])]);
  const out = new Set<string>();
  for (const start of nodes) {
    // start is on a cycle if it can reach itself.
    const seen = new Set<string>();
    const work = [...succ(start)];
    while (work.length > 0) {
      const n = work.pop()!;
      if (n === start) {
        out.add(start);
        break;
      }
      if (seen.has(n)) continue;
      seen.add(n);
      for (const m of succ(n)) work.push(m);
    }
  }
  return out;
}
