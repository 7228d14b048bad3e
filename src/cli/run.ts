// `litmus-check run`: decide litmus tests and report as a table, herd7's format or JSON.
import { gatherInputs, knownModel } from './inputs.js';
import type { KvmArch } from '../lower/kvm-arch.js';
import { decideSource, resolveModel, warningsOf, type DecideOptions, type DecideResult, type TestResult } from '../api.js';
import { formatDiagnostic } from '../diagnostics.js';
import { formatHerd } from '../report/herd.js';
import { toJson } from '../report/json.js';
import { JsonArrayWriter } from '../report/json-array.js';
import { errorRow, formatTable, resultRow, type Row } from '../report/table.js';
import { expectationMismatch } from '../check/verdict.js';
import { EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INCOMPLETE, EXIT_OK, combineExit, summarizeExits } from './exit-codes.js';
import { readLitmusFile } from './files.js';
import { terminalStyle } from './style.js';
import type { TestRun } from '../check/outcome.js';
import { defaultJobs, runInWorkers } from './parallel.js';
import { runOne } from './run-one.js';
import { loadModelFromOptions, wantsModelFiles, type ModelFileOptions } from './model-options.js';

export interface RunOptions extends ModelFileOptions {
  /** -m was given explicitly (it cannot be combined with model files). */
  modelFlagGiven?: boolean;
  model: string;
  format: 'text' | 'herd' | 'json';
  timeout?: number;
  maxExecutions?: number;
  jobs?: number;
  /** Unroll loops this many times (otherwise a loop is an error). */
  unroll?: number;
  /** The KVM architecture of tests without a KvmArch= line. */
  kvmArch?: KvmArch;
  /** Decide the verdict only (no state list): stops at the first deciding executions. */
  verdictOnly?: boolean;
}

/**
 * Reports each test as soon as it is decided, so a run over thousands of tests never holds
 * their results or one giant string: herd and JSON output stream test by test (JSON as one
 * array, written element by element); the table keeps one short row per test.
 */
class RunReport {
  private readonly rows: Row[] = [];
  private readonly json: JsonArrayWriter | null;
  readonly codes: number[];

  constructor(
    private readonly format: RunOptions['format'],
    /** How a test not decided on a worker is decided here. */
    private readonly options: DecideOptions,
    codes: number[],
  ) {
    this.codes = codes;
    this.json = format === 'json' ? new JsonArrayWriter((piece) => process.stdout.write(piece)) : null;
  }

  private error(file: string, code: number): void {
    this.rows.push(errorRow(file));
    this.codes.push(code);
  }

  private result(r: TestResult, text: string): void {
    for (const w of warningsOf(r)) process.stderr.write(formatDiagnostic(w, text) + '\n');
    this.codes.push(!r.judgement.complete ? EXIT_INCOMPLETE : expectationMismatch(r) ? EXIT_FAILED : EXIT_OK);
    if (this.format === 'herd') process.stdout.write(formatHerd(r, text) + '\n');
    else if (this.json) this.json.push(toJson(r));
    else this.rows.push(resultRow(r));
  }

  /** A run decided elsewhere (a worker), or here. */
  add(file: string, run: TestRun | null): void {
    if (run && run.kind !== 'result') {
      // Decided on a worker: an input error, or a test its worker had to stop (incomplete).
      process.stderr.write((run.kind === 'error' ? run.rendered : `${file}: incomplete: ${run.reason}`) + '\n');
      this.error(file, run.kind === 'error' ? EXIT_BAD_INPUT : EXIT_INCOMPLETE);
      return;
    }
    const read = run ? { ok: true as const, text: run.source } : readLitmusFile(file);
    if (!read.ok) {
      process.stderr.write(`${file}:${read.pos.line}:${read.pos.col}: error: ${read.message}\n`);
      this.error(file, EXIT_BAD_INPUT);
      return;
    }
    const res = run ? { ok: true as const, result: run.result } : decideSafely(read.text, file, this.options);
    if (!res.ok) {
      for (const d of res.diagnostics) process.stderr.write(formatDiagnostic(d, d.file === file ? read.text : undefined) + '\n');
      this.error(file, EXIT_BAD_INPUT);
      return;
    }
    this.result(res.result, read.text);
  }

