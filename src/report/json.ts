// Machine-readable results.
import type { TestResult } from '../api.js';
import { formatValue } from '../judge/condition.js';

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
  positive: number;
  negative: number;
  flags: string[];
  expected: string | null;
  states: Array<{ values: Record<string, string>; executions: number; satisfies: boolean }>;
  stats: { pathCombinations: number; explored: number; consistent: number };
  timeMs: number;
}

export function toJson(r: TestResult): JsonResult {
  const labels = r.program.observed.map((o) => o.label);
  const e = r.test.expected;
  return {
    file: r.file,
    name: r.name,
    model: r.model,
    condition: r.conditionText,
    outcome: r.program.outcome,
    result: r.judgement.ok ? 'Ok' : 'No',
    observation: r.judgement.observation,
    complete: r.judgement.complete,
    incomplete: r.stats.incomplete,
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
    timeMs: Math.round(r.timeMs * 1000) / 1000,
  };
}
