// Thread paths: each thread run on its own, every read guessing its value from the values its
// location can hold. A path is one way through the thread (branches follow the guesses) with
// its events, their dependencies and the final registers.
import { SYMBOL, isSymbol, type Instr, type Program, type PureExpr, type ThreadProgram, type Value } from '../lower/program.js';
import { PathUndefined, PathUnjustified } from './evaluate.js';
import { InstructionSemantics, stateSize, type Branch, type State } from './semantics.js';
import { herdVarsOf, type HerdVars } from './herd-vars.js';
import { valueFlow, type ValueFlow } from './value-flow.js';
import type { BlockedAt, Domains, PathEvent, ThreadPath, UndefinedBehaviour } from './thread-path.js';

export class PathLimitError extends Error {}

/**
 * Work one computeDomains call may do over all its rounds, counting each instruction step and
 * each event or dependency copied when a path forks. It bounds both the time path enumeration
 * takes and the memory its paths hold (each unit is at most one array slot), whatever the test.
 */
export const MAX_PATH_WORK = 30_000_000;

/** Work left for path enumeration, shared by the rounds of computeDomains. */
export interface PathBudget {
  work: number;
  /** Wall-clock deadline (ms since the epoch), checked every 50,000 units of work. */
  deadline?: number;
}


/**
 * Every path through one thread, depth-first with an explicit stack (no recursion, so a long
 * thread cannot overflow the stack). A step with one continuation updates its state in place;
 * only a fork (a read's value guesses, a trylock) copies it.
 */
export function enumeratePaths(thread: ThreadProgram, domains: Domains, maxPaths: number, budget: PathBudget = { work: MAX_PATH_WORK }, discover = false, herd: { vars: HerdVars; start: number } | null = null): ThreadPath[] {
  const out: ThreadPath[] = [];
  const init: State = {
    events: [],
    addr: [],
    data: [],
    ctrl: [],
    rmw: [],
    regs: new Map([...thread.initRegs].map(([r, v]) => [r, { v, deps: [] }])),
    ctrlDeps: [],
    herd: herd?.start ?? 0,
    latest: [],
  };
  const finish = (s: State, ub: UndefinedBehaviour | undefined, blocked: BlockedAt | null = null, cut: string | null = null, loopCut = false) => {
    if (out.length >= maxPaths) throw new PathLimitError(`P${thread.index} has more than ${maxPaths} paths`);
    const regs = new Map<string, Value>();
    let symbols: Map<string, number> | undefined;
    for (const r of thread.userRegs) {
      const t = s.regs.get(r);
      regs.set(r, t?.v ?? 0);
      if (t?.sym !== undefined) (symbols ??= new Map()).set(r, t.sym);
    }
    const p: ThreadPath = { thread: thread.index, events: s.events, addr: s.addr, data: s.data, ctrl: s.ctrl, rmw: s.rmw, regs, undefined: ub ?? null, blocked, cut, latest: s.latest };
    if (symbols) p.symbols = symbols;
    if (loopCut) p.loopCut = true;
    out.push(p);
  };
  let sinceClock = 0;
  const spend = (units: number) => {
    budget.work -= units;
    if (budget.work < 0) throw new PathLimitError(`path enumeration exceeded its work limit of ${MAX_PATH_WORK} steps and copied events`);
    sinceClock += units;
    if (budget.deadline !== undefined && sinceClock > 50_000) {
      sinceClock = 0;
      if (Date.now() > budget.deadline) throw new PathLimitError('timeout reached while enumerating paths');
    }
  };
  const semantics = new InstructionSemantics(thread, domains, discover, herd?.vars ?? null);

  // Depth-first, alternatives in domain order: the order the paths were always produced in.
  const work: Branch[] = [{ s: init, k: { instrs: thread.body, at: 0, next: null } }];
  while (work.length > 0) {
    let { s, k, ended, blocked, cut, loopCut } = work.pop()!;
    for (;;) {
      if (ended || blocked || cut || loopCut) {
        finish(s, ended, blocked ?? null, cut ?? null, loopCut === true);
        break;
      }
      while (k !== null && k.at >= k.instrs.length) {
        if (k.ctrlAfter !== undefined) s.ctrlDeps = k.ctrlAfter;
        if (k.herdAfter !== undefined) s.herd = k.herdAfter;
        k = k.next;
      }
      if (k === null) {
        finish(s, undefined);
        break;
      }
      const instr = k.instrs[k.at];
      spend(1);
      let next: Branch[];
      try {
        next = semantics.exec(s, instr, { instrs: k.instrs, at: k.at + 1, next: k.next, ctrlAfter: k.ctrlAfter, herdAfter: k.herdAfter });
      } catch (e) {
        if (e instanceof PathUnjustified) break; // no execution takes this path (see evaluate.ts)
        if (!(e instanceof PathUndefined)) throw e;
        next = [{ s, k: null, ended: semantics.undefinedAt(instr, e) }];
      }
      if (next.length !== 1) {
        spend(next.length * stateSize(s)); // the copies a fork made
        for (let i = next.length - 1; i >= 0; i--) work.push(next[i]);
        break;
      }
      ({ s, k, ended, blocked, cut, loopCut } = next[0]);
    }
  }
  return out;
}

