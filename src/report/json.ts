// Machine-readable results.
import type { TestResult } from '../api.js';
import { expectedResultFor } from '../check/expected.js';
import { formatValue } from '../execution/condition.js';

export interface JsonResult {
  file: string;
  name: string;
  model: string;
  condition: string;
  outcome: string | null;
  result: 'Ok' | 'No';
  observation: string;
  complete: boolean;
  incomplete: string | null;
  /** Why no execution was left to judge (the verdict is then vacuous), or null. */
  vacuous: string | null;
  /** Consistent executions that reached undefined behaviour (left out of the verdict), per place. */
  undefinedBehaviour: Array<{ thread: number; line: number; col: number; message: string; executions: number }>;
  /** Consistent executions in which a thread waits forever (left out of the verdict), per place it waits. */
  blocked: Array<{ thread: number; line: number; col: number; waitsFor: string; executions: number }>;
  /**
   * With --unroll N and a loop unrolled: the bound and the consistent executions it cut (in verdict
   * mode, among those the searches met); a Never or Always with cuts is Incomplete. Null without.
   */
  loopBound: { bound: number; cuts: number } | null;
  /** Lowering's warnings, e.g. that an unrolled loop bounds the results. */
  warnings: Array<{ line: number; col: number; message: string }>;
  positive: number;
  negative: number;
  flags: string[];
  expected: string | null;
  states: Array<{ values: Record<string, string>; executions: number; satisfies: boolean }>;
  stats: { pathCombinations: number; explored: number; consistent: number };
  /** False in verdict mode: `states`, `positive` and `negative` then cover only the executions found. */
  statesListed: boolean;
  /** Verdict mode: whether the data-race flag was searched for (null in full mode, where it always is). */
  dataRaceSearched: boolean | null;
  timeMs: number;
}

export function toJson(r: TestResult): JsonResult {
  const labels = r.program.observed.map((o) => o.label);
  const e = expectedResultFor(r.test, r.model);
  return {
    file: r.file,
    name: r.name,
    model: r.model,
    condition: r.conditionText,
    outcome: r.program.outcome,
    result: r.judgement.ok ? 'Ok' : 'No',
    observation: r.judgement.complete ? r.judgement.observation : 'Incomplete',
    complete: r.judgement.complete,
    incomplete: r.stats.incomplete,
    vacuous: r.judgement.vacuous,
    blocked: r.judgement.blocked.map((b) => ({ thread: b.thread, line: b.pos.line, col: b.pos.col, waitsFor: b.waitsFor, executions: b.executions })),
    undefinedBehaviour: r.judgement.undefinedBehaviour.map((u) => ({ thread: u.thread, line: u.pos.line, col: u.pos.col, message: u.message, executions: u.executions })),
    loopBound: r.judgement.loopBound ? { bound: r.judgement.loopBound.bound, cuts: r.judgement.loopBound.cuts } : null,
    warnings: r.program.warnings.map((w) => ({ line: w.pos.line, col: w.pos.col, message: w.message })),
    positive: r.judgement.positive,
    negative: r.judgement.negative,
    flags: r.judgement.flags,
    expected: e ? `${e.verdict}${e.dataRace ? ' DATARACE' : ''}` : null,
    states: r.judgement.states.map((s) => ({
      values: Object.fromEntries(s.values.map((v, i) => [labels[i], formatValue(v)])),
      executions: s.count,
      satisfies: s.satisfies,
    })),
    stats: { pathCombinations: r.stats.pathCombinations, explored: r.stats.explored, consistent: r.stats.consistent },
    statesListed: !r.judgement.verdictOnly,
    dataRaceSearched: r.judgement.verdictOnly ? r.judgement.verdictOnly.dataRaceSearched : null,
    timeMs: Math.round(r.timeMs * 1000) / 1000,
  };
}
