// Where a read's value can flow to a write, per location, over the whole program (flow-insensitive,
// so an over-approximation): it tells which tests can have a value that depends on itself through
// rf (the check in symbols.ts), where a self-justified value (SYMBOL) may appear at all, and
// whether the looks with unknown values in computeDomains can find anything. Most tests store
// constants, or registers that no read fills, and pay nothing for any of them.
//
// A computed address (`*r1`) denotes one of the addresses the program can hold as a value: a
// string constant of an initial value or of a value expression. Values are never made into
// addresses otherwise (arithmetic on an address is only `addr ± 0`, evaluate.ts), so a pointer
// chase reaches those locations only, not every location (a copy through `*r1` would otherwise
// put SYMBOL into every location's domain).
import { isSymbol, type Instr, type Program, type PureExpr, type Value } from '../lower/program.js';

export interface ValueFlow {
  /** Whether some location's value may depend on itself (a cycle of reads feeding writes). */
  dataCycles: boolean;
  /** The locations a self-justified value may reach: copy cycles and what they copy on to. */
  symbolLocations: Set<string>;
  /**
   * Whether a read may influence a write (by data, control, address, or by ending the path) that
   * leads back to the read's location, counting every read a thread makes before a write as
   * influencing it. Without such a cycle every value an execution reads is one the least fixpoint
   * of the domains has, so computeDomains skips its looks with unknown values. For a model that
   * requires coherence, a cycle through one location only does not count: it would be a cycle of
   * po-loc and rf, which no coherent execution has.
   */
  readWriteCycles: boolean;
}

export interface ValueFlowOptions {
  /** A computed address may denote any location (coarser; the oracle of the tests). */
  everyAddress?: boolean;
  /** The model requires coherence (Exploration.coherent): see readWriteCycles. */
  coherent?: boolean;
}

export function valueFlow(program: Program, options: ValueFlowOptions = {}): ValueFlow {
  const targets = addressTargets(program, options.everyAddress === true);
  const data = new Map<string, Set<string>>();
  const copy = new Map<string, Set<string>>();
  const coarse = new Map<string, Set<string>>();
  const influence = new Map<string, Set<string>>();
  for (const t of program.threads) {
    const { feeds, copies } = registerSources(t.body, targets);
    const sourcesOf = (e: PureExpr, onlyCopies: boolean): Set<string> => {
      const out = new Set<string>();
      regsOf(e, onlyCopies ? copies : feeds, onlyCopies, out);
      return out;
    };
    forEachInstr(t.body, (i) => {
      if (i.op !== 'store' && i.op !== 'xchg' && i.op !== 'cmpxchg' && i.op !== 'atomic') return;
      const to = targets(i.addr);
      const value = i.op === 'atomic' ? i.operand : i.value;
      for (const l of sourcesOf(value, false)) for (const m of to) edge(data, l, m);
      if (i.op !== 'atomic') for (const l of sourcesOf(value, true)) for (const m of to) edge(copy, l, m);
    });
    readsBeforeWrites(t.body, targets, new Set(), coarse);
    influences(t.body, targets, influence);
  }
  const cycles = (g: Map<string, Set<string>>): boolean => {
    if (options.coherent === true) for (const [l, to] of g) to.delete(l);
    return cyclic(g).size > 0;
  };
  const onCycles = cyclic(data);
  if (onCycles.size === 0) return { dataCycles: false, symbolLocations: new Set(), readWriteCycles: cycles(influence) };
  // Downstream of a copy cycle, a copy of its value is a self-justified value too.
  const reached = cyclic(copy);
  const work = [...reached];
  while (work.length > 0) {
    for (const n of copy.get(work.pop()!) ?? []) {
      if (!reached.has(n)) {
        reached.add(n);
        work.push(n);
      }
    }
  }
  // Where a self-justified value may be read, any operation on it may drop the path: every read
  // before a write then counts as influencing it.
  return { dataCycles: true, symbolLocations: reached, readWriteCycles: cycles(reached.size > 0 ? coarse : influence) };
}

function edge(g: Map<string, Set<string>>, from: string, to: string): void {
  let s = g.get(from);
  if (!s) g.set(from, (s = new Set()));
  s.add(to);
}

type Targets = (addr: PureExpr) => readonly string[];

/**
 * The locations an address expression may denote: itself when constant; otherwise its own
 * constants and, when it reads a register, every address a value of the program can be.
 */
