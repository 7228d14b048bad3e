// Deciding many test files on worker threads (for `check`, and `run --jobs`).
import { availableParallelism } from 'node:os';
import type { TestRun } from '../check/outcome.js';
import type { RunTask } from './run-one.js';
import type { KvmArch } from '../lower/kvm-arch.js';
import { runPool } from './worker-pool.js';

export interface ParallelOptions {
  model: string;
  jobs?: number;
  /** Per-test time limit (ms): the explorer's deadline, and a backstop past it. */
  timeoutMs?: number;
  maxExecutions?: number;
  unroll?: number;
  /** The KVM architecture of tests without a KvmArch= line (--kvm-arch). */
  kvmArch?: KvmArch;
  verdictOnly?: boolean;
  onResult?: (index: number, run: TestRun) => void;
  /** False: each run goes to onResult only, and the promise's array stays empty (long runs). */
  retainResults?: boolean;
}

export function defaultJobs(): number {
  return availableParallelism();
}

/**
 * How long past its deadline a test may run before its worker is terminated: the explorer checks
 * the clock only between candidates, so allow a margin before assuming it is stuck.
 */
export function backstopMs(timeoutMs: number): number {
  return Math.round(timeoutMs * 1.25 + 1000);
}

export function runInWorkers(files: readonly string[], opts: ParallelOptions): Promise<TestRun[]> {
  const tasks: RunTask[] = files.map((file) => ({ file, model: opts.model, timeoutMs: opts.timeoutMs, maxExecutions: opts.maxExecutions, unroll: opts.unroll, kvmArch: opts.kvmArch, verdictOnly: opts.verdictOnly }));
  return runPool<RunTask, TestRun>(tasks, {
    script: new URL('./decide-worker.js', import.meta.url),
    jobs: opts.jobs ?? defaultJobs(),
    taskTimeoutMs: opts.timeoutMs !== undefined ? backstopMs(opts.timeoutMs) : undefined,
    onOverrun: (task, elapsedMs) => ({
      kind: 'killed',
      file: task.file,
      reason: `timeout: stopped after ${(elapsedMs / 1000).toFixed(1)}s (the --timeout deadline passed and the test did not stop by itself)`,
      timeMs: elapsedMs,
    }),
    onCrash: (task, error) => {
      // Running out of memory is a limit like the time limit: incomplete, not a bad input.
      if ((error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') return { kind: 'killed', file: task.file, reason: 'out of memory', timeMs: 0 };
      const message = `internal error: the worker stopped: ${error.message}`;
      return { kind: 'error', file: task.file, diagnostics: [{ file: task.file, line: 1, col: 1, severity: 'error', message }], rendered: `${task.file}:1:1: error: ${message}`, timeMs: 0 };
    },
    onResult: opts.onResult,
    retainResults: opts.retainResults,
  });
}
