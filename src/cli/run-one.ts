// Running one test file to a TestRun: what each worker thread does for each task.
import { decideSource } from '../api.js';
import type { KvmArch } from '../lower/kvm-arch.js';
import type { TestRun } from '../check/outcome.js';
import { formatDiagnostic } from '../diagnostics.js';
import { readLitmusFile } from './files.js';

export interface RunTask {
  file: string;
  model: string;
  timeoutMs?: number;
  maxExecutions?: number;
  /** Unroll loops this many times (run --unroll). */
  unroll?: number;
  /** The KVM architecture of tests without a KvmArch= line (--kvm-arch). */
  kvmArch?: KvmArch;
  /** Verdict mode (run --verdict-only, check's default). */
  verdictOnly?: boolean;
}

export function runOne(task: RunTask): TestRun {
  const start = performance.now();
  const { file } = task;
  const elapsed = () => performance.now() - start;
  const read = readLitmusFile(file);
  if (!read.ok) {
    const { line, col } = read.pos;
    return { kind: 'error', file, diagnostics: [{ file, line, col, severity: 'error', message: read.message }], rendered: `${file}:${line}:${col}: error: ${read.message}`, timeMs: elapsed() };
  }
  try {
    const res = decideSource(read.text, file, { model: task.model, timeoutMs: task.timeoutMs, maxExecutions: task.maxExecutions, lower: { unroll: task.unroll, kvmArch: task.kvmArch }, verdictOnly: task.verdictOnly });
    if (!res.ok) return { kind: 'error', file, diagnostics: res.diagnostics, rendered: res.diagnostics.map((d) => formatDiagnostic(d, read.text)).join('\n'), timeMs: elapsed() };
    return { kind: 'result', file, result: res.result, source: read.text };
  } catch (e) {
    // A bug in the checker, not in the test: say so rather than crash the whole run.
    const message = `internal error: ${(e as Error).message}`;
    return { kind: 'error', file, diagnostics: [{ file, line: 1, col: 1, severity: 'error', message }], rendered: `${file}:1:1: error: ${message}`, timeMs: elapsed() };
  }
}
