// The gate's decision for one test: compare what the checker found with what was expected.
// Outcomes are plain data: they go into JSON reports, merge across shards, and feed JUnit and
// GitHub annotations.
import type { TestResult } from '../api.js';
import type { Diagnostic } from '../diagnostics.js';
import { formatValue } from '../execution/condition.js';
import { compareVerdict, deadlockSeen, outcomeWords, resultWords } from './verdict.js';
import type { Expectation, ExpectationSource, Verdict } from './expectations.js';

/** What running one file produced (the worker's answer, or the pool's when it had to stop it). */
export type TestRun =
  | { kind: 'result'; file: string; result: TestResult; source: string }
  | { kind: 'error'; file: string; diagnostics: Diagnostic[]; rendered: string; timeMs: number }
  | { kind: 'killed'; file: string; reason: string; timeMs: number };

export type CheckStatus = 'passed' | 'failed' | 'skipped' | 'error' | 'incomplete';

export interface Location {
  file: string;
  line: number;
  col: number;
}

export interface CheckOutcome {
  file: string;
  /** The test's name from its `C name` line (null when it could not be parsed). */
  name: string | null;
  status: CheckStatus;
  /** One line for people: "Never, as expected", "expected Never, got Sometimes", ... */
  message: string;
  expected: { verdict: Verdict; dataRace: boolean; states?: string[]; source: ExpectationSource } | null;
  /**
   * What the run found. In verdict mode (`verdictOnly`) the search stopped at the executions that
   * decide the verdict: the counts and states are those of the executions found, not all.
   */
  actual: {
    observation: Verdict; dataRace: boolean; flags: string[]; positive: number; negative: number; states: string[]; verdictOnly?: true;
    /** Why no execution was left to judge (the verdict holds of nothing), when none was. */
    vacuous?: string | null;
    /** Executions in which some thread never finishes, per place a thread waits. */
    blocked?: BlockedPlace[];
  } | null;
  /** Why the run stopped early (incomplete only). */
  incomplete: string | null;
  /** Where an annotation should point: the Result: comment, the condition, or the error. */
  location: Location;
  /** For a verdict that failed: the ordering that broke (or the check that rules it out), from `explain`. */
  cause?: Cause | null;
  /** Lowering's warnings and undefined behaviour, at their lines. */
  warnings?: Array<{ line: number; col: number; message: string }>;
  timeMs: number;
}

export interface BlockedPlace {
  thread: number;
  line: number;
  col: number;
  waitsFor: string;
  executions: number;
}

/** What broke, in one line, where to look, and the command that shows it all. */
export interface Cause {
  message: string;
  location: Location;
  explain: string;
}

/** What the gate makes of a vacuous verdict and of a test without an expectation. */
export interface GateOptions {
  /** Accept a verdict that holds because no execution reached the end. */
  allowVacuous?: boolean;
  /** A test without an expectation fails instead of being skipped. */
  requireExpectations?: boolean;
}

/** Final states in herd7's notation, e.g. `0:r0=0; 1:r0=1;`. */
export function stateStrings(r: TestResult): string[] {
  const labels = r.program.observed.map((o) => o.label);
  return r.judgement.states.map((s) => s.values.map((v, i) => `${labels[i]}=${formatValue(v)};`).join(' '));
}

