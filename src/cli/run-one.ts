// Running one test file to a TestRun: what each worker thread does for each task, and what
// `run` and `check` do in this process.
import { decideSource } from '../api.js';
import type { TestRun } from '../check/outcome.js';
import { formatDiagnostic, type Diagnostic, type SourcePos } from '../diagnostics.js';
import { decideOptions, type DecideSpec, type FileModel } from './decide-spec.js';
import { internalError } from './failures.js';
import { formatReadError, readLitmusFile } from './files.js';

/** One file to decide, as a worker is sent it. */
export interface RunTask extends DecideSpec {
  file: string;
}

/** A TestRun for a file that could not be read (POS: where its bytes go wrong) or that crashed the checker. */
export function fileError(file: string, message: string, timeMs: number, pos?: SourcePos): TestRun {
  // Reports that need a position (JUnit, GitHub annotations) point at the file's start.
  const d: Diagnostic = { file, line: pos?.line ?? 1, col: pos?.col ?? 1, severity: 'error', message };
  return { kind: 'error', file, diagnostics: [d], rendered: formatReadError(file, { message, pos }), timeMs };
}

/** Decide TASK; FILES is a model read from files (in this process only: workers get null). */
export function runOne(task: RunTask, files: FileModel | null = null): TestRun {
  // process.hrtime: the global `performance` loads perf_hooks, ~1 ms of a one-test process.
  const start = process.hrtime.bigint();
  const { file } = task;
  const elapsed = () => Number(process.hrtime.bigint() - start) / 1e6;
  const read = readLitmusFile(file);
  if (!read.ok) return fileError(file, read.message, elapsed(), read.pos);
  try {
    const res = decideSource(read.text, file, decideOptions(task, files));
    if (!res.ok) return { kind: 'error', file, diagnostics: res.diagnostics, rendered: res.diagnostics.map((d) => formatDiagnostic(d, d.file === file ? read.text : undefined)).join('\n'), timeMs: elapsed() };
    return { kind: 'result', file, result: res.result, source: read.text };
  } catch (e) {
    // A bug in the checker, not in the test: say so rather than crash the whole run.
    return fileError(file, internalError(e), elapsed());
  }
}
