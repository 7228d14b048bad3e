// A command-neutral "test case" for CI reporters (JUnit, GitHub annotations): `check` maps its
// outcomes to these, and any other gate (e.g. barrier analysis) can do the same.

export type CaseStatus = 'passed' | 'failed' | 'skipped' | 'error';

export interface CaseReport {
  /** Groups cases in JUnit (its classname), e.g. the file's folder. */
  group: string;
  /** The case's name as people read it, e.g. the litmus test's name. */
  name: string;
  file: string;
  line: number;
  col: number;
  status: CaseStatus;
  /** One-line reason for failed/error/skipped cases. */
  message: string;
  /** Longer text (JUnit puts it in the element's body). */
  details?: string;
  /** A short kind for failures and errors, e.g. "verdict", "incomplete", "parse". */
  kind?: string;
  /** Another place the failure points at (e.g. the barrier that is too weak), with its own message. */
  related?: Array<{ line: number; col: number; message: string }>;
  /** Warnings about the case (e.g. a name used by one thread only), whatever its status. */
  warnings?: Array<{ line: number; col: number; message: string }>;
  timeMs: number;
}

export interface CaseTotals {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  timeMs: number;
}

export function caseTotals(cases: readonly CaseReport[]): CaseTotals {
  const t: CaseTotals = { tests: cases.length, failures: 0, errors: 0, skipped: 0, timeMs: 0 };
  for (const c of cases) {
    if (c.status === 'failed') t.failures++;
    else if (c.status === 'error') t.errors++;
    else if (c.status === 'skipped') t.skipped++;
    t.timeMs += c.timeMs;
  }
  return t;
}