/** Decide one test. `expectation` is null when no source says what to expect (skipped). */
export function decideOutcome(run: TestRun, expectation: Expectation | null, gate: GateOptions = {}): CheckOutcome {
  const expected = expectation
    ? { verdict: expectation.verdict, dataRace: expectation.dataRace, ...(expectation.deadlock ? { deadlock: true } : {}), ...(expectation.states ? { states: expectation.states } : {}), source: expectation.source }
    : null;
  if (run.kind === 'error') {
    const d = run.diagnostics[0];
    return {
      file: run.file, name: null, status: 'error', message: d ? d.message : 'error', expected, actual: null, incomplete: null,
      location: { file: run.file, line: d?.line ?? 1, col: d?.col ?? 1 }, timeMs: roundMs(run.timeMs),
    };
  }
  if (run.kind === 'killed') {
    return {
      file: run.file, name: null, status: 'incomplete', message: `incomplete: ${run.reason}`, expected, actual: null, incomplete: run.reason,
      location: { file: run.file, line: 1, col: 1 }, timeMs: roundMs(run.timeMs),
    };
  }
  const r = run.result;
  const j = r.judgement;
  const dataRace = j.flags.includes('data-race');
  const blocked = j.blocked.map((b) => ({ thread: b.thread, line: b.pos.line, col: b.pos.col, waitsFor: b.waitsFor, executions: b.executions }));
  const actual = {
    observation: j.observation, dataRace, flags: j.flags, positive: j.positive, negative: j.negative, states: stateStrings(r), ...(j.verdictOnly ? { verdictOnly: true as const } : {}),
    vacuous: j.vacuous, blocked,
  };
  const conditionPos = { file: r.file, line: r.test.condition.pos.line, col: r.test.condition.pos.col };
  const base = { file: r.file, name: r.name, expected, timeMs: roundMs(r.timeMs) };
  if (!j.complete) {
    return { ...base, status: 'incomplete', message: `incomplete: ${r.stats.incomplete}`, actual: null, incomplete: r.stats.incomplete, location: conditionPos };
  }
  // A verdict true of no execution checks nothing: it fails unless the test expects a deadlock.
  const vacuityFails = j.vacuous !== null && !gate.allowVacuous && !(expectation?.deadlock && deadlockSeen(r));
  const vacuousMessage = `${resultWords(r)}, vacuously: ${j.vacuous} (nothing was checked; --allow-vacuous accepts it)`;
  if (!expectation) {
    if (vacuityFails) return { ...base, status: 'failed', message: vacuousMessage, actual, incomplete: null, location: conditionPos };
    if (gate.requireExpectations) return { ...base, status: 'failed', message: `${resultWords(r)}, but the test states no expectation (add a Result: comment; --require-expectations)`, actual, incomplete: null, location: conditionPos };
    return { ...base, status: 'skipped', message: `${resultWords(r)} (no expectation)`, actual, incomplete: null, location: conditionPos };
  }
  // A Result: comment is the line to point at; an expect file or baseline is elsewhere, so point at the condition.
  const location = expectation.source.kind === 'result-comment' ? { file: r.file, line: expectation.source.line, col: expectation.source.col } : conditionPos;
  if (vacuityFails) return { ...base, status: 'failed', message: vacuousMessage, actual, incomplete: null, location };
  if (expectation.model !== undefined && expectation.model !== r.model) {
    return { ...base, status: 'error', message: `the baseline entry was recorded with --model ${expectation.model}, this run uses ${r.model}`, actual, incomplete: null, location };
  }
  const { want, got, agree } = compareVerdict(expectation, r);
  const from = expectation.source.kind === 'result-comment' ? 'Result: comment' : expectation.source.kind === 'expect-file' ? 'expect file' : 'baseline';
  // A test that names its bad outcome (`bad lost-request (...)`) is told in the protocol's words too.
  const named = r.program.outcome ? `: ${outcomeWords(r.program.outcome)} ${j.positive > 0 ? 'is reachable' : 'never happens'}` : '';
  const noDeadlock = expectation.deadlock && !deadlockSeen(r) ? ' (every execution finishes: no deadlock)' : '';
  if (!agree) return { ...base, status: 'failed', message: `expected ${want} (${from}), got ${got}${noDeadlock}${named}`, actual, incomplete: null, location };
  if (expectation.states) {
    const diff = statesDiff(expectation.states, actual.states);
    if (diff) return { ...base, status: 'failed', message: `${got} as expected, but the final states differ from the baseline: ${diff}`, actual, incomplete: null, location };
  }
  const message = want === got || want === `${got} DEADLOCK` ? `${want}, as expected` : `${got}, as expected: the ${from} says ${want}, and the data race it predicts makes the outcome reachable`;
  return { ...base, status: 'passed', message, actual, incomplete: null, location };
}

function statesDiff(expected: string[], actual: string[]): string | null {
  const want = new Set(expected);
  const got = new Set(actual);
  const added = actual.filter((s) => !want.has(s));
  const removed = expected.filter((s) => !got.has(s));
  if (!added.length && !removed.length) return null;
  const parts: string[] = [];
  if (added.length) parts.push(`new ${added.map((s) => `[${s}]`).join(' ')}`);
  if (removed.length) parts.push(`gone ${removed.map((s) => `[${s}]`).join(' ')}`);
  return parts.join('; ');
}

export interface CheckSummary {
  passed: number;
  failed: number;
  skipped: number;
  /** Unparsable/unreadable tests plus incomplete ones: neither passed nor failed. */
  errors: number;
  incomplete: number;
  total: number;
}

export function summarise(outcomes: readonly CheckOutcome[]): CheckSummary {
  const s: CheckSummary = { passed: 0, failed: 0, skipped: 0, errors: 0, incomplete: 0, total: outcomes.length };
  for (const o of outcomes) {
    if (o.status === 'passed') s.passed++;
    else if (o.status === 'failed') s.failed++;
    else if (o.status === 'skipped') s.skipped++;
    else {
      s.errors++;
      if (o.status === 'incomplete') s.incomplete++;
    }
  }
  return s;
}

/** The closing line CI tools parse: `N passed, N failed[, N skipped][, N errors]`. */
export function closingLine(s: CheckSummary): string {
  let line = `${s.passed} passed, ${s.failed} failed`;
  if (s.skipped) line += `, ${s.skipped} skipped`;
  if (s.errors) line += `, ${s.errors} error${s.errors === 1 ? '' : 's'}`;
  return line;
}

/** "3 executions blocked: P1 line 12 waits for ..." (null when none is). */
export function blockedWords(blocked: readonly BlockedPlace[] | undefined): string | null {
  if (!blocked || blocked.length === 0) return null;
  const n = blocked.reduce((k, b) => k + b.executions, 0);
  return `${n} execution${n === 1 ? '' : 's'} blocked: ${blocked.map((b) => `P${b.thread} line ${b.line} waits for ${b.waitsFor}`).join('; ')}`;
}

/** Microsecond precision is plenty for reports. */
function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
