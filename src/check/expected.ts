// A test's own expectation (its `Result:` comments) and how a verdict meets one. Pure and free
// of Node APIs: the browser playground uses it through check/verdict.ts and explain/.
import type { ExpectedResult, LitmusTest } from '../parse/ast.js';

export type Verdict = 'Never' | 'Sometimes' | 'Always';
export const VERDICTS: readonly Verdict[] = ['Never', 'Sometimes', 'Always'];

export interface ExpectationSource {
  kind: 'result-comment' | 'expect-file' | 'baseline';
  /** The file the expectation is written in (the test itself for a Result: comment). */
  file: string;
  line: number;
  col: number;
}

export interface Expectation {
  verdict: Verdict;
  dataRace: boolean;
  /** `DEADLOCK`: some execution must never finish (blocked threads, or no execution at all). */
  deadlock?: boolean;
  /** Final states as herd7 prints them (`0:r0=0; 1:r0=1;`); only baselines record them. */
  states?: string[];
  /** The model a baseline entry was recorded under. */
  model?: string;
  source: ExpectationSource;
}

/**
 * Whether a decided verdict meets an expected one. `racesCompared`: the model has LKMM's
 * data-race flag, so a predicted race (DATARACE) must be found and an unpredicted one must not.
 * A race that was predicted and found explains a Sometimes where the race-free verdict is Never
 * (the kernel corpus writes `Result: Never DATARACE` for tests herd7 calls Sometimes with
 * `Flag data-race`): the racy executions are undefined behaviour, so their outcomes count for
 * nothing either way.
 */
export function verdictMeets(
  expected: { verdict: Verdict; dataRace: boolean },
  actual: { observation: Verdict; dataRace: boolean },
  racesCompared: boolean,
): boolean {
  if (!racesCompared) return expected.verdict === actual.observation;
  if (expected.dataRace !== actual.dataRace) return false;
  if (expected.verdict === actual.observation) return true;
  return expected.dataRace && expected.verdict === 'Never' && actual.observation === 'Sometimes';
}

/**
 * What a test's comments expect under a model: its `Result(MODEL): ...` line for that model
 * (matched by name, case-insensitively), else its `Result: ...` line, which holds for every
 * model without a line of its own.
 */
export function expectedResultFor(test: LitmusTest, model?: string): ExpectedResult | null {
  const own = model !== undefined ? test.expectedByModel?.[model.toLowerCase()] : undefined;
  return own ?? test.expected;
}

/** The expectation a test's own `Result:` (or `Result(MODEL):`) comment states, if any. */
export function expectationFromComment(test: LitmusTest, model?: string): Expectation | null {
  const e = expectedResultFor(test, model);
  if (!e) return null;
  return { verdict: e.verdict, dataRace: e.dataRace, ...(e.deadlock ? { deadlock: true } : {}), model: test.expectedByModel?.[model?.toLowerCase() ?? ''] ? model : undefined, source: { kind: 'result-comment', file: test.file, line: e.pos.line, col: e.pos.col } };
}
