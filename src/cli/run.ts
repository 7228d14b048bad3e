// `litmus-check run`: decide litmus tests and report as a table, herd7's format or JSON.
import { gatherInputs, knownModel } from './inputs.js';
import { decideSource, resolveModel, warningsOf, type DecideOptions, type DecideResult, type TestResult } from '../api.js';
import { formatDiagnostic } from '../diagnostics.js';
import { formatHerd } from '../report/herd.js';
import { toJson } from '../report/json.js';
import { formatTable, type Row } from '../report/table.js';
import { expectationMismatch } from '../check/verdict.js';
import { EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INCOMPLETE, EXIT_OK, combineExit, summarizeExits } from './exit-codes.js';
import { collectLitmusFiles, readLitmusFile } from './files.js';
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
}

/** `run --jobs N`: decide the tests on worker threads, then report exactly as runCommand does. */
export async function runCommandParallel(paths: string[], opts: RunOptions): Promise<number> {
  if (!resolveModel(opts.model)) return runCommand(paths, opts);
  // Workers know the built-in models only: a model read from files runs here.
  if (wantsModelFiles(opts)) return runCommand(paths, opts);
  const { files } = collectLitmusFiles(paths);
  const runs = await runInWorkers(files, { model: opts.model, jobs: opts.jobs, timeoutMs: opts.timeout !== undefined ? opts.timeout * 1000 : undefined, maxExecutions: opts.maxExecutions, unroll: opts.unroll });
  return runCommand(paths, opts, new Map(runs.map((r) => [r.file, r])));
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
  const { files } = collectLitmusFiles(paths);
  if (!resolveModel(opts.model) || wantsModelFiles(opts) || files.length < 2 || defaultJobs() < 2) return runCommand(paths, opts);
  const task = (file: string) => ({ file, model: opts.model, timeoutMs: opts.timeout !== undefined ? opts.timeout * 1000 : undefined, maxExecutions: opts.maxExecutions, unroll: opts.unroll });
  const done = new Map<string, TestRun>();
  const start = performance.now();
  let next = 0;
  const worthWorkers = () => {
    const elapsed = performance.now() - start;
    return elapsed >= IN_PROCESS_MS && (elapsed / next) * (files.length - next) > WORTH_WORKERS_MS;
  };
  while (next < files.length && (next === 0 || !worthWorkers())) {
    done.set(files[next], runOne(task(files[next])));
    next++;
  }
  if (next < files.length) {
    const rest = await runInWorkers(files.slice(next), { model: opts.model, timeoutMs: task('').timeoutMs, maxExecutions: opts.maxExecutions, unroll: opts.unroll });
    for (const r of rest) done.set(r.file, r);
  }
  return runCommand(paths, opts, done);
}

export function runCommand(paths: string[], opts: RunOptions, precomputed?: Map<string, TestRun>): number {
  if (!knownModel(opts.model)) return EXIT_BAD_INPUT;
  const inputs = gatherInputs(paths);
  if (!inputs) return EXIT_BAD_INPUT;
  const { files, codes } = inputs;
  const custom = loadModelFromOptions(opts, opts.modelFlagGiven);
  if (custom === 'error') return EXIT_BAD_INPUT;
  const decideOptions: DecideOptions = { model: custom?.model ?? opts.model, timeoutMs: opts.timeout !== undefined ? opts.timeout * 1000 : undefined, maxExecutions: opts.maxExecutions, lower: { ...custom?.lower, unroll: opts.unroll } };
  const rows: Row[] = [];
  const json: unknown[] = [];
  for (const file of files) {
    const pre = precomputed?.get(file);
    if (pre && pre.kind !== 'result') {
      // Decided on a worker: an input error, or a test its worker had to stop (incomplete).
      const message = pre.kind === 'error' ? pre.rendered : `${file}: incomplete: ${pre.reason}`;
      process.stderr.write(message + '\n');
      rows.push({ file, error: pre.kind === 'error' ? pre.diagnostics[0]?.message : `incomplete: ${pre.reason}` });
      codes.push(pre.kind === 'error' ? EXIT_BAD_INPUT : EXIT_INCOMPLETE);
      continue;
    }
    const read = pre ? { ok: true as const, text: pre.source } : readLitmusFile(file);
    if (!read.ok) {
      process.stderr.write(`${file}:${read.pos.line}:${read.pos.col}: error: ${read.message}\n`);
      rows.push({ file, error: read.message });
      codes.push(EXIT_BAD_INPUT);
      continue;
    }
    const res = pre ? { ok: true as const, result: pre.result } : decideSafely(read.text, file, decideOptions);
    if (!res.ok) {
      for (const d of res.diagnostics) process.stderr.write(formatDiagnostic(d, d.file === file ? read.text : undefined) + '\n');
      rows.push({ file, error: res.diagnostics[0]?.message });
      codes.push(EXIT_BAD_INPUT);
      continue;
    }
    const r: TestResult = res.result;
    for (const w of warningsOf(r)) process.stderr.write(formatDiagnostic(w, read.text) + '\n');
    codes.push(!r.judgement.complete ? EXIT_INCOMPLETE : expectationMismatch(r) ? EXIT_FAILED : EXIT_OK);
    if (opts.format === 'herd') process.stdout.write(formatHerd(r, read.text) + '\n');
    else if (opts.format === 'json') json.push(toJson(r));
    else rows.push({ file, result: r });
  }
  if (opts.format === 'json') process.stdout.write(JSON.stringify(json, null, 2) + '\n');
  if (opts.format === 'text') process.stdout.write(formatTable(rows, terminalStyle(process.stdout)));
  // With several tests, a closing count (on stderr where stdout is machine-read).
  if (codes.length > 1) (opts.format === 'text' ? process.stdout : process.stderr).write(summarizeExits(codes) + '\n');
  return combineExit(codes);
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