function addressTargets(program: Program, everyAddress: boolean): Targets {
  const values = new Set<string>();
  const note = (v: Value) => {
    if (typeof v === 'string' && !isSymbol(v)) values.add(v);
  };
  for (const v of program.locations.values()) note(v);
  if (everyAddress) for (const l of program.locations.keys()) values.add(l);
  for (const t of program.threads) {
    for (const v of t.initRegs.values()) note(v);
    forEachInstr(t.body, (i) => {
      for (const e of valueExprs(i)) constantsOf(e, note);
    });
  }
  const all = [...values];
  const cache = new Map<PureExpr, readonly string[]>();
  return (addr) => {
    if (addr.k === 'const') return typeof addr.v === 'string' && !isSymbol(addr.v) ? [addr.v] : [];
    let out = cache.get(addr);
    if (out === undefined) {
      const s = new Set<string>();
      constantsOf(addr, (v) => {
        if (typeof v === 'string' && !isSymbol(v)) s.add(v);
      });
      if (hasRegister(addr)) for (const v of all) s.add(v);
      cache.set(addr, (out = [...s]));
    }
    return out;
  };
}

/** An instruction's expressions that compute values (not its address). */
function valueExprs(i: Instr): PureExpr[] {
  switch (i.op) {
    case 'store':
    case 'xchg':
    case 'assign':
      return [i.value];
    case 'cmpxchg':
      return [i.expected, i.value];
    case 'atomic':
      return i.unless ? [i.operand, i.unless] : [i.operand];
    case 'if':
    case 'assume':
      return [i.cond];
    case 'await':
      return [i.until];
    default:
      return [];
  }
}

function constantsOf(e: PureExpr, f: (v: Value) => void): void {
  if (e.k === 'const') f(e.v);
  else if (e.k === 'un') constantsOf(e.a, f);
  else if (e.k === 'bin') {
    constantsOf(e.a, f);
    constantsOf(e.b, f);
  } else if (e.k === 'cond') {
    constantsOf(e.c, f);
    constantsOf(e.a, f);
    constantsOf(e.b, f);
  }
}

function hasRegister(e: PureExpr): boolean {
  return e.k === 'reg' || (e.k === 'un' && hasRegister(e.a)) || (e.k === 'bin' && (hasRegister(e.a) || hasRegister(e.b))) || (e.k === 'cond' && (hasRegister(e.c) || hasRegister(e.a) || hasRegister(e.b)));
}

/**
 * Edges from every location a thread reads to every location it writes later in its text (then
 * branch before else branch, which covers every path's order). Locks are left out: their values
 * are not guessed from the domains, and both outcomes of a trylock are always explored.
 */
function readsBeforeWrites(body: readonly Instr[], targets: Targets, read: Set<string>, g: Map<string, Set<string>>): void {
  for (const i of body) {
    switch (i.op) {
      case 'load':
      case 'await':
        for (const l of targets(i.addr)) read.add(l);
        break;
      case 'xchg':
      case 'cmpxchg':
      case 'atomic':
        // A read-modify-write's own read counts as before its write: a self-loop, a cycle.
        for (const l of targets(i.addr)) read.add(l);
        for (const m of targets(i.addr)) for (const l of read) edge(g, l, m);
        break;
      case 'store':
        for (const m of targets(i.addr)) for (const l of read) edge(g, l, m);
        break;
      case 'if':
        readsBeforeWrites(i.then, targets, read, g);
        readsBeforeWrites(i.else, targets, read, g);
        break;
    }
  }
}

/**
 * Edges from every location whose read may decide whether, where or what a later write of the
 * thread writes: through the registers of its value or address (data, or an assignment under a
 * branch), an enclosing branch, its own read (a read-modify-write: a self-loop), or anything before
 * it that may end the path on a value: a wait, a loop bound, a computed address, arithmetic that
 * is undefined on an address or divides by zero, a read-modify-write's arithmetic. Values that
 * are not self-justified only (computeDomains' SYMBOL); with those, readsBeforeWrites.
 */
