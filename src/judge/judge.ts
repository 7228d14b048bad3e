// Judging: from the stream of consistent executions to herd7's verdict, witness counts and states.
import type { Program, Value } from '../lower/program.js';
import type { ConsistentExecution, ExploreStats } from '../explore/explorer.js';
import { evalProp, formatValue, observe, type FinalState } from './condition.js';

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
}

/** Accumulates executions one at a time, so memory stays proportional to distinct states. */
export class Judge {
  private states = new Map<string, StateSummary>();
  private flags = new Set<string>();
  private positive = 0;
  private negative = 0;
  private filteredOut = 0;

  constructor(private readonly program: Program) {}

  add(e: ConsistentExecution): void {
    const fs: FinalState = { regs: e.regs, memory: e.memory };
    if (this.program.filter && !evalProp(this.program.filter, fs, this.program)) {
      this.filteredOut++;
      return;
    }
    for (const f of e.flags) this.flags.add(f);
    const satisfies = evalProp(this.program.condition, fs, this.program);
    if (satisfies) this.positive++;
    else this.negative++;
    const values = this.program.observed.map((o) => observe(o.obs, fs));
    const key = values.map(formatValue).join(';');
    const s = this.states.get(key);
    if (s) s.count++;
    else this.states.set(key, { values, count: 1, satisfies });
  }

  finish(stats: ExploreStats): Judgement {
    const { positive, negative } = this;
    const q = this.program.quantifier;
    const ok = q === 'exists' ? positive > 0 : q === '~exists' ? positive === 0 : negative === 0;
    const observation: Observation = positive === 0 ? 'Never' : negative === 0 ? 'Always' : 'Sometimes';
    const states = [...this.states.values()].sort((a, b) => compareValues(a.values, b.values));
    return { ok, observation, positive, negative, states, flags: [...this.flags].sort(), filteredOut: this.filteredOut, complete: stats.incomplete === null };
  }
}

function compareValues(a: Value[], b: Value[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    if (typeof x === 'number') return -1;
    if (typeof y === 'number') return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}