  finish(): number {
    if (this.json) {
      this.json.end();
      process.stdout.write('\n');
    }
    if (this.format === 'text') process.stdout.write(formatTable(this.rows, terminalStyle(process.stdout)));
    // With several tests, a closing count (on stderr where stdout is machine-read).
    if (this.codes.length > 1) (this.format === 'text' ? process.stdout : process.stderr).write(summarizeExits(this.codes) + '\n');
    return combineExit(this.codes);
  }
}

interface Prepared {
  files: string[];
  report: RunReport;
}

/** The checks every form of `run` makes first; null (after saying why) on bad input. */
function prepare(paths: string[], opts: RunOptions): Prepared | null {
  if (!knownModel(opts.model)) return null;
  const inputs = gatherInputs(paths);
  if (!inputs) return null;
  const custom = loadModelFromOptions(opts, opts.modelFlagGiven);
  if (custom === 'error') return null;
  const options: DecideOptions = { model: custom?.model ?? opts.model, timeoutMs: timeoutMs(opts), maxExecutions: opts.maxExecutions, lower: { ...custom?.lower, unroll: opts.unroll, kvmArch: opts.kvmArch }, verdictOnly: opts.verdictOnly };
  return { files: inputs.files, report: new RunReport(opts.format, options, inputs.codes) };
}

function timeoutMs(opts: RunOptions): number | undefined {
  return opts.timeout !== undefined ? opts.timeout * 1000 : undefined;
}

/** Decide `files` on worker threads, reporting each in path order as soon as it and those before it are done. */
async function runOnWorkers(files: string[], opts: RunOptions, p: Prepared): Promise<void> {
  const waiting = new Map<number, TestRun>();
  let printed = 0;
  await runInWorkers(files, {
    model: opts.model,
    jobs: opts.jobs,
    timeoutMs: timeoutMs(opts),
    maxExecutions: opts.maxExecutions,
    unroll: opts.unroll,
    kvmArch: opts.kvmArch,
    verdictOnly: opts.verdictOnly,
    retainResults: false,
    onResult: (index, run) => {
      waiting.set(index, run);
      for (let r = waiting.get(printed); r !== undefined; r = waiting.get(printed)) {
        waiting.delete(printed);
        p.report.add(files[printed++], r);
      }
    },
  });
}

/** Workers know the built-in models only: a model read from files runs in this process. */
function workersCan(opts: RunOptions): boolean {
  return resolveModel(opts.model) !== undefined && !wantsModelFiles(opts);
}

/** `run --jobs N`: decide the tests on worker threads; the output is the same as runCommand's. */
export async function runCommandParallel(paths: string[], opts: RunOptions): Promise<number> {
  if (!workersCan(opts)) return runCommand(paths, opts);
  const p = prepare(paths, opts);
  if (!p) return EXIT_BAD_INPUT;
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
  if (!workersCan(opts) || defaultJobs() < 2) return runCommand(paths, opts);
  const p = prepare(paths, opts);
  if (!p) return EXIT_BAD_INPUT;
  const { files } = p;
  const start = performance.now();
  let next = 0;
  const worthWorkers = () => {
    const elapsed = performance.now() - start;
    return elapsed >= IN_PROCESS_MS && (elapsed / next) * (files.length - next) > WORTH_WORKERS_MS;
  };
  while (next < files.length && (next === 0 || !worthWorkers())) {
    p.report.add(files[next], runOne({ file: files[next], model: opts.model, timeoutMs: timeoutMs(opts), maxExecutions: opts.maxExecutions, unroll: opts.unroll, kvmArch: opts.kvmArch, verdictOnly: opts.verdictOnly }));
    next++;
  }
  if (next < files.length) await runOnWorkers(files.slice(next), opts, p);
  return p.report.finish();
}

/** `run` in this process, one test after another. */
export function runCommand(paths: string[], opts: RunOptions): number {
  const p = prepare(paths, opts);
  if (!p) return EXIT_BAD_INPUT;
  for (const file of p.files) p.report.add(file, null);
  return p.report.finish();
}
/** decideSource, with a crash turned into an error for this file: the other files still run. */
function decideSafely(text: string, file: string, options: DecideOptions): DecideResult {
  try {
    return decideSource(text, file, options);
  } catch (e) {
    const message = `internal error (a bug in litmus-check, please report it): ${e instanceof Error ? e.message : String(e)}`;
    return { ok: false, diagnostics: [{ file, line: 1, col: 1, severity: 'error', message }] };
  }
}
