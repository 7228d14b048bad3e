// Judging: from the stream of consistent executions to herd7's verdict, witness counts and states.
import { isSymbol, type Instr, type Program, type Value } from '../lower/program.js';
import type { Quantifier } from '../parse/ast.js';
import type { CandidateExecution, ConsistentExecution, ExploreStats } from '../explore/explorer.js';
import type { BlockedAt, UndefinedBehaviour } from '../explore/thread-path.js';
import { holds, formatValue, observe, type FinalState } from '../execution/condition.js';

export type Observation = 'Never' | 'Sometimes' | 'Always';

export interface StateSummary {
  /** Values in the order of program.observed. */
  values: Value[];
  /** Executions that ended in this state. */
  count: number;
  /** Whether the condition's proposition holds in this state. */
  satisfies: boolean;
}

export interface Judgement {
  /** herd7's Ok/No: whether the quantified condition holds. */
  ok: boolean;
  observation: Observation;
  positive: number;
  negative: number;
  states: StateSummary[];
  flags: string[];
  /** Consistent executions that the filter removed. */
  filteredOut: number;
  /** Whether the exploration finished (otherwise the verdict is not a proof). */
  complete: boolean;
  /**
   * Consistent executions in which a thread reached undefined behaviour (e.g. dereferenced an
   * integer), one entry per place: they are left out of the states and witnesses.
   */
  undefinedBehaviour: Array<UndefinedBehaviour & { executions: number }>;
  /**
   * Executions in which some thread can never finish (a KVM_REQUEST_WAIT never acknowledged, a spin
   * that never ends, a block nobody wakes), one entry per place a thread waits: counted and shown,
   * never judged, and never dropped in silence. Empty until the explorer reports them.
   */
  blocked: Array<BlockedThread & { executions: number }>;
  /** Why the verdict is vacuous (no execution was left to judge), or null. */
  vacuous: string | null;
  /**
   * Set in verdict mode: the search stopped at the executions that decide the Observation, so
   * `states`, `positive` and `negative` cover only the executions found (non-zero exactly when
   * full enumeration's are), and the flags are those of the executions found, plus a search for
   * data-race when `dataRaceSearched`.
   */
  verdictOnly?: { dataRaceSearched: boolean };
  /**
   * Set when a loop was unrolled (--unroll N): the bound and the consistent executions it cut
   * (judge/loop-bound.ts); `incomplete` when the cuts, and nothing else, made the result incomplete.
   */
  loopBound?: { bound: number; cuts: number; incomplete: boolean };
}

/** Where a thread of a blocked execution waits, and for what (in the protocol's words). */
export interface BlockedThread {
  thread: number;
  pos: { line: number; col: number };
  waitsFor: string;
}

/**
 * What one execution counts as: set aside (a thread reached undefined behaviour, so its final
 * state means nothing), removed by the filter, or a final state that satisfies the condition's
 * proposition or not. The judge and `explain` both ask this.
 */
export type Classification =
  | { k: 'undefined'; ub: UndefinedBehaviour }
  | { k: 'blocked'; threads: BlockedAt[] }
  | { k: 'filtered' }
  | { k: 'state'; state: FinalState; satisfies: boolean };

export function classify(program: Program, e: CandidateExecution): Classification {
  if (e.undefinedBehaviour) return { k: 'undefined', ub: e.undefinedBehaviour };
  // A thread waits forever: the execution has no final state to judge; it is counted apart.
  if (e.blocked.length > 0) return { k: 'blocked', threads: e.blocked };
  const state: FinalState = { regs: e.regs, memory: e.memory };
  if (program.filter && !holds(program.filter, state)) return { k: 'filtered' };
  return { k: 'state', state, satisfies: holds(program.condition, state) };
}

/** A bad execution: the condition's bad state (for forall, a state that violates it). */
export function isBad(program: Program, e: CandidateExecution): boolean {
  const c = classify(program, e);
  return c.k === 'state' && (program.quantifier === 'forall' ? !c.satisfies : c.satisfies);
}

/**
 * Whether some execution blocks forever: what a `Result: DEADLOCK` expectation asks (the kernel's
 * judgelitmus.sh reads it from herd7's `Never 0 0`, where every execution deadlocked; a blocked
 * execution here is one that herd7 would have dropped the same way).
 */
export function deadlocks(j: Pick<Judgement, 'blocked'>): boolean {
  return j.blocked.length > 0;
}

/** herd7's Ok/No for the quantified condition, and its Observation, from the witness counts. */
export function verdictOf(q: Quantifier, positive: number, negative: number): { ok: boolean; observation: Observation } {
  const ok = q === 'exists' ? positive > 0 : q === '~exists' ? positive === 0 : negative === 0;
  const observation: Observation = positive === 0 ? 'Never' : negative === 0 ? 'Always' : 'Sometimes';
  return { ok, observation };
}

/** Accumulates executions one at a time, so memory stays proportional to distinct states. */
export class Judge {
  private states = new Map<string, StateSummary>();
  private flags = new Set<string>();
  private positive = 0;
  private negative = 0;
  private filteredOut = 0;
  private blockedExecutions = 0;
  private undefinedAt = new Map<string, UndefinedBehaviour & { executions: number }>();
  private blockedAt = new Map<string, BlockedThread & { executions: number }>();

