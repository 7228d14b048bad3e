// `litmus-check check`: the CI gate. Decides every test (on worker threads), compares each verdict
// with what is expected, prints PASS/FAIL lines in path order and the closing line
// `N passed, N failed[, N skipped][, N errors]`, and writes the requested reports.
import { gatherInputs } from './inputs.js';
import { existsSync, readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { warningsOf } from '../api.js';
import {
  baselineKey, expectationFromComment, formatBaseline, lookupExpectation, parseBaseline, parseExpectFile,
  type BaselineEntry, type Expectation, type ExpectationTable, type TableResult,
} from '../check/expectations.js';
import { closingLine, decideOutcome, summarise, type CheckOutcome, type GateOptions, type TestRun } from '../check/outcome.js';
import { whatBroke } from '../explain/cause.js';
import { explainSource } from '../explain/explain.js';
import { selectShard, shardKey, type Shard } from '../check/shard.js';
import { formatDiagnostic } from '../diagnostics.js';
import { formatGithubAnnotations } from '../report/github.js';
import { buildCheckReport, checkReportJsonChunks, outcomeToCase, type CheckReport } from '../report/check-report.js';
import { formatOutcomeLine } from '../report/check-text.js';
import { junitChunks } from '../report/junit.js';
import { EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INCOMPLETE, EXIT_OK, combineExit } from './exit-codes.js';
import { decideFiles } from './parallel.js';
import { inPathOrder } from './path-order.js';
import { ProgressBar } from './progress.js';
import { writeReport, type ReporterSpec } from './reporters.js';
import { terminalStyle } from './style.js';
import { modelFlagsText, modelOf, resolveDecider, type DecideFlags, type Decider } from './decide-spec.js';

export interface CheckCliOptions extends DecideFlags {
  expect?: string;
  baseline?: string;
  updateBaseline?: string;
  reporter?: ReporterSpec[];
  jobs?: number;
  shard?: Shard;
  /** Full enumeration; otherwise check decides verdicts only, unless a baseline needs the states. */
  allStates?: boolean;
  allowVacuous?: boolean;
  requireExpectations?: boolean;
}

/** Bound on the time spent explaining one failure (the verdict is already decided). */
const EXPLAIN_MS = 10_000;

/**
 * Add what a report needs beyond the verdict: the test's warnings, and for a verdict that differs
 * from the expected one, what broke (explain's analysis, run again on the main thread: failures are few).
 */
function annotateOutcome(o: CheckOutcome, run: TestRun, decider: Decider, flags: DecideFlags): CheckOutcome {
  if (run.kind !== 'result') return o;
  const warnings = warningsOf(run.result).map((w) => ({ line: w.line, col: w.col, message: w.message }));
  const out: CheckOutcome = warnings.length ? { ...o, warnings } : o;
  if (!(o.status === 'failed' && o.expected && o.actual && !o.actual.vacuous && o.actual.observation !== o.expected.verdict)) return out;
  const { spec } = decider;
  const timeoutMs = Math.min(spec.timeoutMs ?? EXPLAIN_MS, EXPLAIN_MS);
  const x = explainSource(run.source, run.file, { model: modelOf(decider), lower: { ...decider.files?.lower, unroll: spec.unroll }, kvmArch: spec.kvmArch, timeoutMs });
  const cause = x.ok ? whatBroke(x.explanation) : null;
  if (!cause) return out;
  const explain = `npx litmus-check explain ${run.file}${modelFlagsText(flags)}${spec.unroll !== undefined ? ` --unroll ${spec.unroll}` : ''}`;
  return { ...out, cause: { message: cause.message, location: { file: run.file, line: cause.pos.line, col: cause.pos.col }, explain } };
}

/** 2 for bad input, else 3 for a limit hit, else 1 for a mismatch, else 0. */
export function checkExitCode(outcomes: readonly CheckOutcome[]): number {
  return combineExit(outcomes.map((o) => (o.status === 'error' ? EXIT_BAD_INPUT : o.status === 'incomplete' ? EXIT_INCOMPLETE : o.status === 'failed' ? EXIT_FAILED : EXIT_OK)));
}

/** How paths are shown, sorted, sharded and reported: relative to the working directory. */
function displayPath(abs: string): string {
  return relative(process.cwd(), abs).split('\\').join('/') || abs;
}

function loadTable(file: string, parse: (text: string, abs: string) => TableResult): ExpectationTable | null {
  const abs = resolve(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    process.stderr.write(`${file}: error: cannot read: ${(e as Error).message}\n`);
    return null;
  }
  const res = parse(text, abs);
  if (!res.ok) {
    for (const d of res.diagnostics) process.stderr.write(formatDiagnostic({ ...d, file }, text) + '\n');
    return null;
  }
  return res.table;
}

/** The expectation files a run reads: --expect, --baseline, and the baseline being rewritten. */
interface Tables {
  expect?: ExpectationTable;
  baseline?: ExpectationTable;
  /** The baseline being rewritten: its other tests' entries are kept. */
  update?: ExpectationTable;
}

/** The tables the options name; null (after saying why) when one cannot be read. */
function loadTables(opts: CheckCliOptions): Tables | null {
  const t: Tables = {};
  for (const [key, file, parse] of [
    ['expect', opts.expect, parseExpectFile],
    ['baseline', opts.baseline, parseBaseline],
    ['update', opts.updateBaseline !== undefined && existsSync(opts.updateBaseline) ? opts.updateBaseline : undefined, parseBaseline],
  ] as const) {
    if (file === undefined) continue;
    const table = loadTable(file, parse);
    if (table === null) return null;
    t[key] = table;
  }
  return t;
}

/** Where each test's expectation comes from: the baseline, the expect file, or its Result: comment. */
function expectationFinder(tables: Tables, opts: CheckCliOptions, byDisplay: Map<string, string>): (run: TestRun) => Expectation | null {
  const updatePath = opts.updateBaseline !== undefined ? resolve(opts.updateBaseline) : undefined;
  const sameAsUpdate = updatePath !== undefined && tables.baseline !== undefined && tables.baseline.file === updatePath;
  return (run) => {
    const abs = byDisplay.get(run.file)!;
    // A baseline being rewritten in this run accepts this run's answer.
    if (sameAsUpdate && run.kind === 'result' && run.result.judgement.complete) return selfExpectation(run, updatePath!);
    const fromTable = (tables.baseline && lookupExpectation(tables.baseline, abs)) ?? (tables.expect && lookupExpectation(tables.expect, abs)) ?? null;
    if (fromTable) return { ...fromTable, source: { ...fromTable.source, file: displayPath(fromTable.source.file) } };
    return run.kind === 'result' ? expectationFromComment(run.result.test, run.result.model) : null;
  };
}

/** A missing path, as an outcome line of its own. */
function missingOutcome(m: string): CheckOutcome {
  return { file: m, name: null, status: 'error', message: 'no such file or directory', expected: null, actual: null, incomplete: null, location: { file: m, line: 1, col: 1 }, timeMs: 0 };
}

/** One test's stderr (its error or warnings) and its outcome line. */
function printOutcome(run: TestRun, o: CheckOutcome, style: ReturnType<typeof terminalStyle>): void {
  if (run.kind === 'error') process.stderr.write(run.rendered + '\n');
  else if (run.kind === 'result') for (const w of warningsOf(run.result)) process.stderr.write(formatDiagnostic(w, run.source) + '\n');
  process.stdout.write(formatOutcomeLine(o, style) + '\n');
}

export async function checkCommand(paths: string[], opts: CheckCliOptions): Promise<number> {
  const decider = resolveDecider(opts);
  if (!decider) return EXIT_BAD_INPUT;
  const tables = loadTables(opts);
  if (tables === null) return EXIT_BAD_INPUT;
  const inputs = gatherInputs(paths, false);
  if (!inputs) return EXIT_BAD_INPUT;
  const outcomes = inputs.missing.map(missingOutcome);
  const byDisplay = new Map<string, string>();
  for (const f of inputs.files) byDisplay.set(displayPath(resolve(f)), resolve(f));
  const all = [...byDisplay.keys()].sort((a, b) => (shardKey(a) < shardKey(b) ? -1 : shardKey(a) > shardKey(b) ? 1 : 0));
  const selected = opts.shard ? selectShard(all, opts.shard) : all;

  const style = terminalStyle(process.stdout);
  for (const o of outcomes) process.stdout.write(formatOutcomeLine(o, style) + '\n');
  const progress = new ProgressBar(process.stderr, selected.length);
  const decided: CheckOutcome[] = new Array(selected.length);
  const expectationFor = expectationFinder(tables, opts, byDisplay);
  const gate: GateOptions = { allowVacuous: opts.allowVacuous, requireExpectations: opts.requireExpectations };
  let finished = 0;
  // Printed in path order whatever the completion order, so logs are the same for any --jobs.
  const print = inPathOrder((index, run: TestRun) => {
    progress.clear();
    printOutcome(run, decided[index], style);
  });
  // A verdict (and the data-race flag) is all a gate compares, except with a baseline's states.
  const verdictOnly = !opts.allStates && opts.baseline === undefined && opts.updateBaseline === undefined;
  const runs = await decideFiles(selected, decider, {
    spec: { ...decider.spec, verdictOnly },
    jobs: opts.jobs,
    onResult: (index, run) => {
      decided[index] = annotateOutcome(decideOutcome(run, expectationFor(run), gate), run, decider, opts);
      progress.update(++finished);
      print(index, run);
    },
  });
  progress.stop();
  outcomes.push(...decided);
  return finishCheck(outcomes, runs, tables, byDisplay, opts, decider);
}

/** The exit code, the baseline and the reports, and the closing line. */
function finishCheck(outcomes: CheckOutcome[], runs: TestRun[], tables: Tables, byDisplay: Map<string, string>, opts: CheckCliOptions, decider: Decider): number {
  const codes = [checkExitCode(outcomes)];
  if (opts.updateBaseline !== undefined) codes.push(updateBaseline(opts.updateBaseline, tables.update, runs, byDisplay));
  const report = buildCheckReport(outcomes, decider.spec.model, opts.shard ? [`${opts.shard.index}/${opts.shard.count}`] : []);
  codes.push(writeReporters(report, opts.reporter ?? []));
  process.stdout.write(closingLine(summarise(outcomes)) + '\n');
  return combineExit(codes);
}

function selfExpectation(run: Extract<TestRun, { kind: 'result' }>, baselineFile: string): Expectation {
  const j = run.result.judgement;
  return {
    verdict: j.observation,
    dataRace: j.flags.includes('data-race'),
    source: { kind: 'baseline', file: displayPath(baselineFile), line: 1, col: 1 },
  };
}

/** Write the reports a run asked for; the exit code for any that could not be written. */
export function writeReporters(report: CheckReport, reporters: readonly ReporterSpec[]): number {
  let code = EXIT_OK;
  for (const spec of reporters) {
    if (spec.kind === 'github') {
      process.stdout.write(formatGithubAnnotations(report.tests.map(outcomeToCase)));
      continue;
    }
    const text = spec.kind === 'json' ? checkReportJsonChunks(report) : junitChunks('litmus-check', report.tests.map(outcomeToCase));
    const err = writeReport(spec.file, text);
    if (err) {
      process.stderr.write(`litmus-check: ${err}\n`);
      code = EXIT_BAD_INPUT;
    }
  }
  return code;
}

/** Record every complete result in the baseline, keeping entries for tests this run did not decide. */
function updateBaseline(file: string, existing: ExpectationTable | undefined, runs: readonly TestRun[], byDisplay: Map<string, string>): number {
  const dir = resolve(file, '..');
  const entries = new Map<string, BaselineEntry>();
  for (const [key, e] of existing?.entries ?? []) entries.set(key, { verdict: e.verdict, dataRace: e.dataRace, ...(e.states ? { states: e.states } : {}), ...(e.model ? { model: e.model } : {}) });
  let written = 0;
  for (const run of runs) {
    if (run.kind !== 'result' || !run.result.judgement.complete) continue;
    const o = decideOutcome(run, null);
    if (!o.actual) continue;
    entries.set(baselineKey(dir, byDisplay.get(run.file)!), { verdict: o.actual.observation, dataRace: o.actual.dataRace, states: o.actual.states, model: run.result.model });
    written++;
  }
  const err = writeReport(file, formatBaseline(entries));
  if (err) {
    process.stderr.write(`litmus-check: ${err}\n`);
    return EXIT_BAD_INPUT;
  }
  process.stderr.write(`litmus-check: baseline ${file}: recorded ${written} test${written === 1 ? '' : 's'} (${entries.size} in all)\n`);
  return EXIT_OK;
}
