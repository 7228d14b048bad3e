// Deciding many test files on worker threads (for `check`, and `run --jobs`).
import { availableParallelism } from 'node:os';
import type { TestRun } from '../check/outcome.js';
import type { DecideSpec, Decider } from './decide-spec.js';
import { internalError } from './failures.js';
import { fileError, runOne, type RunTask } from './run-one.js';
import { runPool } from './worker-pool.js';

export interface ParallelOptions {
  /** What every file is decided with; its timeoutMs is also the backstop's base. */
  spec: DecideSpec;
  jobs?: number;
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
  const tasks: RunTask[] = files.map((file) => ({ ...opts.spec, file }));
  const { timeoutMs } = opts.spec;
  return runPool<RunTask, TestRun>(tasks, {
    script: new URL('./decide-worker.js', import.meta.url),
    jobs: opts.jobs ?? defaultJobs(),
    taskTimeoutMs: timeoutMs !== undefined ? backstopMs(timeoutMs) : undefined,
    onOverrun: (task, elapsedMs) => ({
      kind: 'killed',
      file: task.file,
      reason: `timeout: stopped after ${(elapsedMs / 1000).toFixed(1)}s (the --timeout deadline passed and the test did not stop by itself)`,
      timeMs: elapsedMs,
    }),
    onCrash: (task, error) => {
      // Running out of memory is a limit like the time limit: incomplete, not a bad input.
      if ((error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') return { kind: 'killed', file: task.file, reason: 'out of memory', timeMs: 0 };
      return fileError(task.file, internalError(new Error(`the worker stopped: ${error.message}`)), 0);
    },
    onResult: opts.onResult,
    retainResults: opts.retainResults,
  });
}

/**
 * Decide FILES on worker threads, or here one after another when the model was read from files
 * (workers know the built-in models only); `spec` overrides the decider's (check's verdict mode).
 */
export async function decideFiles(files: readonly string[], decider: Decider, opts: ParallelOptions): Promise<TestRun[]> {
  if (!decider.files) return runInWorkers(files, opts);
  const out: TestRun[] = [];
  for (const [index, file] of files.entries()) {
    const run = runOne({ ...opts.spec, file }, decider.files);
    if (opts.retainResults !== false) out.push(run);
    opts.onResult?.(index, run);
  }
  return out;
}
