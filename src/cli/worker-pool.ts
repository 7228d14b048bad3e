// A small worker-thread pool: N workers, each taking the next task when it finishes one.
// A task that overruns its time limit has its worker terminated (the only way to stop a busy
// thread) and a fresh worker takes over the remaining tasks.
import { Worker } from 'node:worker_threads';

export interface PoolOptions<Task, Result> {
  /** The worker script: answers each { index, task } message with { index, result }. */
  script: URL | string;
  jobs: number;
  /** Terminate a worker whose current task has run this long (ms). */
  taskTimeoutMs?: number;
  /** The result to record for a task whose worker was terminated for overrunning. */
  onOverrun: (task: Task, elapsedMs: number) => Result;
  /** The result to record for a task whose worker died (crash, out of memory, bad script). */
  onCrash: (task: Task, error: Error) => Result;
  /** Called as each task finishes, in completion order. */
  onResult?: (index: number, result: Result) => void;
  /** False: results go to onResult only and are not kept (a long run's memory stays flat). */
  retainResults?: boolean;
}

interface Busy {
  index: number;
  started: number;
  timer?: NodeJS.Timeout;
}

/** Run every task; the promise resolves with the results in task order (unless not retained). */
export function runPool<Task, Result>(tasks: readonly Task[], opts: PoolOptions<Task, Result>): Promise<Result[]> {
  const results: Result[] = new Array<Result>(tasks.length);
  if (tasks.length === 0) return Promise.resolve(results);
  return new Promise((resolveAll) => {
    const live = new Set<Worker>();
    let next = 0;
    let done = 0;

    const finish = (index: number, result: Result) => {
      if (opts.retainResults !== false) results[index] = result;
      done++;
      opts.onResult?.(index, result);
      if (done === tasks.length) {
        for (const w of live) void w.terminate();
        live.clear();
        resolveAll(results);
      }
    };

    const retire = (w: Worker) => {
      live.delete(w);
      w.removeAllListeners();
      w.on('error', () => {}); // a late error from a terminated worker is of no interest
      void w.terminate();
    };

    const spawn = () => {
      const w = new Worker(opts.script);
      live.add(w);
      let busy: Busy | null = null;

      const give = () => {
        if (next >= tasks.length) {
          retire(w);
          return;
        }
        const index = next++;
        busy = { index, started: performance.now() };
        if (opts.taskTimeoutMs !== undefined) {
          busy.timer = setTimeout(() => {
            const b = busy!;
            busy = null;
            retire(w);
            if (next < tasks.length) spawn();
            finish(b.index, opts.onOverrun(tasks[b.index], performance.now() - b.started));
          }, opts.taskTimeoutMs);
        }
        w.postMessage({ index, task: tasks[index] });
      };

      const died = (error: Error) => {
        const b = busy;
        busy = null;
        if (b) clearTimeout(b.timer);
        retire(w);
        if (next < tasks.length) spawn();
        if (b) finish(b.index, opts.onCrash(tasks[b.index], error));
      };

      w.on('message', (m: { index: number; result: Result }) => {
        const b = busy;
        if (!b || m.index !== b.index) return;
        clearTimeout(b.timer);
        busy = null;
        finish(b.index, m.result);
        give();
      });
      w.on('error', died);
      w.on('exit', (code) => died(new Error(`worker exited with code ${code}`)));
      // The first task's clock starts when the thread runs, so a slow start on a loaded machine
      // is not charged to the task as an overrun.
      w.once('online', give);
    };

    const n = Math.max(1, Math.min(opts.jobs, tasks.length));
    for (let k = 0; k < n; k++) spawn();
  });
}
