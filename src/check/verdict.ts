// Words for verdicts: herd7's Never/Sometimes/Always, and the protocol's own for KVM outcomes.
import type { TestResult } from '../api.js';
import { expectedResultFor, verdictMeets, type Verdict } from './expected.js';

/** "lost-request" -> "lost request". */
export function outcomeWords(outcome: string): string {
  return outcome.replace(/[-_]/g, ' ');
}

/** The verdict as a kernel developer reads it: "lost request: never", or the observation. */
export function verdictText(r: TestResult): string {
  const j = r.judgement;
  if (!j.complete) return 'incomplete';
  const vacuous = j.vacuous ? ' (vacuous)' : '';
  if (r.program.outcome) return `${outcomeWords(r.program.outcome)}: ${j.positive > 0 ? 'reachable' : 'never'}${vacuous}`;
  return j.observation + vacuous;
}

/**
 * The one expected-versus-actual comparison of a verdict (the `run` command's Result: check and
 * the `check` gate both use it): the observation, and the data-race flag when the model can
 * raise it (a model without one, like SC or TSO, never contradicts a DATARACE).
 */
export function compareVerdict(expected: { verdict: Verdict; dataRace: boolean; deadlock?: boolean }, r: TestResult): { want: string; got: string; agree: boolean } {
  const races = racesCompared(r);
  const want = verdictWords(expected.verdict, races && expected.dataRace) + (expected.deadlock ? ' DEADLOCK' : '');
  const got = resultWords(r);
  const actual = { observation: r.judgement.observation, dataRace: r.judgement.flags.includes('data-race') };
  return { want, got, agree: verdictMeets(expected, actual, races) && (!expected.deadlock || deadlockSeen(r)) };
}

/**
 * Whether some execution never finishes: the explorer reported blocked threads, or no execution
 * exists at all without a filter or undefined behaviour to blame (herd7's `Never 0 0`, which the
 * kernel's judgelitmus.sh takes for DEADLOCK).
 */
export function deadlockSeen(r: TestResult): boolean {
  const j = r.judgement;
  if (j.blocked.length > 0) return true;
  return j.vacuous !== null && j.filteredOut === 0 && r.stats.filteredCombinations === 0 && j.undefinedBehaviour.length === 0;
}

/** The result in a Result: comment's words: `Sometimes DATARACE` when the model flagged a race. */
export function resultWords(r: TestResult): string {
  return verdictWords(r.judgement.observation, racesCompared(r) && r.judgement.flags.includes('data-race'));
}

function racesCompared(r: TestResult): boolean {
  return r.modelFlags.includes('data-race');
}

/** `Sometimes DATARACE`, as a Result: comment writes it. */
function verdictWords(verdict: string, dataRace: boolean): string {
  return dataRace ? `${verdict} DATARACE` : verdict;
}

/** Whether the result contradicts the test's own `Result:` comment. */
export function expectationMismatch(r: TestResult): string | null {
  const e = expectedResultFor(r.test, r.model);
  if (!e || !r.judgement.complete) return null;
  const c = compareVerdict(e, r);
  return c.agree ? null : `expected ${c.want}, got ${c.got}`;
}