function influences(body: readonly Instr[], targets: Targets, g: Map<string, Set<string>>): void {
  const regs = registerInfluences(body, targets);
  const from = (e: PureExpr | null, out: Set<string>): Set<string> => {
    if (e !== null) regsOf(e, regs, false, out);
    return out;
  };
  const ended = new Set<string>();
  const end = (ls: Iterable<string>) => {
    for (const l of ls) ended.add(l);
  };
  const walk = (is: readonly Instr[], ctl: ReadonlySet<string>) => {
    for (const i of is) {
      const addr = 'addr' in i && i.addr.k !== 'const' ? i.addr : null;
      // A computed address that is no pointer ends the path (evaluate.ts, location in semantics.ts).
      if (addr !== null) end(from(addr, new Set(ctl)));
      switch (i.op) {
        case 'if': {
          if (mayBeUndefined(i.cond)) end(from(i.cond, new Set(ctl)));
          const c = from(i.cond, new Set(ctl));
          walk(i.then, c);
          walk(i.else, c);
          break;
        }
        case 'assign':
          if (mayBeUndefined(i.value)) end(from(i.value, new Set(ctl)));
          break;
        case 'assume':
        case 'await':
        case 'cut': {
          const s = new Set(ctl);
          if (i.op === 'assume') from(i.cond, s);
          if (i.op === 'await') {
            for (const l of targets(i.addr)) s.add(l);
            from(i.until, s);
          }
          end(s);
          break;
        }
        case 'store':
        case 'xchg':
        case 'cmpxchg':
        case 'atomic': {
          const exprs = i.op === 'atomic' ? [i.operand, i.unless] : i.op === 'cmpxchg' ? [i.value, i.expected] : [i.value];
          const s = new Set([...ctl, ...ended]);
          from(addr, s);
          for (const e of exprs) from(e, s);
          const to = targets(i.addr);
          for (const m of to) {
            for (const l of s) edge(g, l, m);
            if (i.op !== 'store') edge(g, m, m); // its own read: the same location
          }
          // Undefined arithmetic on the operands, or on the old value of an atomic, ends the path here.
          if (exprs.some((e) => e !== null && mayBeUndefined(e))) for (const e of exprs) end(from(e, new Set(ctl)));
          if (i.op === 'atomic') end(from(i.operand, new Set([...ctl, ...to])));
          break;
        }
      }
    }
  };
  walk(body, new Set());
}

/** Per register, the locations whose reads may decide its value: by data, or by the branches it is assigned under. */
function registerInfluences(body: readonly Instr[], targets: Targets): Map<string, Set<string>> {
  const regs = new Map<string, Set<string>>();
  let changed = true;
  const walk = (is: readonly Instr[], ctl: ReadonlySet<string>) => {
    for (const i of is) {
      if (i.op === 'if') {
        const c = new Set(ctl);
        regsOf(i.cond, regs, false, c);
        walk(i.then, c);
        walk(i.else, c);
        continue;
      }
      if (!('dst' in i) || i.dst === null) continue;
      const s = new Set(ctl);
      if ('addr' in i) {
        for (const l of targets(i.addr)) s.add(l);
        regsOf(i.addr, regs, false, s);
      }
      if (i.op === 'assign') regsOf(i.value, regs, false, s);
      if (i.op === 'atomic') {
        regsOf(i.operand, regs, false, s);
        if (i.unless) regsOf(i.unless, regs, false, s);
      }
      if (i.op === 'cmpxchg') {
        regsOf(i.expected, regs, false, s);
        regsOf(i.value, regs, false, s);
      }
      let d = regs.get(i.dst);
      if (!d) regs.set(i.dst, (d = new Set()));
      const before = d.size;
      for (const l of s) d.add(l);
      if (d.size > before) changed = true;
    }
  };
  while (changed) {
    changed = false;
    walk(body, new Set());
  }
  return regs;
}

/** Whether evaluating e may be undefined (arithmetic on an address, division by zero): only comparisons and logic never are. */
function mayBeUndefined(e: PureExpr): boolean {
  switch (e.k) {
    case 'const':
    case 'reg':
      return false;
    case 'un':
      return e.op !== '!' || mayBeUndefined(e.a);
    case 'bin':
      return !(e.op === '==' || e.op === '!=' || e.op === '&&' || e.op === '||') || mayBeUndefined(e.a) || mayBeUndefined(e.b);
    case 'cond':
      return mayBeUndefined(e.c) || mayBeUndefined(e.a) || mayBeUndefined(e.b);
  }
}

/** Per register, the locations whose read may feed it (any expression) or be copied into it. */
function registerSources(body: readonly Instr[], targets: Targets): { feeds: Map<string, Set<string>>; copies: Map<string, Set<string>> } {
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
        const at = targets(i.addr);
        changed = add(feeds, i.dst, at) || changed;
        changed = add(copies, i.dst, at) || changed;
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

/** The nodes on some cycle of the graph (a self-loop included). */
function cyclic(g: Map<string, Set<string>>): Set<string> {
  const out = new Set<string>();
  for (const start of g.keys()) {
    // start is on a cycle if it can reach itself.
    const seen = new Set<string>();
    const work = [...g.get(start)!];
    while (work.length > 0) {
      const n = work.pop()!;
      if (n === start) {
        out.add(start);
        break;
      }
      if (seen.has(n)) continue;
      seen.add(n);
      for (const m of g.get(n) ?? []) work.push(m);
    }
  }
  return out;
}
