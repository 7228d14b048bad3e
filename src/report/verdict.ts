// Words for verdicts: herd7's Never/Sometimes/Always, and the protocol's own for KVM outcomes.
import type { TestResult } from '../api.js';
import { expectedResultFor } from '../check/expectations.js';

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

/** Whether the result contradicts the test's own `Result:` comment. */
export function expectationMismatch(r: TestResult): string | null {
  const e = expectedResultFor(r.test, r.model);
  if (!e || !r.judgement.complete) return null;
  const race = r.judgement.flags.includes('data-race');
  if (e.verdict !== r.judgement.observation || (r.model === 'lkmm' && e.dataRace !== race)) {
    return `expected ${e.verdict}${e.dataRace ? ' DATARACE' : ''}, got ${r.judgement.observation}${race ? ' DATARACE' : ''}`;
  }
  return null;
}
