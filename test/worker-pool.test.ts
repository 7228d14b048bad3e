// The worker pool and the progress bar, with a toy worker script (so the pool is tested on its
// own, independent of the checker): results come back in task order whatever the completion
// order, a task that overruns has its worker terminated and the rest still run, and a worker
// that dies costs only its own task.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPool } from '../src/cli/worker-pool.js';
import { ProgressBar } from '../src/cli/progress.js';

const TOY = resolve(__dirname, 'fixtures/check/workers/toy.mjs');

interface Task {
  value: number;
  delayMs?: number;
  spin?: boolean;
  throw?: boolean;
  exit?: boolean;
}
type Result = { value: number; thread?: number } | { overrun: number } | { crashed: string };

function pool(tasks: Task[], jobs: number, taskTimeoutMs?: number) {
  const completion: number[] = [];
  const done = runPool<Task, Result>(tasks, {
    script: TOY,
    jobs,
    taskTimeoutMs,
    onOverrun: (t) => ({ overrun: t.value }),
    onCrash: (t, e) => ({ crashed: `${t.value}: ${e.message}` }),
    onResult: (i) => completion.push(i),
  });
  return { done, completion };
}

describe('worker pool', () => {
  it('returns results in task order, using several threads', async () => {
    // Early tasks are slow, so they finish last.
    const tasks = [300, 200, 100, 0, 0, 0].map((delayMs, value) => ({ value, delayMs }));
    const { done, completion } = pool(tasks, 3);
    const results = await done;
    expect(results.map((r) => ('value' in r ? r.value : -1))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(completion).not.toEqual([0, 1, 2, 3, 4, 5]);
    expect(new Set(results.map((r) => ('thread' in r ? r.thread : 0))).size).toBe(3);
  });

  it('terminates a task that overruns and goes on with the others', async () => {
    const { done } = pool([{ value: 0 }, { value: 1, spin: true }, { value: 2 }, { value: 3 }], 1, 2000);
    const results = await done;
    expect(results).toEqual([
      expect.objectContaining({ value: 0 }),
      { overrun: 1 },
      expect.objectContaining({ value: 2 }),
      expect.objectContaining({ value: 3 }),
    ]);
  });

  it('reports a worker that throws or exits as that task crashing', async () => {
    const { done } = pool([{ value: 0, throw: true }, { value: 1, exit: true }, { value: 2 }], 2);
    const results = await done;
    expect(results[0]).toEqual({ crashed: '0: boom' });
    expect(results[1]).toEqual({ crashed: '1: worker exited with code 7' });
    expect(results[2]).toEqual(expect.objectContaining({ value: 2 }));
  });

  it('resolves at once with no tasks', async () => {
    expect(await pool([], 4).done).toEqual([]);
  });
});

describe('progress bar', () => {
  function fakeStream(isTTY: boolean) {
    const writes: string[] = [];
    const stream = { isTTY, columns: 60, write: (s: string) => writes.push(s) > 0 } as unknown as NodeJS.WriteStream;
    return { stream, writes };
  }

  it('draws on a terminal once the delay has passed, and erases itself', async () => {
    const { stream, writes } = fakeStream(true);
    const bar = new ProgressBar(stream, 4, 'tests', 0);
    bar.update(1);
    await new Promise((r) => setTimeout(r, 250));
    bar.stop();
    const drawn = writes.find((w) => w.includes('1/4 tests'));
    expect(drawn).toMatch(/\[#+\.+\] 1\/4 tests/);
    expect(writes[writes.length - 1]).toBe('\r\x1b[K');
  });

  it('stays silent when not a terminal, or before the delay', async () => {
    for (const [tty, delay] of [[false, 0], [true, 10_000]] as const) {
      const { stream, writes } = fakeStream(tty);
      const bar = new ProgressBar(stream, 4, 'tests', delay);
      await new Promise((r) => setTimeout(r, 250));
      bar.stop();
      expect(writes).toEqual([]);
    }
  });
});
