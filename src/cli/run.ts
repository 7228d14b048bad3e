// `litmus-check run`: decide litmus tests and report as a table, herd7's format or JSON.
import { gatherInputs } from './inputs.js';
import { warningsOf, type TestResult } from '../api.js';
import { formatDiagnostic } from '../diagnostics.js';
import { formatHerd } from '../report/herd.js';
import { toJson } from '../report/json.js';
import { JsonArrayWriter } from '../report/json-array.js';
import { errorRow, formatTable, resultRow, type Row } from '../report/table.js';
import { expectationMismatch } from '../check/verdict.js';
import { EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INCOMPLETE, EXIT_OK, combineExit, summarizeExits } from './exit-codes.js';
import { stdoutStyle } from './style.js';
import type { TestRun } from '../check/outcome.js';
import { defaultJobs, runInWorkers } from './parallel.js';
import { inPathOrder } from './path-order.js';
import { runOne } from './run-one.js';
import { resolveDecider, type DecideFlags, type Decider } from './decide-spec.js';
import { stderrWrite, stdoutWrite } from './write-sync.js';

export interface RunOptions extends DecideFlags {
  format: 'text' | 'herd' | 'json';
  jobs?: number;
}

/**
 * Reports each test as soon as it is decided, so a run over thousands of tests never holds
 * their results or one giant string: herd and JSON output stream test by test (JSON as one
 * array, written element by element); the table keeps one short row per test.
 */
class RunReport {
  private readonly rows: Row[] = [];
  private readonly json: JsonArrayWriter | null;

  constructor(
    private readonly format: RunOptions['format'],
    /** Exit codes so far (one per missing path). */
    readonly codes: number[],
  ) {
    this.json = format === 'json' ? new JsonArrayWriter((piece) => stdoutWrite(piece)) : null;
  }

  private error(file: string, code: number): void {
    this.rows.push(errorRow(file));
    this.codes.push(code);
  }

  private result(r: TestResult, text: string): void {
    for (const w of warningsOf(r)) stderrWrite(formatDiagnostic(w, text) + '\n');
    this.codes.push(!r.judgement.complete ? EXIT_INCOMPLETE : expectationMismatch(r) ? EXIT_FAILED : EXIT_OK);
    if (this.format === 'herd') stdoutWrite(formatHerd(r, text) + '\n');
    else if (this.json) this.json.push(toJson(r));
    else this.rows.push(resultRow(r));
  }

  /** A test decided here or on a worker: its result, an input error, or a test that had to be stopped. */
  add(file: string, run: TestRun): void {
    if (run.kind === 'result') return this.result(run.result, run.source);
    stderrWrite((run.kind === 'error' ? run.rendered : `${file}: incomplete: ${run.reason}`) + '\n');
    this.error(file, run.kind === 'error' ? EXIT_BAD_INPUT : EXIT_INCOMPLETE);
  }

  finish(): number {
    if (this.json) {
      this.json.end();
      stdoutWrite('\n');
    }
    if (this.format === 'text') stdoutWrite(formatTable(this.rows, stdoutStyle()));
    // With several tests, a closing count (on stderr where stdout is machine-read).
    if (this.codes.length > 1) (this.format === 'text' ? stdoutWrite : stderrWrite)(summarizeExits(this.codes) + '\n');
    return combineExit(this.codes);
  }
}

interface Prepared {
  files: string[];
  decider: Decider;
  report: RunReport;
}

/** The checks every form of `run` makes first; null (after saying why) on bad input. */
function prepare(paths: string[], opts: RunOptions): Prepared | null {
  const decider = resolveDecider(opts);
  if (!decider) return null;
  const inputs = gatherInputs(paths);
  if (!inputs) return null;
  return { files: inputs.files, decider, report: new RunReport(opts.format, inputs.codes) };
}

/** Decide `files` on worker threads, reporting each in path order as soon as it and those before it are done. */
async function runOnWorkers(files: string[], opts: RunOptions, p: Prepared): Promise<void> {
  await runInWorkers(files, {
    spec: p.decider.spec,
    jobs: opts.jobs,
    retainResults: false,
    onResult: inPathOrder((index, run: TestRun) => p.report.add(files[index], run)),
  });
}

/** `run --jobs N`: decide the tests on worker threads; the output is the same as runCommand's. */
export async function runCommandParallel(paths: string[], opts: RunOptions): Promise<number> {
  const p = prepare(paths, opts);
  if (!p) return EXIT_BAD_INPUT;
  // Workers know the built-in models only: a model read from files runs in this process.
  if (p.decider.files) return runHere(p);
  await runOnWorkers(p.files, opts, p);
  return p.report.finish();
}

/** A run stays on the main thread at least this long... */
const IN_PROCESS_MS = 250;
/** ...and moves to every core only if what is left looks longer than this (workers start cold). */
const WORTH_WORKERS_MS = 1000;

/**
 * `run` without --jobs: quick runs stay in this process (workers cost start-up time); once a
 * run has taken IN_PROCESS_MS and the files left would take more than WORTH_WORKERS_MS at the
 * pace so far, the remaining files are decided on one worker per core.
 */
export async function runCommandAdaptive(paths: string[], opts: RunOptions): Promise<number> {
  const p = prepare(paths, opts);
  if (!p) return EXIT_BAD_INPUT;
  if (p.decider.files || defaultJobs() < 2) return runHere(p);
  const { files } = p;
  // process.hrtime: the global `performance` loads perf_hooks.
  const start = process.hrtime.bigint();
  let next = 0;
  const worthWorkers = () => {
    const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    return elapsed >= IN_PROCESS_MS && (elapsed / next) * (files.length - next) > WORTH_WORKERS_MS;
  };
  while (next < files.length && (next === 0 || !worthWorkers())) {
    p.report.add(files[next], runOne({ ...p.decider.spec, file: files[next] }));
    next++;
  }
  if (next < files.length) await runOnWorkers(files.slice(next), opts, p);
  return p.report.finish();
}

/** `run` in this process, one test after another. */
function runHere(p: Prepared): number {
  for (const file of p.files) p.report.add(file, runOne({ ...p.decider.spec, file }, p.decider.files));
  return p.report.finish();
}

/** `run` in this process (the library's tests call it directly). */
export function runCommand(paths: string[], opts: RunOptions): number {
  const p = prepare(paths, opts);
  return p ? runHere(p) : EXIT_BAD_INPUT;
}