/**
 * Grow each location's value set until no thread can write anything new. Bounded: a value
 * chain cannot be longer than the number of writes, so we stop after that many rounds.
 *
 * Two additions make the domains cover what herd7's symbolic solving finds (docs/cycle-values.md):
 * once the rounds converge, the threads that branch on values run once more with every read
 * also returning UNKNOWN (a value outside its domain), and the concrete values those paths
 * write join the domains (a value only a cycle justifies, such as LB with a "crypto" control);
 * and a location written a copy of a register also holds SYMBOL, a self-justified value, for as
 * long as some path writes SYMBOL there (a greatest fixpoint: locations no cycle of copies reaches lose it).
 */
export function computeDomains(program: Program, maxPaths: number, deadline?: number, flow: ValueFlow = valueFlow(program)): { domains: Domains; paths: ThreadPath[][]; converged: boolean } {
  const budget: PathBudget = { work: MAX_PATH_WORK, deadline };
  const domains: Domains = new Map();
  const add = (loc: string, v: Value): boolean => {
    let d = domains.get(loc);
    if (!d) domains.set(loc, (d = []));
    if (d.includes(v)) return false;
    d.push(v);
    return true;
  };
  for (const [loc, v] of program.locations) add(loc, v);
  const copied = flow.symbolLocations;
  for (const loc of copied) {
    if (!domains.has(loc)) add(loc, 0);
    add(loc, SYMBOL);
  }
  // Unrolled loops (assume) and waits (await, a cut loop) are left out: their paths multiply with
  // every unknown iteration.
  // Without a cycle from a read to a later write and back (value-flow.ts), every value an
  // execution reads is in the least fixpoint: a look could add only values no execution reads.
  const discoverers = flow.readWriteCycles ? program.threads.filter((t) => branchesOnValues(t.body) && !hasLoop(t.body)) : [];
  // herd7's variable numbers name the symbols; followed only where a symbol may appear.
  const herd = copied.size > 0 ? herdVarsOf(program) : null;
  let paths: ThreadPath[][] = [];
  // A chain of values is no longer than the writes: after that many rounds that add values, the
  // values still growing (a counter's r + 1) can be no execution's, and we stop as we always did.
  // Rounds that drop SYMBOL start no chain; a look with unknown values (at most MAX_LOOKS) may.
  const maxRounds = 2 + countStores(program);
  let rounds = 0;
  let looks = 0;
  for (;;) {
    paths = program.threads.map((t, i) => enumeratePaths(t, domains, maxPaths, budget, false, herd?.[i] ?? null));
    let changed = false;
    const symbolWritten = new Set<string>();
    const note = (e: PathEvent) => {
      // A location the initial state does not list starts at 0: that value goes in before any
      // written one, or a first write would make its domain without the initial value.
      if (e.loc !== null && !domains.has(e.loc)) {
        add(e.loc, 0);
        changed = true;
      }
      if (e.kind === 'W' && e.loc !== null && e.value !== null && e.lock === null) {
        if (e.value === SYMBOL) symbolWritten.add(e.loc);
        else if (!isSymbol(e.value)) changed = add(e.loc, e.value) || changed;
      }
    };
    for (const tp of paths) for (const p of tp) for (const e of p.events) note(e);
    if (changed) {
      if (++rounds >= maxRounds) return { domains, paths, converged: false };
      continue;
    }
    // The concrete values settled: SYMBOL stays only where some path still writes it.
    for (const [loc, d] of domains) {
      const i = d.indexOf(SYMBOL);
      if (i >= 0 && !symbolWritten.has(loc)) {
        d.splice(i, 1);
        changed = true;
      }
    }
    if (changed) continue;
    // A look with unknown read values, for what only a cycle justifies; again while a look finds
    // something new (the values it found may open branches to more).
    if (discoverers.length > 0 && looks++ < MAX_LOOKS) for (const t of discoverers) for (const p of enumeratePaths(t, domains, maxPaths, budget, true)) for (const e of p.events) note(e);
    if (!changed) return { domains, paths, converged: true };
    rounds = 0;
  }
}

/** Looks with unknown values per test: one finds a crypto-control cycle's value, the next its consequences. */
const MAX_LOOKS = 3;

function hasLoop(is: readonly Instr[]): boolean {
  return is.some((i) => i.op === 'assume' || i.op === 'await' || i.op === 'cut' || (i.op === 'if' && (hasLoop(i.then) || hasLoop(i.else))));
}

/** Whether a thread's control flow or a compare-and-exchange depends on values (so a value outside the domains could change what it writes). */
function branchesOnValues(is: readonly Instr[]): boolean {
  const hasCond = (e: PureExpr): boolean => e.k === 'cond' || (e.k === 'bin' && (hasCond(e.a) || hasCond(e.b))) || (e.k === 'un' && hasCond(e.a));
  return is.some((i) => i.op === 'if' || i.op === 'assume' || i.op === 'cmpxchg' || (i.op === 'atomic' && i.unless !== null) || ('value' in i && hasCond(i.value)));
}

function countStores(program: Program): number {
  let n = 0;
  const walk = (is: Instr[]) => {
    for (const i of is) {
      if (i.op === 'if') {
        walk(i.then);
        walk(i.else);
      } else if (i.op === 'store' || i.op === 'xchg' || i.op === 'cmpxchg' || i.op === 'atomic') n++;
    }
  };
  for (const t of program.threads) walk(t.body);
  return n;
}