  constructor(private readonly program: Program) {}

  add(e: ConsistentExecution): void {
    const c = classify(this.program, e);
    if (c.k === 'undefined') {
      // Its final state has no meaning: report it, never let it decide the verdict.
      const ub = c.ub;
      const key = `${ub.thread}:${ub.pos.line}:${ub.pos.col}:${ub.message}`;
      const seen = this.undefinedAt.get(key);
      if (seen) seen.executions++;
      else this.undefinedAt.set(key, { ...ub, executions: 1 });
      return;
    }
    if (c.k === 'blocked') {
      // One entry per place a thread waits; an execution with two waiting threads counts in both.
      for (const b of c.threads) {
        const key = `${b.thread}:${b.pos.line}:${b.pos.col}:${b.waitsFor}`;
        const seen = this.blockedAt.get(key);
        if (seen) seen.executions++;
        else this.blockedAt.set(key, { thread: b.thread, pos: { line: b.pos.line, col: b.pos.col }, waitsFor: b.waitsFor, executions: 1 });
      }
      this.blockedExecutions++;
      return;
    }
    if (c.k === 'filtered') {
      this.filteredOut++;
      return;
    }
    for (const f of e.flags) this.flags.add(f);
    const { satisfies } = c;
    if (satisfies) this.positive++;
    else this.negative++;
    const values = this.program.observed.map((o) => observe(o.obs, c.state));
    const key = values.map(formatValue).join(';');
    const s = this.states.get(key);
    if (s) s.count++;
    else this.states.set(key, { values, count: 1, satisfies });
  }

  finish(stats: ExploreStats): Judgement {
    const { positive, negative } = this;
    const { ok, observation } = verdictOf(this.program.quantifier, positive, negative);
    const states = [...this.states.values()].sort((a, b) => compareValues(a.values, b.values));
    const undefinedBehaviour = [...this.undefinedAt.values()];
    const blocked = [...this.blockedAt.values()].sort((a, b) => a.thread - b.thread || a.pos.line - b.pos.line || a.pos.col - b.pos.col);
    return {
      ok, observation, positive, negative, states, flags: [...this.flags].sort(), filteredOut: this.filteredOut, complete: stats.incomplete === null,
      undefinedBehaviour, blocked, vacuous: stats.incomplete === null ? this.vacuity(stats, undefinedBehaviour.reduce((n, u) => n + u.executions, 0)) : null,
    };
  }

  /** Why no execution is left to judge, when none is: the verdict is then true of nothing. */
  private vacuity(stats: ExploreStats, undefinedExecutions: number): string | null {
    if (this.positive + this.negative > 0) return null;
    const n = (k: number) => `${k} execution${k === 1 ? '' : 's'}`;
    // The explorer may drop whole path combinations the filter rejects: then there is no count.
    const filtered = stats.filteredCombinations > 0 ? 'every execution' : this.filteredOut > 0 ? `all ${n(this.filteredOut)}` : null;
    if (filtered && undefinedExecutions > 0) return `the filter removed the executions that do not have undefined behaviour (${n(undefinedExecutions)} do)`;
    if (filtered) return `the filter removed ${filtered}`;
    if (undefinedExecutions > 0 && this.blockedExecutions > 0) return `every execution has undefined behaviour (${n(undefinedExecutions)}) or blocks (${n(this.blockedExecutions)})`;
    if (undefinedExecutions > 0) return `every execution has undefined behaviour (${n(undefinedExecutions)})`;
    if (this.blockedExecutions > 0) {
      const where = [...this.blockedAt.values()].map((b) => `P${b.thread} line ${b.pos.line} waits for ${b.waitsFor}`).join('; ');
      return `every execution blocks (${n(this.blockedExecutions)}): ${where}`;
    }
    // Every interleaving of a loop-free program gives a sequentially consistent execution, which
    // every model accepts; so none at all means the threads cannot all finish.
    if (programUses(this.program, ['lock'])) return 'no consistent execution: every execution deadlocks (locks never released)';
    if (programUses(this.program, ['assume'])) return 'no consistent execution: none finishes its loops within the --unroll bound';
    return 'no consistent execution';
  }
}

function programUses(program: Program, ops: ReadonlyArray<Instr['op']>): boolean {
  const walk = (is: readonly Instr[]): boolean => is.some((i) => ops.includes(i.op) || (i.op === 'if' && (walk(i.then) || walk(i.else))));
  return program.threads.some((t) => walk(t.body));
}

/** herd7's order of final states: value by value, symbols (S<n>, by number) before numbers before addresses. */
export function compareValues(a: readonly Value[], b: readonly Value[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (isSymbol(x) || isSymbol(y)) {
      if (!isSymbol(y)) return -1;
      if (!isSymbol(x)) return 1;
      return Number(x.slice(2)) - Number(y.slice(2));
    }
    if (typeof x !== 'string' && typeof y !== 'string') return x < y ? -1 : 1;
    if (typeof x !== 'string') return -1;
    if (typeof y !== 'string') return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}
